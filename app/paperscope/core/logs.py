"""A rotating log file in the user log folder (``paths.log_dir()/paperscope.log``)."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from paperscope.core import paths

_configured: Path | None = None


def setup_logging(level: int = logging.INFO) -> Path:
    """Send PaperScope's log records to a rotating file (1 MB × 5); returns its path."""
    global _configured
    path = paths.log_dir() / "paperscope.log"
    if _configured == path:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("paperscope")
    for old in [h for h in logger.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]:
        logger.removeHandler(old)
        old.close()
    logger.addHandler(handler)
    logger.setLevel(level)
    _configured = path
    return path
