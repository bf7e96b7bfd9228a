"""Cargo.lock: the crates the build compiles and the dependencies each one resolved to
(build dependencies included), which is what says whether a `-sys` crate bundles its C code."""

from __future__ import annotations

from dfsplit.model import Project
from dfsplit.recipes.rust import tomlfile


def read_lock(project: Project, rel: str) -> dict[str, tuple[str, ...]] | None:
    """crate name -> names of its dependencies; None when the context has no Cargo.lock."""
    doc = tomlfile.load(project, rel)
    if doc is None:
        return None
    out: dict[str, tuple[str, ...]] = {}
    for entry in tomlfile.tables(doc, "package"):
        name = entry.get("name")
        if isinstance(name, str):
            # "serde 1.0.1 (registry+...)" or "serde": the name is the first word.
            deps = tuple(d.split()[0] for d in tomlfile.strings(entry.get("dependencies")) if d)
            out[name] = tuple(sorted({*out.get(name, ()), *deps}))
    return out
