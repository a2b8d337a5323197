#!/usr/bin/env bash
# The GPU benchmark run (see gpu_stage.sh): installs the staged onnxruntime-gpu wheel and
# model, then runs gpu_embed.py; results land in $OUT (gpu_embed.md, gpu_embed.json, log).
set -uo pipefail
. tests/benchmarks/gpu_install.sh
timeout "${BENCH_TIMEOUT:-480}" python3 tests/benchmarks/gpu_embed.py --model /tmp/model/model --out "$OUT" "$@" 2>&1 | tee "$OUT/log.txt"
