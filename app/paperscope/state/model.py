"""The base of every state model: an immutable, validated value and one setter.

A model holds a frozen dataclass (its *value*). :meth:`Model.update` is the one way to
change it: the new value is built with :func:`dataclasses.replace`, so the value's own
``__post_init__`` checks the invariants (one place per model), and ``changed`` is emitted
with the names of the fields that really changed. Setting a field to the value it has
emits nothing, so a widget that writes back what it was just shown ends the loop there.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Generic, TypeVar

from paperscope.state.events import Callbacks, StateError

V = TypeVar("V")


class Model(Generic[V]):
    """An observable holder of one frozen dataclass value."""

    def __init__(self, value: V) -> None:
        if not dataclasses.is_dataclass(value) or isinstance(value, type):
            raise TypeError("a model holds a dataclass instance")
        self._value = value
        self.changed: Callbacks[frozenset[str]] = Callbacks()

    @property
    def value(self) -> V:
        return self._value

    def update(self, **changes: Any) -> frozenset[str]:
        """Set fields (validated); returns, and emits, the names of those that changed."""
        names = {f.name for f in dataclasses.fields(self._value)}  # type: ignore[arg-type]
        unknown = sorted(set(changes) - names)
        if unknown:
            raise StateError(f"{type(self._value).__name__} has no field {unknown[0]!r}")
        return self.set_value(dataclasses.replace(self._value, **changes))  # type: ignore[type-var]

    def reset(self) -> frozenset[str]:
        """Back to the defaults (a library switched)."""
        return self.set_value(type(self._value)())

    def set_value(self, value: V) -> frozenset[str]:
        """Replace the whole value (a restored workspace); emits the changed fields."""
        old = self._value
        changed = frozenset(
            f.name
            for f in dataclasses.fields(value)  # type: ignore[arg-type]
            if getattr(value, f.name) != getattr(old, f.name)
        )
        if changed:
            self._value = value
            self.changed.emit(changed)
        return changed


def check(ok: bool, owner: str, name: str, value: object, want: str) -> None:
    """Raise :class:`StateError` naming the field unless ``ok``."""
    if not ok:
        raise StateError(f"{owner}.{name}: {value!r} is not {want}")
