"""Start commands for the recipe to plan the build file with.

A recipe plans a naive file from its start command (Go and Rust find the build of the binary
it runs, Java the jar `java -jar` runs). The build file has none of its own, so it borrows the
runtime file's, with each copied artifact's runtime path put back to its builder path; failing
that, one made from the artifact (`java -jar` for a jar, the binary itself). A directory
artifact (a static site's output) needs none.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from dfsplit.dockerfile import shell, words
from dfsplit.model import Dockerfile, Project
from dfsplit.plan.pairs.runtime_file import Mapped
from dfsplit.plan.stage import DEFAULT_PATH, StageModel, base_image


def _runtime_paths(model: StageModel, mapped: Sequence[Mapped]) -> list[tuple[str, str]]:
    """(runtime path, builder path) of each artifact: the destination itself, and the file
    inside it when the destination is a directory."""
    out = []
    for m in mapped:
        ins = next(i for i in model.stage if i.start == m.line)
        dest = posixpath.normpath(posixpath.join(model.state_at(ins).workdir, m.dest))
        if m.dest.endswith("/") or m.dest in (".", "./") or dest in model.dirs:
            out.append((posixpath.join(dest, posixpath.basename(m.host)), m.builder))
        out.append((dest, m.builder))
    return out


def _start_argv(stage: Sequence[object], df: Dockerfile) -> list[str] | None:
    entry = [i for i in df.stages()[0] if i.keyword == "ENTRYPOINT"]
    cmd = [i for i in df.stages()[0] if i.keyword == "CMD"]
    argv: list[str] = []
    for ins in (entry[-1:] + cmd[-1:]) if entry else cmd[-1:]:
        form = words.is_exec_form(ins.args.strip()) or shell.plain_words(ins.args.strip())
        if form is None:
            return None
        argv += form
    return argv or None


def _mapped_word(word: str, workdir: str, paths: list[tuple[str, str]]) -> str | None:
    if "/" not in word:
        for runtime, builder in paths:
            if posixpath.basename(runtime) == word and posixpath.dirname(
                runtime
            ) in DEFAULT_PATH.split(":"):
                return builder
        return None
    target = posixpath.normpath(posixpath.join(workdir, word))
    for runtime, builder in paths:
        if target == runtime:
            return builder
        if target.startswith(runtime.rstrip("/") + "/"):
            return builder + target[len(runtime) :]
    return None


def recipe_starts(
    df: Dockerfile, project: Project, mapped: Sequence[Mapped]
) -> list[list[str] | None]:
    """Candidate start commands (exec form) for the build file, best first."""
    model = StageModel(df, df.stages()[0], project, base_image(df))
    paths = _runtime_paths(model, mapped)
    out: list[list[str] | None] = []
    argv = _start_argv(model.stage, df)
    if argv:
        swapped = [_mapped_word(w, model.final.workdir, paths) or w for w in argv]
        if swapped != argv:
            out.append(swapped)
    first = mapped[0].builder
    if first.endswith((".jar", ".war")):
        out.append(["java", "-jar", first])
    elif "*" not in first:
        out.append([first])
    out.append(None)
    return out
