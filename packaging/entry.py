"""The bundle's entry point (PyInstaller): the same as ``python -m paperscope``.

numba keeps compiled kernels under PaperScope's cache folder (``PAPERSCOPE_HOME`` honoured;
``paperscope.core.numba_cache``), so only the first map build of a bundle compiles them.
"""

import multiprocessing
import os
import sys

from paperscope.cli import main
from paperscope.core.paths import cache_dir

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the ONNX export runs in a spawned process
    if getattr(sys, "frozen", False):  # before numba is imported (lazily, by the map)
        os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_dir() / "numba"))
        os.environ.setdefault(
            "NUMBA_CACHE_LOCATOR_CLASSES",
            # numba's own frozen-app locator (~/.cache/numba) if that folder is unwritable
            "paperscope.core.numba_cache.BundleCacheLocator,UserWideCacheLocator",
        )
    raise SystemExit(main())
