#!/usr/bin/env bash
# The GPU map run (issue #17, item 3), staged by gpu_stage_map.sh: installs onnxruntime-gpu,
# the model and the layout's wheels (gpu_install.sh), then runs gpu_map.py (the ONNX kNN
# graph alone, 100k and 1M) and gpu_map_e2e.py (texts to the final layout, 100k and 1M,
# against the CPU path). Results land in $OUT (gpu_map*.md, gpu_map*.json, log*.txt).
set -uo pipefail
. tests/benchmarks/gpu_install.sh
timeout "${KNN_TIMEOUT:-150}" python3 tests/benchmarks/gpu_map.py --out "$OUT" 2>&1 | tee "$OUT/log_knn.txt"
timeout "${E2E_TIMEOUT:-330}" python3 tests/benchmarks/gpu_map_e2e.py --model /tmp/model/model --out "$OUT" "$@" 2>&1 | tee "$OUT/log_e2e.txt"
