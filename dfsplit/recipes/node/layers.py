"""The layers of a Node server's runtime: production dependencies first, the app's files last,
so that a source change rebuilds and ships only the app's layer.

`prod-deps` repeats the builder's steps up to its sources (the root `COPY . .`: the manifests,
the lock file, the install), then drops the devDependencies. BuildKit runs the identical steps
once for both stages, and a source change leaves them cached. The builder stays as the user
wrote it, and the tester branches off it with every dependency. The `app` stage is the
builder's app directory without node_modules, so the runtime's last layer holds the app alone.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from dfsplit.dockerfile import edits, shell
from dfsplit.plan.stage import run_script
from dfsplit.recipes.node.builder import App

PRUNE_STAGE = "prod-deps"
APP_STAGE = "app"
# Tools that write into node_modules after the install (Prisma generates its client into
# node_modules/.prisma, patch-package edits packages): pruned from the manifests alone,
# node_modules would miss what they wrote, so the builder's own node_modules is pruned.
NODE_MODULES_WRITERS = frozenset({"prisma", "@prisma/client", "patch-package"})
REBUILDS = frozenset({("npm", "rebuild"), ("yarn", "rebuild"), ("pnpm", "rebuild")})
_FROM = re.compile(r"^\s*from\s", re.IGNORECASE)
_ALIAS = re.compile(r"\s+as\s+\S+$", re.IGNORECASE)


class Split(NamedTuple):
    """Where `prod-deps` starts: the builder's own steps up to its sources, or the builder."""

    head: tuple[str, ...] = ()  # FROM ... AS prod-deps and the steps before `COPY . .`
    notes: tuple[str, ...] = ()


def prod_deps_head(app: App) -> Split:
    """The builder's steps before its sources, again, when they see only the manifests."""
    line = app.sources_line
    if line is None:
        return Split(notes=("the install runs after the sources: prod-deps prunes the builder",))
    writer = _node_modules_writer(app, line)
    if writer:
        why = f"{writer} into node_modules after the install: prod-deps prunes the builder"
        return Split(notes=(why,))
    earlier = [e for e in app.edits if e.start < line or e.start == e.end == line]
    lines = [text.rstrip("\r\n") for text in edits.apply(app.df, earlier, line)]
    first = next(i for i, text in enumerate(lines) if _FROM.match(text))
    part = lines[first:]
    if not any(ins.heredocs for ins in app.model.stage if ins.start < line):
        part = [text for text in part if text.strip() and not text.lstrip().startswith("#")]
    part[0] = f"{_ALIAS.sub('', part[0].rstrip())} AS {PRUNE_STAGE}"
    note = (
        "prod-deps repeats the builder's steps before `COPY . .` (BuildKit runs them once) "
        "and prunes there: a source change leaves the production dependencies cached"
    )
    return Split(tuple(part), (note,))


def _node_modules_writer(app: App, line: int) -> str | None:
    """A dependency or builder step that writes into node_modules after the install, said
    with its verb ("prisma writes")."""
    used = sorted(name for name in NODE_MODULES_WRITERS if app.pkg.uses(name))
    if used:
        return f"{used[0]} writes"
    for ins in app.model.stage:
        if ins.keyword != "RUN" or ins.start < line:
            continue
        commands = shell.split_commands(run_script(ins))
        if commands is None:  # unreadable: it may write there
            return f"the RUN at line {ins.start + 1}, which dfsplit cannot read, may write"
        for command in commands:
            argv = command.argv[1:] if command.program == "npx" else command.argv
            if argv[:1] == ("prisma",) or tuple(argv[:2]) in REBUILDS:
                return f"`{' '.join(command.argv)}` writes"
    return None
