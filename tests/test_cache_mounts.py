"""Cache mounts with --cache-mounts beyond Go and Rust: the package managers' download caches
for Node, ~/.m2 and ~/.gradle for Java, on every RUN of the tool and the tester; never
node_modules or an output directory."""

from __future__ import annotations

import json

import pytest

from dfsplit.model import Options, Project, Status
from dfsplit.plan import pipeline


def rewrite(dockerfile: str, files: dict[str, str], mounts: bool = True) -> str:
    project = Project(
        path="Dockerfile",
        dockerfile=dockerfile.encode(),
        context_files=frozenset(files) | {"Dockerfile"},
        contents={k: v.encode() for k, v in files.items()},
    )
    outcome = pipeline.split(project, Options(cache_mounts=mounts))
    assert outcome.status is Status.CHANGED, outcome.reason
    return outcome.new.decode()


def node_files(lock: str) -> dict[str, str]:
    scripts = {"start": "node server.js", "test": "node --test"}
    package = {"name": "app", "scripts": scripts, "dependencies": {"express": "4"}}
    return {"package.json": json.dumps(package), lock: "x", "server.js": ""}


@pytest.mark.parametrize(
    ("lock", "install", "target"),
    [
        ("package-lock.json", "npm ci", "/root/.npm"),
        ("yarn.lock", "yarn install --frozen-lockfile", "/usr/local/share/.cache/yarn"),
        ("pnpm-lock.yaml", "pnpm install --frozen-lockfile", "/root/.local/share/pnpm/store"),
    ],
)
def test_node_install_mounts_the_download_cache_in_builder_and_prod_deps(
    lock: str, install: str, target: str
) -> None:
    # `npm install` on the same line is rewritten to the lock file's install: both edits hold.
    naive = (
        "FROM node:20\nWORKDIR /app\nCOPY package.json "
        f"{lock} ./\nRUN npm install\nCOPY . .\nCMD node server.js\n"
    )
    text = rewrite(naive.replace("npm install", install.split(" --")[0]), node_files(lock))
    line = f"RUN --mount=type=cache,target={target} {install}"
    assert text.count(line) == 2  # the builder's and the prod-deps stage's: BuildKit runs one
    assert "target=/app/node_modules" not in text and "node_modules," not in text


def test_node_install_moved_above_the_sources_keeps_its_mount() -> None:
    text = rewrite(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD node server.js\n",
        node_files("package-lock.json"),
    )
    moved = (
        "COPY package.json package-lock.json ./\nRUN --mount=type=cache,target=/root/.npm npm ci"
    )
    assert moved + "\nCOPY . ." in text


def test_no_mount_without_the_option() -> None:
    text = rewrite(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD node server.js\n",
        node_files("package-lock.json"),
        mounts=False,
    )
    assert "--mount" not in text


POM = "<project><artifactId>app</artifactId><version>1.0</version></project>"


def test_maven_mounts_m2_on_every_mvn_run_and_the_tester() -> None:
    text = rewrite(
        "FROM maven:3.9-eclipse-temurin-17\nWORKDIR /app\nCOPY . .\nRUN mvn -B package\n"
        'CMD ["java", "-jar", "target/app-1.0.jar"]\n',
        {"pom.xml": POM, "src/test/java/AppTest.java": ""},
    )
    mount = "--mount=type=cache,target=/root/.m2"
    assert f"RUN {mount} mvn -B dependency:go-offline\n" in text  # the step dfsplit adds
    assert f"RUN {mount} mvn -B package\n" in text
    assert f"FROM builder AS tester\nRUN {mount} mvn -B test\n" in text


def test_maven_as_a_non_root_user_gets_no_mount() -> None:
    text = rewrite(
        "FROM maven:3.9-eclipse-temurin-17\nWORKDIR /app\nCOPY . .\nUSER 1000\n"
        'RUN mvn -B package\nCMD ["java", "-jar", "target/app-1.0.jar"]\n',
        {"pom.xml": POM},
    )
    assert "--mount" not in text


def test_gradle_mounts_the_gradle_user_home() -> None:
    text = rewrite(
        "FROM gradle:8.5-jdk17\nENV GRADLE_USER_HOME=/cache/gradle\nWORKDIR /app\nCOPY . .\n"
        'RUN gradle build --no-daemon\nCMD ["java", "-jar", "build/libs/shop.jar"]\n',
        {
            "build.gradle": "plugins { id 'java' }\n",
            "settings.gradle": "rootProject.name = 'shop'\n",
            "src/test/java/ShopTest.java": "",
        },
    )
    mount = "--mount=type=cache,target=/cache/gradle"
    assert f"RUN {mount} gradle build --no-daemon\n" in text
    assert f"RUN {mount} gradle --no-daemon test\n" in text


def test_the_build_that_replaces_go_run_gets_the_go_caches() -> None:
    text = rewrite(
        'FROM golang:1.21\nWORKDIR /app\nCOPY . .\nCMD ["go", "run", "."]\n',
        {"go.mod": "module example.com/app\n\ngo 1.21\n", "main.go": "package main\n"},
    )
    mounts = "--mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build"
    assert f"RUN {mounts} go build -o /usr/local/bin/app .\n" in text


def test_every_go_step_that_uses_the_caches_mounts_them() -> None:
    text = rewrite(
        "FROM golang:1.21\nWORKDIR /app\nCOPY go.mod ./\nRUN go mod download\nCOPY . .\n"
        "RUN CGO_ENABLED=0 go build -o /out/server ./cmd/server\n"
        "RUN CGO_ENABLED=0 go build -o /out/migrate ./cmd/migrate\n"
        'CMD ["/out/server"]\n',
        {
            "go.mod": "module example.com/app\n\ngo 1.21\n",
            "cmd/server/main.go": "package main\n",
            "cmd/migrate/main.go": "package main\n",
        },
    )
    mounts = "--mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build"
    # The download too: a mount hides what the layer below holds at its target.
    assert f"RUN {mounts} go mod download\n" in text
    assert f"RUN {mounts} CGO_ENABLED=0 go build -o /out/server ./cmd/server\n" in text
    assert f"RUN {mounts} CGO_ENABLED=0 go build -o /out/migrate ./cmd/migrate\n" in text
    assert f"FROM builder AS tester\nRUN {mounts} go test" not in text  # no *_test.go here


def test_the_go_tester_mounts_the_caches_it_finds_the_modules_in() -> None:
    files = {"go.mod": "module example.com/app\n\ngo 1.21\n", "main.go": "", "main_test.go": ""}
    text = rewrite(
        'FROM golang:1.21\nWORKDIR /app\nCOPY . .\nRUN go build -o /app/srv .\nCMD ["/app/srv"]\n',
        files,
    )
    mounts = "--mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build"
    assert f"FROM builder AS tester\nRUN {mounts} go test -v ./...\n" in text


PY_FILES = {"requirements.txt": "flask==3.0.3\n", "app.py": "print('hi')\n"}


def test_pip_install_moved_above_the_sources_mounts_the_pip_cache() -> None:
    text = rewrite(
        "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
        'CMD ["python", "app.py"]\n',
        PY_FILES,
    )
    moved = (
        "COPY requirements.txt ./\n"
        "RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\n"
        "COPY . ."
    )
    assert moved in text
    assert text.count("--mount") == 1


def test_pip_with_its_cache_off_gets_no_mount() -> None:
    text = rewrite(
        "FROM python:3.11\nWORKDIR /app\nCOPY . .\n"
        'RUN pip install --no-cache-dir -r requirements.txt\nCMD ["python", "app.py"]\n',
        PY_FILES,
    )
    assert "--mount" not in text


def test_uv_mounts_its_cache_where_uv_cache_dir_says() -> None:
    text = rewrite(
        "FROM python:3.11\nENV UV_CACHE_DIR=/cache/uv\nRUN pip install --no-cache-dir uv\n"
        'WORKDIR /app\nCOPY . .\nRUN uv sync\nCMD ["uv", "run", "python", "app.py"]\n',
        {
            "pyproject.toml": '[project]\nname = "a"\nversion = "1"\ndependencies = []\n',
            "uv.lock": "",
            "app.py": "",
        },
    )
    assert "RUN --mount=type=cache,target=/cache/uv uv sync" in text
    assert "--mount=type=cache,target=/root/.cache/pip pip install --no-cache-dir" not in text


def test_poetry_mounts_its_downloads_not_its_virtualenvs() -> None:
    text = rewrite(
        "FROM python:3.11\nRUN pip install --no-cache-dir poetry==1.8.3\nWORKDIR /app\n"
        "COPY pyproject.toml poetry.lock ./\n"
        "RUN poetry config virtualenvs.create false && poetry install --no-root\n"
        'COPY . .\nCMD ["python", "app.py"]\n',
        {
            "pyproject.toml": '[tool.poetry]\nname = "a"\nversion = "1"\n'
            '[tool.poetry.dependencies]\npython = "^3.11"\n',
            "poetry.lock": "",
            "app.py": "",
        },
    )
    mounts = (
        "--mount=type=cache,target=/root/.cache/pypoetry/cache "
        "--mount=type=cache,target=/root/.cache/pypoetry/artifacts"
    )
    assert f"RUN {mounts} poetry config virtualenvs.create false && poetry install" in text


def test_a_pip_install_into_the_cache_directory_gets_no_mount() -> None:
    text = rewrite(
        "FROM python:3.11\nWORKDIR /app\nCOPY . .\n"
        "RUN pip install --target /root/.cache/pip/site -r requirements.txt\n"
        'ENV PYTHONPATH=/root/.cache/pip/site\nCMD ["python", "app.py"]\n',
        PY_FILES,
    )
    assert "--mount" not in text
