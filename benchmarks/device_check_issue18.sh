#!/usr/bin/env bash
# Issue 18's prepared GPU run, one call of about 8 minutes (every stage has its own timeout, sum 480 s),
# priority first so a stage cut short loses the least important rows:
#   1. versions, then the GPU tests: fused == eager engine on CUDA, captured training == eager training,
#      the capture cache, the lengths fallback, the capturable check (tests/test_accelerate.py -k cuda);
#      every engine vs torch.nn/cuDNN on CUDA (tests/test_cuda.py); the Triton MinGRU/MinLSTM kernels vs
#      the chunked scan on CUDA (tests/test_triton_scan.py -k cuda).
#   2. rnnkit bench, fp32 (TF32 off), the shapes: plain LSTM math through fused + graph (target
#      <= 0.6 of cuDNN at B <= 8), LayerNorm LSTM (<= 1.0 at B <= 64, <= 1.3 at B256/H1024).
#   3. bench_scan.py: MinGRU triton / chunked vs cuDNN GRU at T = 1024, 4096 (target >= 20x at 4096).
#   4. peephole and zoneout LSTM (custom-cell targets as in 2).
#   5. benchmarks/gpu_profile_fused.py: kernels per step, busy vs span vs wall (where the time goes).
# Output: $OUT/log.txt (everything, streamed) and $OUT/results.tgz (JSON/JSONL of every stage).
# DEV=cpu with small SHAPES_* runs the same commands on a CPU (a dry run of the script itself).
set -u
export PYTHONPATH=src PYTHONUNBUFFERED=1 MPLBACKEND=Agg
OUT=${OUT:-/tmp/out}; W=${W:-/tmp/w18}; DEV=${DEV:-cuda}; mkdir -p "$OUT" "$W"
LOG="$OUT/log.txt"
SHAPES_LSTM=${SHAPES_LSTM:-"1,512,512,512 8,1024,256,256 64,256,256,256 256,100,512,512 64,256,1024,1024"}
SHAPES_LN=${SHAPES_LN:-"64,256,256,256 8,1024,256,256 1,512,512,512 256,100,512,512 64,256,1024,1024"}
SHAPES_VAR=${SHAPES_VAR:-"64,256,256,256 8,1024,256,256 256,100,512,512 64,256,1024,1024"}
SCANS=${SCANS:-"chunked triton"}; SCAN_T=${SCAN_T:-"4096 1024"}; SCAN_SHAPES=${SCAN_SHAPES:-"16,128,128 64,256,256"}
PROF_CASES=${PROF_CASES:-"lstm:1,512,512 lstm:8,1024,256 lstm-layernorm:8,1024,256 lstm-layernorm:64,256,256"}
stage() { echo "=== $(date -u +%T) $*" | tee -a "$LOG"; }
bench() {  # name timeout cells shapes
  stage "bench $1 (timeout $2 s)"
  timeout "$2" python3 -m rnnkit bench --device "$DEV" --cells $3 --shapes $4 --precision fp32 --fused \
    --no-autograd --reps 3 --budget-s 0.3 --out "$W/$1" 2>>"$LOG" | tee -a "$LOG"
  echo "exit ${PIPESTATUS[0]}" | tee -a "$LOG"
}

stage "versions"
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
  python3 -c "import torch, numpy, triton; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cudnn', torch.backends.cudnn.version(), 'numpy', numpy.__version__, 'triton', triton.__version__)"
  nproc; } 2>&1 | tee -a "$LOG"

stage "GPU tests (timeout 100 s)"
timeout 100 python3 -m pytest -q -p no:cacheprovider -o addopts="" -rs tests/test_cuda.py \
  "tests/test_accelerate.py" "tests/test_triton_scan.py" -k "cuda" 2>&1 | tail -30 | tee -a "$LOG"

bench fp32_lstm 75 lstm "$SHAPES_LSTM"
bench fp32_layernorm 80 lstm-layernorm "$SHAPES_LN"

stage "bench_scan MinGRU (timeout 70 s)"
timeout 70 python3 benchmarks/bench_scan.py --device "$DEV" --cells mingru --T $SCAN_T --shapes $SCAN_SHAPES \
  --scans $SCANS --reps 5 --budget 0.5 --json "$W/scan.json" 2>&1 | tee -a "$LOG"

bench fp32_variants 100 "lstm-peephole lstm-zoneout" "$SHAPES_VAR"

stage "profile (timeout 45 s)"
timeout 45 python3 benchmarks/gpu_profile_fused.py --device "$DEV" --cases $PROF_CASES --json "$W/profile.json" \
  2>&1 | grep -v "^USDT\|^STAGE:" | tee -a "$LOG"

stage "done"
tar czf "$OUT/results.tgz" -C "$W" . && ls -l "$OUT" | tee -a "$LOG"
