"""Java runtime layers (recipes/java/layers.py): a Spring Boot jar extracted into its layers with
the command and launcher of its Boot version, a plain jar's lib/ directory in its own layer."""

from __future__ import annotations

import pytest

from dfsplit.model import Options, Project, Status
from dfsplit.plan import pipeline
from dfsplit.recipes.java import layers

NAIVE = (
    "FROM maven:3.9-eclipse-temurin-17\nWORKDIR /app\nCOPY . .\n"
    "RUN mvn -B package -DskipTests\n{start}\n"
)
EXEC_START = (
    'CMD ["java", "-Xmx512m", "-jar", "target/demo-1.0.jar", "--spring.profiles.active=prod"]'
)


def boot_pom(version: str, plugin_config: str = "") -> str:
    return (
        "<project><parent><groupId>org.springframework.boot</groupId>"
        f"<artifactId>spring-boot-starter-parent</artifactId><version>{version}</version>"
        "</parent><artifactId>demo</artifactId><version>1.0</version><build><plugins><plugin>"
        "<groupId>org.springframework.boot</groupId><artifactId>spring-boot-maven-plugin</artifactId>"
        f"{plugin_config}</plugin></plugins></build></project>"
    )


def rewrite(files: dict[str, str], start: str = EXEC_START) -> tuple[str, tuple[str, ...]]:
    dockerfile = NAIVE.format(start=start)
    project = Project(
        path="Dockerfile",
        dockerfile=dockerfile.encode(),
        context_files=frozenset(files) | {"Dockerfile", "src/main/java/App.java"},
        contents={k: v.encode() for k, v in files.items()},
    )
    outcome = pipeline.split(project, Options())
    assert outcome.status is Status.CHANGED and outcome.findings is not None, outcome.reason
    return outcome.new.decode(), outcome.findings.notes


@pytest.mark.parametrize(
    ("version", "extract", "launcher"),
    [
        (
            "2.7.18",
            "-Djarmode=layertools -jar /app/target/demo-1.0.jar extract",
            layers.OLD_LAUNCHER,
        ),
        (
            "3.1.12",
            "-Djarmode=layertools -jar /app/target/demo-1.0.jar extract",
            layers.OLD_LAUNCHER,
        ),
        ("3.2.5", "-Djarmode=layertools -jar /app/target/demo-1.0.jar extract", layers.LAUNCHER),
        (
            "3.3.0",
            "-Djarmode=tools -jar /app/target/demo-1.0.jar extract --layers --launcher",
            layers.LAUNCHER,
        ),
        (
            "3.5.3",
            "-Djarmode=tools -jar /app/target/demo-1.0.jar extract --layers --launcher",
            layers.LAUNCHER,
        ),
    ],
)
def test_the_boot_version_picks_the_extraction_and_the_launcher(
    version: str, extract: str, launcher: str
) -> None:
    text, _ = rewrite({"pom.xml": boot_pom(version)})
    assert (
        f"FROM builder AS layers\nRUN java {extract} --destination /app/target/extracted\n" in text
    )
    copies = [line for line in text.splitlines() if line.startswith("COPY --from=layers")]
    assert copies == [
        f"COPY --from=layers /app/target/extracted/{layer} /app/target/extracted"
        for layer in ("dependencies", "spring-boot-loader", "snapshot-dependencies", "application")
    ]
    # JVM options before, the app's arguments after: the start is the same program.
    assert (
        f'CMD ["java", "-Xmx512m", "-cp", "/app/target/extracted", "{launcher}", '
        '"--spring.profiles.active=prod"]'
    ) in text
    assert "target/demo-1.0.jar /app" not in text  # the fat jar is no longer copied


def test_a_shell_start_keeps_its_variables() -> None:
    start = 'ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar target/demo-1.0.jar"]'
    text, _ = rewrite({"pom.xml": boot_pom("3.4.1")}, start)
    assert (
        'ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -cp /app/target/extracted '
        f'{layers.LAUNCHER}"]'
    ) in text


@pytest.mark.parametrize(
    ("pom", "why"),
    [
        pytest.param(boot_pom("2.3.12.RELEASE"), "no layered jar by default", id="boot-2.3"),
        pytest.param(
            boot_pom("2.3.12.RELEASE").replace("3.12.RELEASE", "x"),
            "not known",
            id="version-unknown",
        ),
        pytest.param(
            boot_pom(
                "3.2.5", "<configuration><layers><enabled>false</enabled></layers></configuration>"
            ),
            "sets enabled to false",
            id="layers-disabled",
        ),
        pytest.param(
            boot_pom(
                "3.2.5",
                "<configuration><layers><configuration>${project.basedir}/src/layers.xml"
                "</configuration></layers></configuration>",
            ),
            "its own layers configuration",
            id="custom-layers",
        ),
        pytest.param(
            boot_pom("3.4.1", "<configuration><executable>true</executable></configuration>"),
            "launch script",
            id="executable-jar",
        ),
    ],
)
def test_the_jar_is_copied_whole_when_its_layers_cannot_be_extracted(pom: str, why: str) -> None:
    text, notes = rewrite({"pom.xml": pom})
    assert "AS layers" not in text
    assert "COPY --from=builder /app/target/demo-1.0.jar /app/target/demo-1.0.jar" in text
    assert any("copied whole" in n and why in n for n in notes), notes


def test_boot_2_3_with_layers_enabled_is_layered() -> None:
    config = "<configuration><layers><enabled>true</enabled></layers></configuration>"
    text, _ = rewrite({"pom.xml": boot_pom("2.3.12.RELEASE", config)})
    assert f'"{layers.OLD_LAUNCHER}"' in text


def test_gradle_boot_jar_is_layered_unless_bootjar_customises_its_layers() -> None:
    build = "plugins {\n  id 'java'\n  id 'org.springframework.boot' version '3.3.2'\n}\n"
    files = {"build.gradle": build, "settings.gradle": "rootProject.name = 'shop'\n"}
    dockerfile = (
        "FROM gradle:8.5-jdk17\nWORKDIR /app\nCOPY . .\nRUN gradle bootJar --no-daemon\n"
        'CMD ["java", "-jar", "build/libs/shop.jar"]\n'
    )

    def gradle(text: str) -> str:
        project = Project(
            "Dockerfile",
            dockerfile.encode(),
            frozenset({*files, "Dockerfile"}),
            {**{k: v.encode() for k, v in files.items()}, "build.gradle": text.encode()},
        )
        return pipeline.split(project, Options()).new.decode()

    assert "extract --layers --launcher --destination /app/build/libs/extracted" in gradle(build)
    custom = build + "bootJar {\n  layered {\n    enabled = false\n  }\n}\n"
    assert "AS layers" not in gradle(custom)


LIB_POM = """<project><artifactId>greeter</artifactId><version>1.0</version>
<dependencies><dependency><groupId>junit</groupId><artifactId>junit</artifactId>
<version>4.13.2</version></dependency></dependencies>
<build><plugins><plugin><artifactId>maven-dependency-plugin</artifactId><executions><execution>
<phase>{phase}</phase><goals><goal>copy-dependencies</goal></goals>
<configuration>{output}</configuration></execution></executions></plugin></plugins></build>
</project>"""


@pytest.mark.parametrize(
    ("phase", "output", "copied"),
    [
        (
            "package",
            "<outputDirectory>${project.build.directory}/lib</outputDirectory>",
            "/app/target/lib",
        ),
        ("prepare-package", "<outputDirectory>libs</outputDirectory>", "/app/libs"),
        ("package", "", "/app/target/dependency"),  # the plugin's default directory
        ("install", "<outputDirectory>${project.build.directory}/lib</outputDirectory>", None),
    ],
)
def test_a_plain_jar_gets_its_dependency_directory_first(
    phase: str, output: str, copied: str | None
) -> None:
    text, _ = rewrite(
        {"pom.xml": LIB_POM.format(phase=phase, output=output)},
        'CMD ["java", "-jar", "target/greeter-1.0.jar"]',
    )
    copies = [line for line in text.splitlines() if line.startswith("COPY --from=builder")]
    jar = "COPY --from=builder /app/target/greeter-1.0.jar /app/target/greeter-1.0.jar"
    assert copies == ([f"COPY --from=builder {copied} {copied}", jar] if copied else [jar])
