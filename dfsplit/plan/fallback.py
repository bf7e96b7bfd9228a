"""When dfsplit cannot tell which files the app reads (a path computed at run time, a config
loader that searches directories), the runtime keeps what the original image had in its
WORKDIR, minus what is known to be build-only: a lean image that does not start is worse
than a larger one that does. `--lean` (or `lean = true` in a config file) opts out.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from dfsplit.plan.buildonly import BuildOnly, ancestors
from dfsplit.plan.stage import StageModel

# Above this many COPY lines, one COPY of the whole WORKDIR reads better (and is as safe).
MAX_COPIES = 16


def kept_from_workdir(
    model: StageModel, build_only: BuildOnly, workdir: str, exclude: Sequence[str]
) -> list[str]:
    """Absolute builder paths under workdir that hold every file the build copied there that
    is not build-only (and not under `exclude`, which the recipe copies already): whole
    directories where they hold nothing build-only, single files elsewhere."""
    prefix = workdir.rstrip("/") + "/"
    skipped = tuple(p.rstrip("/") for p in exclude)
    tree: dict[str, bool] = {}  # path below workdir -> whether it stays behind
    for rel in sorted(model.project.context_files):
        path = model.builder_path(rel)
        if path is None or not path.startswith(prefix):
            continue
        behind = build_only.file(rel) or any(path == s or path.startswith(s + "/") for s in skipped)
        tree[path[len(prefix) :]] = behind
    dirty = ancestors(p for p, behind in tree.items() if behind)
    children: dict[str, set[str]] = {}
    for path in tree:
        parts = path.split("/")
        for depth in range(len(parts)):
            parent = "/".join(parts[:depth])
            children.setdefault(parent, set()).add("/".join(parts[: depth + 1]))
    found = _cover("", children, tree, dirty)
    if len(found) > MAX_COPIES:
        return [workdir]
    return [posixpath.join(workdir, p) for p in found]


def _cover(
    directory: str, children: dict[str, set[str]], tree: dict[str, bool], dirty: set[str]
) -> list[str]:
    out: list[str] = []
    for child in sorted(children.get(directory, ())):
        if child in tree:  # a file
            if not tree[child]:
                out.append(child)
        elif child not in dirty:
            out.append(child)
        else:
            out += _cover(child, children, tree, dirty)
    return out
