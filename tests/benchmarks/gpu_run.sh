#!/usr/bin/env bash
# The GPU benchmark run (see gpu_stage.sh): installs the staged onnxruntime-gpu wheel and
# model, then runs gpu_embed.py; results land in $OUT (gpu_embed.md, gpu_embed.json, log).
set -uo pipefail
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 PYTHONPATH=/tmp/site:app${PYTHONPATH:+:$PYTHONPATH}
export PAPERSCOPE_SHARED=$PWD/.gpu/shared PAPERSCOPE_HOME=/tmp/ps-home
OUT=${OUT:-$PWD/gpu-out}; mkdir -p "$OUT"
if [ ! -d /tmp/site/onnxruntime ]; then
  name=$(cat .gpu/meta/name)
  cat /tmp/ortp/piece.* > "/tmp/ortp/$name" &&
  python3 -m pip install -q --no-index --no-deps --target /tmp/site "/tmp/ortp/$name" || echo "onnxruntime-gpu install failed"
fi
if [ ! -d /tmp/model ]; then
  mkdir -p /tmp/model && cat /tmp/modelp/model.* | tar -x -C /tmp/model || echo "model unpack failed"
fi
timeout "${BENCH_TIMEOUT:-480}" python3 tests/benchmarks/gpu_embed.py --model /tmp/model/model --out "$OUT" "$@" 2>&1 | tee "$OUT/log.txt"
