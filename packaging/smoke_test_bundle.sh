#!/usr/bin/env bash
# Smoke test of the built bundle (CI-optional: the build takes minutes): the bundled app
# starts, imports a paper file, loads runs, embeds with the shipped ONNX export, builds
# the semantic map (UMAP: numba, pynndescent, scikit-learn's clustering) and renders it,
# plots runs as a publication figure (matplotlib, PDF and SVG) and renders its window
# offscreen, the map pane included. The map is built twice (cold, then warm numba cache).
#
#     packaging/smoke_test_bundle.sh [BUNDLE_DIR]     (default dist/paperscope-cpu)
set -euo pipefail
cd "$(dirname "$0")/.."
bundle="${1:-dist/paperscope-cpu}"
app="$bundle/paperscope"
[ -x "$app" ] || { echo "smoke: build the bundle first (packaging/build_bundle.sh)" >&2; exit 2; }
echo "== smoke test of $bundle ($(du -sm "$bundle" | cut -f1) MB)"
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
export PAPERSCOPE_HOME="$home" QT_QPA_PLATFORM=offscreen HF_HUB_OFFLINE=1
"$app" --version
"$app" --library "$home/lib.duckdb" import resources/demo/daily-papers-page.txt
# head may close the pipe early: the app then stops quietly with 141 (128 + SIGPIPE), as
# Unix tools do; under pipefail only that status is forgiven
{ "$app" runs resources/demo/runs --json || [ $? -eq 141 ]; } | head -c 300; echo
"$app" --library "$home/lib.duckdb" embed
# twice, in two processes: the first compiles numba's kernels into the cache folder
# (entry.py: NUMBA_CACHE_DIR under PAPERSCOPE_HOME), the second loads them from there
for run in cold warm; do
    t=$(date +%s.%N)
    "$app" --library "$home/lib.duckdb" map --method umap --out "$home/map.png"
    echo "map build ($run numba cache): $(echo "$(date +%s.%N) - $t" | bc) s"
    if [ "$run" = cold ]; then
        n=$(find "$home/cache/numba" -name '*.nbi' 2>/dev/null | wc -l)
        [ "$n" -gt 0 ] || { echo "smoke: no numba cache under $home/cache/numba" >&2; exit 1; }
        echo "numba cache: $n kernels, $(du -sk "$home/cache/numba" | cut -f1) KiB"
    fi
done
"$app" plot resources/demo/runs/rl-trained-agents --metric rollout/ep_reward \
    --out "$home/plot.pdf" --csv "$home/plot.csv"
"$app" plot resources/demo/runs/rl-trained-agents --metric rollout/ep_reward --out "$home/plot.svg"
t=$(date +%s.%N)
"$app" --library "$home/lib.duckdb" --screenshot "$home/bundle.png"
echo "start to rendered window: $(echo "$(date +%s.%N) - $t" | bc) s"
python3 - "$home" <<'PY'
import sys
from pathlib import Path
home = Path(sys.argv[1])
for name, magic in (("bundle.png", b"\x89PNG\r\n\x1a\n"), ("map.png", b"\x89PNG\r\n\x1a\n"),
                    ("plot.pdf", b"%PDF-"), ("plot.svg", b"<?xml")):
    head = (home / name).read_bytes()[: len(magic)]
    assert head == magic, (name, head)
assert len((home / "plot.csv").read_text().splitlines()) > 1, "plot.csv is empty"
PY
shot="build/$(basename "$bundle")-screenshot.png"
mkdir -p build && cp "$home/bundle.png" "$shot"
echo "smoke test passed: $shot"
