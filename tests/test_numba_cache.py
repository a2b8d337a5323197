"""The bundle's numba cache (packaging/entry.py, paperscope.core.numba_cache): a kernel
compiled in one frozen process is loaded, not recompiled, by the next, from the folder
NUMBA_CACHE_DIR names; and the umap-learn kernels PaperScope caches exist and are cached
in a pip install too."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_RUN = textwrap.dedent(
    """
    import sys
    sys.frozen = True  # as PyInstaller's bootloader sets it
    sys.path.insert(0, sys.argv[1])
    import toymod
    toymod.twice_plus_one.enable_caching()
    assert toymod.twice_plus_one(3) == 7
    stats = toymod.twice_plus_one.stats
    print(len(stats.cache_hits), len(stats.cache_misses), stats.cache_path)
    """
)


def _frozen_run(tmp_path: Path) -> tuple[int, int, str]:
    env = dict(os.environ)
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "cache" / "numba")
    env["NUMBA_CACHE_LOCATOR_CLASSES"] = "paperscope.core.numba_cache.BundleCacheLocator"
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    out = subprocess.run(
        [sys.executable, "-c", _RUN, str(tmp_path / "src")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    return int(out[0]), int(out[1]), out[2]


def test_frozen_kernel_cached_under_numba_cache_dir(tmp_path: Path) -> None:
    pytest.importorskip("numba")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "toymod.py").write_text(
        "import numba\n\n@numba.njit\ndef twice_plus_one(x):\n    return 2 * x + 1\n"
    )
    hits, misses, path = _frozen_run(tmp_path)
    assert (hits, misses) == (0, 1)
    assert Path(path).is_relative_to(tmp_path / "cache" / "numba")
    assert list(Path(path).glob("toymod.twice_plus_one-*.nbi"))
    hits, misses, _ = _frozen_run(tmp_path)
    assert (hits, misses) == (1, 0)


def test_umap_kernels_are_cached_in_a_pip_install_too() -> None:
    """The umap-learn kernels PaperScope caches exist, and loading umap turns their
    on-disk cache on outside the bundle too (a new process then loads them: a map's
    first build no longer recompiles them, 14-16 s on 2 cores)."""
    from paperscope.mapping import projection

    assert not getattr(sys, "frozen", False)
    projection._load_umap()
    import importlib

    for module_name, names in projection._UMAP_KERNELS.items():
        module = importlib.import_module(module_name)
        for name in names:
            kernel = getattr(module, name)
            assert hasattr(kernel, "enable_caching"), (module_name, name)
            assert type(kernel._cache).__name__ != "NullCache", (module_name, name)


def test_pynndescent_kernels_are_cached_too() -> None:
    """Loading pynndescent turns numba's on-disk cache on for its uncached kernels (all
    but the two numba cannot cache), so a new process no longer recompiles NN-descent's
    helpers (its first call: 42-58 s on 2 cores, 14-15 s from the cache)."""
    from numba.core.registry import CPUDispatcher

    from paperscope.mapping import neighbours

    neighbours._load_nndescent()
    import importlib

    cached, uncached = [], []
    for module_name in neighbours._NND_MODULES:
        for name, kernel in vars(importlib.import_module(module_name)).items():
            if isinstance(kernel, CPUDispatcher):
                null = type(kernel._cache).__name__ == "NullCache"
                (uncached if null else cached).append(name)
    assert sorted(set(uncached)) == sorted(neighbours._NND_UNCACHEABLE)
    # the kernels NN-descent and its search run, by name
    for name in ("make_heap", "checked_flagged_heap_push", "new_build_candidates", "dot"):
        assert name in cached, name
