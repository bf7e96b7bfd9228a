"""The pure centre: `split(project, options) -> Outcome`. No disk, no terminal."""

from __future__ import annotations

import re

from dfsplit import render
from dfsplit.dockerfile import parser, rules, tokens
from dfsplit.model import (
    BadDockerfile,
    Findings,
    Instruction,
    InternalError,
    NothingToDo,
    Options,
    Outcome,
    Plan,
    Project,
    Refuse,
    Status,
)
from dfsplit.plan import buildkit, check, detect


def split(project: Project, options: Options) -> Outcome:
    """Plan and render the multi-stage version of one Dockerfile."""
    old = project.dockerfile
    findings: Findings | None = None
    try:
        df = parser.parse(old)
        rules.check(df)
        froms = [i for i in df.instructions if i.keyword == "FROM"]
        if not froms:
            raise BadDockerfile("no FROM instruction (Docker needs one to build anything)")
        if len(froms) > 1:
            return Outcome(project.path, Status.UNCHANGED, old, old, reason="already multi-stage")
        recipe, detection = detect.detect(project, base_image=_image_word(froms[0]))
        findings = Findings(recipe.name, recipe.language, framework=detection.framework)
        mounts, why = buildkit.cache_mounts(df, project, options.cache_mounts)
        policy = options._replace(
            runtime_image=options.runtime_for(recipe.name, recipe.language), cache_mounts=mounts
        )
        plan = _with_registry(recipe.plan(df, project, detection, policy), options)
        plan = _with_platform(plan, froms[0])
        findings = plan.findings._replace(
            notes=detection.why + ((why,) if why else ()) + plan.findings.notes,
            warnings=plan.findings.warnings + _arg_image_warning(froms[0]),
        )
        text = render.render(df, plan, options.template_dir)
        new_files = render.new_files(plan, options.template_dir)
        check.rendered(text, plan)
        check.new_files(new_files, project)
    except NothingToDo as exc:
        return Outcome(project.path, Status.UNCHANGED, old, old, exc.reason, findings)
    except BadDockerfile as exc:  # bad input: a failed file, as Docker would fail it
        return Outcome(project.path, Status.FAILED, old, old, exc.reason, findings)
    except Refuse as exc:
        return Outcome(project.path, Status.REFUSED, old, old, exc.reason, findings)
    except InternalError as exc:
        reason = f"internal error: {exc}; please report it"
        return Outcome(project.path, Status.FAILED, old, old, reason, findings)
    except render.CustomTemplateError as exc:
        return Outcome(project.path, Status.FAILED, old, old, str(exc), findings)
    except Exception as exc:  # a dfsplit bug must not become a traceback or a bad file
        reason = f"internal error ({type(exc).__name__}: {exc}); please report it"
        return Outcome(project.path, Status.FAILED, old, old, reason, findings)
    new = parser.to_bytes(text, df)
    status = Status.CHANGED if new != old else Status.UNCHANGED
    return Outcome(project.path, status, old, new, findings=findings, new_files=new_files)


def _image_word(from_: Instruction) -> str:
    """The image of a FROM as written (flags such as --platform are not in `args`)."""
    return (from_.args.split() or [""])[0]


def _arg_image_warning(from_: Instruction) -> tuple[str, ...]:
    """The runtime image was chosen for the builder image the ARG defaults give; a build that
    passes another one with --build-arg may need another runtime (musl vs glibc, a newer JRE)."""
    image = _image_word(from_)
    if "$" not in image:
        return ()
    return (
        f"the builder image {image} comes from ARG values: the runtime image was chosen for "
        "their defaults; check it if you build with --build-arg values that change the "
        "image",
    )


_PLATFORM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")


def _with_platform(plan: Plan, from_: Instruction) -> Plan:
    """A builder pinned with `FROM --platform=linux/amd64` makes artifacts for that platform
    (binaries, native modules, wheels): the runtime must run on it too, not on the host's.
    `$BUILDPLATFORM` and other ARG values are left alone (a cross build picks its target)."""
    flag = next((f for f in from_.flags if f.lower().startswith("--platform=")), None)
    value = flag.split("=", 1)[1] if flag else ""
    if not _PLATFORM.fullmatch(value):
        return plan
    note = f"runtime FROM --platform={value}, as the builder: its artifacts are built for it"
    findings = plan.findings._replace(notes=(*plan.findings.notes, note))
    return plan._replace(runtime=plan.runtime._replace(platform=value), findings=findings)


def _with_registry(plan: Plan, options: Options) -> Plan:
    """Point the runtime image dfsplit chose at the organisation's registry mirror."""
    prefix = options.registry_prefix
    image = plan.runtime.image
    if not prefix or image == "scratch" or options.runtime_image or image.startswith(prefix):
        return plan
    mirrored = tokens.image(prefix.rstrip("/") + "/" + image)
    runtime = plan.runtime._replace(image=mirrored)
    return plan._replace(runtime=runtime, findings=plan.findings._replace(runtime_image=mirrored))
