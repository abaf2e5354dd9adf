#!/usr/bin/env bash
# One prepared script for a lent GPU machine (see docs/benchmarks.md): GPU tests, then the core
# benchmark on CUDA and on the CPU pinned to 2 cores (the CI machine's size). Writes to $OUT.
set -u
export PYTHONPATH=src PYTHONUNBUFFERED=1 MPLBACKEND=Agg
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT/gpu.txt"
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cudnn', torch.backends.cudnn.version())" | tee -a "$OUT/gpu.txt"
timeout 150 python3 -m pytest -q -p no:cacheprovider -o addopts="" ${GPU_TESTS:-tests/test_cuda.py} 2>&1 | tail -15 | tee "$OUT/gpu_tests.txt"
timeout 200 python3 benchmarks/bench_core.py --device cuda --cells lstm gru \
  --shapes 64,256,256,256 1,512,512,512 8,1024,256,256 --json "$OUT/bench_cuda.json" 2>&1 | tee "$OUT/bench_cuda.md"
OMP_NUM_THREADS=2 timeout 200 taskset -c 0,1 python3 benchmarks/bench_core.py --device cpu --cells lstm gru \
  --json "$OUT/bench_cpu2.json" 2>&1 | tee "$OUT/bench_cpu2.md"
