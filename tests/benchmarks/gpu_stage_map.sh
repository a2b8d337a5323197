#!/usr/bin/env bash
# Stage everything tests/benchmarks/gpu_map_e2e.sh needs on the H100/H200 machine (see
# ../shared/gpu/README.md): the onnxruntime-gpu wheel (.gpu/p0..p5 + .gpu/meta), the model
# and the paper files (gpu_stage.sh: .gpu/m0, .gpu/m1, .gpu/shared) and the wheels the
# layout needs there (numba, llvmlite, umap-learn, pynndescent for CPython 3.12) as a tar
# in .gpu/n0, .gpu/n1. Then one quick run per piece (60 s limit each), carrying it:
#   mkdir -p /tmp/ortp && cp .gpu/pK/* /tmp/ortp/          for K = 0..5
#   mkdir -p /tmp/modelp && cp .gpu/mK/* /tmp/modelp/      for K = 0..1
#   mkdir -p /tmp/whlp && cp .gpu/nK/* /tmp/whlp/          for K = 0..1
# and the run, carrying .gpu/meta and .gpu/shared: bash tests/benchmarks/gpu_map_e2e.sh
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
PY=${PY:-/work/main/.venv/bin/python}
bash "${PAPERSCOPE_SHARED:-$root/../shared}/gpu/stage-onnxruntime-gpu.sh"
bash tests/benchmarks/gpu_stage.sh
rm -rf .gpu/n0 .gpu/n1 .gpu/wheels .gpu/wheels.tar
mkdir -p .gpu/wheels
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
  --platform manylinux_2_28_x86_64 -d .gpu/wheels \
  "numba==$("$PY" -c 'import numba; print(numba.__version__)')" \
  "llvmlite==$("$PY" -c 'import llvmlite; print(llvmlite.__version__)')" \
  "umap-learn==$("$PY" -c 'import importlib.metadata as m; print(m.version("umap-learn"))')" \
  "pynndescent==$("$PY" -c 'import importlib.metadata as m; print(m.version("pynndescent"))')"
tar -C .gpu -cf .gpu/wheels.tar wheels
split -b 48M -d .gpu/wheels.tar .gpu/wheels.
i=0
for f in .gpu/wheels.[0-9]*; do mkdir -p ".gpu/n$i"; mv "$f" ".gpu/n$i/"; i=$((i + 1)); done
rm -rf .gpu/wheels .gpu/wheels.tar
echo "staged the layout's wheels as .gpu/n0 .. .gpu/n$((i - 1))"
