"""Helpers shared by the command modules: opening the library, errors, progress."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from paperscope.core import paths
from paperscope.core.records import ReadError
from paperscope.core.tasks import Cancelled

if TYPE_CHECKING:
    from paperscope.library.store import Store


def library_path(args: argparse.Namespace) -> Path:
    return Path(args.library) if getattr(args, "library", None) else paths.default_library_path()


def open_store(
    args: argparse.Namespace, read_only: bool = False
) -> contextlib.AbstractContextManager[Store]:
    """The library as a context manager; in a window serving a forwarded command, the
    window's open library (left open)."""
    from paperscope.cli._remote import held_store
    from paperscope.library.store import Store

    held = held_store()
    if held is not None:
        return contextlib.nullcontext(held)
    return Store(library_path(args), read_only=read_only)


# the exit status of a command whose reader went away (``… | head``), as a shell reports
# a Unix tool killed by SIGPIPE: 128 + 13
BROKEN_PIPE_EXIT = 141


def os_error_line(exc: OSError) -> str:
    """One line for a failed file operation, naming the file (and a missing folder)."""
    name = exc.filename
    if isinstance(exc, FileNotFoundError) and name is not None:
        path = Path(os.fsdecode(name))
        if path.name.endswith(".part"):  # a writer's temporary file next to the target
            path = path.with_name(path.name[: -len(".part")])
        if not path.parent.is_dir():
            return f"cannot write {path}: the folder {path.parent} does not exist"
    reason = exc.strerror or str(exc)
    return f"{os.fsdecode(name)}: {reason}" if name is not None else reason


def check_output_file(out: Path) -> str | None:
    """Why ``out`` cannot be written as a file (a missing folder, a folder), or ``None``."""
    if out.is_dir():
        return f"cannot write {out}: it is a folder; give a file name"
    if not out.parent.is_dir():
        return f"cannot write {out}: the folder {out.parent} does not exist"
    return None


def quiet_broken_pipe() -> int:
    """The reader of our output went away: stop quietly, as Unix tools do.

    What is still buffered for stdout/stderr goes to the null device, so that Python's
    flush at exit cannot complain about the closed pipe once more.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for stream in (sys.stdout, sys.stderr):
            # (not a real file, e.g. pytest's capture: nothing of it is flushed at exit)
            with contextlib.suppress(OSError, ValueError, AttributeError):
                os.dup2(devnull, stream.fileno())
    finally:
        os.close(devnull)
    return BROKEN_PIPE_EXIT


def run_command(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a subcommand; user-facing failures become one clear line and exit code 2."""
    from paperscope.library.store import LibraryError, LibraryLocked

    try:
        try:
            code = func(args)
        except LibraryLocked:
            # held by a running window: it runs the command and we print its answer
            from paperscope.cli._remote import forward

            forwarded = forward(args, library_path(args))
            if forwarded is None:
                raise
            code = forwarded
        sys.stdout.flush()  # a closed pipe shows here, not in Python's flush at exit
        return code
    except BrokenPipeError:
        return quiet_broken_pipe()
    except (LibraryError, ReadError) as exc:
        print(f"paperscope: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"paperscope: {os_error_line(exc)}", file=sys.stderr)
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


def known_paper_ids(store: object, ids: list[int]) -> list[int] | None:
    """``ids`` without repeats when each is a paper of ``store``; else ``None`` after one
    line on stderr naming the ids that are not."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    found = store.table_rows(wanted, ["title"])  # type: ignore[attr-defined]
    missing = [i for i in wanted if i not in found]
    if missing:
        shown = ", ".join(str(i) for i in missing[:10]) + (" …" if len(missing) > 10 else "")
        noun = "paper" if len(missing) == 1 else "papers"
        print(f"paperscope: no {noun} {shown} in the library", file=sys.stderr)
        return None
    return wanted
