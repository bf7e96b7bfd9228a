"""Table tests of the pure Java helpers: pom reading, versions, jar names, Gradle, starts."""

from __future__ import annotations

import pytest

from dfsplit.dockerfile import parser
from dfsplit.model import Options, Project, Refuse, Status
from dfsplit.plan import pipeline
from dfsplit.plan.stage import StageModel
from dfsplit.recipes.java.build import produced_files, rename_command
from dfsplit.recipes.java.gradle_build import gradle_facts, gradle_jar, root_project_name
from dfsplit.recipes.java.jre import jre_image
from dfsplit.recipes.java.pom import Pom, maven_facts, parent_pom_path, parse_pom
from dfsplit.recipes.java.start import read_start, replace_jar

NS = 'xmlns="http://maven.apache.org/POM/4.0.0"'


def pom(body: str, ns: str = NS) -> Pom:
    return parse_pom(f"<project {ns}><modelVersion>4.0.0</modelVersion>{body}</project>")


def jar(body: str, parent: str | None = None, cli: dict[str, str] | None = None) -> str | None:
    parsed_parent = pom(parent) if parent is not None else None
    return maven_facts(pom(body), parsed_parent, cli or {}).jar


@pytest.mark.parametrize(
    ("body", "parent", "cli", "expected"),
    [
        ("<artifactId>a</artifactId><version>1.0</version>", None, {}, "a-1.0.jar"),
        (
            "<artifactId>a</artifactId><version>1</version>"
            "<build><finalName>app</finalName></build>",
            None,
            {},
            "app.jar",
        ),
        (
            "<artifactId>a</artifactId><version>${revision}</version>"
            "<properties><revision>2.3</revision></properties>",
            None,
            {},
            "a-2.3.jar",
        ),
        (
            "<artifactId>a</artifactId><version>${revision}</version>",
            None,
            {"revision": "9"},
            "a-9.jar",
        ),
        ("<artifactId>a</artifactId><version>${revision}</version>", None, {}, None),
        (
            "<artifactId>a</artifactId><build><finalName>${project.artifactId}-${project.version}"
            "</finalName></build>",
            "<artifactId>p</artifactId><version>4.1</version>",
            {},
            "a-4.1.jar",
        ),
        (
            "<parent><artifactId>p</artifactId><version>5</version></parent><artifactId>c</artifactId>",
            None,
            {},
            "c-5.jar",
        ),
        (
            "<artifactId>s</artifactId><version>1</version><build><plugins><plugin>"
            "<artifactId>maven-shade-plugin</artifactId><configuration><shadedArtifactAttached>true"
            "</shadedArtifactAttached></configuration></plugin></plugins></build>",
            None,
            {},
            "s-1-shaded.jar",
        ),
        (
            "<artifactId>b</artifactId><version>1</version><build><plugins><plugin><groupId>"
            "org.springframework.boot</groupId><artifactId>spring-boot-maven-plugin</artifactId>"
            "<configuration><classifier>exec</classifier></configuration></plugin></plugins></build>",
            None,
            {},
            "b-1-exec.jar",
        ),
    ],
)
def test_maven_jar(
    body: str, parent: str | None, cli: dict[str, str], expected: str | None
) -> None:
    assert jar(body, parent, cli) == expected


def test_pom_without_namespace_and_properties() -> None:
    parsed = pom("<artifactId>x</artifactId><properties><a>1</a></properties>", ns="")
    assert parsed.artifact_id == "x"
    assert parsed.properties == {"a": "1"}


@pytest.mark.parametrize(
    "text",
    [
        '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x "y">]><project>&x;</project>',
        "<project><unclosed></project>",
        "<notaproject/>",
    ],
)
def test_pom_refuses_unsafe_or_invalid_xml(text: str) -> None:
    with pytest.raises(Refuse):
        parse_pom(text)


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ("<maven.compiler.release>21</maven.compiler.release>", "21"),
        ("<maven.compiler.source>1.8</maven.compiler.source>", "8"),
        ("<java.version>17</java.version>", "17"),
        (
            "<java.version>11</java.version><maven.compiler.release>${java.version}"
            "</maven.compiler.release>",
            "11",
        ),
        ("", None),
    ],
)
def test_java_version(props: str, expected: str | None) -> None:
    body = f"<artifactId>a</artifactId><version>1</version><properties>{props}</properties>"
    assert maven_facts(pom(body), None, {}).java == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "<parent><artifactId>spring-boot-starter-parent</artifactId><version>3.3.1</version>"
            "</parent><artifactId>a</artifactId>",
            "3.3.1",
        ),
        ("<artifactId>a</artifactId><version>1</version>", None),
    ],
)
def test_boot_version(body: str, expected: str | None) -> None:
    assert maven_facts(pom(body), None, {}).boot == expected


@pytest.mark.parametrize(
    ("relative", "expected"),
    [(None, "pom.xml"), ("parent/pom.xml", "app/parent/pom.xml"), ("", None), ("../../x", None)],
)
def test_parent_pom_path(relative: str | None, expected: str | None) -> None:
    tag = "" if relative is None else f"<relativePath>{relative}</relativePath>"
    parsed = pom(f"<parent><artifactId>p</artifactId>{tag}</parent><artifactId>c</artifactId>")
    assert parent_pom_path(parsed, "app/pom.xml") == expected


GROOVY = """plugins {
    id 'java'
    id 'org.springframework.boot' version '3.2.5'
}
version = '0.1.0'
java { sourceCompatibility = '17' }
"""
KTS = """plugins {
    application
}
application { mainClass.set("a.B"); applicationName = "tool" }
java { toolchain { languageVersion.set(JavaLanguageVersion.of(21)) } }
"""


def test_gradle_groovy_boot() -> None:
    facts = gradle_facts(GROOVY)
    assert facts.plugins == {"java", "spring-boot"}
    assert (facts.version, facts.boot, facts.java) == ("0.1.0", "3.2.5", "17")
    assert gradle_jar(facts, "shop") == "shop-0.1.0.jar"  # the boot jar, not -plain


def test_gradle_kts_application() -> None:
    facts = gradle_facts(KTS, "version=2.0\n")
    assert "application" in facts.plugins
    assert (facts.app_name, facts.java, facts.version) == ("tool", "21", "2.0")
    assert gradle_jar(facts, None) is None  # the project name is the unknown directory


@pytest.mark.parametrize(
    ("build", "name", "expected"),
    [
        ("plugins { id 'java' }", "x", "x.jar"),
        ("version = '1'\njar { archiveBaseName = 'core' }", "x", "core-1.jar"),
        ("bootJar { archiveFileName = 'app.jar' }", "x", "app.jar"),
        ("version = '1'\njar { archiveClassifier = 'all' }", "x", None),
        ("archiveBaseName = project.name + '-svc'", "x", None),
    ],
)
def test_gradle_jar(build: str, name: str, expected: str | None) -> None:
    assert gradle_jar(gradle_facts(build), name) == expected


@pytest.mark.parametrize(
    ("settings", "expected"),
    [("rootProject.name = 'shop'", "shop"), ('rootProject.name = "inv"', "inv"), ("", None)],
)
def test_root_project_name(settings: str, expected: str | None) -> None:
    assert root_project_name(settings) == expected


@pytest.mark.parametrize(
    ("builder", "project", "release", "expected"),
    [
        ("maven:3.9-eclipse-temurin-17", None, False, "eclipse-temurin:17-jre"),
        ("maven:3.9-eclipse-temurin-21-alpine", None, False, "eclipse-temurin:21-jre-alpine"),
        # The builder's JDK compiled and tested the code: it wins over the pom's version.
        ("maven:3.9-eclipse-temurin-21", "17", True, "eclipse-temurin:21-jre"),
        ("maven:3.8-openjdk-17", "8", False, "eclipse-temurin:17-jre"),
        ("gradle:8.5-jdk17", "11", False, "eclipse-temurin:17-jre"),
        # The image does not name its JDK: a release (or toolchain) says what the classes need.
        ("maven:3", "11", True, "eclipse-temurin:11-jre"),
        # Only a toolchain builds for a newer Java than the image's: its JDK ran the tests.
        ("gradle:8.5-jdk17", "21", True, "eclipse-temurin:21-jre"),
        ("gradle:8.5-jdk17-alpine", None, False, "eclipse-temurin:17-jre-alpine"),
        ("eclipse-temurin:21-jdk", None, False, "eclipse-temurin:21-jre"),
        # -source/-target 8 built by an unknown JDK links against that JDK's library (a JDK 9+
        # ByteBuffer.flip() fails on Java 8), and no version at all says nothing: refused.
        ("maven:3", "8", False, None),
        ("maven:3", None, False, None),
    ],
)
def test_jre_image(builder: str, project: str | None, release: bool, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(Refuse, match="does not name its JDK"):
            jre_image(builder, project, release)
    else:
        assert jre_image(builder, project, release)[0] == expected


@pytest.mark.parametrize(
    ("form", "jar_word", "tool"),
    [
        (["java", "-jar", "target/a.jar"], "target/a.jar", None),
        ("java -jar target/*.jar", "target/*.jar", None),
        (["sh", "-c", "java $JAVA_OPTS -jar app.jar --x"], "app.jar", None),
        (["mvn", "spring-boot:run"], None, "mvn spring-boot:run"),
        ("./gradlew bootRun", None, "gradlew bootRun"),
        (["java", "-cp", "x", "Main"], None, None),
    ],
)
def test_read_start(form: list[str] | str, jar_word: str | None, tool: str | None) -> None:
    start = read_start(form)
    assert (start.jar_word, start.tool) == (jar_word, tool)


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        (["java", "-jar", "target/*.jar"], ["java", "-jar", "/a/x.jar"]),
        ("java -jar target/*.jar", "java -jar /a/x.jar"),
        (["sh", "-c", "java $O -jar t/*.jar --p"], ["sh", "-c", "java $O -jar /a/x.jar --p"]),
    ],
)
def test_replace_jar(form: list[str] | str, expected: list[str] | str) -> None:
    assert replace_jar(read_start(form), "/a/x.jar") == expected


def test_rename_command_filters_side_jars() -> None:
    command = rename_command("/app/target", "/app/target/app.jar")
    assert command.startswith('cp "$(ls /app/target/*.jar | grep -v ')
    assert "'/original-'" in command and "'-plain\\.jar$'" in command


# --- whole plans through pipeline.split ------------------------------------------------------


APP_POM = "<project><artifactId>app</artifactId><version>1.0</version></project>"


def split(dockerfile: str, files: dict[str, str]) -> tuple[str, str]:
    """The rewritten Dockerfile and the runtime image it chose."""
    project = Project(
        path="Dockerfile",
        dockerfile=dockerfile.encode(),
        context_files=frozenset(files) | {"Dockerfile"},
        contents={k: v.encode() for k, v in files.items()},
    )
    outcome = pipeline.split(project, Options())
    assert outcome.status is Status.CHANGED and outcome.findings is not None, outcome.reason
    return outcome.new.decode(), outcome.findings.runtime_image or ""


def test_maven_image_from_a_global_arg_picks_the_jre_of_its_default() -> None:
    dockerfile = (
        "ARG MVN=3.9-eclipse-temurin-21-alpine\nFROM maven:${MVN}\nWORKDIR /app\n"
        "COPY . .\nRUN mvn -B package -DskipTests\n"
        'CMD ["java", "-jar", "target/app-1.0.jar"]\n'
    )
    text, runtime = split(dockerfile, {"pom.xml": APP_POM, "src/main/java/App.java": ""})
    assert runtime == "eclipse-temurin:21-jre-alpine"  # the ARG's JDK and Alpine family
    assert "FROM maven:${MVN} AS builder" in text  # the builder keeps its build-arg
    assert "FROM eclipse-temurin:21-jre-alpine AS runtime" in text


def test_gradle_image_from_a_global_arg_picks_the_jre_of_its_default() -> None:
    files = {
        "build.gradle": "plugins { id 'java' }\nversion = '1.0'\n",
        "settings.gradle": "rootProject.name = 'app'\n",
        "src/main/java/App.java": "",
    }
    dockerfile = (
        "ARG GRADLE=8.5-jdk21-alpine\nFROM gradle:${GRADLE}\nWORKDIR /app\nCOPY . .\n"
        "RUN gradle build --no-daemon\n"
        'CMD ["java", "-jar", "build/libs/app-1.0.jar"]\n'
    )
    text, runtime = split(dockerfile, files)
    assert runtime == "eclipse-temurin:21-jre-alpine"
    assert "FROM gradle:${GRADLE} AS builder" in text


def test_a_root_glob_cmd_does_not_reach_the_jar_in_target() -> None:
    # `java -jar *.jar` in /app finds nothing when the jar is /app/target/app-1.0.jar (a shell
    # glob's `*` does not cross "/"): the original cannot start, so dfsplit must not "fix" it.
    dockerfile = (
        "FROM maven:3.9-eclipse-temurin-17\nWORKDIR /app\nCOPY . .\n"
        "RUN mvn -B package -DskipTests\nCMD java -jar *.jar\n"
    )
    project = Project(
        path="Dockerfile",
        dockerfile=dockerfile.encode(),
        context_files=frozenset({"Dockerfile", "pom.xml", "src/main/java/A.java"}),
        contents={"pom.xml": APP_POM.encode()},
    )
    outcome = pipeline.split(project, Options())
    assert (
        outcome.status is Status.REFUSED
        and "does not match /app/target/app-1.0.jar" in outcome.reason
    )


def test_an_arg_builder_image_warns_that_the_runtime_follows_its_default() -> None:
    files = {"pom.xml": APP_POM, "src/main/java/App.java": ""}
    tail = (
        "WORKDIR /app\nCOPY . .\nRUN mvn -B package -DskipTests\n"
        'CMD ["java", "-jar", "target/app-1.0.jar"]\n'
    )
    warnings = []
    for head in (
        "ARG MVN=3.9-eclipse-temurin-21-alpine\nFROM maven:${MVN}\n",
        "FROM maven:3.9-eclipse-temurin-21-alpine\n",
    ):
        project = Project(
            path="Dockerfile",
            dockerfile=(head + tail).encode(),
            context_files=frozenset(files) | {"Dockerfile"},
            contents={k: v.encode() for k, v in files.items()},
        )
        outcome = pipeline.split(project, Options())
        assert outcome.status is Status.CHANGED and outcome.findings is not None
        warnings.append([w for w in outcome.findings.warnings if "--build-arg" in w])
    assert warnings[0] == [
        "the builder image maven:${MVN} comes from ARG values: the runtime "
        "image was chosen for their defaults; check it if you build with "
        "--build-arg values that change the image"
    ]
    assert warnings[1] == []


# --- files the RUNs make -------------------------------------------------------------------


def _produced(run: str) -> set[str]:
    text = f"FROM maven:3.9-eclipse-temurin-17\nWORKDIR /app\nCOPY . .\nRUN {run}\n"
    df = parser.parse(text.encode())
    project = Project(path="Dockerfile", dockerfile=text.encode(), context_files=frozenset())
    return produced_files(StageModel(df, df.stages()[0], project, "maven:3.9-eclipse-temurin-17"))


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("mvn package && cp target/app-1.0.jar app.jar", {"/app/app.jar"}),
        ("mvn package && cd target && cp app-1.0.jar ../app.jar", {"/app/app.jar"}),
        (
            "cd target; mv app-1.0.jar app.jar && cd / && cp /x.jar y.jar",
            {"/app/target/app.jar", "/y.jar"},
        ),
        # A cd dfsplit cannot follow: later relative destinations are unknown, absolute known.
        ("cd $OUT && cp a.jar app.jar && cp a.jar /srv/app.jar", {"/srv/app.jar"}),
        ("cd && cp a.jar app.jar", set()),
        ("(cd target && cp a.jar b.jar) && cp target/b.jar app.jar", set()),
        ("cp target/a.jar dist/", set()),  # into a directory: the name is cp's to choose
    ],
)
def test_produced_files_follow_cd(run: str, expected: set[str]) -> None:
    assert _produced(run) == expected


def test_a_jar_renamed_after_cd_is_the_one_the_runtime_runs() -> None:
    dockerfile = (
        "FROM maven:3.9-eclipse-temurin-17\nWORKDIR /app\nCOPY . .\n"
        "RUN mvn -B package -DskipTests && cd target && cp app-1.0.jar ../app.jar\n"
        'CMD ["java", "-jar", "app.jar"]\n'
    )
    text, _ = split(dockerfile, {"pom.xml": APP_POM, "src/main/java/App.java": ""})
    assert "COPY --from=builder /app/app.jar /app/app.jar" in text
