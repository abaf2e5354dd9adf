#!/usr/bin/env bash
# Prepared GPU-machine check for the fused Triton scan (MinGRU/MinLSTM, scan="triton"), about 4 minutes:
#  1. versions (GPU, torch, triton, numpy);
#  2. tests/test_triton_scan.py (the CUDA tests compare the compiled kernels with the chunked scan, float32
#     and float64, forward and every gradient; the interpreter tests skip there if that triton's
#     interpreter cannot run them) and tests/test_minimal_rnn.py;
#  3. the kernels a train step launches (torch.profiler): expected one GEMM + one scan kernel forward, one
#     scan kernel + GEMMs (+ the bias column sum) backward;
#  4. benchmarks/bench_scan.py on CUDA: triton vs chunked vs torch.nn.GRU (cuDNN) at T = 1024 and 4096,
#     three shapes, float32; then bfloat16 at one shape. The last lines say whether MinGRU's train step
#     reaches issue 9's target (>= 20x torch.nn.GRU at T = 4096).
# Everything lands in $OUT. Run from the repository root: bash benchmarks/device_check_triton.sh
set -u
export PYTHONPATH=src PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  python3 -c "import torch, numpy; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cudnn', torch.backends.cudnn.version(), 'numpy', numpy.__version__)"
  python3 -c "import triton; print('triton', triton.__version__)" || echo "triton: NOT IMPORTABLE (the triton path cannot run)"; } 2>&1 | tee "$OUT/triton_env.txt"

timeout 150 python3 -m pytest -q -p no:cacheprovider -o addopts="" -rs tests/test_triton_scan.py tests/test_minimal_rnn.py 2>&1 \
  | tail -25 | tee "$OUT/triton_tests.txt"

timeout 60 python3 - <<'PY' 2>&1 | tee "$OUT/triton_kernels.txt"
import torch
from torch.profiler import ProfilerActivity, profile
from rnnkit.layers.minimal import MinGRU
m = MinGRU(128, 128, scan="triton").cuda()
x = torch.randn(4096, 16, 128, device="cuda", requires_grad=True)
for _ in range(2):  # compile + warm up
    m(x)[0].sum().backward()
torch.cuda.synchronize()
with profile(activities=[ProfilerActivity.CUDA]) as prof:
    y, _ = m(x)
    y.sum().backward()
    torch.cuda.synchronize()
events = [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
print(f"CUDA kernels in one MinGRU train step (T=4096, B=16, I=H=128): {len(events)}")
for e in events:
    print(f"  {e.name[:90]:90s} {e.device_time_total:9.1f} us" if hasattr(e, "device_time_total") else f"  {e.name[:90]}")
PY

timeout 150 python3 benchmarks/bench_scan.py --device cuda --T 1024 4096 --shapes 16,128,128 64,256,256 1,512,512 \
  --scans chunked triton --reps 5 --budget 0.5 --json "$OUT/triton_bench_fp32.json" 2>&1 | tee "$OUT/triton_bench_fp32.md"
timeout 60 python3 benchmarks/bench_scan.py --device cuda --T 4096 --shapes 16,128,128 --dtype bfloat16 \
  --scans chunked triton --reps 5 --budget 0.5 --json "$OUT/triton_bench_bf16.json" 2>&1 | tee "$OUT/triton_bench_bf16.md"
