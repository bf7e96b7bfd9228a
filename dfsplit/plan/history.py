"""Variables whose values change instruction by instruction, with a cheap view at each point.

The stage model keeps the ENV and ARG values in force before every instruction. A copy of the
whole environment per instruction is quadratic in time and memory (80,000 distinct `ENV A<n>=1`
lines would hold billions of entries); a History records each assignment once, and a Snapshot
reads the values as they were at one moment in O(log n).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping


class History:
    """Every value each name was given, in order."""

    __slots__ = ("_first", "_names", "_values", "_versions", "version")

    def __init__(self, base: Mapping[str, str] | None = None) -> None:
        self._values: dict[str, list[str]] = {}
        self._versions: dict[str, list[int]] = {}
        self._names: list[str] = []  # in the order they were first set
        self._first: list[int] = []  # the version that first set each of them
        self.version = 0
        for key, value in (base or {}).items():
            self.set(key, value)

    def set(self, key: str, value: str) -> None:
        self.version += 1
        if key not in self._values:
            self._values[key], self._versions[key] = [], []
            self._names.append(key)
            self._first.append(self.version)
        self._values[key].append(value)
        self._versions[key].append(self.version)

    def snapshot(self) -> Snapshot:
        """The values in force now; later assignments do not show in it."""
        return Snapshot(self, self.version)

    def _value(self, key: str, version: int) -> str | None:
        versions = self._versions.get(key)
        if versions is None:
            return None
        at = bisect_right(versions, version)
        return self._values[key][at - 1] if at else None

    def _count(self, version: int) -> int:
        return bisect_right(self._first, version)


class Snapshot(Mapping[str, str]):
    """A read-only mapping: the values of a History at one version."""

    __slots__ = ("_history", "_version")

    def __init__(self, history: History, version: int) -> None:
        self._history = history
        self._version = version

    def __getitem__(self, key: str) -> str:
        value = self._history._value(key, self._version)
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._history._names[: self._history._count(self._version)])

    def __len__(self) -> int:
        return self._history._count(self._version)

    def __repr__(self) -> str:
        return f"Snapshot({dict(self)!r})"
