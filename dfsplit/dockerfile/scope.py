"""BuildKit's variable scope through a stage: which ENV and ARG values each instruction sees.

The rules (frontend/dockerfile/dockerfile2llb/convert.go, current BuildKit):
- global ARGs (before the first FROM) are evaluated in order, each default against the ones
  before it; they are visible to FROM only, until a stage re-declares them (`ARG NAME`);
- a stage starts with its base image's ENV;
- ENV processes all its pairs against the scope before the instruction, then sets them
  (`ENV A=1 B=$A` gives B the old A); keys are processed too;
- ARG processes each default in turn against the scope so far (`ARG A=1 B=$A` gives B=1;
  Docker 20.10's BuildKit processed the whole instruction first and gave B the old A);
  an ARG without a default takes the build arg, else the global ARG's value, else stays unset;
  an ARG value overrides an ENV of the same name for later expansions, but not in the image;
- the image's ENV (config) is the base image's plus every ENV, never an ARG.

Everything is recorded as a history of bindings per name, so the scope at any instruction is a
lookup (bisect) and a stage of n instructions is walked in linear time.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Mapping
from typing import NamedTuple

from dfsplit.dockerfile import words
from dfsplit.dockerfile.words import Unresolved
from dfsplit.model import EMPTY, Dockerfile, Instruction

# BuildKit defines these in the global scope for every build; their values are the platform's.
PLATFORM_ARGS = (
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
)
AMD64 = {"PLATFORM": "linux/amd64", "OS": "linux", "ARCH": "amd64", "VARIANT": ""}


class Binding(NamedTuple):
    """One assignment of a variable, as an instruction sees it."""

    value: str | None  # None: set, to a value dfsplit cannot know
    origin: str  # "image" | "global" | "arg" | "env"
    position: int  # index in the stage of the ARG/ENV that set it; -1 for image and global


Position = tuple[int, int]  # (instruction index, pair index): ARG pairs see the earlier ones


class History:
    """Every binding of every name in stage order."""

    def __init__(self, closed: bool) -> None:
        self.closed = closed  # a name never bound is unset (False: the base image may set it)
        self._at: dict[str, tuple[list[Position], list[Binding]]] = {}

    def bind(self, name: str, where: Position, binding: Binding) -> None:
        positions, bindings = self._at.setdefault(name, ([], []))
        positions.append(where)
        bindings.append(binding)

    def binding(self, name: str, before: Position) -> Binding | None:
        entry = self._at.get(name)
        if entry is None:
            return None
        i = bisect_left(entry[0], before)
        return entry[1][i - 1] if i else None

    def names(self) -> list[str]:
        return list(self._at)

    def known_names(self) -> set[str]:
        """The names bound to a known value somewhere in the stage."""
        return {n for n, (_, found) in self._at.items() if any(b.value is not None for b in found)}


class Scope:
    """The variables one instruction sees (a view into the history, cheap to make)."""

    __slots__ = ("_before", "_history")

    def __init__(self, history: History, before: Position) -> None:
        self._history = history
        self._before = before

    def binding(self, name: str) -> Binding | None:
        return self._history.binding(name, self._before)

    def lookup(self, name: str) -> str | None:
        """A words.Lookup: the value, None when unset; raises Unresolved when unknown."""
        found = self.binding(name)
        if found is None:
            if not self._history.closed:
                raise Unresolved(name)
            return None
        if found.value is None:
            raise Unresolved(name)
        return found.value

    @property
    def history(self) -> History:
        return self._history

    def known(self, defaults: Mapping[str, str] = EMPTY) -> Known:
        """Every variable whose value is known here; `defaults` for names without one."""
        return Known(self, defaults)


class Known(Mapping[str, str]):
    """The known variables of one scope, as a read-only view. A dict per instruction made a
    stage of many ENV names and RUN lines quadratic (every RUN copied every name); a lookup
    here is a bisect, and only iterating visits every name."""

    __slots__ = ("_defaults", "_scope")

    def __init__(self, scope: Scope, defaults: Mapping[str, str]) -> None:
        self._scope = scope
        self._defaults = defaults

    def _value(self, name: str) -> str | None:
        found = self._scope.binding(name)
        return found.value if found is not None else None

    def __getitem__(self, name: str) -> str:
        value = self._value(name)
        return value if value is not None else self._defaults[name]

    def __iter__(self) -> Iterator[str]:
        names = [n for n in self._scope.history.names() if self._value(n) is not None]
        return iter([*names, *(n for n in self._defaults if self._value(n) is None)])

    def __len__(self) -> int:
        return sum(1 for _ in self)


class Walk(NamedTuple):
    """The scope before each instruction of a stage, the scope after it, and its image ENV."""

    before: tuple[Scope, ...]
    final: Scope
    config_env: dict[str, str | None]  # None: set, value unknown


def global_args(
    df: Dockerfile, build_args: Mapping[str, str] | None = None, unknown: bool = True
) -> dict[str, str | None]:
    """The global ARGs as a stage's bare `ARG NAME` inherits them. `unknown`: an ARG with no
    default (and no build arg) has a value dfsplit cannot know (None); else it is left out,
    unset as in BuildKit. The platform ARGs are unknown, or linux/amd64 when not `unknown`."""
    build_args = build_args or {}
    values: dict[str, str | None] = {}
    for name in PLATFORM_ARGS:
        values[name] = None if unknown else AMD64[name.removeprefix("BUILD").removeprefix("TARGET")]
    for ins in df.preamble():
        if ins.keyword != "ARG":
            continue
        for pair in words.arg_pairs(ins.args, df.escape):
            if pair.key in build_args:
                values[pair.key] = build_args[pair.key]
            elif pair.value is not None:
                values[pair.key] = _processed(pair.value, words.lookup_in(values), df.escape)
            elif unknown:
                values[pair.key] = None
    return values


def walk(
    df: Dockerfile,
    stage: tuple[Instruction, ...],
    image_env: Mapping[str, str | None] | None,
    build_args: Mapping[str, str] | None = None,
    unknown: bool = True,
) -> Walk:
    """Walk one stage. `image_env` None: the base image is unknown, so any name the stage does
    not set may be set by it. `unknown` as in global_args (planning wants True: an ARG the
    user passes at build time; an evaluator of BuildKit wants False)."""
    history = History(closed=image_env is not None)
    config: dict[str, str | None] = dict(image_env or {})
    for name, value in config.items():
        history.bind(name, (-1, 0), Binding(value, "image", -1))
    metas = global_args(df, build_args, unknown)
    before = []
    for index, ins in enumerate(stage):
        before.append(Scope(history, (index, -1)))
        if ins.keyword == "ENV":
            _env(history, index, ins, df.escape, config)
        elif ins.keyword == "ARG":
            _arg(history, index, ins, df.escape, metas, build_args or {}, unknown)
    return Walk(tuple(before), Scope(history, (len(stage), -1)), config)


def _env(
    history: History, index: int, ins: Instruction, escape: str, config: dict[str, str | None]
) -> None:
    scope = Scope(history, (index, -1))
    done = []
    for pair in words.env_pairs(ins.args, escape, "ENV"):
        key = _processed(pair.key, scope.lookup, escape)
        value = _processed(pair.value or "", scope.lookup, escape)
        if key is None:
            continue  # a key dfsplit cannot tell: the StageModel refuses such a stage
        done.append((key, value))
    for k, (key, value) in enumerate(done):
        history.bind(key, (index, k), Binding(value, "env", index))
        config[key] = value


def _arg(
    history: History,
    index: int,
    ins: Instruction,
    escape: str,
    metas: Mapping[str, str | None],
    build_args: Mapping[str, str],
    unknown: bool,
) -> None:
    for k, pair in enumerate(words.arg_pairs(ins.args, escape)):
        scope = Scope(history, (index, k))
        key = _processed(pair.key, scope.lookup, escape)
        if key is None:
            continue
        value: str | None
        if key in build_args:
            value = build_args[key]
        elif pair.value is not None:
            value = _processed(pair.value, scope.lookup, escape)
        elif key in metas:
            value = metas[key]
        elif unknown:
            value = None  # passed with --build-arg, presumably: not known statically
        else:
            continue  # unset: BuildKit leaves the name as it was
        history.bind(key, (index, k), Binding(value, "arg", index))


def _processed(raw: str, lookup: words.Lookup, escape: str) -> str | None:
    try:
        return words.process_word(raw, lookup, escape)
    except Unresolved:
        return None


def stage_env(
    df: Dockerfile,
    index: int = -1,
    image_env: Mapping[str, str] | None = None,
    build_args: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The final ENV of stage `index` as BuildKit computes it, given its base image's ENV
    ({} when None) and the build args. Raises words.Unresolved for the pattern forms
    (`${A#x}`, `${A%x}`, `${A/x/y}`) and model.Refuse where BuildKit fails the build."""
    stage = df.stages()[index]
    done = walk(df, stage, dict(image_env or {}), build_args, unknown=False)
    out = {}
    for key, value in done.config_env.items():
        if value is None:
            raise Unresolved(key)
        out[key] = value
    return out
