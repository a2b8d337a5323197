"""numba's on-disk cache for the frozen (PyInstaller) bundle, under PaperScope's cache folder.

A bundle holds its modules as bytecode inside the executable's archive, so no kernel has a
``.py`` file beside it: numba's ``NUMBA_CACHE_DIR`` locator then gives up, and only its
user-wide locator (``~/.cache/numba``, stamped with the executable's content) caches.
:class:`BundleCacheLocator` is that locator pointed at ``NUMBA_CACHE_DIR``, which the
bundle's entry point sets to ``cache_dir() / "numba"`` (``PAPERSCOPE_HOME`` honoured) and
names through ``NUMBA_CACHE_LOCATOR_CLASSES``; a rebuilt bundle (another executable)
invalidates what an older one compiled. numba imports this module itself, when it first
caches a kernel; nothing in a pip install uses it.
"""

from __future__ import annotations

import os
from typing import Any

from numba.core import config  # noqa: TID253 - imported by numba only, once it caches
from numba.core.caching import UserWideCacheLocator  # noqa: TID253


def _cache_dir() -> str:
    """``NUMBA_CACHE_DIR`` as numba read it ("" when unset)."""
    return str(getattr(config, "CACHE_DIR", "") or "")


class BundleCacheLocator(UserWideCacheLocator):  # type: ignore[misc]
    """numba's frozen-app locator, writing under ``NUMBA_CACHE_DIR`` instead of ``~/.cache``."""

    def __init__(self, py_func: Any, py_file: str) -> None:
        super().__init__(py_func, py_file)  # type: ignore[no-untyped-call]
        subpath: str = self.get_suitable_cache_subpath(py_file)  # type: ignore[no-untyped-call]
        self._cache_path = os.path.join(_cache_dir(), subpath)

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> BundleCacheLocator | None:
        if not _cache_dir():
            return None
        locator: BundleCacheLocator | None = super().from_function(  # type: ignore[no-untyped-call]
            py_func, py_file
        )
        return locator
