"""The rules BuildKit checks before it builds anything: a file that breaks one never built, so
dfsplit fails it as bad input (model.BadDockerfile), naming the rule, instead of rewriting it.

Each rule and its wording were measured on the engine (Docker 20.10's BuildKit) and on the
`dockerfile` package's parser. The pipeline applies them to every file it reads, and the
self-check to dfsplit's own output.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dfsplit.dockerfile.words import copy_words, env_pairs, is_exec_form
from dfsplit.model import BadDockerfile, Dockerfile, Instruction, Refuse

MAX_LINE_BYTES = 65535  # BuildKit's scanner: "dockerfile line greater than max allowed size"
AT_LEAST_ONE = frozenset(
    {"ARG", "ENV", "LABEL", "EXPOSE", "VOLUME", "HEALTHCHECK", "SHELL", "ONBUILD"}
)
EXACTLY_ONE = frozenset({"WORKDIR", "USER", "STOPSIGNAL", "MAINTAINER"})
_STAGE_NAME = re.compile(r"[a-z][a-z0-9-_.]*\Z")


def check(df: Dockerfile) -> None:
    """Raise BadDockerfile naming the first BuildKit rule the file breaks: bad input, which
    Docker would fail too (a failed file, not a refusal)."""
    _line_lengths(df.lines)
    in_stage = False
    for ins in df.instructions:
        in_stage = in_stage or ins.keyword == "FROM"
        problem = _problem(ins, df.escape)
        if not in_stage and ins.keyword != "ARG":
            problem = f"{ins.keyword} before the first FROM (no build stage in current context)"
        if problem:
            raise BadDockerfile(f"line {ins.start + 1}: {problem}; BuildKit refuses to build it")


def _line_lengths(lines: Sequence[str]) -> None:
    # Characters first: a line under a quarter of the limit cannot exceed it in UTF-8 bytes.
    for n, line in enumerate(lines):
        if len(line) > MAX_LINE_BYTES // 4 and len(line.rstrip("\n").encode()) > MAX_LINE_BYTES:
            raise BadDockerfile(
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
    """BuildKit's parseNameVal (words.env_pairs, the one implementation): `KEY value...` needs
    a value; in `KEY=value ...` every word needs its "="."""
    try:
        env_pairs(args, escape, keyword)
    except Refuse as exc:
        return exc.reason
    return None
