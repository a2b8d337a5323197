#!/usr/bin/env bash
# Smoke test of the built bundle (CI-optional: the build takes minutes): the bundled app
# starts, imports a paper file, loads runs, embeds with the shipped ONNX export and
# renders its window offscreen.
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
t=$(date +%s.%N)
"$app" --library "$home/lib.duckdb" --screenshot "$home/bundle.png"
echo "start to rendered window: $(echo "$(date +%s.%N) - $t" | bc) s"
python3 -c "import sys; d=open(sys.argv[1],'rb').read(8); assert d==b'\x89PNG\r\n\x1a\n', d" "$home/bundle.png"
shot="build/$(basename "$bundle")-screenshot.png"
mkdir -p build && cp "$home/bundle.png" "$shot"
echo "smoke test passed: $shot"
