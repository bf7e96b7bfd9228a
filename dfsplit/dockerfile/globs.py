"""Every path-pattern dialect dfsplit reads, compiled by one translator:

- COPY/ADD sources and shell globs: Go's filepath.Match (`path_match`), `*` within a segment;
- the context files recipes read (`globs_regex`): `**/` is any depth;
- `.dockerignore` (`Dockerignore`): filepath.Match per segment, `**` any depth, `!` re-includes;
- `.gitignore` (`parse_gitignore`, `is_ignored`): unanchored names match at any depth.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple


def is_glob(path: str) -> bool:
    """Whether path has a glob character (`*`, `?`, `[`), as COPY sources read it."""
    return "*" in path or "?" in path or "[" in path  # not any(...): a hot path in stage.py


def glob_escape(path: str) -> str:
    """`path` as a pattern that matches only itself (`[z-a]` -> `[[]z-a]`)."""
    return re.sub(r"([*?\[])", r"[\1]", path)


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
    # "**" absorbs zero or more leading directories, never the final file name.
    return _translate(pattern.removeprefix("./"), last_double_star="(?!)")


def _translate(pattern: str, last_double_star: str = ".*") -> str:
    """Segments joined by "/": a `**` segment is any number of directories (a last one is
    `last_double_star`); other segments go through _segment."""
    out: list[str] = []
    parts = pattern.split("/")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            out.append(last_double_star if last else "(?:[^/]+/)*")
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
            out.append(_char_class(part[i + 1 : end]))
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def _char_class(inner: str) -> str:
    """A `[...]` class: a leading `!` or `^` negates, `a-z` is a range, any other character
    is itself (escaped: it comes from a file). A reversed range (`[z-a]`) matches nothing, as
    Go's filepath.Match then reports a bad pattern, and git matches nothing either."""
    negate = inner[:1] in ("!", "^")
    body = inner[1:] if negate else inner
    parts: list[str] = []
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            low, high = body[i], body[i + 2]
            if low > high:
                return "(?!)"
            parts.append(f"{re.escape(low)}-{re.escape(high)}")
            i += 3
        else:
            parts.append(re.escape(body[i]))
            i += 1
    return ("[^/" if negate else "[") + "".join(parts) + "]"


# --- .dockerignore ---------------------------------------------------------------------------


class Dockerignore:
    """Patterns in file order; the last matching pattern decides, `!` re-includes."""

    def __init__(self, text: str) -> None:
        self.rules: list[tuple[bool, re.Pattern[str]]] = []
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            body = posixpath.normpath(line.lstrip("!").strip().lstrip("/"))
            self.rules.append((negate, re.compile(_translate(body) + r"\Z")))

    def excludes(self, rel: str) -> bool:
        """True when rel, or a directory above it, is ignored."""
        if rel in (".", ""):
            return False
        parts = rel.split("/")
        candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        excluded = False
        for negate, regex in self.rules:
            if any(regex.match(c) for c in candidates):
                excluded = not negate
        return excluded


# --- .gitignore ------------------------------------------------------------------------------


class IgnoreRule(NamedTuple):
    base: str  # directory of the .gitignore, posix, relative to the walk root ("" at the root)
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def parse_gitignore(text: str, base: str) -> list[IgnoreRule]:
    """The rules of one .gitignore whose directory is `base` (see gitignore(5))."""
    rules = []
    for raw in text.splitlines():
        line = raw.rstrip()  # trailing spaces are ignored unless escaped (rare; not supported)
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        line = line[1:] if negate else line
        line = line.removeprefix("\\")
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        # A slash at the start or in the middle anchors the pattern to the .gitignore's dir.
        anchored = "/" in line
        body = _translate(line.lstrip("/"))
        regex = re.compile(("" if anchored else "(?:.*/)?") + body + r"\Z")
        rules.append(IgnoreRule(base, regex, negate, dir_only))
    return rules


def is_ignored(rules: Sequence[IgnoreRule], rel: str, is_dir: bool) -> bool:
    """Git's rule: the last matching pattern wins, and `!` re-includes."""
    ignored = False
    for rule in rules:
        if rule.dir_only and not is_dir:
            continue
        if rule.base:
            if not rel.startswith(rule.base + "/"):
                continue
            sub = rel[len(rule.base) + 1 :]
        else:
            sub = rel
        if rule.regex.match(sub):
            ignored = not rule.negate
    return ignored
