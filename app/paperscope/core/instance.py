"""The running PaperScope's local socket: names and the Qt-free client side.

A window listens (``gui/single_instance.py``, a ``QLocalServer``) on two names: one
derived from its library file, and one for this user's PaperScope data folder (any
window, whatever library it shows). Messages are one JSON line each way:

* files handed over by a second launch (the first protocol, still understood):
  ``{"files": [path, …]}`` → ``ok``;
* a CLI command (protocol version :data:`VERSION`):
  ``{"v": 1, "command": NAME, "library": PATH, "args": {…}}`` → first
  ``{"v": 1, "status": "accepted"}`` (or ``"refused"`` with a ``"reason"``), then, when
  the command has run in the window, ``{"v": 1, "status": "done", "code": N,
  "stdout": TEXT, "stderr": TEXT}``.

On Linux and macOS a ``QLocalServer`` named ``NAME`` is the Unix socket
``$TMPDIR/NAME`` (``/tmp`` without ``TMPDIR``), so the command line reaches it with
Python's own ``socket`` module and never imports Qt.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from pathlib import Path
from typing import Any

from paperscope.core import paths

VERSION = 1
CONNECT_TIMEOUT_S = 2.0  # to connect and be accepted; the command itself may take long


def _name(key: str) -> str:
    uid = os.getuid() if hasattr(os, "getuid") else ""
    return "paperscope-" + hashlib.sha1(f"{uid}:{key}".encode()).hexdigest()[:16]


def server_name(library: Path) -> str:
    """The socket name of the window that has ``library`` open."""
    return _name(str(Path(library).resolve()))


def any_window_name() -> str:
    """The socket name of this user's running window, whatever library it shows (one
    per PaperScope data folder, so a portable install has its own)."""
    return _name("any window:" + str(paths.data_dir().resolve()))


def socket_path(name: str) -> Path:
    """Where ``QLocalServer`` puts the socket ``name`` on Unix (``QDir::tempPath()``)."""
    return Path(os.path.normpath(os.environ.get("TMPDIR") or "/tmp")) / name


def can_connect() -> bool:
    """Whether this platform's local sockets are Unix sockets (not Windows' pipes)."""
    return hasattr(socket, "AF_UNIX") and os.name == "posix"


def take_message(buffer: bytes) -> tuple[dict[str, Any] | None, bytes]:
    """The first line of ``buffer`` (which holds one) as a JSON object (``None`` when it is
    not one), and the rest of the buffer."""
    line, rest = buffer.split(b"\n", 1)
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, rest
    return (message if isinstance(message, dict) else None), rest


class Connection:
    """One request to a running window over its Unix socket, line by line."""

    def __init__(self, name: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        self._buffer = b""
        try:
            self._sock.connect(str(socket_path(name)))
        except OSError:
            self._sock.close()
            raise

    def send(self, message: dict[str, Any]) -> None:
        self._sock.sendall(json.dumps(message).encode("utf-8") + b"\n")

    def receive(self, timeout: float | None) -> dict[str, Any] | None:
        """The next JSON line (``None`` on a closed connection, a timeout, or a line
        that is not a JSON object)."""
        self._sock.settimeout(timeout)
        while b"\n" not in self._buffer:
            try:
                chunk = self._sock.recv(65536)
            except OSError:  # (socket.timeout included)
                return None
            if not chunk:
                return None
            self._buffer += chunk
        message, self._buffer = take_message(self._buffer)
        return message

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
