"""Maven: keep the user's build as the builder, `mvn test` in the tester, and run the exact
jar (never a glob) on an eclipse-temurin JRE (see jre.py).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import NamedTuple

from dfsplit.dockerfile import edits
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
from dfsplit.plan.runfiles import Reads, runtime_files
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
from dfsplit.recipes.java.jre import jre_image
from dfsplit.recipes.java.pom import (
    MavenFacts,
    Pom,
    maven_facts,
    parent_pom_path,
    parse_pom,
    resolve,
)
from dfsplit.recipes.java.start import Start, plan_start, read_start, start_form

PROGRAMS = {"mvn", "mvnw"}
PACKAGE_GOALS = {"package", "install", "verify", "deploy"}
# Switches that must not reach the tester: they skip the tests or break late plugin resolution.
NOT_FOR_TESTS = frozenset(
    {"-DskipTests", "-Dmaven.test.skip", "-DskipITs", "-o", "--offline", "-q", "--quiet"}
)


def detect(project: Project) -> Detection | None:
    uses_gradle = b"gradle" in project.dockerfile and b"mvn" not in project.dockerfile
    if uses_gradle:
        return None
    if project.has("pom.xml"):
        return Detection(why=("pom.xml at the root of the build context",))
    poms = sorted(p for p in project.context_files if posixpath.basename(p) == "pom.xml")
    if poms and b"mvn" in project.dockerfile:
        return Detection(why=(f"{poms[0]} found and the Dockerfile runs mvn",))
    return None


class Build(NamedTuple):
    """The packaging command and what it produces."""

    run: ToolRun | None  # None: the original never packaged (it started `mvn spring-boot:run`)
    program: str
    project_dir: str  # absolute builder directory of pom.xml
    pom_rel: str  # pom.xml relative to the context
    facts: MavenFacts
    parent_rel: str | None
    pom: Pom


def plan(df: Dockerfile, project: Project, detection: Detection, options: Options) -> Plan:
    stage = df.stages()[0]
    builder_image = base_image(df)  # global ARG defaults substituted: `maven:${MVN}`
    model = StageModel(df, stage, project, builder_image)
    kept = carry.carry(df, model, BUILD_ENV, default_uid=options.uid or DEFAULT_UID)
    build = _build(model, project, kept)
    carry.keep_root_for_writes(
        model, kept, java_writes(project.contents, posixpath.dirname(build.pom_rel) or ".")
    )
    notes, warnings = list(kept.notes) + list(build.facts.why), list(kept.warnings)
    target = posixpath.join(build.project_dir, "target")
    fixed = posixpath.join(target, "app.jar")
    jar = posixpath.join(target, build.facts.jar) if build.facts.jar else fixed
    final = model.final
    trusted = produced_files(model) | ({jar} if build.facts.jar else set())
    start = plan_start(
        kept,
        final.workdir,
        final.env,
        jar,
        trusted,
        _tool_start(build, jar),
        jar_known=build.facts.jar is not None,
    )
    notes += start.notes
    image, why = _image(builder_image, build.facts, options)
    notes.append(f"runtime {image}: {why}")
    libs = _dependency_dirs(build, notes)
    found = runtime_files(
        model,
        _source(project, build),
        start.args,
        project,
        user=kept.user,
        lean=options.lean,
        exclude=(start.artifact, *libs),
    )
    has_tests = has_test_sources(project.context_files, posixpath.dirname(build.pom_rel) or ".")
    stage_name = "tester" if options.gate_tests and options.tester else "builder"
    jar_runtime = layers.jar_runtime(
        start, stage_name, build.facts.boot, _not_layered(build), libs, notes
    )
    copies = found.around(jar_runtime.copies)  # the application last
    context_dir = posixpath.dirname(build.pom_rel) or "."
    runtime = runtime_stage(
        image,
        kept,
        copies,
        workdir=final.workdir,
        entrypoint=jar_runtime.entrypoint,
        cmd=jar_runtime.cmd,
        run=runtime_run(model, kept, context_dir, image, (notes, warnings)),
    )
    plan_edits = _edits(
        df, model, kept, build, start.artifact == fixed and not build.facts.jar, fixed, notes
    )
    plan_edits, mounted = (
        tool_mounts(df, model, PROGRAMS, _m2, plan_edits, notes)
        if options.cache_mounts
        else (plan_edits, "")
    )
    tester = _tester(options, has_tests, build, model, notes, mounted)
    if start.artifact == jar and not build.facts.jar:
        warnings.append(f"the jar name is not known statically: the build copies it to {fixed}")
    findings = Findings(
        recipe="maven",
        language="java",
        framework="spring-boot" if build.facts.boot is not None else None,
        builder_image=builder_image,
        runtime_image=image,
        artifact=jar_runtime.artifact,
        test_command=tester.commands[0] if tester else None,
        runtime_files=tuple(found.paths),
        notes=tuple(notes + found.notes),
        warnings=tuple(warnings + found.warnings),
    )
    return Plan(
        findings=findings,
        template="maven.Dockerfile.j2",
        edits=tuple(plan_edits),
        runtime=runtime,
        tester=tester,
        artifact_stage=jar_runtime.artifact_stage,
        required_paths=(jar_runtime.required, *found.required),
        extra={"layers": jar_runtime.layers},
    )


# --- the build -----------------------------------------------------------------------------


def _build(model: StageModel, project: Project, kept: carry.Carried) -> Build:
    runs = tool_runs(model, PROGRAMS)
    packaging = [r for r in runs if set(r.goals) & PACKAGE_GOALS]
    run = packaging[-1] if packaging else None
    if run is None and not _starts_with_tool(kept):
        raise NothingToDo("no mvn package step and no start through Maven")
    program = run.program if run else _start_program(kept, runs)
    cwd = run.cwd if run else model.final.workdir
    pom_abs = posixpath.normpath(posixpath.join(cwd, _pom_flag(run) or "pom.xml"))
    pom_rel = model.context_path(pom_abs)
    text = project.text(pom_rel) if pom_rel else None
    if pom_rel is None or text is None:
        raise Refuse(
            f"mvn runs in {cwd} and reads {pom_abs}, which no COPY or ADD puts there from the "
            "build context: COPY the pom.xml in before the build"
        )
    pom = parse_pom(text)
    if pom.modules:
        raise Refuse(
            f"{pom_rel} is a multi-module build (modules: {', '.join(pom.modules)}), which "
            "makes a jar per module, and dfsplit cannot tell which one the image runs; it "
            "splits single-module Maven builds"
        )
    if pom.packaging != "jar":
        raise Refuse(
            f"{pom_rel} packages a {pom.packaging}, and dfsplit splits Maven builds that "
            "package an executable jar (<packaging>jar</packaging>)"
        )
    parent_rel = parent_pom_path(pom, pom_rel)
    parent_text = project.text(parent_rel) if parent_rel else None
    parent = parse_pom(parent_text) if parent_text else None
    facts = maven_facts(pom, parent, _cli_properties(run))
    return Build(
        run,
        program,
        posixpath.dirname(pom_abs),
        pom_rel,
        facts,
        parent_rel if parent else None,
        pom,
    )


def _pom_flag(run: ToolRun | None) -> str | None:
    if run is None:
        return None
    words = list(run.words)
    for i, word in enumerate(words):
        if word in {"-f", "--file"} and i + 1 < len(words):
            return words[i + 1]
        if word.startswith(("-f=", "--file=")):
            return word.split("=", 1)[1]
    return None


def _cli_properties(run: ToolRun | None) -> dict[str, str]:
    """`-Drevision=1.2.3` on the command line feeds ${revision}."""
    out: dict[str, str] = {}
    for word in run.words if run else ():
        if word.startswith("-D") and "=" in word:
            key, _, value = word[2:].partition("=")
            # A build-arg can change `$VERSION`: such a property is not known statically.
            out[key] = "${dfsplit.dynamic}" if "$" in value else value
    return out


def _starts_with_tool(kept: carry.Carried) -> bool:
    for ins in (kept.entrypoint, kept.cmd):
        if ins is not None and read_start(start_form(ins.args)).tool:
            return True
    return False


def _start_program(kept: carry.Carried, runs: list[ToolRun]) -> str:
    for ins in (kept.entrypoint, kept.cmd):
        if ins is not None:
            start = read_start(start_form(ins.args))
            if start.tool:
                return start.tool.split()[0] if "/" not in start.tool.split()[0] else "./mvnw"
    return runs[-1].program if runs else "mvn"


def _tool_start(build: Build, jar: str) -> Callable[[Start], list[str]]:
    def start(found: Start) -> list[str]:
        goal = (found.tool or "").split()[-1]
        if goal == "spring-boot:run" and build.facts.boot is None:
            raise Refuse(
                "the image starts with `mvn spring-boot:run`, but pom.xml has no "
                "spring-boot-maven-plugin to repackage a runnable jar: add the plugin, or "
                "start the app with java -jar"
            )
        if goal == "exec:java":
            return _exec_java(build, found, jar)
        if goal != "spring-boot:run":
            raise Refuse(
                f"the image starts with `{found.tool}`, and dfsplit knows how to replace only "
                "`mvn spring-boot:run` and `mvn exec:java` with the jar: start the app with "
                "java -jar"
            )
        return ["java", "-jar", jar]

    return start


def _exec_java(build: Build, found: Start, jar: str) -> list[str]:
    """`mvn exec:java` puts only the project's classes on the class path when it has no deps."""
    runtime_deps = [a for a, scope in build.pom.dependencies if scope in {"compile", "runtime"}]
    if runtime_deps:
        raise Refuse(
            f"the image starts with `mvn exec:java`, and the app has runtime dependencies "
            f"({', '.join(runtime_deps)}) that the plain jar does not contain: package a jar "
            "with its dependencies (Spring Boot or the shade plugin) and start it with java -jar"
        )
    words = found.form if isinstance(found.form, list) else found.form.split()
    main = next((w.split("=", 1)[1] for w in words if w.startswith("-Dexec.mainClass=")), None)
    main = main or build.pom.properties.get("exec.mainClass")
    main = main or build.pom.plugins.get("exec-maven-plugin", {}).get("mainClass")
    if not main:
        raise Refuse(
            "the image starts with `mvn exec:java` and no main class is set (no "
            "-Dexec.mainClass, exec.mainClass property or exec-maven-plugin mainClass): set one"
        )
    return ["java", "-cp", jar, main]


# --- runtime -------------------------------------------------------------------------------


def _not_layered(build: Build) -> str | None:
    """Why a Spring Boot jar cannot be extracted into its default layers, or None."""
    if build.facts.boot is None:
        return None
    plugin = build.pom.plugins.get("spring-boot-maven-plugin", {})
    explicit = plugin.get("enabled") == "true"
    return layers.maven_opt_out(plugin) or layers.why_not_layered(build.facts.boot, explicit)


# Phases that have run once `mvn package` made the jar.
_BY_PACKAGE = {
    *("validate", "initialize", "generate-sources", "process-sources", "generate-resources"),
    *("process-resources", "compile", "process-classes", "generate-test-sources"),
    *("process-test-sources", "generate-test-resources", "process-test-resources"),
    *("test-compile", "process-test-classes", "test", "prepare-package", "package"),
}


def _dependency_dirs(build: Build, notes: list[str]) -> list[str]:
    """The directories maven-dependency-plugin copies the jar's dependencies into (a plain
    jar's `lib/`, which its manifest Class-Path names), when the build runs that execution."""
    target = posixpath.join(build.project_dir, "target")
    props = {
        **build.pom.properties,
        "project.build.directory": target,
        "project.basedir": build.project_dir,
        "basedir": build.project_dir,
    }
    out: list[str] = []
    goals = set(build.run.goals) if build.run else {"package"}
    for raw, phase in build.pom.copied_dependencies:
        if phase is not None and phase not in _BY_PACKAGE and phase not in goals:
            continue
        directory = resolve(raw or "${project.build.directory}/dependency", props)
        if directory is None:
            notes.append(f"copy-dependencies writes to {raw}, which is not known statically")
            continue
        path = posixpath.normpath(posixpath.join(build.project_dir, directory))
        if path not in out:
            out.append(path)
    return out


def _image(builder_image: str, facts: MavenFacts, options: Options) -> tuple[str, str]:
    forced = options.runtime_for("maven", "java")
    if forced:
        return forced, "chosen by --runtime or the runtime policy"
    return jre_image(builder_image, facts.java, facts.java_release)


def _source(project: Project, build: Build) -> Reads:
    context_dir = posixpath.dirname(build.pom_rel) or "."
    return java_reads(project.contents, context_dir, boot=build.facts.boot is not None)


def _m2(state: State) -> str:
    return posixpath.join(mounts.home(state), ".m2")


def _tester(
    options: Options,
    has_tests: bool,
    build: Build,
    model: StageModel,
    notes: list[str],
    mounted: str,
) -> TesterStage | None:
    words = build.run.option_words(NOT_FOR_TESTS) if build.run else ["-B"]
    command = " ".join([*([mounted] if mounted else []), build.program, *words, "test"])
    return java_tester(options, has_tests, model, command, build.project_dir, notes)


# --- edits to the builder ------------------------------------------------------------------


def _edits(
    df: Dockerfile,
    model: StageModel,
    kept: carry.Carried,
    build: Build,
    rename: bool,
    fixed: str,
    notes: list[str],
) -> list[Edit]:
    out = [edits.name_stage(df, model.stage[0], "builder"), *kept.edits]
    if build.run is None:
        out.append(_package_step(df, model, build, fixed if rename else None))
        notes.append("a `package -DskipTests` step was added: the original only built at start")
    elif rename:
        target = posixpath.dirname(fixed)
        out.append(append_to_run(df, build.run.ins, rename_command(target, fixed)))
        notes.append(f"the jar is copied to {fixed} in the build RUN: its name is not static")
    cache = _cache(df, model, build) if build.run else None
    if cache is not None:
        out.append(cache)
        notes.append("pom.xml copied and dependencies resolved before `COPY . .` for caching")
    return out


def _package_step(df: Dockerfile, model: StageModel, build: Build, fixed: str | None) -> Edit:
    last = carry.last_build_index(model)
    prefix = "chmod +x mvnw && " if build.program.endswith("mvnw") else ""
    run = f"{edits.keyword(df, 'RUN')} {prefix}{build.program} -B package -DskipTests"
    if fixed is not None:
        run += " && " + rename_command(posixpath.dirname(fixed), fixed)
    return edits.insert_after(model.stage[last], run)


def _cache(df: Dockerfile, model: StageModel, build: Build) -> Edit | None:
    assert build.run is not None
    wrapper = build.program.endswith("mvnw")
    files = [build.pom_rel, *([build.parent_rel] if build.parent_rel else [])]
    if build.pom_rel != "pom.xml":
        return None
    if wrapper:
        files.insert(0, "mvnw")
    run = ("chmod +x mvnw && ./mvnw" if wrapper else build.program) + " -B dependency:go-offline"
    edit = cache_edit(df, model, build.run, files, run)
    if edit is None or not wrapper or not model.project.has_dir(".mvn"):
        return edit
    return with_wrapper_dir(df, edit, ".mvn")  # .mvn/wrapper names the Maven to fetch
