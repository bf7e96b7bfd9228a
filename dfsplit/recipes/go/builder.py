"""The few edits dfsplit makes to a Go builder stage: CGO_ENABLED=0 for a libc-less runtime,
go.mod and go.sum copied before the sources, and cache mounts when asked.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

from dfsplit.dockerfile import edits, shell
from dfsplit.model import Dockerfile, Edit, Instruction, Options
from dfsplit.plan import carry
from dfsplit.plan.stage import StageModel, run_script
from dfsplit.recipes.go.builds import Build
from dfsplit.recipes.go.module import Module
from dfsplit.recipes.go.runtime import Needs
from dfsplit.recipes.go.start import Start


def builder_edits(
    df: Dockerfile,
    model: StageModel,
    kept: carry.Carried,
    start: Start,
    shipped: list[Build],
    module: Module,
    static_link: bool,
    needs: Needs,
    options: Options,
    notes: list[str],
) -> list[Edit]:
    out = [edits.name_stage(df, model.stage[0], "builder"), *kept.edits]
    build = start.build
    dynamic = [b for b in shipped if b.cgo != "0"]
    if static_link and not needs.cgo and dynamic:
        first = min(dynamic, key=lambda b: b.ins.start)
        out.append(_cgo_off(df, first, start))
        notes.append("CGO_ENABLED=0 added: the runtime has no glibc for a cgo-linked binary")
    out += _dependency_cache(df, model, module, build, options, notes)
    if start.go_run is not None:
        out.append(
            _go_run_mounts(model, start.go_run, notes) if options.cache_mounts else start.go_run
        )
        notes.append(f"`go run` replaced by a binary built at {build.output}")
    elif options.cache_mounts:
        out = _cache_mounts(df, model, out, notes)
    return out


def _cgo_off(df: Dockerfile, build: Build, start: Start) -> Edit:
    env = f"{edits.keyword(df, 'ENV')} CGO_ENABLED=0"
    if start.go_run is not None and build is start.build:
        return Edit(start.go_run.start, start.go_run.start, env)
    return Edit(edits.attached_comments(df, build.ins), edits.attached_comments(df, build.ins), env)


def _dependency_cache(
    df: Dockerfile,
    model: StageModel,
    module: Module,
    build: Build,
    options: Options,
    notes: list[str],
) -> list[Edit]:
    """Copy go.mod/go.sum and download modules before `COPY . .`, as the article does."""
    root = model.root_copy()
    if root is None or not module.path or model.stage[root.position].start > build.ins.start:
        return []
    gomod = posixpath.join(module.context_dir, "go.mod").lstrip("./") or "go.mod"
    if gomod != "go.mod" or module.root != root.dest:
        return []
    manifests = {"go.mod", "*.mod", "go.*"}
    if any(c.position < root.position and c.source in manifests for c in model.copies):
        return []
    project = model.project
    if project.has("vendor/modules.txt") or project.has("go.work"):
        notes.append("vendor/ or go.work present: module download order left as written")
        return []
    copy_ins = model.stage[root.position]
    if model.state_at(copy_ins).workdir != root.dest:
        return []
    names = [n for n in ("go.mod", "go.sum") if project.has(n) and not model.ignore.excludes(n)]
    mounts = _mount_flags(model, copy_ins) if options.cache_mounts else ""
    run = f"{edits.keyword(df, 'RUN')} {mounts + ' ' if mounts else ''}go mod download"
    text = f"{edits.keyword(df, 'COPY')} {' '.join(names)} ./\n{run}"
    anchor = edits.attached_comments(df, copy_ins)
    out = [Edit(anchor, anchor, text)]
    for ins in model.stage[root.position + 1 :]:
        # An unreadable RUN is not a `go mod download` to remove: it stays as written.
        commands = shell.split_commands(run_script(ins)) if ins.keyword == "RUN" else None
        if commands and all(
            c.argv[:3] in (("go", "mod", "download"), ("go", "mod", "verify")) for c in commands
        ):
            out.append(edits.remove(df, ins))
            break
    notes.append(
        f"{' and '.join(names)} copied and modules downloaded before `COPY . .` for caching"
    )
    return out


def _mount_flags(model: StageModel, ins: Instruction) -> str:
    return _flags(model.state_at(ins).env)


def tester_mount_flags(model: StageModel) -> str:
    """The caches the tester mounts too, with the builder's final environment."""
    return _flags(model.final.env)


def _flags(env: Mapping[str, str]) -> str:
    gopath = env.get("GOPATH", "/go").split(":")[0]
    modcache = env.get("GOMODCACHE") or posixpath.join(gopath, "pkg/mod")
    gocache = env.get("GOCACHE") or posixpath.join(env.get("HOME", "/root"), ".cache/go-build")
    return f"--mount=type=cache,target={modcache} --mount=type=cache,target={gocache}"


def _go_run_mounts(model: StageModel, go_run: Edit, notes: list[str]) -> Edit:
    """The build dfsplit adds for `go run` gets the cache mounts too (as the last user)."""
    if model.final.user not in (None, "root", "0"):
        notes.append("--cache-mounts skipped: the build runs as a non-root user")
        return go_run
    keyword, _, rest = go_run.text.partition(" ")
    notes.append("BuildKit cache mounts added for the module and build caches")
    return go_run._replace(text=f"{keyword} {_flags(model.final.env)} {rest}")


def _cache_mounts(
    df: Dockerfile, model: StageModel, planned: list[Edit], notes: list[str]
) -> list[Edit]:
    """The module and build caches on every RUN that downloads modules or compiles: a mount
    hides what an earlier layer put at its target, so they all use the same caches."""
    added = False
    for ins in model.stage:
        if ins.keyword != "RUN" or not _uses_go_caches(ins) or ins.flags:
            continue
        if model.state_at(ins).user not in (None, "root", "0"):
            notes.append("--cache-mounts skipped: the build runs as a non-root user")
            continue
        new = edits.with_run_flags(df, ins, _mount_flags(model, ins), planned)
        if new is not None:
            planned, added = new, True
    if added:
        notes.append("BuildKit cache mounts added for the module and build caches")
    return planned


def _uses_go_caches(ins: Instruction) -> bool:
    commands = shell.split_commands(run_script(ins))
    if commands is None:  # unreadable: it stays as written, without mounts
        return False
    verbs = {("build",), ("install",), ("mod", "download")}
    return any(
        c.program == "go" and (c.argv[1:2] in verbs or c.argv[1:3] in verbs) for c in commands
    )
