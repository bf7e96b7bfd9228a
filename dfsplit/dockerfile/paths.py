"""Paths inside an image, cleaned the way BuildKit cleans them (Go's path.Clean).

Python's posixpath.normpath keeps a leading "//" (POSIX leaves its meaning to the system); Go
folds it into "/". Walking up from "//" with posixpath.dirname never reaches "/", so every
builder path dfsplit computes goes through `clean` or `join`.
"""

from __future__ import annotations

import posixpath


def clean(path: str) -> str:
    """`path` normalised like Go's path.Clean: "//a/./b/.." -> "/a"."""
    norm = posixpath.normpath(path)
    return "/" + norm.lstrip("/") if norm.startswith("//") else norm


def join(cwd: str, path: str) -> str:
    """Where `path` (absolute, or relative to `cwd`) points, cleaned."""
    return clean(posixpath.join(cwd, path))


def parents(path: str) -> list[str]:
    """`path` and each directory above it, up to "/" (or "." for a relative path)."""
    out = [clean(path)]
    while (parent := posixpath.dirname(out[-1]) or ".") != out[-1]:
        out.append(parent)
    return out
