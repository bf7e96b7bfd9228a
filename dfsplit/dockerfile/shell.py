"""Just enough POSIX shell reading to find the commands inside a RUN, CMD or ENTRYPOINT.

This is not a shell: it splits a script into simple commands at `&&`, `||`, `;` and `|`,
separates leading `VAR=value` assignments, and drops redirections. Anything it cannot split
(unbalanced quotes) comes back as None so that callers refuse instead of guessing.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from functools import lru_cache
from typing import NamedTuple

from dfsplit.model import EMPTY

_SEPARATORS = {"&&", "||", ";", "|", "&", ";;"}
_REDIRECT = re.compile(r"^[0-9]*(>>?|<<?|>&|<&|&>|>\|)$")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# Characters whose meaning differs between `sh -c` and exec form.
_SHELL_SYNTAX = re.compile(r"[$`|&;<>(){}*?\[\]~!#\\'\"]")


class Command(NamedTuple):
    """One simple command: `ENV=x prog arg...`."""

    argv: tuple[str, ...]
    env: Mapping[str, str] = EMPTY  # never mutated: a shared empty default is safe

    @property
    def program(self) -> str:
        return self.argv[0] if self.argv else ""


def _tokens(script: str) -> list[str] | None:
    lex = shlex.shlex(script, posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    lex.commenters = "#"
    try:
        return list(lex)
    except ValueError:
        return None


def split_commands(script: str) -> list[Command] | None:
    """The simple commands of a shell script, in order; None when it cannot be read."""
    commands = _split_cached(script)
    return list(commands) if commands is not None else None


@lru_cache(maxsize=4096)
def _split_cached(script: str) -> tuple[Command, ...] | None:
    # Cached: the recipes read the same RUN lines several times. Commands are frozen.
    tokens = _tokens(script)
    if tokens is None:
        return None
    commands: list[Command] = []
    words: list[str] = []
    skip_next = False
    for tok in [*tokens, ";"]:
        if skip_next:
            skip_next = False
            continue
        if tok in _SEPARATORS or tok in {"(", ")", "{", "}"}:
            if words:
                commands.append(_command(words))
            words = []
        elif _REDIRECT.match(tok):
            skip_next = True
        else:
            words.append(tok)
    return tuple(commands)


def _command(words: list[str]) -> Command:
    env: dict[str, str] = {}
    i = 0
    while i < len(words) and _ASSIGNMENT.match(words[i]):
        key, _, value = words[i].partition("=")
        env[key] = value
        i += 1
    argv = tuple(words[i:])
    # `export A=b` and `env A=b cmd` are assignments too.
    if argv[:1] == ("env",):
        rest = list(argv[1:])
        while rest and _ASSIGNMENT.match(rest[0]):
            key, _, value = rest.pop(0).partition("=")
            env[key] = value
        argv = tuple(rest)
    return Command(argv=argv, env=env)


def needs_shell(command_line: str) -> bool:
    """True when `sh -c command_line` may differ from running its words directly."""
    return bool(_SHELL_SYNTAX.search(command_line))


def plain_words(command_line: str) -> list[str] | None:
    """The words of a shell-form command that needs no shell, else None."""
    if needs_shell(command_line):
        return None
    words = command_line.split()
    return words or None
