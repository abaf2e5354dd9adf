#!/usr/bin/env bash
# Issue 18's third prepared GPU run (about 3 minutes; stage timeouts sum 175 s): graph against graph.
# The first run's profile showed cuDNN's LSTM launching ~5 kernels per step and running launch-bound
# when called eagerly, so rnnkit's captured step is also compared with cuDNN's step captured the same way
# (benchmarks/gpu_graph_vs_graph.py), fp32 on every case, then TF32 on three.
set -u
export PYTHONPATH=src PYTHONUNBUFFERED=1 MPLBACKEND=Agg
OUT=${OUT:-/tmp/out}; W=${W:-/tmp/w18c}; mkdir -p "$OUT" "$W"
LOG="$OUT/log.txt"
stage() { echo "=== $(date -u +%T) $*" | tee -a "$LOG"; }
stage "versions"
{ nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  python3 -c "import torch, triton; print('torch', torch.__version__, 'cudnn', torch.backends.cudnn.version(), 'triton', triton.__version__)"; } 2>&1 | tee -a "$LOG"
stage "graph vs graph, fp32 (timeout 130 s)"
timeout 130 python3 benchmarks/gpu_graph_vs_graph.py --precision fp32 --json "$W/graph_fp32.json" 2>&1 \
  | grep -v "^USDT\|Warning\|warn" | tee -a "$LOG"
stage "graph vs graph, tf32 (timeout 45 s)"
timeout 45 python3 benchmarks/gpu_graph_vs_graph.py --precision tf32 --cases mingru:16,4096,128 lstm:8,1024,256 \
  lstm-layernorm:64,256,256 --json "$W/graph_tf32.json" 2>&1 | grep -v "^USDT\|Warning\|warn" | tee -a "$LOG"
stage "done"
tar czf "$OUT/results.tgz" -C "$W" . && ls -l "$OUT" | tee -a "$LOG"
