"""Helpers shared by the command modules: opening the library, errors, progress."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from paperscope.core import paths
from paperscope.core.records import ReadError
from paperscope.core.tasks import Cancelled


def library_path(args: argparse.Namespace) -> Path:
    return Path(args.library) if getattr(args, "library", None) else paths.default_library_path()


def open_store(args: argparse.Namespace, read_only: bool = False):  # type: ignore[no-untyped-def]
    from paperscope.library.store import Store

    return Store(library_path(args), read_only=read_only)


def run_command(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a subcommand; user-facing failures become one clear line and exit code 2."""
    from paperscope.library.store import LibraryError

    try:
        return func(args)
    except (LibraryError, ReadError) as exc:
        print(f"paperscope: {exc}", file=sys.stderr)
        return 2
    except Cancelled:
        print("paperscope: cancelled", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("paperscope: interrupted", file=sys.stderr)
        return 130


class TerminalProgress:
    """A one-line progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self, label: str = "") -> None:
        self.label = label
        self.enabled = sys.stderr.isatty()
        self._last = 0.0

    def __call__(self, fraction: float | None, message: str = "") -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and fraction not in (0.0, 1.0):
            return
        self._last = now
        width = 30
        bar = "#" * int(width * (fraction or 0.0))
        pct = "" if fraction is None else f"{100 * fraction:5.1f}%"
        sys.stderr.write(f"\r{self.label}[{bar:<{width}}] {pct} {message[:40]:<40}")
        if fraction == 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()
