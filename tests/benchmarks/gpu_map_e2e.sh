#!/usr/bin/env bash
# The GPU map run (issue #17, item 3), staged by gpu_stage_map.sh: installs onnxruntime-gpu,
# the model and the layout's wheels, then runs gpu_map.py (the ONNX kNN graph alone, 100k
# and 1M) and gpu_map_e2e.py (texts to the final layout, 100k and 1M, against the CPU
# path). Results land in $OUT (gpu_map*.md, gpu_map*.json, log*.txt).
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
if [ ! -d /tmp/site/numba ]; then
  mkdir -p /tmp/whl && cat /tmp/whlp/wheels.* | tar -x -C /tmp/whl &&
  python3 -m pip install -q --no-index --no-deps --target /tmp/site /tmp/whl/wheels/*.whl || echo "wheels install failed"
fi
timeout "${KNN_TIMEOUT:-150}" python3 tests/benchmarks/gpu_map.py --out "$OUT" 2>&1 | tee "$OUT/log_knn.txt"
timeout "${E2E_TIMEOUT:-330}" python3 tests/benchmarks/gpu_map_e2e.py --model /tmp/model/model --out "$OUT" "$@" 2>&1 | tee "$OUT/log_e2e.txt"
