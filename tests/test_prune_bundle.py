"""packaging/prune_bundle.py on a small bundle-shaped folder made of real wheel libraries:
what the app never loads goes, a byte-identical vendored twin becomes a symlink, symbol
tables go only where the loader still loads the library as before, and a library something
still needs is never removed."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "packaging"))
import prune_bundle

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or shutil.which("strip") is None or shutil.which("readelf") is None,
    reason="ELF tools (binutils) on Linux",
)


def _bundle(tmp_path: Path) -> Path:
    import numba.np.ufunc.omppool as omppool
    import numpy
    import yaml._yaml

    bundle = tmp_path / "paperscope-cpu"
    internal = bundle / "_internal"
    qt = internal / "PySide6" / "Qt"
    for rel in (
        "translations/qtbase_de.qm",
        "plugins/platforms/libqvnc.so",
        "plugins/platforms/libqxcb.so",
        "plugins/egldeviceintegrations/libqeglfs-x11-integration.so",
        "lib/libQt6EglFSDeviceIntegration.so.6",
    ):
        (qt / rel).parent.mkdir(parents=True, exist_ok=True)
        (qt / rel).write_bytes(b"not an ELF")
    (internal / "libQt6EglFSDeviceIntegration.so.6").symlink_to(
        "PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6"
    )
    (internal / "paperscope" / "resources" / "screenshots").mkdir(parents=True)
    (internal / "paperscope" / "resources" / "screenshots" / "map.png").write_bytes(b"png")
    (internal / "pkg" / "tests").mkdir(parents=True)
    (internal / "pkg" / "tests" / "data.txt").write_text("x")
    (internal / "pkg" / "stub.pyi").write_text("x: int\n")
    ufunc = internal / "numba" / "np" / "ufunc"
    ufunc.mkdir(parents=True)
    shutil.copy2(omppool.__file__, ufunc / Path(omppool.__file__).name)
    (ufunc / "tbbpool.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
    shutil.copy2(yaml._yaml.__file__, internal / Path(yaml._yaml.__file__).name)
    libs = sorted((Path(numpy.__file__).parent.parent / "numpy.libs").glob("libgfortran*"))
    assert libs, "numpy's wheel vendors libgfortran"
    for folder in ("numpy.libs", "scipy.libs"):
        (internal / folder).mkdir()
        shutil.copy2(libs[0], internal / folder / libs[0].name)
    return bundle


def test_prune_removes_unloaded_files_and_strips_safely(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path)
    internal = bundle / "_internal"
    omp = next((internal / "numba" / "np" / "ufunc").glob("omppool*.so"))
    omp_error = prune_bundle._load_error(omp)
    yaml_so = next(internal.glob("_yaml*.so"))
    yaml_size = yaml_so.stat().st_size
    assert prune_bundle._has_symtab(yaml_so)

    freed = prune_bundle.prune(bundle)

    qt = internal / "PySide6" / "Qt"
    assert not (qt / "translations").exists()
    assert not (qt / "plugins" / "platforms" / "libqvnc.so").exists()
    assert (qt / "plugins" / "platforms" / "libqxcb.so").exists()
    assert not (qt / "plugins" / "egldeviceintegrations").exists()
    assert not (qt / "lib" / "libQt6EglFSDeviceIntegration.so.6").exists()
    assert not (internal / "libQt6EglFSDeviceIntegration.so.6").is_symlink()
    assert not (internal / "paperscope" / "resources" / "screenshots").exists()
    assert not (internal / "pkg" / "tests").exists()
    assert not (internal / "pkg" / "stub.pyi").exists()
    assert not list((internal / "numba" / "np" / "ufunc").glob("tbbpool*"))
    # the twin is a symlink to the first copy; the vendored libraries are never stripped
    numpy_lib = next((internal / "numpy.libs").iterdir())
    scipy_lib = next((internal / "scipy.libs").iterdir())
    assert numpy_lib.is_symlink() != scipy_lib.is_symlink()
    assert numpy_lib.read_bytes() == scipy_lib.read_bytes()
    assert freed["duplicate vendored libraries"] > 0
    # stripped, and the loader loads it as before; the patchelf'd one loads as before too
    assert not prune_bundle._has_symtab(yaml_so)
    assert yaml_so.stat().st_size < yaml_size
    assert prune_bundle._load_error(yaml_so) is None
    assert prune_bundle._load_error(omp) == omp_error
    assert not list(internal.rglob("*.unstripped"))


def test_prune_refuses_to_remove_a_needed_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = _bundle(tmp_path)
    yaml_so = next((bundle / "_internal").glob("_yaml*.so"))
    needed = prune_bundle._needed(yaml_so)
    assert needed
    # a bundle-held library that _yaml needs, named like one the pruning drops
    victim = bundle / "_internal" / "PySide6" / "Qt" / "lib" / needed[0]
    victim.write_bytes(b"\x7fELF")
    monkeypatch.setattr(prune_bundle, "QT_LIBS_DROPPED", (needed[0],))
    with pytest.raises(SystemExit, match="still needed"):
        prune_bundle.prune(bundle)
