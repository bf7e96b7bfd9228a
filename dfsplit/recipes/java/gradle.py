"""Gradle: keep the user's build as the builder, `gradle test` in the tester, and run the exact
jar from build/libs (the Boot jar, never `-plain`) or the installDist tree on a temurin JRE.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import NamedTuple

from dfsplit.dockerfile import edits, shell, tokens
from dfsplit.model import (
    Detection,
    Dockerfile,
    Edit,
    Findings,
    NothingToDo,
    Options,
    Plan,
    Project,
    Refuse,
    TesterStage,
)
from dfsplit.plan import carry, mounts
from dfsplit.plan.runfiles import runtime_files
from dfsplit.plan.runtime import runtime_stage
from dfsplit.plan.stage import StageModel, State, base_image
from dfsplit.recipes.java import layers
from dfsplit.recipes.java.build import (
    BUILD_ENV,
    DEFAULT_UID,
    ToolRun,
    append_to_run,
    cache_edit,
    has_test_sources,
    java_reads,
    java_tester,
    java_writes,
    produced_files,
    rename_command,
    runtime_run,
    tool_mounts,
    tool_runs,
    with_wrapper_dir,
)
from dfsplit.recipes.java.gradle_build import (
    GradleFacts,
    gradle_facts,
    gradle_jar,
    root_project_name,
)
from dfsplit.recipes.java.jre import jre_image
from dfsplit.recipes.java.start import Start, StartPlan, plan_start, start_form

PROGRAMS = {"gradle", "gradlew"}
JAR_TASKS = {"build", "assemble", "bootJar", "jar", "installDist"}
NOT_FOR_TESTS = frozenset({"-q", "--quiet", "--offline"})
BUILD_FILES = ("build.gradle", "build.gradle.kts")
SETTINGS_FILES = ("settings.gradle", "settings.gradle.kts")


def detect(project: Project) -> Detection | None:
    for name in BUILD_FILES:
        if project.has(name):
            return Detection(why=(f"{name} at the root of the build context",))
    found = sorted(p for p in project.context_files if posixpath.basename(p) in BUILD_FILES)
    if found and b"gradle" in project.dockerfile:
        return Detection(why=(f"{found[0]} found and the Dockerfile runs gradle",))
    return None


class Build(NamedTuple):
    run: ToolRun
    project_dir: str  # absolute builder directory of the build file
    context_dir: str  # the same directory in the build context
    facts: GradleFacts
    name: str | None  # rootProject.name: the container's directory name is not known
    dist: bool  # installDist: build/install/<name>


def plan(df: Dockerfile, project: Project, detection: Detection, options: Options) -> Plan:
    stage = df.stages()[0]
    builder_image = base_image(df)  # global ARG defaults substituted: `gradle:${GRADLE}`
    model = StageModel(df, stage, project, builder_image)
    kept = carry.carry(df, model, BUILD_ENV, default_uid=options.uid or DEFAULT_UID)
    build = _build(model, project)
    carry.keep_root_for_writes(model, kept, java_writes(project.contents, build.context_dir))
    notes, warnings = list(kept.notes), list(kept.warnings)
    final = model.final
    if build.dist:
        start, copied = _dist_start(kept, final.workdir, build)
    else:
        start, copied = _jar_start(kept, model, build, warnings)
    notes += start.notes
    forced = options.runtime_for("gradle", "java")
    image, why = (
        (forced, "chosen by --runtime or the runtime policy")
        if forced
        else jre_image(builder_image, build.facts.java, build.facts.java_release)
    )
    notes.append(f"runtime {image}: {why}")
    has_tests = has_test_sources(project.context_files, build.context_dir)
    stage_name = "tester" if options.gate_tests and options.tester else "builder"
    found = runtime_files(
        model,
        java_reads(project.contents, build.context_dir, "spring-boot" in build.facts.plugins),
        start.args,
        project,
        user=kept.user,
        lean=options.lean,
        exclude=(copied,),
    )
    notes += found.notes
    warnings += found.warnings
    boot_jar = "spring-boot" in build.facts.plugins and not build.dist
    boot = (build.facts.boot or "") if boot_jar else None  # "": Boot of an unknown version
    jar = start._replace(artifact=copied)
    jar_runtime = layers.jar_runtime(jar, stage_name, boot, _not_layered(build), (), notes)
    # A layered jar starts from its extracted directory; otherwise the start names the artifact.
    required = jar_runtime.required if jar_runtime.layers else start.artifact
    runtime = runtime_stage(
        image,
        kept,
        found.around(jar_runtime.copies),  # the application last
        workdir=final.workdir,
        entrypoint=jar_runtime.entrypoint,
        cmd=jar_runtime.cmd,
        run=runtime_run(model, kept, build.context_dir, image, (notes, warnings)),
    )
    plan_edits = _edits(df, model, kept, build, start.artifact, notes)
    plan_edits, mounted = (
        tool_mounts(df, model, PROGRAMS, _gradle_home, plan_edits, notes)
        if options.cache_mounts
        else (plan_edits, "")
    )
    tester = _tester(options, has_tests, build, model, notes, mounted)
    findings = Findings(
        recipe="gradle",
        language="java",
        framework="spring-boot" if "spring-boot" in build.facts.plugins else None,
        builder_image=builder_image,
        runtime_image=image,
        artifact=jar_runtime.artifact,
        test_command=tester.commands[0] if tester else None,
        runtime_files=tuple(found.paths),
        notes=tuple(notes),
        warnings=tuple(warnings),
    )
    return Plan(
        findings=findings,
        template="gradle.Dockerfile.j2",
        edits=tuple(plan_edits),
        runtime=runtime,
        tester=tester,
        artifact_stage=jar_runtime.artifact_stage,
        required_paths=(required, *found.required),
        extra={"layers": jar_runtime.layers},
    )


def _build(model: StageModel, project: Project) -> Build:
    runs = [r for r in tool_runs(model, PROGRAMS) if set(r.goals) & JAR_TASKS]
    if not runs:
        raise NothingToDo("no gradle build step (build, assemble, bootJar, jar or installDist)")
    run = runs[-1]
    if "shadowJar" in run.goals:
        raise Refuse(
            "the build runs shadowJar, whose jar name depends on the Shadow plugin's "
            "settings, which dfsplit does not read; it splits jar, bootJar and installDist builds"
        )
    build_rel = next(
        (
            rel
            for name in BUILD_FILES
            if (rel := model.context_path(posixpath.join(run.cwd, name))) is not None
        ),
        None,
    )
    text = project.text(build_rel) if build_rel else None
    if build_rel is None or text is None:
        raise Refuse(
            f"gradle runs in {run.cwd}, and no COPY or ADD puts a build.gradle or "
            "build.gradle.kts there: COPY the build files in before the build"
        )
    context_dir = posixpath.dirname(build_rel) or "."
    props = project.text(posixpath.normpath(posixpath.join(context_dir, "gradle.properties"))) or ""
    facts = gradle_facts(text, props)
    rels = [posixpath.normpath(posixpath.join(context_dir, s)) for s in SETTINGS_FILES]
    settings = next((project.text(r) for r in rels if project.text(r) is not None), None)
    dist = "installDist" in run.goals
    if dist and "application" not in facts.plugins:
        raise Refuse(
            "the build runs installDist, but the build file applies no `application` "
            "plugin, so dfsplit cannot tell what it installs: apply the plugin"
        )
    name = root_project_name(settings) or _directory_name(run.cwd)
    return Build(run, run.cwd, context_dir, facts, name, dist)


def _directory_name(project_dir: str) -> str | None:
    """Gradle names a root project without rootProject.name after its directory, here the
    directory the build runs in (not the checkout's name on the host)."""
    name = posixpath.basename(posixpath.normpath(project_dir))
    return name or None


def _not_layered(build: Build) -> str | None:
    """Why a Spring Boot jar cannot be extracted into its default layers, or None."""
    setting = build.facts.boot_layers_setting
    if setting:
        return f"the build file configures bootJar's {setting}"
    return layers.why_not_layered(build.facts.boot, False) if build.facts.boot else None


# --- the start command ---------------------------------------------------------------------


def _jar_start(
    kept: carry.Carried, model: StageModel, build: Build, warnings: list[str]
) -> tuple[StartPlan, str]:
    libs = posixpath.join(build.project_dir, "build/libs")
    name = gradle_jar(build.facts, build.name)
    jar = posixpath.join(libs, name) if name else posixpath.join(build.project_dir, "build/app.jar")
    if name is None:
        warnings.append(
            "the jar name is not known statically (no rootProject.name, or a "
            f"computed archive name): the build copies it to {jar}"
        )
    final = model.final
    start = plan_start(
        kept,
        final.workdir,
        final.env,
        jar,
        produced_files(model),
        _tool_start(build, jar),
        jar_known=name is not None,
    )
    if "spring-boot" in build.facts.plugins:
        note = "Spring Boot: the boot jar is copied by name, never the -plain jar"
        start = start._replace(notes=(*start.notes, note))
    return start, start.artifact


def _tool_start(build: Build, jar: str) -> Callable[[Start], list[str]]:
    def start(found: Start) -> list[str]:
        goal = (found.tool or "").split()[-1]
        if goal == "bootRun" and "spring-boot" in build.facts.plugins:
            return ["java", "-jar", jar]
        raise Refuse(
            f"the image starts with `{found.tool}`, which dfsplit can replace only for a "
            "Spring Boot bootRun: build the app with installDist or bootJar and start that"
        )

    return start


def _dist_start(kept: carry.Carried, workdir: str, build: Build) -> tuple[StartPlan, str]:
    """installDist: the start script runs from build/install/<name>/bin/<name>."""
    name = build.facts.app_name or build.name
    if name is None:
        raise Refuse(
            "the build runs installDist with no rootProject.name or applicationName, so the "
            "install directory is named after the checkout directory, which dfsplit cannot "
            "know: set rootProject.name in settings.gradle"
        )
    dist = posixpath.join(build.project_dir, "build/install", name)
    script = posixpath.join(dist, "bin", name)
    for which, ins in (("entrypoint", kept.entrypoint), ("cmd", kept.cmd)):
        if ins is None:
            continue
        form = start_form(ins.args)
        words = form if isinstance(form, list) else shell.plain_words(form)
        if words and posixpath.normpath(posixpath.join(workdir, words[0])) == script:
            token = tokens.exec_form(words)
            other = kept.cmd if which == "entrypoint" else kept.entrypoint
            rest = tokens.single_line(other.args.strip(), "command") if other else None
            pair = (token, rest) if which == "entrypoint" else (rest, token)
            return StartPlan(pair[0], pair[1], script, tuple(words[1:])), dist
    raise Refuse(
        f"installDist builds the start script {script}, but the start command does not run "
        "it: start the app with that script"
    )


# --- tester and edits ----------------------------------------------------------------------


def _gradle_home(state: State) -> str:
    return state.env.get("GRADLE_USER_HOME") or posixpath.join(mounts.home(state), ".gradle")


def _tester(
    options: Options,
    has_tests: bool,
    build: Build,
    model: StageModel,
    notes: list[str],
    mounted: str,
) -> TesterStage | None:
    words = [build.run.program, *build.run.option_words(NOT_FOR_TESTS), "test"]
    command = " ".join([*([mounted] if mounted else []), *words])
    return java_tester(options, has_tests, model, command, build.project_dir, notes)


def _edits(
    df: Dockerfile,
    model: StageModel,
    kept: carry.Carried,
    build: Build,
    artifact: str,
    notes: list[str],
) -> list[Edit]:
    out = [edits.name_stage(df, model.stage[0], "builder"), *kept.edits]
    if artifact == posixpath.join(build.project_dir, "build/app.jar"):
        libs = posixpath.join(build.project_dir, "build/libs")
        out.append(append_to_run(df, build.run.ins, rename_command(libs, artifact)))
        notes.append(f"the jar is copied to {artifact} in the build RUN: its name is not static")
    cache = _cache(df, model, build)
    if cache is not None:
        out.append(cache)
        notes.append("build files and wrapper copied, dependencies resolved before `COPY . .`")
    return out


def _cache(df: Dockerfile, model: StageModel, build: Build) -> Edit | None:
    if build.context_dir != ".":
        return None
    wrapper = build.run.program.endswith("gradlew")
    files = [
        f for f in (*BUILD_FILES, *SETTINGS_FILES, "gradle.properties") if model.project.has(f)
    ]
    if wrapper:
        files.insert(0, "gradlew")
    flags = " --no-daemon" if "--no-daemon" in build.run.words else ""
    program = "chmod +x gradlew && ./gradlew" if wrapper else build.run.program
    edit = cache_edit(df, model, build.run, files, f"{program} dependencies{flags}")
    if edit is None or not model.project.has_dir("gradle"):
        return edit
    return with_wrapper_dir(df, edit, "gradle")  # the wrapper's jar, version catalogs
