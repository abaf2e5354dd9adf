#!/usr/bin/env bash
# Prepared GPU-machine check for the parallel-scan cells (MinGRU/MinLSTM): the CPU tests, a CUDA
# float64 oracle check (every scan vs the sequential loop, outputs and gradients), then
# benchmarks/bench_scan.py on CUDA and on the CPU pinned to 2 cores (the CI machine's size). Writes $OUT.
set -u
export PYTHONPATH=src PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT/scan_gpu.txt"
python3 -c "import torch, os; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cpus', os.cpu_count())" | tee -a "$OUT/scan_gpu.txt"
timeout 90 python3 -m pytest -q -p no:cacheprovider -o addopts="" tests/test_minimal_rnn.py 2>&1 | tail -3 | tee -a "$OUT/scan_gpu.txt"
timeout 60 python3 - <<'PY' 2>&1 | tee -a "$OUT/scan_gpu.txt"
import torch
from rnnkit.layers.minimal import MinGRU, MinLSTM
torch.manual_seed(0)
for cls in (MinGRU, MinLSTM):
    m = cls(5, 6, num_layers=2, bidirectional=True, dtype=torch.float64).cuda()
    x = torch.randn(300, 4, 5, dtype=torch.float64, device="cuda")
    lengths = torch.tensor([300, 200, 17, 1])
    res = {}
    for scan in ("sequential", "chunked", "log"):
        m.scan = scan; m.zero_grad(); xi = x.clone().requires_grad_()
        y, h = m(xi, lengths=lengths); (y.square().sum() + h.sum()).backward()
        res[scan] = [y, h, xi.grad] + [p.grad for p in m.parameters()]
    for scan in ("chunked", "log"):
        err = max((a - b).abs().max().item() for a, b in zip(res[scan], res["sequential"]))
        print(f"cuda float64 {cls.__name__} {scan} vs sequential: max abs diff {err:.2e}", "OK" if err < 1e-8 else "FAIL")
PY
timeout 200 python3 benchmarks/bench_scan.py --device cuda --T 256 1024 2048 4096 --max-loop-T 1024 \
  --reps 5 --budget 1 --json "$OUT/scan_cuda.json" 2>&1 | tee "$OUT/scan_cuda.md"
OMP_NUM_THREADS=2 timeout 240 taskset -c 0,1 python3 benchmarks/bench_scan.py --device cpu --threads 2 \
  --T 256 1024 2048 4096 --max-loop-T 2048 --reps 3 --budget 1 --json "$OUT/scan_cpu2.json" 2>&1 | tee "$OUT/scan_cpu2.md"
