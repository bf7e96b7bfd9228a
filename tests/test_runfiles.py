"""The shared runtime-needs rules (plan/runfiles, fallback, appdirs, buildonly), through the
pure pipeline on in-memory projects."""

from __future__ import annotations

import pytest

from dfsplit.model import Options, Outcome, Project, Status
from dfsplit.plan import pipeline
from dfsplit.plan.buildonly import BuildOnly

GO_MOD = "module example.com/app\n\ngo 1.21\n"


def split(dockerfile: str, files: dict[str, str], **options: object) -> Outcome:
    project = Project(
        "Dockerfile",
        dockerfile.encode(),
        frozenset(files),
        {k: v.encode() for k, v in files.items()},
    )
    return pipeline.split(project, Options(**options))  # type: ignore[arg-type]


def runtime(outcome: Outcome) -> str:
    assert outcome.status is Status.CHANGED, outcome.reason
    return outcome.new.decode().split(" AS runtime", 1)[1]


GO_DOCKERFILE = (
    'FROM golang:1.21\nWORKDIR /app\nCOPY . .\nRUN go build -o /app/server .\nCMD ["/app/server"]\n'
)
COMPUTED = 'package main\n\nimport "os"\n\nfunc main() { name := os.Args[1]; os.ReadFile(name) }\n'
GO_TREE = {
    "go.mod": GO_MOD,
    "main.go": COMPUTED,
    "internal/db/db.go": "package db\n",
    "conf/app.yaml": "x: 1\n",
    "data/seed.json": "{}",
    "data/gen.go": "package data\n",
    "README.md": "",
    ".github/workflows/ci.yml": "",
    ".golangci.yml": "",
    "Makefile": "",
    "vendor/modules.txt": "",
}


def test_computed_path_keeps_the_workdir_less_build_files() -> None:
    text = runtime(split(GO_DOCKERFILE, GO_TREE))
    copied = [line.split()[-1] for line in text.splitlines() if line.startswith("COPY")]
    # conf/ holds no build file: whole; data/ holds gen.go: its other files one by one.
    assert copied[1:] == ["/app/server", "/app/conf", "/app/data/seed.json"]


def test_lean_leaves_them_out_and_warns() -> None:
    outcome = split(GO_DOCKERFILE, GO_TREE, lean=True)
    assert "/app/conf" not in runtime(outcome)
    assert outcome.findings is not None
    assert any(
        "--lean: the app opens files by computed path" in w for w in outcome.findings.warnings
    )


def test_the_report_says_what_was_kept() -> None:
    outcome = split(GO_DOCKERFILE, GO_TREE)
    assert outcome.findings is not None
    [note] = [n for n in outcome.findings.notes if "cannot resolve" in n]
    assert "keeps what the original image had in /app" in note and "--lean" in note


def test_dotenv_load_copies_env() -> None:
    main = 'package main\n\nimport "github.com/joho/godotenv"\n\nfunc main() { godotenv.Load() }\n'
    text = runtime(split(GO_DOCKERFILE, {"go.mod": GO_MOD, "main.go": main, ".env": "A=1\n"}))
    assert "COPY --from=builder /app/.env /app/.env" in text


def test_directory_named_in_a_config_file() -> None:
    main = 'package main\n\nimport "os"\n\nfunc main() { os.ReadFile("conf/app.ini") }\n'
    files = {
        "go.mod": GO_MOD,
        "main.go": main,
        "conf/app.ini": "[app]\nRuntimeRootPath = runtime/\nPageSize = 10\n",
        "runtime/fonts/a.ttf": "",
    }
    text = runtime(split(GO_DOCKERFILE, files))
    assert "COPY --from=builder /app/conf /app/conf" in text
    assert "COPY --from=builder /app/runtime /app/runtime" in text


@pytest.mark.parametrize(
    ("run", "user", "chown"),
    [
        pytest.param("mkdir -p /var/log/app", "", "65532:65532", id="root-app-owns-it"),
        pytest.param(
            "useradd -u 10001 app && mkdir -p /var/log/app && chown -R app:app /var/log",
            "USER app\n",
            "10001:10001",
            id="chowned-to-the-app-user",
        ),
        pytest.param(
            "useradd -u 10001 app && mkdir -p /var/log/app", "USER app\n", None, id="root-owned"
        ),
    ],
)
def test_directories_the_build_makes(run: str, user: str, chown: str | None) -> None:
    main = "package main\n\nfunc main() {}\n"
    dockerfile = (
        f"FROM golang:1.21\nWORKDIR /app\nRUN {run}\nCOPY . .\nRUN go build -o /app/server .\n"
        f'{user}CMD ["/app/server"]\n'
    )
    text = runtime(split(dockerfile, {"go.mod": GO_MOD, "main.go": main}))
    flag = f"--chown={chown} " if chown else ""
    assert f"COPY --from=builder {flag}/var/log/app /var/log/app" in text


def test_source_and_output_directories_are_not_app_directories() -> None:
    main = "package main\n\nfunc main() {}\n"
    dockerfile = (
        "FROM golang:1.21\nRUN mkdir /src && mkdir -p /out /root/.cache/x\nCOPY . /src/\n"
        'WORKDIR /src\nRUN go build -o /out/server .\nCMD ["/out/server"]\n'
    )
    text = runtime(split(dockerfile, {"go.mod": GO_MOD, "main.go": main}))
    assert "/src /src" not in text and "/out /out" not in text and "/root" not in text


JAVA_POM = (
    "<project><groupId>a</groupId><artifactId>reader</artifactId><version>1</version></project>"
)


def test_java_reads_resources_through_the_filesystem() -> None:
    app = 'class App { void f() { java.nio.file.Path.of("src/main/resources/data/a.json"); } }'
    files = {
        "pom.xml": JAVA_POM,
        "src/main/java/App.java": app,
        "src/main/resources/data/a.json": "{}",
        "src/main/resources/application.properties": "",
    }
    dockerfile = (
        "FROM maven:3.9-eclipse-temurin-17\nWORKDIR /app\nCOPY . .\nRUN mvn -B package\n"
        'CMD ["java", "-jar", "target/reader-1.jar"]\n'
    )
    text = runtime(split(dockerfile, files))
    assert "COPY --from=builder /app/src/main/resources /app/src/main/resources" in text
    assert "/app/src " not in text and "src/main/java" not in text


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("main.go", True),
        ("Dockerfile.prod", True),
        ("docker-compose.yml", True),
        (".git/config", True),
        ("tests/fixtures/a.json", True),
        ("src/app.test.ts", True),
        (".eslintrc.json", True),
        ("README.md", True),
        ("vendor/x/y.txt", True),
        (".env", False),
        ("config/app.yaml", False),
        ("templates/index.html", False),
        ("docs/guide.md", False),
    ],
)
def test_build_only(rel: str, expected: bool) -> None:
    assert BuildOnly((".go", ".mod"), ("vendor",)).file(rel) is expected
