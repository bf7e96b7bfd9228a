"""What Maven and Gradle builds share: the build tool's runs in the stage, the files they make,
the dependency step before `COPY . .`, and the tester stage."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from typing import NamedTuple

from dfsplit.dockerfile import edits, tokens
from dfsplit.dockerfile.words import is_exec_form
from dfsplit.model import (
    Dockerfile,
    Edit,
    Instruction,
    Options,
    Refuse,
    TesterStage,
)
from dfsplit.plan import carry, mounts, packages, runs
from dfsplit.plan.runfiles import Reads
from dfsplit.plan.stage import StageModel, State, run_commands, run_script
from dfsplit.plan.tester import tester_stage

# Environment that configures the build tools or the JDK they run on, never the app.
BUILD_ENV = {
    "MAVEN_OPTS",
    "MAVEN_CONFIG",
    "MAVEN_HOME",
    "M2_HOME",
    "MAVEN_ARGS",
    "GRADLE_OPTS",
    "GRADLE_HOME",
    "GRADLE_USER_HOME",
    "JAVA_HOME",
    "JDK_HOME",
    "GRADLE_VERSION",
    "MAVEN_VERSION",
}
# Jars that sit next to the application jar and must never be picked by a glob.
SIDE_JARS = ("original-*.jar", "*-plain.jar", "*-sources.jar", "*-javadoc.jar", "*-tests.jar")
# What the maven and gradle images set, as the builder's starting environment.
DEFAULT_UID = "10001:10001"  # the runtime user when the original ran as root
# Comments of Java, Kotlin and Gradle sources, whose strings and settings dfsplit reads.
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)


# --- pom.xml --------------------------------------------------------------------------------


# --- Gradle ---------------------------------------------------------------------------------


# --- images ---------------------------------------------------------------------------------


# --- start commands -------------------------------------------------------------------------


# --- build steps and the artifact -------------------------


class ToolRun(NamedTuple):
    """One `mvn`/`gradle` command inside a RUN, with the directory it runs in."""

    ins: Instruction
    cwd: str
    program: str  # as written: mvn, ./mvnw, gradle, ./gradlew
    words: tuple[str, ...]  # the arguments after the program

    @property
    def goals(self) -> list[str]:
        return [w for w in self.words if not w.startswith("-")]

    def option_words(self, drop: frozenset[str]) -> list[str]:
        """Options to repeat in the tester, minus test-skipping and offline switches."""
        out: list[str] = []
        skip = False
        for word in self.words:
            if skip:
                skip = False
                continue
            if word in {"-x", "--exclude-task"}:
                skip = True  # `gradle build -x test`: the tester must not exclude tests
                continue
            if word.startswith("-") and word.split("=", 1)[0] not in drop:
                out.append(word)
        return out


def tool_runs(model: StageModel, programs: set[str]) -> list[ToolRun]:
    """Every build-tool command of the stage, following `cd` inside each RUN."""
    out: list[ToolRun] = []
    for step in runs.run_steps(model, "where the build runs"):
        if is_exec_form(step.ins.args) is None and posixpath.basename(step.cmd.program) in programs:
            cwd = runs.workdir(step, model)
            out.append(ToolRun(step.ins, cwd, step.cmd.program, step.cmd.argv[1:]))
    return out


def produced_files(model: StageModel) -> set[str]:
    """Absolute destinations of `cp`/`mv` commands in RUNs (a jar renamed by the user).

    A relative destination lands in the directory of the last `cd` before it in the RUN.
    After a `cd` that cannot be followed (a variable, no argument, or a RUN with a subshell
    or group that may end its effect), relative destinations are left out: unknown.
    """
    out: set[str] = set()
    for ins in model.stage:
        if ins.keyword != "RUN":
            continue
        script = run_script(ins)
        cwd = model.state_at(ins).cwd  # None: unknown
        grouped = any(ch in script for ch in "(){}")
        for cmd in run_commands(ins):
            if cmd.program == "cd":
                target = cmd.argv[1] if len(cmd.argv) == 2 and not grouped else ""
                if cwd is None or not target or _UNFOLLOWED_CD.search(target):
                    cwd = None
                else:
                    cwd = posixpath.normpath(posixpath.join(cwd, target))
            elif cmd.program in {"cp", "mv"} and len(cmd.argv) >= 3:
                dest = cmd.argv[-1]
                if dest.endswith("/") or (cwd is None and not dest.startswith("/")):
                    continue
                out.add(posixpath.normpath(posixpath.join(cwd or "/", dest)))
    return out


# A `cd` argument whose directory dfsplit cannot know: variables, globs, ~, `cd -`.
_UNFOLLOWED_CD = re.compile(r"[$`*?\[~]|^-$")


def rename_command(directory: str, target: str) -> str:
    """Copy the one application jar in directory to a fixed path, as docker init does.

    Side jars are filtered out; when several jars still match, `cp` receives one argument
    with a line break in it and fails the build instead of picking one at random.
    """
    excluded = " ".join(f"-e '{_side_jar_regex(p)}'" for p in SIDE_JARS)
    return f'cp "$(ls {directory}/*.jar | grep -v {excluded})" {target}'


def _side_jar_regex(glob: str) -> str:
    """`original-*.jar` -> `/original-`, `*-plain.jar` -> `-plain\\.jar$`: a grep pattern for
    the jar's path as `ls` prints it."""
    head, _, tail = glob.partition("*")
    return f"/{head}" if head else tail.replace(".", "\\.") + "$"


def tool_mounts(
    df: Dockerfile,
    model: StageModel,
    programs: set[str],
    cache: Callable[[State], str],
    planned: list[Edit],
    notes: list[str],
) -> tuple[list[Edit], str]:
    """The build tool's cache directory (~/.m2, ~/.gradle) as a BuildKit cache mount on each
    of its RUNs, the dependency step dfsplit adds included; and the flags the tester repeats."""
    found = tool_runs(model, programs)
    flags = ""
    for ins in dict.fromkeys(r.ins for r in found):
        state = model.state_at(ins)
        why = mounts.why_not_mountable(ins, state)
        if why is None and "maven.repo.local" in ins.args:
            why = "the RUN names its own -Dmaven.repo.local"
        here = mounts.cache_flags([cache(state)])
        new = edits.with_run_flags(df, ins, here, planned) if why is None and here else None
        if new is None:
            notes.append(f"no cache mount on line {ins.start + 1}: {why or 'it is rewritten'}")
            continue
        planned, flags = new, here
    if not flags:
        return planned, ""
    programs = {posixpath.basename(r.program) for r in found}
    planned = [_flag_inserted_runs(e, flags, programs) for e in planned]
    notes.append(f"BuildKit cache mounts for {flags.rsplit('=', 1)[-1]} on the build tool's RUNs")
    return planned, flags if model.final.user in (None, "root", "0") else ""


_RUN_LINE = re.compile(r"^(\s*RUN\s+)(.*)$", re.IGNORECASE)


def _flag_inserted_runs(edit: Edit, flags: str, programs: set[str]) -> Edit:
    """The RUN lines dfsplit inserts (the dependency step) get the same mounts."""
    if edit.start != edit.end:
        return edit
    lines = []
    for line in edit.text.split("\n"):
        m = _RUN_LINE.match(line)
        if (
            m
            and "--mount" not in line
            and any(p in line.split() or f"./{p}" in line for p in programs)
        ):
            line = f"{m.group(1)}{flags} {m.group(2)}"
        lines.append(line)
    return Edit(edit.start, edit.end, "\n".join(lines))


def append_to_run(df: Dockerfile, ins: Instruction, command: str) -> Edit:
    """`RUN a` -> `RUN a && command`, on the instruction's last physical line."""
    last = df.lines[ins.end - 1]
    body = last.rstrip("\r\n")
    if ins.heredocs or body.lstrip().startswith("#") or body.rstrip().endswith(df.escape):
        raise Refuse(
            f"dfsplit needs to add a step to the RUN at line {ins.start + 1}, and its last line "
            "is a heredoc, a comment or a continuation: end the RUN with a plain command"
        )
    return Edit(ins.end - 1, ins.end, f"{body.rstrip()} && {tokens.single_line(command, 'RUN')}")


def cache_edit(
    df: Dockerfile, model: StageModel, build: ToolRun, files: list[str], run: str
) -> Edit | None:
    """Copy the build files and resolve dependencies before `COPY . .` (the article's order)."""
    root = model.root_copy()
    if root is None or model.stage[root.position].start > build.ins.start:
        return None
    copy_ins = model.stage[root.position]
    if root.dest != build.cwd or model.state_at(copy_ins).workdir != root.dest:
        return None
    if any(c.position < root.position and c.source in files for c in model.copies):
        return None  # the user already copies the build files first
    names = [f for f in files if model.project.has(f) and not model.ignore.excludes(f)]
    lines = []
    top = [n for n in names if "/" not in n]
    if top:
        lines.append(f"{edits.keyword(df, 'COPY')} {' '.join(top)} ./")
    for name in (n for n in names if "/" in n):
        lines.append(f"{edits.keyword(df, 'COPY')} {name} {posixpath.dirname(name)}/")
    lines.append(f"{edits.keyword(df, 'RUN')} {tokens.single_line(run, 'RUN')}")
    anchor = edits.attached_comments(df, copy_ins)
    return Edit(anchor, anchor, "\n".join(lines))


def with_wrapper_dir(df: Dockerfile, edit: Edit, directory: str) -> Edit:
    """The cache edit, also copying the wrapper's directory (it holds the wrapper's jar and
    properties) before the dependency step, its last line."""
    lines = edit.text.split("\n")
    lines.insert(len(lines) - 1, f"{edits.keyword(df, 'COPY')} {directory} {directory}/")
    return Edit(edit.start, edit.end, "\n".join(lines))


def has_test_sources(project_files: frozenset[str], context_dir: str) -> bool:
    prefix = "" if context_dir in ("", ".") else context_dir.rstrip("/") + "/"
    return any(p.startswith(prefix + "src/test/") for p in project_files)


# Java sources and build files: never runtime files.
SOURCES = (".java", ".kt", ".gradle", ".kts", "pom.xml")
# Below the project directory: the build's own trees and tools (src/main/resources is not
# one: an app may read it through the filesystem, not the class path).
BUILD_ONLY = (
    "target",
    "build",
    ".mvn",
    "mvnw",
    "mvnw.cmd",
    ".gradle",
    "gradle",
    "gradlew",
    "gradlew.bat",
    "src/main/java",
    "src/main/kotlin",
    "src/test",
)
# Spring Boot reads these from the working directory at start (file:./ and file:./config/).
BOOT_FILES = ("application.properties", "application.yml", "application.yaml", "config")
_JAVA_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
# Filesystem reads whose path is not a string literal (a literal is in the literals).
_COMPUTED_OPEN = re.compile(
    r"(?:new\s+(?:File|FileInputStream|FileReader|RandomAccessFile)|Paths\.get|Path\.of|"
    r"Files\.(?:readString|readAllBytes|readAllLines|lines|newBufferedReader|newInputStream|"
    r"list|walk))\(\s*(?!\")([A-Za-z_][\w.]*)"
)
# Programs the app runs: `new ProcessBuilder("ffmpeg", ...)`, `Runtime...exec("convert ...")`.
_EXEC = re.compile(
    r'(?:new\s+ProcessBuilder\(\s*(?:(?:List\.of|Arrays\.asList)\(\s*)?|\.exec\(\s*)"([\w./+-]+)'
)
_USER_DIR = re.compile(r"getProperty\(\s*\"user\.dir\"")


def java_reads(project_files: Mapping[str, bytes], context_dir: str, boot: bool = False) -> Reads:
    """What the main Java/Kotlin sources read from the filesystem: string literals (maybe
    relative paths), computed paths, and Spring Boot's working-directory config files."""
    prefix = "" if context_dir in ("", ".") else context_dir.rstrip("/") + "/"
    literals: list[str] = []
    computed: list[str] = []
    for path in sorted(project_files):
        if path.startswith(prefix + "src/main/") and path.endswith((".java", ".kt")):
            code = _COMMENT.sub("", project_files[path].decode("utf-8", "replace"))
            literals += _JAVA_STRING.findall(code)
            computed += [f"{path}: {m.group(0)}" for m in _COMPUTED_OPEN.finditer(code)]
            computed += [f"{path}: user.dir" for _ in _USER_DIR.finditer(code)]
    return Reads(
        SOURCES,
        literals=tuple(dict.fromkeys(literals)),
        opened=BOOT_FILES if boot else (),
        dynamic_opens=tuple(computed),
        build_only=tuple(prefix + p for p in BUILD_ONLY),
    )


def java_tester(
    options: Options,
    has_tests: bool,
    model: StageModel,
    command: str,
    project_dir: str,
    notes: list[str],
) -> TesterStage | None:
    """The build tool's `test` goal (`command`) in the project directory. Without src/test/ it
    still compiles the main sources and passes, the strongest check the build tool has."""
    workdir = project_dir if project_dir != model.final.workdir else None
    without = ""
    if not has_tests:
        without = (
            f"no src/test/ directory, so `{command}` compiles the main sources and finds no "
            "tests to run; tests added under src/test/ run here"
        )
    return tester_stage(
        options,
        command,
        without_tests=without,
        workdir=workdir,
        args=tester_args(model, command),
        notes=notes,
    )


def tester_args(model: StageModel, command: str) -> tuple[str, ...]:
    """ARGs the test command reads: ARG values do not reach a stage built `FROM builder`."""
    return tuple(carry.redeclared_args(model.df, model, command))


# Calls that write to the filesystem (uploads, exports, a file database).
_WRITES = re.compile(
    r"Files\.(?:write|writeString|copy|move|createDirectories|createDirectory|createFile|"
    r"newOutputStream|newBufferedWriter)\(|new\s+(?:FileOutputStream|FileWriter)\(|"
    r"jdbc:(?:sqlite|h2:file|h2:\./|hsqldb:file|derby:)"
)


def java_writes(project_files: Mapping[str, bytes], context_dir: str) -> list[str]:
    """ "file: call" for each call of the main sources that writes files."""
    prefix = "" if context_dir in ("", ".") else context_dir.rstrip("/") + "/"
    out: list[str] = []
    for path in sorted(project_files):
        if path.startswith(prefix + "src/main/") and path.endswith((".java", ".kt")):
            code = _COMMENT.sub("", project_files[path].decode("utf-8", "replace"))
            out += [f"{path}: {m.group(0).rstrip('(')}" for m in _WRITES.finditer(code)]
    return list(dict.fromkeys(out))


def java_executes(project_files: Mapping[str, bytes], context_dir: str) -> set[str]:
    """The programs the main sources start with a literal name."""
    prefix = "" if context_dir in ("", ".") else context_dir.rstrip("/") + "/"
    out: set[str] = set()
    for path in sorted(project_files):
        if path.startswith(prefix + "src/main/") and path.endswith((".java", ".kt")):
            code = _COMMENT.sub("", project_files[path].decode("utf-8", "replace"))
            out |= {m.split()[0] for m in _EXEC.findall(code)}
    return out


def runtime_run(
    model: StageModel,
    kept: carry.Carried,
    context_dir: str,
    image: str,
    findings: tuple[list[str], list[str]],
) -> tuple[str, ...]:
    """The runtime's package installs: what the app and its HEALTHCHECK run, and what else
    the original image had (a JRE image has CA certificates and time zones)."""
    health, _ = packages.healthcheck_programs(kept.healthcheck)
    called = java_executes(model.project.contents, context_dir) | health
    found = packages.runtime_packages(model, called, packages.manager_for(image))
    findings[0].extend(found.notes)
    findings[1].extend(found.warnings)
    return packages.install_on(image, found)
