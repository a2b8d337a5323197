"""Keep pandas out of start-up although DuckDB's Python client asks for it.

Before it binds *any* parameter value (``con.execute(sql, [1])``), duckdb's Python
client (1.5: ``GetPythonObjectType`` in ``python_conversion.cpp``) compares the value
with ``pandas.NaT`` and ``pandas.NA``, looked up through its import cache, which imports
pandas when it is installed: 340 ms of a 1.3 s cold start, for a comparison that can
only be true when the caller already has pandas.

:func:`prime` answers that lookup once with a stand-in module: the import cache keeps
whatever ``import pandas`` returned the first time, so it keeps the stand-in, which
forwards every attribute to the real pandas as soon as anything else has imported it
(a reader's fallback parser, the user's own code) and has none before. So until pandas
is imported, ``NaT``/``NA`` are absent (no value can be one of them anyway); afterwards
duckdb sees the real objects, and its DataFrame scans and ``.df()`` work as usual. The
stand-in is in ``sys.modules`` only while the one priming statement runs.
"""

from __future__ import annotations

import sys
import threading
import types
from typing import Any

_lock = threading.Lock()
_primed = False


class _PandasStandIn(types.ModuleType):
    """What duckdb's import cache holds as ``pandas``: the real module's attributes once
    it is imported, none before."""

    def __getattr__(self, name: str) -> Any:
        real = sys.modules.get("pandas")
        if real is None or real is self:
            raise AttributeError(name)
        return getattr(real, name)


def prime(con: Any) -> None:
    """Make duckdb's import cache hold the stand-in (once per process; a no-op when
    pandas is already imported, as duckdb then finds it without importing anything)."""
    global _primed
    with _lock:
        if _primed:
            return
        _primed = True
        if "pandas" in sys.modules:
            return
        stand_in = _PandasStandIn("pandas")
        sys.modules["pandas"] = stand_in
        try:
            con.execute("SELECT ?", [0]).fetchall()  # the first bound value looks pandas up
        finally:
            if sys.modules.get("pandas") is stand_in:
                del sys.modules["pandas"]
