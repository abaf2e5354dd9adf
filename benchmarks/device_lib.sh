# Sourced by the prepared device runs (benchmarks/device_check_*.sh): strict mode, the environment, the
# output folders ($OUT: what comes back; $W: the raw results, tarred at the end), the streamed log, stage(),
# and the versions header. Set W before sourcing to name the results folder.
set -u
export PYTHONPATH=src PYTHONUNBUFFERED=1 MPLBACKEND=Agg
OUT=${OUT:-/tmp/out}; W=${W:-/tmp/wdev}; mkdir -p "$OUT" "$W"
LOG="$OUT/log.txt"
stage() { echo "=== $(date -u +%T) $*" | tee -a "$LOG"; }
finish() { stage "done"; tar czf "$OUT/results.tgz" -C "$W" . && ls -l "$OUT" | tee -a "$LOG"; }

stage "versions"
{ nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv
  python3 -c "import torch, triton; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'triton', triton.__version__)"; } 2>&1 | tee -a "$LOG"
