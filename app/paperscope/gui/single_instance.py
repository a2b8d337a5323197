"""One PaperScope per library: a second launch hands its files to the running window,
and the command line has the window run its commands on the library it holds.

The first instance listens on a local socket named after the library file, and on one
for any window of this user (:func:`paperscope.core.instance.any_window_name`: a file
opened from the file manager goes to the running window whatever library it shows).
A second launch connects, sends the files it was given as one JSON line and exits. A
CLI command held off by the library lock sends itself the same way (protocol in
:mod:`paperscope.core.instance`); :func:`serve_commands` runs it in the window. A
socket file left by a crashed instance accepts no connection: it is detected as stale,
removed, and the new instance takes over.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDir, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from paperscope.core import instance
from paperscope.core.instance import any_window_name, server_name

__all__ = ["InstanceServer", "send_to_any_window", "send_to_running", "serve_commands",
           "server_name"]  # fmt: skip

TIMEOUT_MS = 1000
log = logging.getLogger(__name__)


def send_to_running(library: Path, files: Sequence[Path]) -> bool:
    """Hand ``files`` to the instance that has ``library`` open; ``False`` if none runs."""
    return _send_files(server_name(library), files)


def send_to_any_window(files: Sequence[Path]) -> bool:
    """Hand ``files`` to this user's running window, whatever library it shows."""
    return _send_files(any_window_name(), files)


def _send_files(name: str, files: Sequence[Path]) -> bool:
    socket = QLocalSocket()
    socket.connectToServer(name)
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
    """Listens for second launches and CLI commands. Signals ``files_received(list[Path])``
    and ``command_received(dict, respond)``: ``respond(dict)`` sends one JSON line back."""

    files_received = Signal(list)
    command_received = Signal(dict, object)

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
        self._server.newConnection.connect(lambda: self._on_server_new_connection(self._server))
        self._any = self._listen_for_any_window()

    def _listen_for_any_window(self) -> QLocalServer | None:
        """Also answer for "any window", unless another running window already does."""
        name = any_window_name()
        probe = QLocalSocket()
        probe.connectToServer(name)
        if probe.waitForConnected(200):
            probe.disconnectFromServer()
            return None  # (the first window keeps it)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        QLocalServer.removeServer(name)  # nobody answers: a crashed window's file
        if not server.listen(name):
            log.warning("cannot listen on %s: %s", name, server.errorString())
            return None
        server.newConnection.connect(lambda: self._on_server_new_connection(server))
        return server

    def close(self) -> None:
        self._server.close()
        if self._any is not None:
            self._any.close()

    def _on_server_new_connection(self, server: QLocalServer) -> None:
        while server.hasPendingConnections():
            socket = server.nextPendingConnection()
            socket.readyRead.connect(lambda s=socket: self._on_socket_ready_read(s))
            socket.disconnected.connect(socket.deleteLater)

    def _on_socket_ready_read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        line = bytes(socket.readLine().data()).decode("utf-8", errors="replace")
        try:
            message = json.loads(line)
            if not isinstance(message, dict):
                raise ValueError(line)
        except ValueError:  # (json.JSONDecodeError included)
            socket.write(b"error\n")
            return
        if "command" in message:
            respond = _responder(socket)
            if message.get("v") != instance.VERSION:
                respond({"v": instance.VERSION, "status": "refused",
                         "reason": f"protocol version {message.get('v')!r} unknown"})  # fmt: skip
                return
            self.command_received.emit(message, respond)
            return
        files = [Path(f) for f in message.get("files", []) if isinstance(f, str)]
        socket.write(b"ok\n")
        socket.flush()
        self.files_received.emit(files)


def _responder(socket: QLocalSocket) -> Callable[[dict[str, Any]], None]:
    def respond(answer: dict[str, Any]) -> None:
        try:
            if socket.state() == QLocalSocket.LocalSocketState.ConnectedState:
                socket.write(json.dumps(answer).encode("utf-8") + b"\n")
                socket.flush()
        except RuntimeError:  # the socket is gone: the command line gave up
            pass

    return respond


def serve_commands(
    server: InstanceServer, window: Any, handler: Callable[[Any, dict[str, Any]], dict[str, Any]]
) -> None:
    """Run the CLI commands sent to ``server`` in ``window``: ``handler(store, request)``
    (the CLI's own, :func:`paperscope.cli._remote.serve`) on a worker thread, with the
    window's library; an import or export then refreshes the window."""

    def on_command(request: dict[str, Any], respond: Callable[[dict[str, Any]], None]) -> None:
        store = window.store
        asked = Path(str(request.get("library", "")))
        if not str(asked) or asked.resolve() != Path(store.path).resolve():
            respond({"v": instance.VERSION, "status": "refused",
                     "reason": f"this window shows {store.path}"})  # fmt: skip
            return
        respond({"v": instance.VERSION, "status": "accepted"})
        command = str(request.get("command"))
        log.info("command line: paperscope %s", command)

        def done(answer: dict[str, Any]) -> None:
            respond(answer)
            last = str(answer.get("stdout", "")).strip().splitlines()[-1:] or [""]
            log.info("command line: paperscope %s done (exit %s) %s", command,
                     answer.get("code"), last[0])  # fmt: skip
            # (an export may add citation keys; tag, rate, status teach the recommender)
            if command in ("import", "export", "tag", "rate", "status", "merge"):
                window.state.library_changed.emit()
                window.status.show_message(f"Command line: {command}: {last[0]}".rstrip(": "))
            elif command in ("link", "unlink", "results"):  # runs linked, results entered
                window.state.links_changed.emit()
                window.status.show_message(f"Command line: {command}: {last[0]}".rstrip(": "))

        def failed(message: str, details: str) -> None:
            log.error("command line: paperscope %s failed: %s\n%s", command, message, details)
            respond({"v": instance.VERSION, "status": "done", "code": 1, "stdout": "",
                     "stderr": f"paperscope: the window failed: {message}\n"})  # fmt: skip

        window.runner.submit(
            lambda progress, cancel: handler(store, request),
            title=f"paperscope {command} (command line)",
            on_result=done, on_error=failed,
        )  # fmt: skip

    server.command_received.connect(on_command)


class QtConnection:
    """:class:`paperscope.core.instance.Connection` through ``QLocalSocket``, where local
    sockets are not Unix sockets (Windows' named pipes); the CLI imports this module only then."""

    def __init__(self, name: str, timeout: float = instance.CONNECT_TIMEOUT_S) -> None:
        self._socket = QLocalSocket()
        self._socket.connectToServer(name)
        if not self._socket.waitForConnected(int(timeout * 1000)):
            raise OSError(f"no PaperScope window listens on {name}")
        self._buffer = b""

    def send(self, message: dict[str, Any]) -> None:
        self._socket.write(json.dumps(message).encode("utf-8") + b"\n")
        self._socket.flush()
        self._socket.waitForBytesWritten(int(instance.CONNECT_TIMEOUT_S * 1000))

    def receive(self, timeout: float | None) -> dict[str, Any] | None:
        ms = -1 if timeout is None else int(timeout * 1000)
        while b"\n" not in self._buffer:
            if not self._socket.bytesAvailable() and not self._socket.waitForReadyRead(ms):
                return None
            self._buffer += bytes(self._socket.readAll().data())
        message, self._buffer = instance.take_message(self._buffer)
        return message

    def close(self) -> None:
        self._socket.disconnectFromServer()

    def __enter__(self) -> QtConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
