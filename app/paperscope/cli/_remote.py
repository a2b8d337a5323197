"""Commands run by the PaperScope window that holds the library (issue #14 item 7).

A library is open in one process only (DuckDB's lock). When ``search``, ``export``,
``similar`` or ``import`` find it held by a running window, :func:`forward` sends the
parsed command over the window's local socket (protocol: :mod:`paperscope.core.instance`);
the window runs the very same command function on its open library with
:func:`serve` (on a worker thread) and sends back the exit code and what it printed,
which is printed here as if the command had run here. No Qt on this side.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from paperscope.core import instance

# the read commands and import; the others (embed, map) are long jobs with their own
# progress, better started in the window itself
REMOTE_COMMANDS = ("search", "export", "similar", "import", "results", "link", "unlink", "table",
                   "tag", "rate", "status", "recommend", "merge")  # fmt: skip


# -- the command line's side -------------------------------------------------------------
def _encode(value: Any, replacements: dict[str, str]) -> Any:
    if isinstance(value, Path):
        absolute = str(value.expanduser().absolute())
        if absolute != str(value):
            replacements[absolute] = str(value)
        return {"path": absolute}
    if isinstance(value, list | tuple):
        return [_encode(v, replacements) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot send {type(value).__name__} to the window")


def encode_args(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, str]]:
    """The parsed command as JSON (paths made absolute: the window has another working
    folder), and the absolute → as-typed paths to print the answer as typed."""
    replacements: dict[str, str] = {}
    encoded = {
        k: _encode(v, replacements)
        for k, v in vars(args).items()
        if not callable(v) and k != "library"
    }
    return encoded, replacements


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"path"}:
        return Path(value["path"])
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _connect(name: str) -> Any:
    """A plain-socket connection, or (where local sockets are not Unix sockets) the
    window package's ``QLocalSocket`` one; Qt is imported only then, and only in gui."""
    if instance.can_connect():
        return instance.Connection(name)
    from paperscope.gui.single_instance import QtConnection

    return QtConnection(name)


def forward(args: argparse.Namespace, library: Path) -> int | None:
    """Run the command in the window that holds ``library``: its exit code, after its
    output was printed here; ``None`` when no window answers (or it refuses)."""
    if args.command not in REMOTE_COMMANDS or getattr(args, "all", False):
        return None  # (`similar --all` is a long job: Library → Similar papers… there)
    encoded, replacements = encode_args(args)
    request = {
        "v": instance.VERSION,
        "command": args.command,
        "library": str(library.resolve()),
        "args": encoded,
    }
    for name in (instance.server_name(library), instance.any_window_name()):
        try:
            conn = _connect(name)
        except OSError:
            continue
        with conn:
            try:
                conn.send(request)
            except OSError:
                continue
            first = conn.receive(instance.CONNECT_TIMEOUT_S)
            if not first or first.get("status") != "accepted":
                continue  # not this library's window, or an older one
            done = conn.receive(None)  # the command may take long (an import)
        if not done or done.get("status") != "done":
            print("paperscope: the PaperScope window stopped before answering", file=sys.stderr)
            return 2
        _print_answer(str(done.get("stdout", "")), sys.stdout, replacements)
        _print_answer(str(done.get("stderr", "")), sys.stderr, replacements)
        code = done.get("code", 1)
        return code if isinstance(code, int) else 1
    return None


def _print_answer(text: str, stream: TextIO, replacements: dict[str, str]) -> None:
    for absolute in sorted(replacements, key=len, reverse=True):
        text = text.replace(absolute, replacements[absolute])
    stream.write(text)
    stream.flush()


# -- the window's side -------------------------------------------------------------------
_local = threading.local()
_install_lock = threading.Lock()


class _ThreadRoutedStream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` in a window serving commands: what a command thread
    prints goes to that command's buffer, everything else where it always went."""

    def __init__(self, which: str, default: TextIO) -> None:
        self._which = which
        self._default = default

    def _target(self) -> TextIO:
        captured: TextIO | None = getattr(_local, self._which, None)
        return captured if captured is not None else self._default

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return self._target().isatty()

    def fileno(self) -> int:
        return self._target().fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self._target(), "encoding", "utf-8"))

    def __getattr__(self, name: str) -> Any:  # (``buffer``, ``errors``, …)
        return getattr(self._target(), name)


def _install_routing() -> None:
    with _install_lock:
        if not isinstance(sys.stdout, _ThreadRoutedStream):
            sys.stdout = _ThreadRoutedStream("stdout", sys.stdout)
        if not isinstance(sys.stderr, _ThreadRoutedStream):
            sys.stderr = _ThreadRoutedStream("stderr", sys.stderr)


@contextlib.contextmanager
def _captured(store: Any) -> Iterator[tuple[io.StringIO, io.StringIO]]:
    _install_routing()
    out, err = io.StringIO(), io.StringIO()
    _local.stdout, _local.stderr, _local.store = out, err, store
    try:
        yield out, err
    finally:
        _local.stdout = _local.stderr = _local.store = None


def held_store() -> Any:
    """The window's open library while this thread serves a command, else ``None``."""
    return getattr(_local, "store", None)


def serve(store: Any, request: dict[str, Any]) -> dict[str, Any]:
    """Run a forwarded command on ``store`` (the window's library) on this thread; the
    answer :func:`forward` prints."""
    from paperscope.cli._common import run_command

    command = request.get("command")
    if command not in REMOTE_COMMANDS:
        return {"v": instance.VERSION, "status": "done", "code": 2, "stdout": "",
                "stderr": f"paperscope: the window does not run {command!r}\n"}  # fmt: skip
    raw = request.get("args", {})
    args = argparse.Namespace(**{k: _decode(v) for k, v in dict(raw).items()})
    args.library = Path(str(request.get("library", "")))
    module = importlib.import_module(f"paperscope.cli.cmd_{command}")
    with _captured(store) as (out, err):
        code = run_command(module.run, args)
    return {"v": instance.VERSION, "status": "done", "code": int(code),
            "stdout": out.getvalue(), "stderr": err.getvalue()}  # fmt: skip
