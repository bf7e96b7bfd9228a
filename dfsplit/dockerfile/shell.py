"""Just enough POSIX shell reading to find the commands inside a RUN, CMD or ENTRYPOINT.

This is not a shell: it splits a script into simple commands at `&&`, `||`, `;` and `|`,
separates leading `VAR=value` assignments, and drops redirections. Anything it cannot split
(unbalanced quotes) comes back as None so that callers refuse instead of guessing.
"""

from __future__ import annotations

import re
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


_SPACE = " \t\r\n"
_PUNCTUATION = "();<>|&"
_PLAIN = re.compile(r"[^ \t\r\n'\"\\#();<>|&]+")
_PUNCTUATION_RUN = re.compile(r"[();<>|&]+")


def _tokens(script: str) -> list[str] | None:
    """The words of `script` exactly as shlex.shlex(posix=True, punctuation_chars=True,
    whitespace_split=True) reads them, in linear time: shlex grows each token one character
    at a time, which is quadratic in a word's length (a 900 KB RUN line took seconds).
    None where shlex raises (an unclosed quote, a trailing backslash)."""
    out: list[str] = []
    word: list[str] = []
    quoted = False  # an empty quoted word ('') is still a word
    i, n = 0, len(script)
    while i < n:
        ch = script[i]
        if ch in _SPACE or ch == "#" or ch in _PUNCTUATION:
            if word or quoted:
                out.append("".join(word))
                word, quoted = [], False
            if ch == "#":  # shlex starts a comment even inside a word (`a#b` is `a`)
                end = script.find("\n", i)
                i = n if end < 0 else end + 1
            elif ch in _PUNCTUATION:
                run = _PUNCTUATION_RUN.match(script, i)
                assert run is not None  # ch itself matches
                out.append(run.group())
                i = run.end()
            else:
                i += 1
            continue
        if ch == "'":
            end = script.find("'", i + 1)
            if end < 0:
                return None
            word.append(script[i + 1 : end])
            quoted, i = True, end + 1
        elif ch == '"':
            i = _double_quoted(script, i + 1, word)
            if i < 0:
                return None
            quoted = True
        elif ch == "\\":
            if i + 1 >= n:
                return None
            word.append(script[i + 1])
            i += 2
        else:
            plain = _PLAIN.match(script, i)
            assert plain is not None  # ch is none of the characters handled above
            word.append(plain.group())
            i = plain.end()
    if word or quoted:
        out.append("".join(word))
    return out


def _double_quoted(script: str, i: int, word: list[str]) -> int:
    """Read a "..." body from i into word (only \\ and \" are escapes, as in shlex);
    returns the index after the closing quote, -1 when there is none."""
    while i < len(script):
        ch = script[i]
        if ch == '"':
            return i + 1
        if ch == "\\":
            if i + 1 >= len(script):
                return -1
            nxt = script[i + 1]
            word.append(nxt if nxt in '\\"' else ch + nxt)
            i += 2
            continue
        end = min((j for j in (script.find('"', i), script.find("\\", i)) if j >= 0), default=-1)
        if end < 0:
            return -1
        word.append(script[i:end])
        i = end
    return -1


def split_commands(script: str) -> list[Command] | None:
    """The simple commands of a shell script, in order; None when it cannot be read."""
    commands = _split_cached(script)
    return list(commands) if commands is not None else None


# Sized for the largest file dfsplit reads (1 MiB: at most ~90,000 distinct lines of this kind):
# the stage model, carry and the recipes each read every instruction, and an LRU cache smaller
# than one file misses on every read of a long one (a step up in time per KB).
@lru_cache(maxsize=1 << 17)
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
