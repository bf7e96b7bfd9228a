"""Just enough POSIX shell reading to find the commands inside a RUN, CMD or ENTRYPOINT.

This is not a shell: it splits a script into simple commands at `&&`, `||`, `;`, `|`, `&`
and line breaks, separates leading `VAR=value` assignments, and drops redirections. Quotes
are removed as the shell removes them; `$(...)`, `${...}` and backquotes stay inside their
word, unexpanded. A script it cannot read (an unterminated quote or substitution) comes
back as None from `split_commands`; `commands` turns that into a refusal. Callers must never
read None as "no commands": an unreadable RUN may build, install or create anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import NamedTuple

from dfsplit.model import EMPTY, Refuse

_SEPARATORS = {"&&", "||", ";", "|", "&", ";;", "\n", "(", ")", "|&"}
_OPERATORS = ("&&", "||", ";;", "|&", ";", "|", "&", "(", ")")
_REDIRECTS = (">>", ">&", ">|", "<<", "<&", "<>", "&>", ">", "<")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# Runs of characters that only extend the word, read in one step: a character at a time, a
# 900 KB RUN line took seconds (each one tried every operator).
_PLAIN = re.compile(r"[^\\ \t\r\n'\"$`&|;()<>]+")
_QUOTED_PLAIN = re.compile(r'[^"\\$`]+')
# Characters whose meaning differs between `sh -c` and exec form.
_SHELL_SYNTAX = re.compile(r"[$`|&;<>(){}*?\[\]~!#\\'\"]")


class Command(NamedTuple):
    """One simple command: `ENV=x prog arg...`."""

    argv: tuple[str, ...]
    env: Mapping[str, str] = EMPTY  # never mutated: a shared empty default is safe

    @property
    def program(self) -> str:
        return self.argv[0] if self.argv else ""


class _Unreadable(Exception):
    """An unterminated quote or substitution."""


class _Lexer:
    """Splits a script into ("word", text) and ("op", text) tokens, quotes removed."""

    def __init__(self, script: str) -> None:
        self.s = script
        self.i = 0
        self.tokens: list[tuple[str, str]] = []
        self.word: list[str] = []
        self.in_word = False  # a word has started (`""` is a word, though empty)
        self.heredoc_next = False  # the next word is a here-document's delimiter
        self.heredocs: list[str] = []  # delimiters whose bodies start at the next line

    def run(self) -> list[tuple[str, str]]:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c == "\\":
                self._backslash()
            elif c in " \t\r":
                self._end_word()
                self.i += 1
            elif c == "\n":
                self._end_word()
                self.tokens.append(("op", "\n"))
                self.i += 1
                self._skip_heredoc_bodies()
            elif c == "#" and not self.in_word:
                end = s.find("\n", self.i)
                self.i = len(s) if end < 0 else end
            elif c == "'":
                end = s.find("'", self.i + 1)
                if end < 0:
                    raise _Unreadable
                self._add(s[self.i + 1 : end], end + 1)
            elif c == '"':
                self._double_quoted()
            elif c in "$`":
                end = self._substitution(self.i)
                self._add(s[self.i : end], end)
            elif c not in "&|;()<>":
                plain = _PLAIN.match(s, self.i)
                assert plain is not None  # c is none of the characters handled above
                self._add(plain.group(), plain.end())
            elif not self._operator():
                self._add(c, self.i + 1)
        self._end_word()
        return self.tokens

    def _add(self, text: str, end: int | None) -> None:
        self.word.append(text)
        self.in_word = True
        if end is not None:
            self.i = end

    def _end_word(self) -> None:
        if self.in_word:
            self.tokens.append(("word", "".join(self.word)))
            if self.heredoc_next:
                self.heredocs.append("".join(self.word))
                self.heredoc_next = False
        self.word, self.in_word = [], False

    def _skip_heredoc_bodies(self) -> None:
        """`cat <<EOF > f` inside the script: its body is data, not commands."""
        for delimiter in self.heredocs:
            while self.i < len(self.s):
                end = self.s.find("\n", self.i)
                end = len(self.s) if end < 0 else end
                line = self.s[self.i : end]
                self.i = end + 1
                if line.lstrip("\t") == delimiter:
                    break
        self.heredocs = []

    def _backslash(self) -> None:
        nxt = self.s[self.i + 1 : self.i + 2]
        if nxt == "\n":  # a line continuation: nothing at all
            self.i += 2
        else:
            self._add(nxt, self.i + 2)

    def _double_quoted(self) -> None:
        s, i = self.s, self.i + 1
        out: list[str] = []
        while True:
            if i >= len(s):
                raise _Unreadable
            c = s[i]
            if c == '"':
                break
            if c == "\\" and s[i + 1 : i + 2] in ('"', "\\", "$", "`", "\n"):
                out.append("" if s[i + 1] == "\n" else s[i + 1])
                i += 2
            elif c in "$`":
                end = self._substitution(i)
                out.append(s[i:end])
                i = end
            else:  # a run of plain characters, or a backslash that escapes nothing here
                plain = _QUOTED_PLAIN.match(s, i)
                end = plain.end() if plain else i + 1
                out.append(s[i:end])
                i = end
        self._add("".join(out), i + 1)

    def _substitution(self, start: int) -> int:
        """The end of `$(...)`, `${...}`, `$((...))`, a backquoted command, or a lone `$`."""
        s = self.s
        if s[start] == "`":
            end = s.find("`", start + 1)
            if end < 0:
                raise _Unreadable
            return end + 1
        opener = s[start + 1 : start + 2]
        if opener not in ("(", "{"):
            return start + 1
        closer = ")" if opener == "(" else "}"
        depth, i = 0, start + 1
        while i < len(s):
            c = s[i]
            if c == "\\":
                i += 2
                continue
            if c in "'\"":
                end = s.find(c, i + 1)
                if end < 0:
                    raise _Unreadable
                i = end
            elif c == opener:
                depth += 1
            elif c == closer:
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        raise _Unreadable

    def _operator(self) -> bool:
        s, i = self.s, self.i
        for op in _REDIRECTS:
            if s.startswith(op, i):
                digits = self.in_word and "".join(self.word).isdigit()
                if not digits:
                    self._end_word()
                self.word, self.in_word = [], False  # `2>` drops its fd number with it
                self.tokens.append(("redirect", op))
                self.i = i + len(op)
                if op == "<<":
                    self.heredoc_next = True
                    self.i += self.s.startswith("-", self.i)  # <<- strips leading tabs
                return True
        for op in _OPERATORS:
            if s.startswith(op, i):
                self._end_word()
                self.tokens.append(("op", op))
                self.i = i + len(op)
                return True
        return False


def split_commands(script: str) -> list[Command] | None:
    """The simple commands of a shell script, in order; None when it cannot be read."""
    commands = _split_cached(script)
    return list(commands) if commands is not None else None


def commands(script: str, what: str) -> list[Command]:
    """The simple commands of a script; Refuse naming `what` (e.g. "the RUN at line 7")
    when it cannot be read, since it may do anything."""
    found = split_commands(script)
    if found is None:
        raise Refuse(f"cannot read the shell script of {what} (an unterminated quote?)")
    return found


# Sized for the largest file dfsplit reads (1 MiB: at most ~90,000 distinct lines of this kind):
# the stage model, carry and the recipes each read every instruction, and an LRU cache smaller
# than one file misses on every read of a long one (a step up in time per KB).
@lru_cache(maxsize=1 << 17)
def _split_cached(script: str) -> tuple[Command, ...] | None:
    # Cached: the recipes read the same RUN lines several times. Commands are frozen.
    try:
        tokens = _Lexer(script).run()
    except _Unreadable:
        return None
    found: list[Command] = []
    words: list[str] = []
    skip_next = False
    for kind, text in [*tokens, ("op", ";")]:
        if skip_next and kind == "word":
            skip_next = False
            continue
        skip_next = kind == "redirect"
        if kind == "op" or (kind == "word" and text in {"{", "}"} and not words):
            if words:
                found.append(_command(words))
            words = []
        elif kind == "word":
            words.append(text)
    return tuple(found)


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


def leading_cd(command_line: str) -> tuple[str, str] | None:
    """`cd /app && ./server --flag` -> ("/app", "./server --flag"): a start command whose `cd`
    only sets the working directory; None for anything else."""
    m = re.match(r"^\s*cd\s+([A-Za-z0-9_./@+-]+)\s*&&\s*(\S.*)$", command_line, re.DOTALL)
    if m is None or needs_shell(m.group(1)):
        return None
    return m.group(1), m.group(2).strip()


def needs_shell(command_line: str) -> bool:
    """True when `sh -c command_line` may differ from running its words directly."""
    return bool(_SHELL_SYNTAX.search(command_line))


def plain_words(command_line: str) -> list[str] | None:
    """The words of a shell-form command that needs no shell, else None."""
    if needs_shell(command_line):
        return None
    words = command_line.split()
    return words or None
