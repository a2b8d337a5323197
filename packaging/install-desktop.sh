#!/usr/bin/env bash
# Install PaperScope's launcher, icons and file associations for the current user.
# Run it after the Python package is installed:
#     packaging/install-desktop.sh [PATH_TO_paperscope]
# (default: the `paperscope` found on PATH, e.g. .venv/bin/paperscope after activation)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
icons="$here/../resources/icons"
exe="${1:-$(command -v paperscope || true)}"
if [ -z "$exe" ] || [ ! -x "$exe" ]; then
    echo "install-desktop: give the paperscope executable, e.g. $here/../.venv/bin/paperscope" >&2
    exit 2
fi
exe="$(cd "$(dirname "$exe")" && pwd)/$(basename "$exe")"
for tool in xdg-desktop-menu xdg-mime xdg-icon-resource; do
    command -v "$tool" >/dev/null || { echo "install-desktop: $tool is missing (install xdg-utils)" >&2; exit 2; }
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# the launcher runs this installation's executable
sed "s|^Exec=paperscope |Exec=\"$exe\" |" "$here/paperscope.desktop" > "$tmp/paperscope.desktop"
for size in 16 24 32 48 64 128 256 512; do
    xdg-icon-resource install --mode user --noupdate --novendor --context apps --size "$size" \
        "$icons/hicolor/${size}x${size}/apps/paperscope.png" paperscope
done
xdg-icon-resource forceupdate --mode user || true
mkdir -p "${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/scalable/apps"
cp "$icons/paperscope.svg" "${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/scalable/apps/"
xdg-mime install --mode user --novendor "$here/paperscope-mime.xml"
xdg-desktop-menu install --mode user --novendor "$tmp/paperscope.desktop"
for type in text/x-bibtex application/x-research-info-systems application/vnd.citationstyles.csl+json \
            application/x-tensorboard-events application/x-paperscope-workspace; do
    xdg-mime default paperscope.desktop "$type"
done
echo "installed: launcher, icons and file associations for $exe"
