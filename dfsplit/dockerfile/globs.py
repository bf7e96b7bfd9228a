"""Globs over posix paths relative to a build context: `*` stays in a segment, `**` is any depth.

Recipes name the files they read with these patterns; the IO edge reads the matching files.
"""

from __future__ import annotations

import re
from functools import lru_cache


def is_glob(path: str) -> bool:
    """Whether path has a glob character (`*`, `?`, `[`), as COPY sources read it."""
    return "*" in path or "?" in path or "[" in path  # not any(...): a hot path in stage.py


def glob_match(pattern: str, rel_path: str) -> bool:
    """Match a posix path against a glob where `*` never crosses "/" and `**` is any depth.

    "go.mod" and "*.go" match only at the context root; "**/*.go" matches at any depth.
    """
    return globs_regex((pattern,)).match(rel_path) is not None


def path_match(pattern: str, path: str) -> bool:
    """Go's filepath.Match, which Docker uses for COPY sources (and a shell for its globs):
    `*` and `?` never cross "/", so "*.go" matches "main.go" but not "cmd/main.go" (fnmatch's
    `*` does cross it), and "**" is no more than "*"."""
    return _path_regex(pattern).match(path) is not None


@lru_cache(maxsize=256)
def _path_regex(pattern: str) -> re.Pattern[str]:
    return re.compile("/".join(_segment(part) for part in pattern.split("/")) + r"\Z")


@lru_cache(maxsize=32)
def globs_regex(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One compiled regex for several globs: the snapshot tests every file against all.

    The patterns under "**/" share one leading any-depth group, which the regex engine then
    tries once per path instead of once per pattern (and which compiles faster).
    """
    if not patterns:
        return re.compile(r"(?!)")
    deep = [_glob_regex(p[3:]) for p in patterns if p.startswith("**/")]
    alternatives = [_glob_regex(p) for p in patterns if not p.startswith("**/")]
    if deep:
        alternatives.insert(0, "(?:[^/]+/)*(?:" + "|".join(deep) + ")")
    # The group matters: without it, \Z would end only the last alternative.
    return re.compile("(?:" + "|".join(alternatives) + r")\Z")


def _glob_regex(pattern: str) -> str:
    out: list[str] = []
    parts = pattern.removeprefix("./").split("/")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            # "**" absorbs zero or more leading directories, never the final file name.
            out.append("(?:[^/]+/)*" if not last else "(?!)")
            continue
        out.append(_segment(part))
        if not last:
            out.append("/")
    return "".join(out)


def _segment(part: str) -> str:
    """One path segment of a glob: `*` and `?` stay inside the segment."""
    out: list[str] = []
    i = 0
    while i < len(part):
        ch = part[i]
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[" and "]" in part[i + 2 :]:
            end = part.index("]", i + 2)
            inner = part[i + 1 : end]
            out.append("[^" + inner[1:] + "]" if inner.startswith("!") else "[" + inner + "]")
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)
