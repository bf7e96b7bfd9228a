"""The rules BuildKit checks before it builds anything: a file that breaks one never built, so
dfsplit refuses it, naming the rule, instead of rewriting it.

Each rule and its wording were measured on the engine (Docker 20.10's BuildKit) and on the
`dockerfile` package's parser. The pipeline applies them to every file it reads, and the
self-check to dfsplit's own output.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dfsplit.dockerfile.words import copy_words, is_exec_form
from dfsplit.model import Dockerfile, Instruction, Refuse

MAX_LINE_BYTES = 65535  # BuildKit's scanner: "dockerfile line greater than max allowed size"
AT_LEAST_ONE = frozenset(
    {"ARG", "ENV", "LABEL", "EXPOSE", "VOLUME", "HEALTHCHECK", "SHELL", "ONBUILD"}
)
EXACTLY_ONE = frozenset({"WORKDIR", "USER", "STOPSIGNAL", "MAINTAINER"})
_STAGE_NAME = re.compile(r"[a-z][a-z0-9-_.]*\Z")


def check(df: Dockerfile) -> None:
    """Raise Refuse naming the first BuildKit rule the file breaks."""
    _line_lengths(df.lines)
    in_stage = False
    for ins in df.instructions:
        in_stage = in_stage or ins.keyword == "FROM"
        problem = _problem(ins, df.escape)
        if not in_stage and ins.keyword != "ARG":
            problem = f"{ins.keyword} before the first FROM (no build stage in current context)"
        if problem:
            raise Refuse(f"line {ins.start + 1}: {problem}; BuildKit refuses to build it")


def _line_lengths(lines: Sequence[str]) -> None:
    # Characters first: a line under a quarter of the limit cannot exceed it in UTF-8 bytes.
    for n, line in enumerate(lines):
        if len(line) > MAX_LINE_BYTES // 4 and len(line.rstrip("\n").encode()) > MAX_LINE_BYTES:
            raise Refuse(
                f"line {n + 1} is longer than {MAX_LINE_BYTES} bytes, the most BuildKit reads; "
                "BuildKit refuses to build it"
            )


def _problem(ins: Instruction, escape: str) -> str | None:
    keyword, args = ins.keyword, ins.args.strip()
    if not args and keyword in AT_LEAST_ONE | EXACTLY_ONE:
        count = "exactly one argument" if keyword in EXACTLY_ONE else "at least one argument"
        return f"{keyword} requires {count}"
    if keyword == "FROM":
        return _from_problem(args.split())
    if keyword in {"COPY", "ADD"}:
        found = copy_words(args)
        if found is not None and len(found) < 2:
            return f"{keyword} requires at least two arguments (sources and a destination)"
    if keyword == "HEALTHCHECK":
        return _healthcheck_problem(args)
    if keyword == "SHELL" and is_exec_form(args) is None:
        return "SHELL requires the arguments to be in JSON form"
    if keyword in {"ENV", "LABEL"}:
        return _name_value_problem(keyword, args, escape)
    return None


def _from_problem(words: list[str]) -> str | None:
    if len(words) == 3 and words[1].lower() == "as":
        if not _STAGE_NAME.match(words[2].lower()):
            return f"invalid name for build stage: {words[2]!r}"
        return None
    if len(words) != 1:
        comment = " (a # comment must be on a line of its own)" if "#" in words else ""
        return f"FROM requires either one or three arguments (image [AS name]){comment}"
    return None


def _healthcheck_problem(args: str) -> str | None:
    kind, _, rest = args.partition(" ")
    kind, rest = kind.upper(), rest.strip()
    if kind == "NONE":
        return "HEALTHCHECK NONE takes no arguments" if rest else None
    if kind != "CMD":
        return f"unknown type {kind} in HEALTHCHECK (try CMD)"
    if not rest or is_exec_form(rest) == []:
        return "Missing command after HEALTHCHECK CMD"
    return None


def _name_value_problem(keyword: str, args: str, escape: str) -> str | None:
    """BuildKit's parseNameVal: `KEY value...` (the first word has no "=") needs a value;
    in `KEY=value ...` every word needs its "="."""
    plain = not any(ch in args for ch in "\"'" + escape)  # the common case: split on spaces
    words = args.split() if plain else _words(args, escape)
    if words and "=" not in words[0]:
        return f"{keyword} must have two arguments" if len(args.split(None, 1)) < 2 else None
    lacking = next((w for w in words if "=" not in w), None)
    return f"{keyword}: can't find = in {lacking!r}; it must be name=value" if lacking else None


def _words(rest: str, escape: str) -> list[str]:
    """BuildKit's parseWords (line_parsers.go): words split at spaces outside quotes, quotes
    and escapes kept; the escape character takes the next character into the word, except
    inside single quotes. (The words branch's words.split_words is the same function.)"""
    words: list[str] = []
    word: list[str] = []
    quote = ""
    started = False  # a quote makes a word even when it is empty
    i = 0
    while i < len(rest):
        ch = rest[i]
        if not quote and ch.isspace():
            if word or started:
                words.append("".join(word))
            word, started = [], False
        elif ch == escape and quote != "'":
            word.append(rest[i : i + 2])  # at the very end, BuildKit keeps nothing more
            i += 1
        else:
            if ch in "'\"" and (not quote or ch == quote):
                quote = "" if quote else ch
                started = True
            word.append(ch)
        i += 1
    if word or started:
        words.append("".join(word))
    return words
