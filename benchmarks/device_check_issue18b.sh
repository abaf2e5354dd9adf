#!/usr/bin/env bash
# Issue 18's second prepared GPU run (about 6 minutes; stage timeouts sum 370 s), after the first one
# (device_check_issue18.sh) showed the Triton MinGRU scan latency-bound at B16, H128 (4x cuDNN GRU at
# T = 4096, one program per lane block): the time-chunked kernels.
#   1. the CUDA tests of the Triton kernels (tests/test_triton_scan.py -k cuda), the new time-chunk test
#      among them (1, 7 and 64 chunks against the chunked PyTorch scan in float64, every gradient);
#   2. benchmarks/gpu_sweep_scan.py: chunks=1 (the old geometry) vs the new default vs half / double the
#      chunks vs wider lane blocks, each against cuDNN GRU in the same run;
#   3. bench_scan.py (the standard figure: MinGRU triton / chunked vs cuDNN GRU, new defaults);
#   4. the kernels of one MinGRU train step (torch.profiler);
#   5. rnnkit bench at bf16: LSTM and LayerNorm LSTM, fused + graph vs cuDNN.
# Output: $OUT/log.txt (streamed) and $OUT/results.tgz.
set -u
export PYTHONPATH=src PYTHONUNBUFFERED=1 MPLBACKEND=Agg
OUT=${OUT:-/tmp/out}; W=${W:-/tmp/w18b}; mkdir -p "$OUT" "$W"
LOG="$OUT/log.txt"
stage() { echo "=== $(date -u +%T) $*" | tee -a "$LOG"; }

stage "versions"
{ nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv
  python3 -c "import torch, triton; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'triton', triton.__version__)"; } 2>&1 | tee -a "$LOG"

stage "Triton CUDA tests (timeout 90 s)"
timeout 90 python3 -m pytest -q -p no:cacheprovider -o addopts="" -rs tests/test_triton_scan.py -k cuda 2>&1 \
  | tail -12 | tee -a "$LOG"

stage "launch-geometry sweep (timeout 90 s)"
timeout 90 python3 benchmarks/gpu_sweep_scan.py --shapes 16,128,128 64,256,256 --T 4096 1024 \
  --json "$W/sweep.json" 2>&1 | tee -a "$LOG"

stage "bench_scan MinGRU, new defaults (timeout 60 s)"
timeout 60 python3 benchmarks/bench_scan.py --device cuda --cells mingru --T 4096 1024 --shapes 16,128,128 64,256,256 \
  --scans chunked triton --reps 5 --budget 0.5 --json "$W/scan.json" 2>&1 | tee -a "$LOG"

stage "kernels of one MinGRU train step (timeout 40 s)"
timeout 40 python3 - <<'PY' 2>&1 | grep -v "^USDT\|^STAGE:" | tee -a "$LOG"
import torch
from torch.profiler import ProfilerActivity, profile
from rnnkit.layers.minimal import MinGRU
m = MinGRU(128, 128, scan="triton").cuda()
x = torch.randn(4096, 16, 128, device="cuda", requires_grad=True)
for _ in range(3):
    m(x)[0].sum().backward()
torch.cuda.synchronize()
with profile(activities=[ProfilerActivity.CUDA]) as prof:
    y, _ = m(x)
    y.sum().backward()
    torch.cuda.synchronize()
ev = [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
span = (max(e.time_range.end for e in ev) - min(e.time_range.start for e in ev)) / 1e3
print(f"MinGRU train step T=4096 B=16 I=H=128: {len(ev)} kernels, busy {sum(e.time_range.elapsed_us() for e in ev) / 1e3:.3f} ms, span {span:.3f} ms")
for e in ev:
    print(f"  {e.time_range.elapsed_us():9.1f} us  {e.name[:100]}")
PY

stage "bench bf16 (timeout 90 s)"
timeout 90 python3 -m rnnkit bench --device cuda --cells lstm lstm-layernorm --shapes 8,1024,256,256 \
  64,256,256,256 256,100,512,512 --precision bf16 --fused --no-autograd --reps 3 --budget-s 0.3 --out "$W/bf16" \
  2>>"$LOG" | tee -a "$LOG"

stage "done"
tar czf "$OUT/results.tgz" -C "$W" . && ls -l "$OUT" | tee -a "$LOG"
