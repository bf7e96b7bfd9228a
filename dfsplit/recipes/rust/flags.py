"""Cargo's command line: the flags of `cargo build`, `cargo install`, `cargo run` and
`cargo test` (clap-style: `--flag value`, `--flag=value`, `-p value`, `-pvalue`), read into
one value; an unknown flag is refused rather than guessed at."""

from __future__ import annotations

from typing import NamedTuple

from dfsplit.model import Refuse

# Flags that take a value (cargo help build / install / run), by their long name.
VALUE_FLAGS = {
    "package",
    "exclude",
    "bin",
    "example",
    "test",
    "bench",
    "features",
    "target",
    "target-dir",
    "profile",
    "manifest-path",
    "jobs",
    "message-format",
    "color",
    "config",
    "lockfile-path",
    "path",
    "root",
    "git",
    "branch",
    "tag",
    "rev",
    "registry",
    "index",
    "version",
    "artifact-dir",
}
SHORT = {
    "p": "package",
    "F": "features",
    "j": "jobs",
    "r": "release",
    "q": "quiet",
    "v": "verbose",
    "Z": "unstable",
    "C": "directory",
}
BOOL_FLAGS = {
    "release",
    "debug",
    "workspace",
    "all",
    "lib",
    "bins",
    "examples",
    "tests",
    "benches",
    "all-targets",
    "all-features",
    "no-default-features",
    "locked",
    "frozen",
    "offline",
    "quiet",
    "verbose",
    "keep-going",
    "ignore-rust-version",
    "future-incompat-report",
    "timings",
    "force",
    "no-track",
    "list",
    "build-plan",
    "unit-graph",
}
# Flags that shape what is compiled: the tester repeats them so that it reuses the build.
SHAPING = (
    "release",
    "profile",
    "target",
    "features",
    "all-features",
    "no-default-features",
    "locked",
    "frozen",
    "offline",
    "manifest-path",
    "target-dir",
)


class Flag(NamedTuple):
    name: str  # long name
    value: str | None  # None for a boolean flag


class Parsed(NamedTuple):
    flags: tuple[Flag, ...]
    positional: tuple[str, ...]  # crate names of `cargo install`
    trailing: tuple[str, ...]  # the words after `--` (arguments of `cargo run`)

    def values(self, name: str) -> list[str]:
        return [f.value or "" for f in self.flags if f.name == name]

    def last(self, name: str) -> str | None:
        found = self.values(name)
        return found[-1] if found else None

    def has(self, name: str) -> bool:
        return any(f.name == name for f in self.flags)

    def features(self) -> tuple[str, ...]:
        return tuple(w for v in self.values("features") for w in v.replace(",", " ").split())

    def shaping_words(self) -> list[str]:
        """The flags that decide what gets compiled, as words to repeat on another command."""
        out: list[str] = []
        for flag in self.flags:
            if flag.name not in SHAPING:
                continue
            out += [f"--{flag.name}"] if flag.value is None else [f"--{flag.name}", flag.value]
        return out


def parse(argv: tuple[str, ...] | list[str], where: str) -> Parsed:
    """The words after `cargo <subcommand>`."""
    flags: list[Flag] = []
    positional: list[str] = []
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            return Parsed(tuple(flags), tuple(positional), tuple(argv[i + 1 :]))
        if not word.startswith("-") or word == "-":
            positional.append(word)
            i += 1
            continue
        name, value, i = _one(argv, i, where)
        flags.append(Flag(name, value))
    return Parsed(tuple(flags), tuple(positional), ())


def _one(argv: tuple[str, ...] | list[str], i: int, where: str) -> tuple[str, str | None, int]:
    word = argv[i]
    if word.startswith("--"):
        name, eq, value = word[2:].partition("=")
    else:
        letter, rest = word[1:2], word[2:]
        if letter not in SHORT:
            raise Refuse(f"{where}: cargo flag {word} is not one dfsplit knows")
        name = SHORT[letter]
        if name in {"verbose", "quiet"} and set(rest) <= {letter}:
            return name, None, i + 1  # -vv
        eq, value = ("=", rest.lstrip("=")) if rest else ("", "")
    if name == "unstable" or name == "directory":
        raise Refuse(f"{where}: cargo {word} (unstable or directory flags) is not supported")
    if name in VALUE_FLAGS or name in {"package", "features", "jobs"}:
        if eq:
            return name, value, i + 1
        if i + 1 >= len(argv):
            raise Refuse(f"{where}: cargo flag {word} has no value")
        return name, argv[i + 1], i + 2
    if name in BOOL_FLAGS:
        return name, None, i + 1
    raise Refuse(f"{where}: cargo flag {word} is not one dfsplit knows")


def subcommand(argv: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """`cargo +nightly --locked build ...` -> ("build", the words after it)."""
    i, carried = 1, []
    while i < len(argv) and (argv[i].startswith("+") or argv[i] in _GLOBAL):
        if not argv[i].startswith("+"):
            carried.append(argv[i])  # `cargo --locked build` locks the build as well
        i += 1
    if i >= len(argv):
        return "", ()
    name = {"b": "build", "r": "run", "t": "test"}.get(argv[i], argv[i])
    return name, (*carried, *argv[i + 1 :])


_GLOBAL = {"--locked", "--frozen", "--offline", "-q", "--quiet", "-v", "--verbose"}
