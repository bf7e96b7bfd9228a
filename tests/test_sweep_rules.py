"""Rules the second real-world sweep found missing (tests/realworld: python-delivery-*,
java-projet-*, java-gradle-todo-*, node-battleships-*, node-spaceshooter-*, go-mayfly-*).
Each test fails on the code before the fix."""

from __future__ import annotations

import json

from dfsplit.model import Options, Outcome, Project, Status
from dfsplit.plan import pipeline


def _split(dockerfile: str, files: dict[str, str]) -> Outcome:
    project = Project(
        path="Dockerfile",
        dockerfile=dockerfile.encode(),
        context_files=frozenset(files) | {"Dockerfile"},
        contents={k: v.encode() for k, v in files.items()},
    )
    return pipeline.split(project, Options())


def _runtime(outcome: Outcome) -> str:
    assert outcome.status is Status.CHANGED, outcome.reason
    return outcome.new.decode().split(" AS runtime", 1)[1]


def _runtime_from(outcome: Outcome) -> str:
    text = outcome.new.decode()
    return next(line for line in text.splitlines() if line.endswith(" AS runtime"))


# --- FROM --platform -------------------------------------------------------------------------

GO = {"go.mod": "module example.com/app\n\ngo 1.21\n", "main.go": "package main\n"}
GO_BUILD = "WORKDIR /app\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app/server .\n"


def test_a_pinned_builder_platform_is_the_runtimes_platform() -> None:
    """Built for linux/amd64 (wheels, native modules, a GOARCH=amd64 binary): a runtime pulled
    for the host's platform (arm64 on a Mac) could not run it."""
    out = _split(f'FROM --platform=linux/amd64 golang:1.21\n{GO_BUILD}CMD ["/app/server"]\n', GO)
    assert _runtime_from(out).startswith("FROM --platform=linux/amd64 ")
    assert out.findings is not None
    assert any("--platform=linux/amd64" in n for n in out.findings.notes)


def test_a_build_platform_arg_is_not_copied_to_the_runtime() -> None:
    """`--platform=$BUILDPLATFORM` cross-compiles: the runtime is the target's platform."""
    df = f'FROM --platform=$BUILDPLATFORM golang:1.21\n{GO_BUILD}CMD ["/app/server"]\n'
    assert "--platform" not in _runtime_from(_split(df, GO))


def test_a_python_runtime_gets_the_builders_platform() -> None:
    files = {"requirements.txt": "flask\n", "app.py": "import flask\n"}
    df = (
        "FROM --platform=linux/amd64 python:3.11\nWORKDIR /app\nCOPY . .\n"
        'RUN pip install -r requirements.txt\nCMD ["python", "app.py"]\n'
    )
    assert _runtime_from(_split(df, files)) == (
        "FROM --platform=linux/amd64 python:3.11-slim AS runtime"
    )


# --- an app that writes files keeps the original's root ------------------------------------

POM = (
    "<project><modelVersion>4.0.0</modelVersion><groupId>g</groupId><artifactId>shop</artifactId>"
    "<version>1.0</version></project>"
)
MAVEN = "FROM maven:3.9-eclipse-temurin-17\nWORKDIR /app\nCOPY . .\nRUN mvn -q package\n"
UPLOADS = (
    "package a;\nimport java.nio.file.*;\nclass Store {\n"
    "  void save(byte[] b) throws Exception { Files.createDirectories(Paths.get(dir)); }\n}\n"
)


def test_a_java_app_that_writes_uploads_keeps_root() -> None:
    """projet-spring-boot: uploads under the WORKDIR failed for 10001 (root owned /app)."""
    files = {"pom.xml": POM, "src/main/java/a/Store.java": UPLOADS}
    out = _split(MAVEN + 'CMD ["java", "-jar", "target/shop-1.0.jar"]\n', files)
    runtime = _runtime(out)
    assert "\nUSER 0\n" in runtime and "10001" not in runtime
    assert out.findings is not None
    assert any("Files.createDirectories" in n for n in out.findings.notes)


def test_a_java_app_that_only_reads_runs_as_a_non_root_user() -> None:
    reads = 'package a;\nclass Store {\n  String x = System.getenv("X");\n}\n'
    files = {"pom.xml": POM, "src/main/java/a/Store.java": reads}
    out = _split(MAVEN + 'CMD ["java", "-jar", "target/shop-1.0.jar"]\n', files)
    assert "\nUSER 10001:10001\n" in _runtime(out)


# --- Gradle's default project name -------------------------------------------------------------

GRADLE = (
    "plugins {\n    id 'java'\n    id 'org.springframework.boot' version '2.7.6'\n}\n"
    "version = '0.0.1-SNAPSHOT'\njar {\n    enabled=false\n}\n"
)


def test_gradle_names_the_project_after_the_build_directory() -> None:
    """todo-example: no settings.gradle, so the boot jar is <dir>-<version>.jar, and
    `java -jar build/libs/*.jar` matches it (it was refused before)."""
    df = (
        "FROM gradle:7.4-jdk17\nWORKDIR /srv/todo\nCOPY ./ ./\nRUN gradle clean build --no-daemon\n"
        "CMD java -jar build/libs/*.jar"
    )
    out = _split(df, {"build.gradle": GRADLE})
    assert out.status is Status.CHANGED, out.reason
    # A Spring Boot jar: its layers are extracted from that jar, and the runtime runs them.
    assert "/srv/todo/build/libs/todo-0.0.1-SNAPSHOT.jar" in out.new.decode()
    assert "/srv/todo/build/libs/extracted" in _runtime(out)


# --- Node: npm init's placeholder test script ----------------------------------------------

NPM_INIT_TEST = 'echo "Error: no test specified" && exit 1'


def test_npm_inits_placeholder_test_is_not_the_tester() -> None:
    """`npm test --if-present` ran the placeholder, so `--target tester` always failed."""
    pkg = {"name": "a", "scripts": {"test": NPM_INIT_TEST}, "dependencies": {"ws": "8"}}
    files = {"package.json": json.dumps(pkg), "package-lock.json": "{}", "server.js": ""}
    df = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["node", "server.js"]\n'
    out = _split(df, files)
    tester = out.new.decode().split("AS tester", 1)[1].split("FROM ", 1)[0]
    assert "RUN node --check server.js" in tester
    assert "npm test" not in tester


# --- no warning for an asset directory the runtime has -------------------------------------


def test_an_app_directory_copied_whole_raises_no_asset_warning() -> None:
    """battleships: public/ was copied with /usr/src/app, yet the warning said it was not."""
    pkg = {"name": "a", "dependencies": {"express": "4"}}
    files = {
        "package.json": json.dumps(pkg),
        "package-lock.json": "{}",
        "server.js": "app.use(express.static(path.join(__dirname, 'public')))\n",
        "public/index.html": "<p>",
    }
    df = 'FROM node:20\nWORKDIR /usr/src/app\nCOPY . .\nRUN npm ci\nCMD ["node", "server.js"]\n'
    out = _split(df, files)
    assert "COPY --from=app /usr/src/app /usr/src/app" in _runtime(out)  # public/ with it
    assert out.findings is not None
    assert not any("public/ is not copied" in w for w in out.findings.warnings)
