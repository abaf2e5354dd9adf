#!/usr/bin/env bash
# Issue 18's fourth prepared GPU run (about 4 minutes; stage timeouts sum 235 s), for the next session lent a
# device. Open since the H200 run of 2026-12-04: MinGRU at B16, T4096, H128 is 14.0x cuDNN GRU captured in fp32
# and 18.9x with TF32 (target >= 20x); the profile had the bias gradient's column sum over all T*B rows of dP
# at 80 us of 0.70 ms busy. The backward kernel now sums each block's gradient over its time chunk (per lane)
# as it stores it, and the bias gradient is a sum over NCH*B rows (tests/test_triton_scan.py checks the
# numbers in the interpreter and compiles for sm_90; this run measures it).
#   1. the CUDA tests of the Triton kernels (bias gradient among every gradient, float64, chunked);
#   2. the kernels of one MinGRU train step (torch.profiler): the 80 us reduction should be gone;
#   3. graph vs graph, MinGRU at the issue's shapes, fp32 then TF32 (both sides), against cuDNN GRU;
#   4. bench_scan (eager, the standard figure) at T = 4096.
# Output: $OUT/log.txt (streamed) and $OUT/results.tgz.
W=${W:-/tmp/w18d}
source "$(dirname "$0")/device_lib.sh"

stage "Triton CUDA tests (timeout 60 s)"
timeout 60 python3 -m pytest -q -p no:cacheprovider -o addopts="" -rs tests/test_triton_scan.py -k cuda 2>&1 \
  | tail -12 | tee -a "$LOG"

stage "kernels of one MinGRU train step (timeout 40 s)"
timeout 40 python3 benchmarks/gpu_profile_mingru.py --T 4096 --B 16 --H 128 2>&1 | grep -v "^USDT\|^STAGE:" | tee -a "$LOG"

stage "graph vs graph MinGRU, fp32 (timeout 50 s)"
timeout 50 python3 benchmarks/gpu_graph_vs_graph.py --precision fp32 --cases mingru:16,4096,128 mingru:64,4096,256 \
  mingru:16,1024,128 --json "$W/graph_fp32.json" 2>&1 | grep -v "^USDT\|Warning\|warn" | tee -a "$LOG"
stage "graph vs graph MinGRU, tf32 on both (timeout 40 s)"
timeout 40 python3 benchmarks/gpu_graph_vs_graph.py --precision tf32 --cases mingru:16,4096,128 mingru:64,4096,256 \
  --json "$W/graph_tf32.json" 2>&1 | grep -v "^USDT\|Warning\|warn" | tee -a "$LOG"

stage "bench_scan MinGRU T=4096 (timeout 45 s)"
timeout 45 python3 benchmarks/bench_scan.py --device cuda --cells mingru --T 4096 --shapes 16,128,128 64,256,256 \
  --scans chunked triton --reps 5 --budget 0.5 --json "$W/scan.json" 2>&1 | tee -a "$LOG"

finish
