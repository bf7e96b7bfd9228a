"""The runtime stage, assembled the same way for every recipe from what `carry` kept.

A recipe decides the image, what is copied from which stage, the start command and the OS
packages; the carried ENV, ARG, metadata, user and start comment come from the original.
"""

from __future__ import annotations

from collections.abc import Sequence

from dfsplit.dockerfile import tokens
from dfsplit.model import CopyStep, RuntimeStage
from dfsplit.plan import images
from dfsplit.plan.carry import Carried


def runtime_stage(
    image: str,
    kept: Carried,
    copies: Sequence[CopyStep],
    *,
    workdir: str | None,
    entrypoint: str | None = None,
    cmd: str | None = None,
    run: Sequence[str] = (),
    env: Sequence[str] = (),
    checks: Sequence[str] = (),
    app: Sequence[CopyStep] = (),
) -> RuntimeStage:
    """The final stage: `workdir` None sets none, and "/" only where the image does not start
    there (distroless :nonroot starts in /home/nonroot); `env` adds
    ENV tokens after the carried ones, `run` are the commands that install OS packages,
    `checks` the commands that check what `copies` brought (they run after them), and `app`
    the copies of the app's own files, last: a change to the app then rebuilds, and a push
    uploads, only their layers."""
    return RuntimeStage(
        image=tokens.image(image),
        args=tuple(kept.args),
        env=(*kept.env, *env),
        run=tuple(run),
        workdir=_workdir(workdir, image),
        copies=tuple(copies),
        checks=tuple(checks),
        app_copies=tuple(app),
        carried=kept.runtime_instructions(),
        user=tokens.user(kept.user),
        start_comment=kept.start_comment,
        entrypoint=entrypoint,
        cmd=cmd,
    )


def _workdir(workdir: str | None, image: str) -> str | None:
    if workdir is None:
        return None
    if workdir == "/":
        known = images.defaults(image)
        if known is not None and known.workdir == "/":
            return None  # the image starts there already
    return tokens.abs_path(workdir)
