"""Remove from a built one-folder bundle what the app never loads, and strip symbol tables.

    python packaging/prune_bundle.py dist/paperscope-cpu

Run by ``build_bundle.sh`` before the smoke test (which, with the app's own commands, is
what proves nothing needed went). What goes:

- Qt's translations: the app installs no ``QTranslator``, so Qt never reads them;
- Qt platform plugins for the framebuffer, EGLFS, VNC and Vulkan displays (and the EGLFS
  device integrations and libraries only they link); xcb, wayland, offscreen and minimal stay;
- numba's TBB thread pool: it links ``libtbb.so.12``, which no wheel ships, so it never
  loads (numba uses its OpenMP or workqueue pool);
- the documentation screenshots, type stubs (``.pyi``), C headers and test folders that
  PyInstaller's data collection brought along;
- a vendored library present twice byte for byte (``numpy.libs`` and ``scipy.libs`` both
  carry the same libgfortran): the second becomes a relative symlink.

Symbol tables (``strip --strip-unneeded``) are removed from every shared object that has
one, except those auditwheel vendored into ``*.libs`` folders: patchelf rewrote their load
commands and a strip leaves them unloadable ("ELF load command address/offset not
page-aligned", seen with scipy's OpenBLAS). Every stripped file is checked by the dynamic
loader (``ld.so --list``) and restored if it no longer maps. At the end every shared object
left must still find each library it needs that the bundle held before pruning.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

LOADER = "/lib64/ld-linux-x86-64.so.2"
QT_PLATFORMS_DROPPED = ("eglfs", "linuxfb", "minimalegl", "vnc", "vkkhrdisplay")
QT_LIBS_DROPPED = ("libQt6EglFSDeviceIntegration.so", "libQt6EglFsKmsSupport.so")


def _is_elf(path: Path) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as f:
        return f.read(4) == b"\x7fELF"


def _needed(path: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
    return [line.split("[", 1)[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]


def _has_symtab(path: Path) -> bool:
    out = subprocess.run(["readelf", "-S", "-W", str(path)], capture_output=True, text=True)
    return " .symtab " in out.stdout


def _load_error(path: Path) -> str | None:
    """What the dynamic loader says when it cannot load ``path`` with its dependencies."""
    run = subprocess.run([LOADER, "--list", str(path)], capture_output=True, text=True)
    return None if run.returncode == 0 else run.stderr.strip() or f"status {run.returncode}"


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


def _size(path: Path) -> int:
    if path.is_symlink():
        return 0
    if path.is_dir():
        return sum(_size(p) for p in path.rglob("*") if not p.is_symlink() and p.is_file())
    return path.stat().st_size


def _remove(path: Path, why: str, freed: dict[str, int]) -> None:
    if not path.exists() and not path.is_symlink():
        return
    freed[why] = freed.get(why, 0) + _size(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def prune(bundle: Path) -> dict[str, int]:
    internal = bundle / "_internal"
    elves = [p for p in internal.rglob("*") if _is_elf(p)]
    names_before = {p.name for p in elves}
    freed: dict[str, int] = {}

    qt = internal / "PySide6" / "Qt"
    _remove(qt / "translations", "Qt translations", freed)
    for plat in QT_PLATFORMS_DROPPED:
        _remove(qt / "plugins" / "platforms" / f"libq{plat}.so", "Qt platform plugins", freed)
    _remove(qt / "plugins" / "egldeviceintegrations", "Qt platform plugins", freed)
    for lib in (qt / "lib").glob("*"):
        if lib.name.startswith(QT_LIBS_DROPPED):
            _remove(lib, "Qt platform plugins", freed)
    for pool in (internal / "numba" / "np" / "ufunc").glob("tbbpool*.so"):
        _remove(pool, "numba TBB pool (libtbb absent)", freed)
    _remove(internal / "paperscope" / "resources" / "screenshots", "screenshots", freed)
    for pattern, why in (("*.pyi", "stubs, headers, tests"), ("*.h", "stubs, headers, tests")):
        for p in list(internal.rglob(pattern)):
            _remove(p, why, freed)
    for p in sorted(internal.rglob("tests"), key=lambda p: -len(p.parts)):
        if p.is_dir() and not any(q.suffix == ".so" for q in p.rglob("*")):
            _remove(p, "stubs, headers, tests", freed)

    for link in [p for p in internal.rglob("*") if p.is_symlink() and not p.exists()]:
        link.unlink()  # PyInstaller's top-level links to what went (libQt6EglFs*)

    seen: dict[tuple[str, int], Path] = {}
    for lib in sorted(internal.glob("*.libs/*")):
        if not _is_elf(lib):
            continue
        twin = seen.get((lib.name, lib.stat().st_size))
        if twin is not None and filecmp.cmp(twin, lib, shallow=False):
            freed["duplicate vendored libraries"] = freed.get("duplicate vendored libraries", 0)
            freed["duplicate vendored libraries"] += lib.stat().st_size
            lib.unlink()
            lib.symlink_to(os.path.relpath(twin, lib.parent))
        else:
            seen[(lib.name, lib.stat().st_size)] = lib

    kept = [p for p in internal.rglob("*") if _is_elf(p)]
    for path in kept:
        if path.parent.name.endswith(".libs") or not _has_symtab(path):
            continue
        before = path.stat().st_size
        error_before = _load_error(path)
        backup = path.with_name(path.name + ".unstripped")
        shutil.copy2(path, backup)
        subprocess.run(["strip", "--strip-unneeded", str(path)], check=True)
        if _load_error(path) == error_before:
            freed["symbol tables (strip)"] = freed.get("symbol tables (strip)", 0)
            freed["symbol tables (strip)"] += before - path.stat().st_size
            backup.unlink()
        else:
            print(f"prune: {path.relative_to(bundle)} loads differently stripped: kept")
            backup.replace(path)

    present = {p.name for p in internal.rglob("*") if p.is_file()}
    missing = [
        f"{p.relative_to(bundle)} needs {n}"
        for p in internal.rglob("*")
        if _is_elf(p)
        for n in _needed(p)
        if n in names_before and n not in present
    ]
    if missing:
        raise SystemExit("prune: removed a library still needed:\n  " + "\n  ".join(missing))
    return freed


def main() -> int:
    if len(sys.argv) != 2:
        raise SystemExit("usage: prune_bundle.py BUNDLE_DIR")
    bundle = Path(sys.argv[1])
    before = _size(bundle)
    freed = prune(bundle)
    for why, n in sorted(freed.items(), key=lambda kv: -kv[1]):
        print(f"prune: {why}: {_mb(n)}")
    print(f"prune: {_mb(before)} -> {_mb(_size(bundle))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
