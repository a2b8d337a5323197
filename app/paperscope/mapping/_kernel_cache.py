"""numba's on-disk cache turned on for a library's kernels that it compiles without
``cache=True`` (umap-learn's, pynndescent's): each new process would otherwise compile
them again at its first map build. In a pip install they are cached where numba caches
(beside the library, or its user-wide folder when that is read-only); in the bundle
where :mod:`paperscope.core.numba_cache` says. Import the libraries first (lazily)."""

from __future__ import annotations

import importlib
from collections.abc import Collection, Mapping
from typing import Any


def enable_caching(
    kernels: Mapping[str, Collection[str] | None], skip: Collection[str] = ()
) -> int:
    """For each module, the named kernels (``None``: every numba dispatcher in it that
    has no cache yet), less ``skip`` (those numba cannot cache); how many it turned on."""
    count = 0
    for module_name, names in kernels.items():
        module = importlib.import_module(module_name)
        chosen: dict[str, Any] = (
            vars(module) if names is None else {n: getattr(module, n, None) for n in names}
        )
        for name, kernel in chosen.items():
            if name in skip or not hasattr(kernel, "enable_caching"):
                continue
            if names is None and type(getattr(kernel, "_cache", None)).__name__ != "NullCache":
                continue  # cached by its library already (or not a dispatcher)
            kernel.enable_caching()
            count += 1
    return count
