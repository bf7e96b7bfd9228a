"""Check a rendered Dockerfile before anyone sees it. A failure here is a dfsplit bug."""

from __future__ import annotations

import posixpath

from dfsplit.dockerfile import parser
from dfsplit.model import Instruction, Plan, Refuse
from dfsplit.plan import stage


def verify(text: str, plan: Plan) -> None:
    """Raise Refuse when the output is not what the plan promised."""
    try:
        df = parser.parse(text.encode("utf-8"), cross_check=False)
    except Refuse as exc:
        raise Refuse(f"internal error: the output does not parse again ({exc.reason})") from exc
    stages = df.stages()
    names = _check_stage_graph(stages)
    final = stages[-1]
    copies = _copies(final, names)
    artifact = plan.report.artifact
    if artifact and (plan.artifact_stage, artifact) not in {(s, src) for s, src, _ in copies}:
        raise Refuse(f"internal error: the runtime stage does not copy the artifact {artifact}")
    for needed in plan.required_paths:
        if not any(_covers(dest, needed) for _, _, dest in copies):
            raise Refuse(f"internal error: the start command needs {needed}, which is not copied")


def _check_stage_graph(stages: tuple[tuple[Instruction, ...], ...]) -> list[str]:
    names: list[str] = []
    for group in stages:
        words = group[0].args.split()
        for ins in group:
            ref = ins.flag("from")
            if ref is not None and ref.lower() not in names and not ref.isdigit():
                raise Refuse(f"internal error: --from={ref} names no earlier stage")
        name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else ""
        if name and name in names:
            raise Refuse(f"internal error: stage name {name} is used twice")
        names.append(name)
    return names


def _copies(final: tuple[Instruction, ...], names: list[str]) -> list[tuple[str, str, str]]:
    """(stage, source, absolute destination) of each COPY --from in the final stage."""
    out = []
    workdir = "/"
    for ins in final:
        if ins.keyword == "WORKDIR":
            workdir = posixpath.join(workdir, ins.args.strip())
        ref = ins.flag("from")
        if ins.keyword != "COPY" or ref is None:
            continue
        words = stage.copy_words(ins.args)
        if not words or len(words) != 2:
            continue
        src, dest = words
        target = posixpath.normpath(posixpath.join(workdir, dest))
        if dest.endswith("/"):
            target = posixpath.join(target, posixpath.basename(src))
        out.append((ref, src, target))
    return out


def _covers(dest: str, needed: str) -> bool:
    return needed == dest or needed.startswith(dest.rstrip("/") + "/")
