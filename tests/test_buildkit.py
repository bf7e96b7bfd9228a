"""The cache-mount default (plan/buildkit.py): on when the Dockerfile already uses cache mounts or
the CI persists them, off otherwise (with a note when BuildKit is in use) or when the CI names
Kaniko; flags and config decide over it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_cases import copy_case
from typer.testing import CliRunner

from dfsplit.cli import app
from dfsplit.dockerfile import parser
from dfsplit.model import Options, Project, Status
from dfsplit.plan import buildkit, pipeline

GO_FILES = {"go.mod": "module example.com/app\n\ngo 1.21\n", "main.go": "package main\n"}
NAIVE_GO = (
    'FROM golang:1.21\nWORKDIR /app\nCOPY . .\nRUN go build -o /app/server .\nCMD ["/app/server"]\n'
)
MOUNT = "--mount=type=cache,target=/root/.cache/go-build"


def project(dockerfile: str, extra: dict[str, str] | None = None) -> Project:
    files = {**GO_FILES, **(extra or {})}
    return Project(
        path="Dockerfile",
        dockerfile=dockerfile.encode(),
        context_files=frozenset(files) | {"Dockerfile"},
        contents={k: v.encode() for k, v in files.items()},
    )


def decide(dockerfile: str, extra: dict[str, str] | None = None) -> tuple[bool, str]:
    return buildkit.cache_mounts(
        parser.parse(dockerfile.encode()), project(dockerfile, extra), None
    )


@pytest.mark.parametrize(
    ("dockerfile", "why"),
    [
        pytest.param("# syntax=docker/dockerfile:1\n" + NAIVE_GO, "BuildKit frontend", id="syntax"),
        pytest.param(
            NAIVE_GO.replace("RUN go", "RUN --mount=type=secret,id=netrc go"),
            "RUN --mount (line 4)",
            id="run-mount",
        ),
        pytest.param(NAIVE_GO.replace("COPY . .", "COPY --chmod=644 . ."), "--chmod", id="chmod"),
        pytest.param(NAIVE_GO.replace("COPY . .", "COPY --link . ."), "--link", id="link"),
        pytest.param(
            NAIVE_GO.replace("FROM golang", "FROM --platform=$BUILDPLATFORM golang"),
            "$BUILDPLATFORM",
            id="buildplatform",
        ),
        pytest.param(
            NAIVE_GO.replace(
                "RUN go build -o /app/server .", "RUN <<EOF\ngo build -o /app/server .\nEOF"
            ),
            "heredoc",
            id="heredoc",
        ),
    ],
)
def test_a_buildkit_only_feature_is_noted_but_leaves_mounts_off(dockerfile: str, why: str) -> None:
    on, reason = decide(dockerfile)
    assert not on and why in reason and "--cache-mounts would add" in reason


def test_a_dockerfile_with_cache_mounts_gets_more_of_them() -> None:
    text = NAIVE_GO.replace(
        "COPY . .", "RUN --mount=type=cache,target=/var/cache/apt apt-get -v\nCOPY . ."
    )
    on, reason = decide(text)
    assert on and "uses them already (line 3)" in reason


@pytest.mark.parametrize(
    ("files", "on", "why"),
    [
        pytest.param(
            {".github/workflows/ci.yml": "steps:\n  - uses: docker/build-push-action@v6\n"},
            False,  # hosted runners start empty: the mounts would hold nothing
            ".github/workflows/ci.yml builds with docker/build-push-action: --cache-mounts would",
            id="build-push-action",
        ),
        pytest.param(
            {"Makefile": "image:\n\tdocker buildx build -t app .\n"}, False, "buildx", id="buildx"
        ),
        pytest.param(
            {
                ".github/workflows/ci.yml": "- uses: docker/build-push-action@v6\n"
                "- uses: reproducible-containers/buildkit-cache-dance@v3\n"
            },
            True,
            "buildkit-cache-dance, which keeps them between builds",
            id="cache-dance",
        ),
        pytest.param(
            {".gitlab-ci.yml": "build:\n  image: gcr.io/kaniko-project/executor:debug\n"},
            False,
            ".gitlab-ci.yml builds with kaniko",
            id="kaniko",
        ),
        pytest.param(
            {
                ".github/workflows/a.yml": "uses: docker/setup-buildx-action@v3\n",
                ".github/workflows/b.yml": "env:\n  DOCKER_BUILDKIT: 0\n",
            },
            False,
            "DOCKER_BUILDKIT: 0",
            id="buildkit-off-wins",
        ),
        pytest.param({".github/workflows/ci.yml": "run: docker build .\n"}, False, "", id="none"),
    ],
)
def test_the_ci_files_decide(files: dict[str, str], on: bool, why: str) -> None:
    found_on, reason = decide(NAIVE_GO, files)
    assert (found_on, why in reason) == (on, True)
    if not why:
        assert reason == ""


def test_an_explicit_choice_overrides_the_evidence() -> None:
    text = "# syntax=docker/dockerfile:1\n" + NAIVE_GO
    df = parser.parse(text.encode())
    assert buildkit.cache_mounts(df, project(text), False) == (False, "")
    assert buildkit.cache_mounts(parser.parse(NAIVE_GO.encode()), project(NAIVE_GO), True)[0]


CACHE_DANCE = {
    ".github/workflows/ci.yml": "- uses: reproducible-containers/buildkit-cache-dance@v3\n"
}


def test_the_rewrite_follows_the_ci_and_says_why() -> None:
    ci = CACHE_DANCE
    out = pipeline.split(project(NAIVE_GO, ci), Options())
    assert out.status is Status.CHANGED and out.findings is not None
    assert MOUNT in out.new.decode()
    assert any("keeps them between builds" in note for note in out.findings.notes)
    plain = pipeline.split(project(NAIVE_GO), Options())
    assert MOUNT not in plain.new.decode()
    off = pipeline.split(project(NAIVE_GO, ci), Options(cache_mounts=False))
    assert MOUNT not in off.new.decode()


def test_no_cache_mounts_flag_and_config_key(tmp_path: Path) -> None:
    case = copy_case(tmp_path)
    workflows = case / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(CACHE_DANCE[".github/workflows/ci.yml"])
    runner = CliRunner()
    auto = runner.invoke(app, ["rewrite", str(case)])
    assert auto.exit_code == 0 and MOUNT in auto.stdout
    off = runner.invoke(app, ["rewrite", "--no-cache-mounts", str(case)])
    assert off.exit_code == 0 and MOUNT not in off.stdout
    (case / ".dfsplit.toml").write_text("cache-mounts = false\n")
    config_off = runner.invoke(app, ["rewrite", str(case)])
    assert config_off.exit_code == 0 and MOUNT not in config_off.stdout
    flag_on = runner.invoke(app, ["rewrite", "--cache-mounts", str(case)])
    assert MOUNT in flag_on.stdout  # the command line wins over the config file
