#!/usr/bin/env bash
# The GPU run of tests/benchmarks/gpu_map.py (the map's ONNX kNN graph on CUDA at 100k
# and 1M). Staging: only the onnxruntime-gpu wheel (../shared/gpu/stage-onnxruntime-gpu.sh,
# then one run per piece: `mkdir -p /tmp/ortp && cp .gpu/pK/* /tmp/ortp/` for K = 0..5);
# this run carries .gpu/meta. Results land in $OUT (gpu_map.md, gpu_map.json, log.txt).
set -uo pipefail
. tests/benchmarks/gpu_install.sh
timeout "${BENCH_TIMEOUT:-480}" python3 tests/benchmarks/gpu_map.py --out "$OUT" "$@" 2>&1 | tee "$OUT/log.txt"
