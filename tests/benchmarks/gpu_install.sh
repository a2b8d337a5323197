# Sourced by the GPU runs (gpu_run.sh, gpu_map_e2e.sh): sets up the environment and
# installs what the staging runs left in /tmp (see gpu_stage.sh / gpu_stage_map.sh) —
# the onnxruntime-gpu wheel, the model, and, where staged, the layout's wheels.
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 PYTHONPATH=/tmp/site:app${PYTHONPATH:+:$PYTHONPATH}
export PAPERSCOPE_SHARED=$PWD/.gpu/shared PAPERSCOPE_HOME=/tmp/ps-home
OUT=${OUT:-$PWD/gpu-out}; mkdir -p "$OUT"
if [ ! -d /tmp/site/onnxruntime ]; then
  name=$(cat .gpu/meta/name)
  cat /tmp/ortp/piece.* > "/tmp/ortp/$name" &&
  python3 -m pip install -q --no-index --no-deps --target /tmp/site "/tmp/ortp/$name" || echo "onnxruntime-gpu install failed"
fi
if [ -d /tmp/modelp ] && [ ! -d /tmp/model ]; then
  mkdir -p /tmp/model && cat /tmp/modelp/model.* | tar -x -C /tmp/model || echo "model unpack failed"
fi
if [ -d /tmp/whlp ] && [ ! -d /tmp/site/numba ]; then
  mkdir -p /tmp/whl && cat /tmp/whlp/wheels.* | tar -x -C /tmp/whl &&
  python3 -m pip install -q --no-index --no-deps --target /tmp/site /tmp/whl/wheels/*.whl || echo "wheels install failed"
fi
