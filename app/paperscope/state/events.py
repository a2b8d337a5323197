"""Observable without Qt: a typed list of callbacks.

A model keeps one :class:`Callbacks` per kind of change and calls every connected
function, in the order they were connected, each time it changes. A Qt view connects
its repaint method in ``__init__`` (napari's ``model.events.x.connect(view.update)``);
a controller test connects a list's ``append``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Callbacks(Generic[T]):
    """Functions called with one value of type ``T`` on :meth:`emit`.

    Calls are synchronous, on the thread that emits (the models are changed on the UI
    thread only). A callback connected twice is called once; disconnecting one that is
    not connected is a no-op. Callbacks may connect or disconnect others while they run:
    an emit walks a copy of the list.
    """

    __slots__ = ("_callbacks",)

    def __init__(self) -> None:
        self._callbacks: list[Callable[[T], object]] = []

    def connect(self, callback: Callable[[T], object]) -> Callable[[T], object]:
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[[T], object]) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, value: T) -> None:
        for callback in list(self._callbacks):
            callback(value)

    def __len__(self) -> int:
        return len(self._callbacks)


class StateError(ValueError):
    """A value a state model does not accept (the message names the field)."""
