"""The self-check of a rendered Dockerfile, before anyone sees it. A failure here is a dfsplit
bug, and the file is refused instead of written.

`stage_graph` is the one check of a multi-stage file's stages (unique names, no `--from` names
its own or a later stage; one that names no stage is an image, as in BuildKit); the tests run it
on BuildKit's own parse of the output too.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from dfsplit.dockerfile import parser, paths, rules, words
from dfsplit.model import (
    MAX_DOCKERFILE_BYTES,
    Dockerfile,
    Instruction,
    InternalError,
    NewFile,
    Plan,
    Project,
    Refuse,
)


class Stage(NamedTuple):
    """One stage as the graph check sees it, whichever parser read it."""

    name: str  # lower case; "" for an unnamed stage
    refs: tuple[str, ...]  # the --from= values of its instructions


def rendered(text: str, plan: Plan) -> None:
    """Raise Refuse when the output is not what the plan promised."""
    size = len(text.encode("utf-8"))
    if size > MAX_DOCKERFILE_BYTES:  # dfsplit could not read its own output again
        raise Refuse(
            f"the rewrite would be {size} bytes, over the {MAX_DOCKERFILE_BYTES}-byte limit "
            "of a Dockerfile dfsplit reads"
        )
    try:
        df = parser.parse(text.encode("utf-8"), cross_check=False)
        rules.check(df)
    except Refuse as exc:
        raise InternalError(f"the output does not parse again ({exc.reason})") from exc
    problem = stage_graph(stages_of(df))
    if problem:
        raise InternalError(problem)
    copies = _copies(df.stages()[-1])
    artifact = plan.findings.artifact
    if artifact and (plan.artifact_stage, artifact) not in {(s, src) for s, src, _ in copies}:
        raise InternalError(f"the runtime stage does not copy the artifact {artifact}")
    for needed in plan.required_paths:
        if not any(_covers(dest, needed) for _, _, dest in copies):
            raise InternalError(f"the start command needs {needed}, which is not copied")


def new_files(files: Iterable[NewFile], project: Project) -> None:
    """A file the rewrite adds must not replace a different file of the project."""
    for new in files:
        if project.has(new.rel) and project.text(new.rel) != new.text:
            raise Refuse(
                f"the rewrite adds {new.rel}, but the project already has a different "
                f"{new.rel}, which dfsplit does not overwrite: rename that file and run "
                "dfsplit again"
            )


def stages_of(df: Dockerfile) -> list[Stage]:
    """The stages of a parsed Dockerfile, for `stage_graph`."""
    out = []
    for group in df.stages():
        head = group[0].args.split()
        name = head[2].lower() if len(head) >= 3 and head[1].lower() == "as" else ""
        refs = tuple(ref for ins in group if (ref := ins.flag("from")) is not None)
        out.append(Stage(name, refs))
    return out


def stage_graph(stages: Sequence[Stage]) -> str | None:
    """What is wrong with the stages' names and references, or None."""
    names: list[str] = []
    for index, stage in enumerate(stages):
        later = {s.name for s in stages[index:] if s.name}
        for ref in stage.refs:
            if ref.lower() in later and ref.lower() not in names:
                return f"--from={ref} names a stage that is not an earlier one"
        if stage.name and stage.name in names:
            return f"stage name {stage.name} is used twice"
        names.append(stage.name)
    return None


def _copies(final: tuple[Instruction, ...]) -> list[tuple[str, str, str]]:
    """(stage, source, absolute destination) of each COPY --from in the final stage."""
    out = []
    workdir = "/"
    for ins in final:
        if ins.keyword == "WORKDIR":
            workdir = paths.join(workdir, ins.args.strip())
        ref = ins.flag("from")
        if ins.keyword != "COPY" or ref is None:
            continue
        found = words.copy_words(ins.args)
        if not found or len(found) != 2:
            continue
        src, dest = found
        target = paths.join(workdir, dest)
        # A file copied into a directory keeps its name; "/" is always a directory copy's
        # destination (dfsplit copies a file to its full path), whose contents land in it.
        if dest.endswith("/") and target != "/":
            target = posixpath.join(target, posixpath.basename(src))
        out.append((ref, src, target))
    return out


def _covers(dest: str, needed: str) -> bool:
    return needed == dest or needed.startswith(dest.rstrip("/") + "/")
