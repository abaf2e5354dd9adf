#!/usr/bin/env bash
# Prepared GPU-machine check for issue 9 (fused compiled steps + CUDA-graph capture), sized to finish in
# under 8 minutes: every command has its own timeout (sum 450 s) and `rnnkit bench --out` appends each
# finished row to bench.partial.jsonl at once, so a command cut short keeps what it measured.
#   1. GPU tests: fused == eager engine on CUDA, captured training == eager training (Adam
#      capturable=True), the graph cache by shape with eviction, lengths= falling back, the
#      capturable check; plus the core CUDA oracle tests.
#   2. rnnkit bench --device cuda --fused on the shapes (--shapes gpu-sweep), LSTM (the plain math
#      vs cuDNN) and LayerNorm LSTM, at fp32 (TF32 off everywhere) and bf16; columns: torch.nn (cuDNN),
#      rnnkit (auto), fused (eager launches), graph (fused + whole train step in one CUDA graph), peak MB.
#   3. the other cells/variants at (B64,T256,H256) and (B256,T100,H512), fp32 (with the lstm rows, so
#      every row has its ratio to cuDNN LSTM).
# The slow autograd loop is left out (--no-autograd); its GPU numbers are in docs/benchmarks.md.
set -u
export PYTHONPATH=src PYTHONUNBUFFERED=1 MPLBACKEND=Agg
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  python3 -c "import torch, triton; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cudnn', torch.backends.cudnn.version(), 'triton', triton.__version__)"
} 2>&1 | tee "$OUT/fused_gpu.txt"
timeout 120 python3 -m pytest -q -p no:cacheprovider -o addopts="" tests/test_accelerate.py tests/test_cuda.py \
  2>&1 | tail -15 | tee "$OUT/fused_gpu_tests.txt"
timeout 140 python3 -m rnnkit bench --device cuda --cells lstm lstm-layernorm --shapes gpu-sweep --precision fp32 \
  --fused --no-autograd --reps 3 --budget-s 0.3 --out "$OUT/fp32" 2>"$OUT/fp32_progress.txt" | tee "$OUT/bench_fp32.md"
timeout 100 python3 -m rnnkit bench --device cuda --cells lstm lstm-layernorm --shapes gpu-sweep --precision bf16 \
  --fused --no-autograd --reps 3 --budget-s 0.3 --out "$OUT/bf16" 2>"$OUT/bf16_progress.txt" | tee "$OUT/bench_bf16.md"
timeout 90 python3 -m rnnkit bench --device cuda --cells lstm gru gru-layernorm lstm-peephole lstm-zoneout \
  lstm-recdropout lstm-proj elman gru-zoneout --shapes 64,256,256,256 256,100,512,512 --precision fp32 \
  --fused --no-autograd --reps 3 --budget-s 0.3 --out "$OUT/variants" 2>"$OUT/variants_progress.txt" \
  | tee "$OUT/bench_variants.md"
ls -l "$OUT"
