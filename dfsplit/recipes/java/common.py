"""Reading Java projects: pom.xml, Gradle build files, jar names, JRE images, start commands.

Pure functions over text; the recipes in dfsplit/recipes/{maven,gradle}.py put them together.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from dfsplit.dockerfile import edits, shell, tokens, words
from dfsplit.dockerfile.globs import is_glob, path_match
from dfsplit.dockerfile.words import is_exec_form
from dfsplit.model import (
    Dockerfile,
    Edit,
    Instruction,
    Options,
    Refuse,
    TesterStage,
)
from dfsplit.plan import carry, images
from dfsplit.plan.stage import DEFAULT_PATH, StageModel, run_script

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
DEFAULT_JAVA = "17"
# What the maven and gradle images set, as the builder's starting environment.
IMAGE_ENV = {"HOME": "/root", "PATH": DEFAULT_PATH}
DEFAULT_UID = "10001:10001"  # the runtime user when the original ran as root
_PROPERTY = re.compile(r"\$\{([^}]+)\}")
# Comments of Java, Kotlin and Gradle sources, whose strings and settings dfsplit reads.
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)


# --- pom.xml --------------------------------------------------------------------------------


class Pom(NamedTuple):
    """What dfsplit needs from one pom.xml, with ${...} references still unresolved."""

    group_id: str | None
    artifact_id: str | None
    version: str | None
    packaging: str
    final_name: str | None
    properties: Mapping[str, str]
    parent: Mapping[str, str]  # groupId, artifactId, version, relativePath
    plugins: Mapping[str, Mapping[str, str]]  # artifactId -> version and flat configuration
    modules: tuple[str, ...] = ()
    dependencies: tuple[tuple[str, str], ...] = ()  # (artifactId, scope)
    managed_boot: str | None = None  # spring-boot-dependencies version in dependencyManagement


def _local(tag: Any) -> str:
    """`{namespace}name` -> `name`: poms come with and without the POM namespace."""
    return str(tag).rsplit("}", 1)[-1]


def _child(node: Any, *path: str) -> Any:
    for name in path:
        if node is None:
            return None
        node = next((c for c in node if _local(c.tag) == name), None)
    return node


def _children(node: Any, *path: str) -> list[Any]:
    """Child elements at path (an Element with no children is falsy, so never `or []` it)."""
    found = _child(node, *path)
    return [] if found is None else list(found)


def _text(node: Any, *path: str) -> str | None:
    found = _child(node, *path)
    if found is None or found.text is None:
        return None
    return str(found.text).strip() or None


def parse_pom(text: str) -> Pom:
    """Parse pom.xml safely (no entities, no external DTDs); refuse what is not a pom."""
    try:
        root = ElementTree.fromstring(text)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise Refuse(f"pom.xml is not valid or safe XML: {exc}") from None
    if _local(root.tag) != "project":
        raise Refuse("pom.xml has no <project> root element")
    return Pom(
        group_id=_text(root, "groupId"),
        artifact_id=_text(root, "artifactId"),
        version=_text(root, "version"),
        packaging=_text(root, "packaging") or "jar",
        final_name=_text(root, "build", "finalName"),
        properties={_local(p.tag): (p.text or "").strip() for p in _children(root, "properties")},
        parent={_local(c.tag): (c.text or "").strip() for c in _children(root, "parent")},
        plugins=_plugins(root),
        modules=tuple((m.text or "").strip() for m in _children(root, "modules")),
        dependencies=_dependencies(root),
        managed_boot=_managed_boot(root),
    )


def _plugins(root: Any) -> dict[str, dict[str, str]]:
    """Build plugins: their version and every configuration leaf, flattened by local name."""
    out: dict[str, dict[str, str]] = {}
    for plugin in _children(root, "build", "plugins"):
        name = _text(plugin, "artifactId")
        if not name:
            continue
        values = {"version": _text(plugin, "version") or ""}
        for holder in (plugin, *_children(plugin, "executions")):
            for item in _children(holder, "configuration"):
                for leaf in item.iter():
                    if len(leaf) == 0 and leaf.text and leaf.text.strip():
                        values.setdefault(_local(leaf.tag), leaf.text.strip())
        out[name] = values
    return out


def _dependencies(root: Any) -> tuple[tuple[str, str], ...]:
    deps = _children(root, "dependencies")
    return tuple((_text(d, "artifactId") or "", _text(d, "scope") or "compile") for d in deps)


def _managed_boot(root: Any) -> str | None:
    for dep in _children(root, "dependencyManagement", "dependencies"):
        if _text(dep, "artifactId") == "spring-boot-dependencies":
            return _text(dep, "version")
    return None


def parent_pom_path(pom: Pom, pom_rel: str) -> str | None:
    """Context path of the parent pom that <relativePath> (default ../pom.xml) points at."""
    if not pom.parent:
        return None
    rel = pom.parent.get("relativePath", "../pom.xml")
    if not rel:  # an empty <relativePath/> means: look the parent up in a repository only
        return None
    base = posixpath.dirname(pom_rel)
    path = posixpath.normpath(posixpath.join(base, rel))
    if not path.endswith(".xml"):
        path = posixpath.join(path, "pom.xml")
    return None if path.startswith("..") else path


def pom_properties(pom: Pom, parent: Pom | None, cli: Mapping[str, str]) -> dict[str, str]:
    """Every property Maven would know statically, command-line -D values winning."""
    props: dict[str, str] = {}
    if parent is not None:
        props.update(parent.properties)
        props["project.parent.version"] = parent.version or ""
    props.update(pom.properties)
    version = pom.version or pom.parent.get("version") or (parent.version if parent else None)
    if pom.parent.get("version"):
        props["project.parent.version"] = pom.parent["version"]
    for key, value in (
        ("artifactId", pom.artifact_id),
        ("version", version),
        ("groupId", pom.group_id or pom.parent.get("groupId")),
    ):
        if value is not None:
            props[f"project.{key}"] = value
            props[f"pom.{key}"] = value
    props.update(cli)
    return props


def resolve(value: str | None, props: Mapping[str, str]) -> str | None:
    """Substitute ${...} repeatedly; None when a reference stays unknown."""
    if value is None:
        return None
    for _ in range(10):
        if "${" not in value:
            return value
        value = _PROPERTY.sub(lambda m: props.get(m.group(1), m.group(0)), value)
        if all(m not in props for m in _PROPERTY.findall(value)):
            break
    return None if "${" in value else value


class MavenFacts(NamedTuple):
    """The resolved facts that decide the jar and the runtime."""

    jar: str | None  # file name in target/, None when it cannot be known statically
    java: str | None
    boot: str | None  # Spring Boot version, "" when Boot is used with an unknown version
    shade: bool
    why: tuple[str, ...] = ()


def maven_facts(pom: Pom, parent: Pom | None, cli: Mapping[str, str]) -> MavenFacts:
    props = pom_properties(pom, parent, cli)
    boot = _boot_version(pom, props)
    shade = "maven-shade-plugin" in pom.plugins
    jar, why = _maven_jar(pom, props, shade, boot is not None)
    return MavenFacts(jar, _java_version(pom, props), boot, shade, why)


def _maven_jar(
    pom: Pom, props: Mapping[str, str], shade: bool, boot: bool
) -> tuple[str | None, tuple[str, ...]]:
    base = resolve(pom.final_name, props) if pom.final_name else None
    if base is None:
        artifact, version = (
            resolve(pom.artifact_id, props),
            resolve(props.get("project.version"), props),
        )
        if not artifact or not version:
            return None, ("the artifactId or version of pom.xml cannot be resolved statically",)
        base = f"{artifact}-{version}"
    if shade:
        cfg = pom.plugins["maven-shade-plugin"]
        if cfg.get("finalName"):
            named = resolve(cfg["finalName"], props)
            return (f"{named}.jar" if named else None), ("maven-shade-plugin <finalName>",)
        if cfg.get("shadedArtifactAttached") == "true":
            return f"{base}-{cfg.get('shadedClassifierName', 'shaded')}.jar", (
                "shaded jar attached",
            )
    if boot and pom.plugins.get("spring-boot-maven-plugin", {}).get("classifier"):
        classifier = pom.plugins["spring-boot-maven-plugin"]["classifier"]
        return f"{base}-{classifier}.jar", ("spring-boot repackage <classifier>",)
    return f"{base}.jar", ()


def _boot_version(pom: Pom, props: Mapping[str, str]) -> str | None:
    if "spring-boot-maven-plugin" not in pom.plugins and pom.parent.get("artifactId") != (
        "spring-boot-starter-parent"
    ):
        return None
    for raw in (
        pom.parent.get("version")
        if pom.parent.get("artifactId") == "spring-boot-starter-parent"
        else None,
        pom.managed_boot,
        pom.plugins.get("spring-boot-maven-plugin", {}).get("version"),
    ):
        value = resolve(raw, props) if raw else None
        if value:
            return value
    return ""


def _java_version(pom: Pom, props: Mapping[str, str]) -> str | None:
    compiler = pom.plugins.get("maven-compiler-plugin", {})
    for raw in (
        props.get("maven.compiler.release"),
        compiler.get("release"),
        props.get("maven.compiler.target"),
        compiler.get("target"),
        props.get("maven.compiler.source"),
        compiler.get("source"),
        props.get("java.version"),
    ):
        value = resolve(raw, props) if raw else None
        if value:
            return java_major(value)
    return None


def java_major(value: str) -> str | None:
    """`1.8` -> `8`, `17` -> `17`, `VERSION_21` -> `21`."""
    m = re.search(r"(?:^|_|\b)(1[._])?(\d+)", value.strip())
    if not m:
        return None
    return m.group(2)


# --- Gradle ---------------------------------------------------------------------------------


class GradleFacts(NamedTuple):
    plugins: frozenset[str]  # "java", "application", "spring-boot", ...
    version: str | None  # project version, None when unspecified
    base_name: str | None  # archiveBaseName / archivesBaseName
    archive_file: str | None  # bootJar/jar archiveFileName
    app_name: str | None  # application { applicationName }
    java: str | None
    boot: str | None
    dynamic: tuple[str, ...] = ()  # settings dfsplit saw but cannot evaluate


_G_STR = r"""["']([^"'$]*)["']"""
_GRADLE_PATTERNS = {
    "version": re.compile(r"^\s*version\s*=?\s*" + _G_STR, re.MULTILINE),
    "base_name": re.compile(r"archive(?:s)?BaseName(?:\.set\(|\s*=\s*|\s+)" + _G_STR),
    "archive_file": re.compile(r"archiveFileName(?:\.set\(|\s*=\s*|\s+)" + _G_STR),
    "app_name": re.compile(r"applicationName(?:\.set\(|\s*=\s*|\s+)" + _G_STR),
    "boot": re.compile(
        r"""org\.springframework\.boot["')]*\s*(?:version\s*\(?\s*)?["']([\d.A-Za-z-]+)"""
    ),
}
_NAMING = (
    "archiveBaseName",
    "archiveFileName",
    "archiveClassifier",
    "archiveVersion",
    "archiveAppendix",
)
_GRADLE_JAVA = re.compile(
    r"(?:JavaLanguageVersion\.of\(\s*|JavaVersion\.VERSION_|(?:source|target)Compatibility\s*=\s*['\"]?)"
    r"(1[._]\d+|\d+)"
)


def gradle_facts(build: str, properties: str = "") -> GradleFacts:
    """Read the settings that name the jar from build.gradle(.kts) and gradle.properties."""
    code = _COMMENT.sub("", build)
    found = {
        key: (m.group(1) if (m := p.search(code)) else None) for key, p in _GRADLE_PATTERNS.items()
    }
    version = found["version"] or _properties(properties).get("version")
    java = _GRADLE_JAVA.search(code)
    # A naming setting dfsplit could not read as a plain string literal makes the name unknown.
    literal = {"archiveBaseName": found["base_name"], "archiveFileName": found["archive_file"]}
    dynamic = tuple(n for n in _NAMING if n in code and not literal.get(n))
    return GradleFacts(
        plugins=_gradle_plugins(code),
        version=version if version and version != "unspecified" else None,
        base_name=found["base_name"],
        archive_file=found["archive_file"],
        app_name=found["app_name"],
        java=java_major(java.group(1)) if java else None,
        boot=found["boot"] if "org.springframework.boot" in code else None,
        dynamic=dynamic,
    )


def _gradle_plugins(code: str) -> frozenset[str]:
    plugins: set[str] = set()
    block = re.search(r"plugins\s*\{(.*?)\}", code, re.DOTALL)
    text = (
        (block.group(1) if block else "")
        + " "
        + " ".join(re.findall(r"apply\s*\(?\s*plugin\s*[:=]\s*['\"]([^'\"]+)", code))
    )
    for word in ("application", "java", "java-library", "war"):
        if re.search(rf"(?:^|[\s'\"`(]){re.escape(word)}(?:$|[\s'\"`)])", text):
            plugins.add(word)
    if "org.springframework.boot" in text:
        plugins.add("spring-boot")
    return frozenset(plugins)


def _properties(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.strip().startswith("#"):
            out[key.strip()] = value.strip()
    return out


def root_project_name(settings: str | None) -> str | None:
    if not settings:
        return None
    m = re.search(r"rootProject\.name\s*=\s*" + _G_STR, settings)
    return m.group(1) if m else None


def gradle_jar(facts: GradleFacts, project_name: str | None) -> str | None:
    """The file name of the runnable jar in build/libs (bootJar for Boot, never -plain)."""
    if facts.dynamic:
        return None
    if facts.archive_file:
        return facts.archive_file
    base = facts.base_name or project_name
    if not base:
        return None
    return f"{base}-{facts.version}.jar" if facts.version else f"{base}.jar"


# --- images ---------------------------------------------------------------------------------


def builder_java(image: str) -> str | None:
    """The JDK major version a builder image name states (maven:3.9-eclipse-temurin-17 -> 17)."""
    tag = images.tag(image)
    repo = images.repository(image).rsplit("/", 1)[-1]
    m = re.search(r"(?:temurin|openjdk|jdk|corretto|java|zulu|graalvm)-?(\d+)", tag)
    if m:
        return m.group(1)
    if repo in {"eclipse-temurin", "openjdk", "amazoncorretto"}:
        m = re.match(r"(\d+)", tag)
        return m.group(1) if m else None
    return None


def jre_image(builder_image: str, project_java: str | None) -> tuple[str, str]:
    """An eclipse-temurin JRE tag for the project's Java version, in the builder's family."""
    version = project_java or builder_java(builder_image)
    why = (
        "the project's Java version"
        if project_java
        else "the builder image's JDK version"
        if version
        else "no Java version found: the default"
    )
    version = version or DEFAULT_JAVA
    alpine = images.classify(builder_image).family == "alpine"
    return f"eclipse-temurin:{version}-jre{'-alpine' if alpine else ''}", why


# --- start commands -------------------------------------------------------------------------


class Start(NamedTuple):
    """How the original starts the app, with the jar word found in it."""

    form: list[str] | str  # exec form as a list, shell form as text
    jar_word: str | None  # the word after -jar
    tool: str | None = None  # "mvn spring-boot:run" style starts through the build tool
    shell_text: bool = False  # the jar word is inside shell text (shell form or sh -c)
    args: tuple[str, ...] = ()  # the app's arguments after the jar


_TOOL_STARTS = {
    ("spring-boot:run",),
    ("exec:java",),
    ("bootRun",),
    ("run",),
}


def read_start(form: list[str] | str) -> Start:
    """Find `java ... -jar X` or a build-tool start in exec form, shell form or `sh -c`."""
    if isinstance(form, list):
        if (
            len(form) >= 3
            and posixpath.basename(form[0]) in {"sh", "bash", "ash"}
            and form[1] == "-c"
        ):
            found = read_start(form[2])
            return Start(form, found.jar_word, found.tool, True, found.args)
        return _from_words(form, form, shell_text=False)
    words = shell.split_commands(form)
    if words is None:
        raise Refuse(f"cannot read the start command {form}")
    for cmd in words:
        start = _from_words(list(cmd.argv), form, shell_text=True)
        if start.jar_word or start.tool:
            return start
    return Start(form, None, None, True)


def _from_words(words: list[str], form: list[str] | str, shell_text: bool) -> Start:
    if words[:1] == ["exec"]:
        words = words[1:]
    program = posixpath.basename(words[0]) if words else ""
    if program == "java" and "-jar" in words:
        i = words.index("-jar")
        if i + 1 < len(words):
            return Start(form, words[i + 1], None, shell_text, tuple(words[i + 2 :]))
    if program in {"mvn", "mvnw", "gradle", "gradlew"}:
        goals = [w for w in words[1:] if not w.startswith("-")]
        tool = next((g for g in goals if (g,) in _TOOL_STARTS or g.endswith(":run")), None)
        if tool:
            return Start(form, None, f"{program} {tool}", shell_text)
    return Start(form, None, None, shell_text)


def replace_jar(start: Start, jar: str) -> list[str] | str:
    """The start command with its jar word replaced by the exact jar path."""
    word = start.jar_word
    assert word is not None
    if isinstance(start.form, list) and not start.shell_text:
        i = start.form.index("-jar")
        return [*start.form[: i + 1], jar, *start.form[i + 2 :]]
    text = start.form[2] if isinstance(start.form, list) else start.form
    new = re.sub(
        r"(-jar\s+)" + re.escape(word) + r"(?=\s|$|[;&|)\"'])",
        lambda m: m.group(1) + jar,
        text,
        count=1,
    )
    if new == text:
        raise Refuse(f"cannot rewrite the jar path {word} in {text}")
    return [*start.form[:2], new, *start.form[3:]] if isinstance(start.form, list) else new


def start_form(args: str) -> list[str] | str:
    argv = is_exec_form(args)
    return argv if argv is not None else args.strip()


# --- shared planning: build steps, the artifact, the start command -------------------------


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
    runs: list[ToolRun] = []
    for ins in model.stage:
        if ins.keyword != "RUN" or is_exec_form(ins.args) is not None:
            continue
        cwd = model.state_at(ins).workdir
        for cmd in shell.split_commands(run_script(ins)) or []:
            if cmd.program == "cd" and len(cmd.argv) == 2:
                target = words.expand(cmd.argv[1], model.state_at(ins).env)
                if target is None:
                    raise Refuse(f"cannot follow `cd {cmd.argv[1]}` (line {ins.start + 1})")
                cwd = posixpath.normpath(posixpath.join(cwd, target))
            elif posixpath.basename(cmd.program) in programs:
                runs.append(ToolRun(ins, cwd, cmd.program, cmd.argv[1:]))
    return runs


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
        cwd: str | None = model.state_at(ins).workdir
        grouped = any(ch in script for ch in "(){}")
        for cmd in shell.split_commands(script) or []:
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


def append_to_run(df: Dockerfile, ins: Instruction, command: str) -> Edit:
    """`RUN a` -> `RUN a && command`, on the instruction's last physical line."""
    last = df.lines[ins.end - 1]
    body = last.rstrip("\r\n")
    if ins.heredocs or body.lstrip().startswith("#") or body.rstrip().endswith(df.escape):
        raise Refuse(f"cannot append to the RUN at line {ins.start + 1}")
    return Edit(ins.end - 1, ins.end, f"{body.rstrip()} && {tokens.single_line(command, 'RUN')}")


class StartPlan(NamedTuple):
    """The runtime's start command and the file it runs."""

    entrypoint: str | None
    cmd: str | None
    artifact: str
    args: tuple[str, ...]
    notes: tuple[str, ...] = ()


def plan_start(
    kept: carry.Carried,
    workdir: str,
    env: Mapping[str, str],
    jar: str,
    trusted: set[str],
    tool_start: Callable[[Start], list[str]],
    jar_known: bool = True,
) -> StartPlan:
    """Point the start command at the exact jar; a start through the build tool runs the jar.

    When the jar's name is not known (jar is then the fixed path the build RUN copies it to),
    any glob in the jar's directory stands for it.
    """
    entry = start_form(kept.entrypoint.args) if kept.entrypoint else None
    cmd = start_form(kept.cmd.args) if kept.cmd else None
    if entry is None and cmd is None:
        raise Refuse("no CMD or ENTRYPOINT: the image would start the base image's default command")
    for which, form in (("entrypoint", entry), ("cmd", cmd)):
        if form is None:
            continue
        start = read_start(form)
        if start.tool:
            new: list[str] | str = tool_start(start)
            note = f"`{start.tool}` builds and runs at every start: the runtime runs the jar"
            return _start_plan(which, new, entry, cmd, jar, (), note)
        if start.jar_word:
            artifact, new = _jar_start(start, workdir, env, jar, trusted, jar_known)
            return _start_plan(which, new, entry, cmd, artifact, start.args, "")
    raise Refuse("the start command runs no jar (`java -jar ...`) and no build-tool goal")


def _start_plan(
    which: str,
    new: list[str] | str,
    entry: list[str] | str | None,
    cmd: list[str] | str | None,
    artifact: str,
    args: tuple[str, ...],
    note: str,
) -> StartPlan:
    if isinstance(new, str) and shell.plain_words(new) is not None:
        new = shell.plain_words(new) or []  # no shell syntax left: exec form is equivalent
    notes = (note,) if note else ()
    if which == "entrypoint":
        return StartPlan(tokens.command(new), tokens.command(cmd), artifact, args, notes)
    return StartPlan(tokens.command(entry), tokens.command(new), artifact, args, notes)


def _jar_start(
    start: Start, workdir: str, env: Mapping[str, str], jar: str, trusted: set[str], known: bool
) -> tuple[str, list[str] | str]:
    word = start.jar_word or ""
    expanded = words.expand(word, dict(env))
    if expanded is None:
        raise Refuse(f"the start command's jar {word} uses a variable dfsplit cannot resolve")
    path = posixpath.normpath(posixpath.join(workdir, expanded))
    if is_glob(expanded):
        same_dir = posixpath.dirname(path) == posixpath.dirname(jar)
        if not path_match(path, jar) and not (same_dir and not known):
            raise Refuse(
                f"the start command's glob {word} does not match the jar the build makes ({jar})"
            )
        return jar, replace_jar(start, jar)
    if path == jar or path in trusted:
        return path, start.form
    raise Refuse(f"the start command runs {path}, but the build makes {jar}")


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


def has_tests(project_files: frozenset[str], context_dir: str) -> bool:
    prefix = "" if context_dir in ("", ".") else context_dir.rstrip("/") + "/"
    return any(p.startswith(prefix + "src/test/") for p in project_files)


# Java sources and build files: never runtime files.
SOURCES = (".java", ".kt", ".gradle", ".kts", "pom.xml")
_JAVA_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def java_literals(project_files: Mapping[str, bytes], context_dir: str) -> tuple[str, ...]:
    """String literals in the main Java sources: relative files the app may open."""
    prefix = "" if context_dir in ("", ".") else context_dir.rstrip("/") + "/"
    out: list[str] = []
    for path in sorted(project_files):
        if path.startswith(prefix + "src/main/") and path.endswith((".java", ".kt")):
            code = _COMMENT.sub("", project_files[path].decode("utf-8", "replace"))
            out += _JAVA_STRING.findall(code)
    return tuple(dict.fromkeys(out))


def tester_stage(
    options: Options,
    has_tests: bool,
    model: StageModel,
    command: str,
    project_dir: str,
    notes: list[str],
) -> TesterStage | None:
    """The build tool's `test` goal (`command`) in the project directory, when wanted."""
    if not options.tester:
        return None
    if not has_tests:
        notes.append("no src/test/ directory: no tester stage")
        return None
    workdir = project_dir if project_dir != model.final.workdir else None
    return TesterStage(
        commands=(tokens.single_line(command, "test command"),),
        workdir=workdir,
        args=tester_args(model, command),
    )


def tester_args(model: StageModel, command: str) -> tuple[str, ...]:
    """ARGs the test command reads: ARG values do not reach a stage built `FROM builder`."""
    return tuple(carry.redeclared_args(model.df, model, carry.Carried(instructions=[command])))
