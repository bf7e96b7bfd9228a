"""The pure centre: `split(project, options) -> Outcome`. No disk, no terminal."""

from __future__ import annotations

from dataclasses import replace

from dfsplit import detect, dockerfile, render, verify
from dfsplit.model import (
    Dockerfile,
    NothingToDo,
    Options,
    Outcome,
    Project,
    Refuse,
    Report,
    Status,
)


def split(project: Project, options: Options) -> Outcome:
    """Plan and render the multi-stage version of one Dockerfile."""
    old = project.dockerfile
    report: Report | None = None
    try:
        df = dockerfile.parse(old, project.path)
        froms = [i for i in df.instructions if i.keyword == "FROM"]
        if not froms:
            raise Refuse("no FROM instruction")
        if len(froms) > 1:
            return Outcome(project.path, Status.UNCHANGED, old, old, reason="already multi-stage")
        recipe, detection = detect.detect(project)
        report = Report(recipe=recipe.name, language=recipe.language, framework=detection.framework)
        plan = recipe.plan(df, project, detection, options)
        report = replace(plan.report, notes=detection.why + plan.report.notes)
        text = render.render(df, plan)
        verify.verify(text, plan)
    except NothingToDo as exc:
        return Outcome(project.path, Status.UNCHANGED, old, old, reason=exc.reason, report=report)
    except Refuse as exc:
        return Outcome(project.path, Status.REFUSED, old, old, reason=exc.reason, report=report)
    except Exception as exc:  # a dfsplit bug must not become a traceback or a bad file
        reason = f"internal error ({type(exc).__name__}: {exc}); please report it"
        return Outcome(project.path, Status.FAILED, old, old, reason=reason, report=report)
    new = encode(text, df)
    status = Status.CHANGED if new != old else Status.UNCHANGED
    return Outcome(project.path, status, old, new, report=report, new_files=plan.new_files)


def encode(text: str, df: Dockerfile) -> bytes:
    """Text with "\\n" endings -> bytes in the original's style (CRLF, BOM, final newline)."""
    if not df.final_newline:
        text = text.rstrip("\n")
    return dockerfile.to_bytes(text, df)
