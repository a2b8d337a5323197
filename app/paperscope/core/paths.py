"""Where PaperScope keeps its files (platformdirs), overridable for tests.

``PAPERSCOPE_HOME`` puts data, cache and logs under one folder (used by the tests and
by anyone who wants a portable install).
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "PaperScope"


def _home() -> Path | None:
    home = os.environ.get("PAPERSCOPE_HOME")
    return Path(home) if home else None


def data_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "logs"
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def default_library_path() -> Path:
    return data_dir() / "library.duckdb"


def resources_dir() -> Path:
    """The ``resources/`` folder: beside the package in a checkout, inside it when bundled."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "resources", here.parent.parent / "resources"):
        if candidate.is_dir():
            return candidate
    return here.parent.parent / "resources"


def demo_dir() -> Path:
    return resources_dir() / "demo"


def config_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "config"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def settings_file() -> Path:
    return config_dir() / "settings.ini"


def demo_library_path() -> Path:
    return data_dir() / "demo" / "library.duckdb"
