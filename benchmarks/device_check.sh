#!/usr/bin/env bash
# One prepared script for a lent GPU machine: GPU tests of the core, then rnnkit bench on CUDA and the
# core benchmark on the CPU pinned to 2 cores (the CI machine's size). Everything lands in $OUT.
set -u
export PYTHONPATH=src PYTHONUNBUFFERED=1 MPLBACKEND=Agg
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cudnn', torch.backends.cudnn.version())"; } | tee "$OUT/gpu.txt"
timeout 45 python3 -m pytest -q -p no:cacheprovider -o addopts="" tests/test_cuda.py 2>&1 | tail -4 | tee "$OUT/gpu_tests.txt"
timeout 90 python3 -m rnnkit bench --device cuda --cells lstm gru lstm-bptt gru-bptt lstm-layernorm lstm-zoneout gru-layernorm \
  --shapes 64,256,256,256 1,512,512,512 --reps 3 --budget-s 1 --out "$OUT/cuda" 2>/dev/null | tee "$OUT/bench_cuda.md"
OMP_NUM_THREADS=2 timeout 80 taskset -c 0,1 python3 benchmarks/bench_core.py --device cpu --cells lstm gru \
  --json "$OUT/bench_cpu2.json" 2>&1 | tee "$OUT/bench_cpu2.md"
OMP_NUM_THREADS=2 timeout 40 taskset -c 0,1 python3 -m rnnkit bench --device cpu --cells lstm-layernorm lstm-peephole lstm-zoneout gru-layernorm \
  --shapes 32,100,64,128 --reps 3 --budget-s 1.5 2>/dev/null | tee "$OUT/bench_cpu2_variants.md"
