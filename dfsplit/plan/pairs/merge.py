"""One pair -> one multi-stage file at the runtime file's path: the build file as the builder
(its build step a RUN, the recipe's usual care), the recipe's tester, then the runtime file
with each host COPY of an artifact taken from the builder.

The recipe plans the build file as if it were a naive single-stage file that starts the
artifact: that gives the tester, and the builder edits a rewrite would make (CGO_ENABLED=0
for a libc-less runtime, dependency layers). Its runtime stage is not used: the runtime file
is the user's, and stays as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dfsplit import render
from dfsplit.dockerfile import edits, parser, tokens, words
from dfsplit.dockerfile.globs import Dockerignore
from dfsplit.model import (
    Detection,
    Dockerfile,
    Edit,
    FileChange,
    Findings,
    NothingToDo,
    Options,
    Outcome,
    PairFindings,
    Plan,
    Refuse,
    Status,
)
from dfsplit.plan import buildkit, carry, check, detect
from dfsplit.plan.pairs import prune
from dfsplit.plan.pairs.buildstep import Step, build_step
from dfsplit.plan.pairs.find import Pair
from dfsplit.plan.pairs.given import PairInput
from dfsplit.plan.pairs.outputs import written_paths
from dfsplit.plan.pairs.runtime_file import Context, Rewired, rewire
from dfsplit.plan.pairs.start import recipe_starts
from dfsplit.plan.recipe import Recipe
from dfsplit.plan.stage import StageModel, base_image

TEMPLATE = "pair.Dockerfile.j2"
# Recipe notes about the builder and the tester; the others describe a runtime stage that the
# merge does not use (the runtime file's own stays).
_BUILDER_NOTE = re.compile(
    r"\b(builder|tester|tests?|CGO_ENABLED|cach\w*|download\w*|npm ci|lock file)\b", re.I
)


def merge(given: PairInput, options: Options) -> Outcome:
    """The merged file, or a refusal naming why; never raises."""
    old = given.runtime.dockerfile
    path = given.runtime.path
    pair_only = Findings("pair", "-", pair=pair_findings(given))
    try:
        text, findings, changes, df = _merge(given, options)
    except Refuse as exc:
        return Outcome(path, Status.REFUSED, old, old, exc.reason, pair_only)
    except render.CustomTemplateError as exc:
        return Outcome(path, Status.FAILED, old, old, str(exc), pair_only)
    except Exception as exc:  # a dfsplit bug must not become a traceback or a bad file
        reason = f"internal error ({type(exc).__name__}: {exc}); please report it"
        return Outcome(path, Status.FAILED, old, old, reason, pair_only)
    text = text if df.final_newline else text.rstrip("\n")
    new = parser.to_bytes(text, df)
    status = Status.CHANGED if new != old else Status.UNCHANGED
    return Outcome(path, status, old, new, findings=findings, changes=changes)


def pair_findings(given: PairInput, mapping: Sequence[tuple[str, str]] = ()) -> PairFindings:
    pair = given.pair
    leftovers = (f"{given.build_rel} (the build file)", *(ln.cite() for ln in pair.leftovers))
    links = mapping or [(link.host, link.builder) for link in pair.links]
    return PairFindings(given.build_rel, pair.told_by, tuple(links), leftovers)


def _merge(
    given: PairInput, options: Options
) -> tuple[str, Findings, tuple[FileChange, ...], Dockerfile]:
    pair = given.pair
    build_df, runtime_df = (
        parser.parse(given.build.dockerfile),
        parser.parse(given.runtime.dockerfile),
    )
    _check_inputs(given, build_df, runtime_df)
    model = StageModel(build_df, build_df.stages()[0], given.build, base_image(build_df))
    runs = {link.run.call for link in pair.links if link.run is not None}
    if len(runs) > 1:
        raise Refuse("the artifacts come from several containers that ran different commands")
    run = next((link.run for link in pair.links if link.run is not None), None)
    step = build_step(build_df, model, run, given.files, pair.build_context)
    ctx = Context(
        pair.runtime_context,
        given.files,
        Dockerignore(given.runtime.text(".dockerignore") or ""),
        frozenset(model.dirs),
        frozenset(written_paths(model)),
    )
    rewired = rewire(runtime_df, pair.links, ctx, "builder")
    recipe, detection, plan, synth = _plan(given, build_df, step, runtime_df, rewired, options)
    synth_cmd = len(synth.instructions) > len(
        parser.parse(_synthetic(build_df, step, None)).instructions
    )
    stage = _artifact_stage(plan, options)
    if stage != "builder":
        rewired = rewire(runtime_df, pair.links, ctx, stage)
    head = _builder_and_tester(synth, plan, runtime_df, options, synthetic_cmd=synth_cmd)
    tail = _runtime_text(runtime_df, build_df, rewired)
    text = head.rstrip("\n") + "\n\n" + tail
    _check_output(text, rewired, stage)
    findings = _findings(given, recipe, detection, plan, step, rewired, build_df, runtime_df)
    changes: tuple[FileChange, ...] = ()
    if options.prune:
        findings, changes = prune.prune(given, findings)
    return text, findings, changes, runtime_df


def _findings(
    given: PairInput,
    recipe: Recipe,
    detection: Detection,
    plan: Plan,
    step: Step | None,
    rewired: Rewired,
    build_df: Dockerfile,
    runtime_df: Dockerfile,
) -> Findings:
    """What the merge found and did: the recipe's builder and tester notes, the pair's own."""
    pair = given.pair
    notes = [*detection.why, *(step.notes if step else ()), *_kept(plan.findings.notes)]
    mapping = tuple((m.host, m.builder) for m in rewired.mapped)
    return Findings(
        recipe=recipe.name,
        language=recipe.language,
        framework=plan.findings.framework,
        builder_image=base_image(build_df),
        runtime_image=base_image(runtime_df),
        artifact=rewired.mapped[0].builder,
        test_command=plan.findings.test_command,
        notes=(*notes, *(f"told by {line}" for line in pair.told_by)),
        warnings=tuple(_kept(plan.findings.warnings)) + _warnings(pair),
        pair=pair_findings(given, mapping),
    )


def _check_inputs(given: PairInput, build_df: Dockerfile, runtime_df: Dockerfile) -> None:
    pair = given.pair
    if len(build_df.stages()) != 1:
        raise Refuse(f"the build file {given.build_rel} is multi-stage")
    if pair.build_context != pair.runtime_context:
        raise Refuse(
            f"the build file is built from {pair.build_context}/ and the runtime file from "
            f"{pair.runtime_context}/: one multi-stage file has one context"
        )
    names = (given.build.dockerfile_name, given.runtime.dockerfile_name)
    if any(given.runtime.has(f"{name}.dockerignore") for name in names):
        raise Refuse("a Dockerfile-specific .dockerignore would change what the merged build sees")
    if (
        dict(build_df.directives) != dict(runtime_df.directives)
        or build_df.escape != runtime_df.escape
    ):
        raise Refuse("the two files have different parser directives (# syntax, # escape)")


def _plan(
    given: PairInput,
    build_df: Dockerfile,
    step: Step | None,
    runtime_df: Dockerfile,
    rewired: Rewired,
    options: Options,
) -> tuple[Recipe, Detection, Plan, Dockerfile]:
    """The recipe's plan of the build file, with the first start command it accepts (the
    synthetic file it planned ends in that CMD, when there is one)."""
    image = base_image(runtime_df)
    mounts, _ = buildkit.cache_mounts(build_df, given.build, options.cache_mounts)
    policy = options._replace(runtime_image=None if "$" in image else image, cache_mounts=mounts)
    first: Refuse | None = None
    for argv in recipe_starts(runtime_df, given.runtime, rewired.mapped):
        raw = _synthetic(build_df, step, argv)
        synth = parser.parse(raw)
        project = given.build._replace(dockerfile=raw)
        try:
            recipe, detection = detect.detect(project)
        except Refuse as exc:
            raise Refuse(
                f"no recipe understands the build file {given.build_rel}: {exc.reason}"
            ) from exc
        try:
            return recipe, detection, recipe.plan(synth, project, detection, policy), synth
        except (Refuse, NothingToDo) as exc:
            first = first or Refuse(exc.reason)
    assert first is not None
    raise Refuse(f"the {recipe.name} recipe cannot plan the build file: {first.reason}")


def _artifact_stage(plan: Plan, options: Options) -> str:
    """The merged file has only the builder and the tester: a stage the recipe adds for its own
    runtime (Spring Boot's layers, Node's prod-deps and app) is not there, so the artifacts
    come from the builder, or from the tester when the build is gated on the tests."""
    if plan.artifact_stage in ("builder", "tester"):
        return plan.artifact_stage
    return "tester" if options.gate_tests and plan.tester is not None else "builder"


def _synthetic(build_df: Dockerfile, step: Step | None, argv: list[str] | None) -> bytes:
    """The build file with its build step spliced in and `CMD argv` appended."""
    lines = list(build_df.lines)
    newline = build_df.newline
    if step is not None:
        lines[step.start : step.end] = [line + newline for line in step.lines]
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += newline
    if argv is not None:
        lines.append(f"{edits.keyword(build_df, 'CMD')} {tokens.exec_form(argv)}{newline}")
    return parser.to_bytes("".join(lines).replace("\r\n", "\n"), build_df)


def _builder_and_tester(
    synth: Dockerfile, plan: Plan, runtime_df: Dockerfile, options: Options, *, synthetic_cmd: bool
) -> str:
    """The build file with the recipe's builder edits, then the recipe's tester stage."""
    end = len(synth.lines)
    cut = synth.instructions[-1].start if synthetic_cmd else end
    moved = set(_carry_removals(synth))
    kept = [e for e in plan.edits if e not in moved and e.start < cut and (e.end <= cut)]
    if synthetic_cmd:
        kept.append(Edit(cut, end, ""))
    kept += _global_args(synth, runtime_df)
    return render.render(
        synth, plan._replace(edits=tuple(kept), template=TEMPLATE), options.template_dir
    )


def _carry_removals(df: Dockerfile) -> list[Edit]:
    """The edits `carry` makes to move run-time instructions out of a builder: in a pair the
    build file's own lines stay as written."""
    stage = df.stages()[0]
    builds = [i for i, ins in enumerate(stage) if ins.keyword in carry.BUILD_STEPS]
    last = builds[-1] if builds else -1
    return [
        edits.remove(df, ins)
        for i, ins in enumerate(stage)
        if ins.keyword in carry.ALWAYS_MOVED
        or (ins.keyword in carry.MOVED_WHEN_TRAILING and i > last)
    ]


def _global_args(synth: Dockerfile, runtime_df: Dockerfile) -> list[Edit]:
    """The runtime file's global ARGs, above the first FROM of the merged file."""
    have = {
        pair.key: pair.raw
        for ins in synth.preamble()
        for pair in words.arg_pairs(ins.args, synth.escape)
    }
    lines = []
    for ins in runtime_df.preamble():
        if ins.keyword != "ARG":
            raise Refuse(f"the runtime file has {ins.keyword} before its FROM")
        for pair in words.arg_pairs(ins.args, runtime_df.escape):
            key, raw = pair.key, pair.raw
            if key in have and have[key] != raw:
                raise Refuse(f"both files declare the global ARG {key}, with different defaults")
            if key not in have:
                lines.append(f"{edits.keyword(synth, 'ARG')} {raw}")
    if not lines:
        return []
    first = next(i for i in synth.instructions if i.keyword == "FROM")
    anchor = edits.attached_comments(synth, first)
    return [Edit(anchor, anchor, "\n".join(lines))]


def _runtime_text(runtime_df: Dockerfile, build_df: Dockerfile, rewired: Rewired) -> str:
    """The runtime file's lines with its host copies rewired, its directives dropped (the
    merged file keeps the build file's, which are the same)."""
    changes = list(rewired.edits)
    directive_lines = sum(1 for _ in runtime_df.directives)
    if directive_lines:
        changes.append(Edit(0, directive_lines, ""))
    text = "".join(edits.apply(runtime_df, changes, len(runtime_df.lines)))
    return text.replace("\r\n", "\n").lstrip("\n").rstrip("\n") + "\n"


def _check_output(text: str, rewired: Rewired, stage: str) -> None:
    """The merged file parses, its stages refer only to earlier ones, and the final stage
    takes every artifact from the builder."""
    try:
        df = parser.parse(text.encode("utf-8"), cross_check=False)
    except Refuse as exc:
        raise Refuse(f"internal error: the merged file does not parse ({exc.reason})") from exc
    problem = check.stage_graph(check.stages_of(df))
    if problem:
        raise Refuse(f"internal error: {problem}")
    final = df.stages()[-1]
    sources = {(words.copy_words(i.args) or [""])[0] for i in final if i.flag("from") == stage}
    missing = [m.builder for m in rewired.mapped if m.builder not in sources]
    if missing:
        raise Refuse(f"internal error: the runtime stage does not copy {missing[0]}")


def _kept(lines: Sequence[str]) -> list[str]:
    return [line for line in lines if _BUILDER_NOTE.search(line)]


def _warnings(pair: Pair) -> tuple[str, ...]:
    out = []
    if pair.build_args:
        args = " ".join(f"--build-arg {a}" for a in pair.build_args)
        out.append(f"the script built the build file with {args}: pass them to the merged build")
    if any(link.source_mount for link in pair.links):
        out.append(
            "the build ran on the host's sources mounted into the container; the merged build "
            "copies them from the build context, where .dockerignore applies"
        )
    return tuple(out)
