"""One PaperScope per library: a second launch hands its files to the running window.

The first instance listens on a local socket named after the library file; a second
launch on the same library connects, sends the files it was given as one JSON line and
exits. A socket file left by a crashed instance accepts no connection: it is detected
as stale, removed, and the new instance takes over.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QDir, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

TIMEOUT_MS = 1000


def server_name(library: Path) -> str:
    key = f"{os.getuid() if hasattr(os, 'getuid') else ''}:{library.resolve()}"
    return "paperscope-" + hashlib.sha1(key.encode()).hexdigest()[:16]


def send_to_running(library: Path, files: Sequence[Path]) -> bool:
    """Hand ``files`` to the instance that has ``library`` open; ``False`` if none runs."""
    socket = QLocalSocket()
    socket.connectToServer(server_name(library))
    if not socket.waitForConnected(TIMEOUT_MS):
        return False
    message = json.dumps({"files": [str(Path(f).resolve()) for f in files]}) + "\n"
    socket.write(message.encode("utf-8"))
    socket.flush()  # (waitForBytesWritten is False when flush already sent everything)
    socket.waitForBytesWritten(TIMEOUT_MS)
    # wait for the receiver's acknowledgement, so the files are never lost in flight
    ok = socket.waitForReadyRead(TIMEOUT_MS) and bytes(socket.readAll().data()).startswith(b"ok")
    socket.disconnectFromServer()
    return ok


class InstanceServer(QObject):
    """Listens for second launches. Signal ``files_received(list[Path])``."""

    files_received = Signal(list)

    def __init__(self, library: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(library)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        # we get here only when nobody answered on this name, so a socket file that is
        # still there was left by a crashed instance: remove it
        stale_file = Path(QDir.tempPath()) / self.name
        self.stale_cleared = stale_file.exists() and QLocalServer.removeServer(self.name)
        if not self._server.listen(self.name):
            QLocalServer.removeServer(self.name)
            self.stale_cleared = True
            if not self._server.listen(self.name):
                raise OSError(f"cannot listen on {self.name}: {self._server.errorString()}")
        self._server.newConnection.connect(self._on_server_new_connection)

    def close(self) -> None:
        self._server.close()

    def _on_server_new_connection(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            socket.readyRead.connect(lambda s=socket: self._on_socket_ready_read(s))

    def _on_socket_ready_read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        line = bytes(socket.readLine().data()).decode("utf-8", errors="replace")
        try:
            files = [Path(f) for f in json.loads(line).get("files", []) if isinstance(f, str)]
        except (json.JSONDecodeError, AttributeError):
            socket.write(b"error\n")
            return
        socket.write(b"ok\n")
        socket.flush()
        self.files_received.emit(files)
