"""The base images' defaults table (plan/images.py) and how the stage model uses it."""

from __future__ import annotations

import pytest

from dfsplit.dockerfile import parser
from dfsplit.model import Project, Refuse
from dfsplit.plan import images
from dfsplit.plan.stage import StageModel


@pytest.mark.parametrize(
    ("ref", "workdir", "env"),
    [
        ("golang:1.21", "/go", {"GOPATH": "/go"}),
        ("docker.io/library/golang:1.22-alpine", "/go", {"GOPATH": "/go"}),
        ("gradle:8.5-jdk17", "/home/gradle", {"JAVA_HOME": "/opt/java/openjdk"}),
        ("gradle:8-jdk17-corretto", "/home/gradle", {"JAVA_HOME": None}),
        ("maven:3.9-eclipse-temurin-17", "/", {"MAVEN_CONFIG": "/root/.m2"}),
        ("maven:3.8-openjdk-17", "/", {"JAVA_HOME": None, "MAVEN_HOME": "/usr/share/maven"}),
        ("eclipse-temurin:17-jdk", "/", {"JAVA_HOME": "/opt/java/openjdk"}),
        ("rust:1.75-slim", "/", {"CARGO_HOME": "/usr/local/cargo"}),
        ("python:3.11-slim", "/", {"PYTHON_VERSION": None}),
        ("node:20-alpine", "/", {"NODE_VERSION": None}),
    ],
)
def test_known_images_have_their_published_defaults(
    ref: str, workdir: str, env: dict[str, str | None]
) -> None:
    found = images.defaults(ref)
    assert found is not None
    assert found.workdir == workdir
    assert {k: found.env[k] for k in env} == env
    assert found.source.startswith("https://")


@pytest.mark.parametrize("ref", ["bitnami/node:20", "mycorp/golang:1.21", "ghcr.io/x/maven:3"])
def test_other_images_are_unknown(ref: str) -> None:
    assert images.defaults(ref) is None


def _model(text: str) -> StageModel:
    df = parser.parse(text.encode())
    project = Project("Dockerfile", text.encode(), frozenset({"main.go"}))
    image = df.stages()[0][0].args.split()[0]
    return StageModel(df, df.stages()[0], project, image)


def test_the_image_workdir_places_a_relative_copy() -> None:
    model = _model("FROM gradle:8.5-jdk17\nCOPY . .\nRUN gradle build\n")
    assert model.builder_path("main.go") == "/home/gradle/main.go"
    assert model.final.workdir == "/home/gradle"


def test_an_unknown_image_refuses_what_needs_its_workdir() -> None:
    with pytest.raises(Refuse, match="bitnami/node:20 is not one dfsplit knows"):
        _model("FROM bitnami/node:20\nRUN apt-get update\nCOPY . .\n")


def test_an_unknown_image_is_fine_once_the_workdir_is_absolute() -> None:
    model = _model("FROM bitnami/node:20\nRUN apt-get update\nWORKDIR /srv\nCOPY . .\n")
    assert model.builder_path("main.go") == "/srv/main.go"
    with pytest.raises(Refuse):
        assert model.states[1].workdir  # the RUN before the WORKDIR: unknown, if asked


def test_workdir_and_copy_words_are_processed() -> None:
    model = _model("FROM golang:1.21\nWORKDIR '/my app'\nCOPY \"main.go\" ./\n")
    assert model.final.workdir == "/my app"
    assert model.builder_path("main.go") == "/my app/main.go"


@pytest.mark.parametrize(
    ("base", "binary"),
    [
        pytest.param("golang:1.21", "/go/bin/app", id="golang-sets-gopath"),
        pytest.param("debian:bookworm", "/root/go/bin/app", id="go-default-home-go"),
    ],
)
def test_go_install_lands_in_the_images_gopath(base: str, binary: str) -> None:
    from test_go import split

    text = f'FROM {base}\nWORKDIR /app\nCOPY . .\nRUN go install .\nCMD ["{binary}"]\n'
    outcome = split(text)
    assert outcome.findings.artifact == binary, outcome.reason


def test_go_install_on_an_unknown_image_is_refused() -> None:
    from test_go import split

    text = 'FROM mycorp/go:1\nWORKDIR /app\nCOPY . .\nRUN go install .\nCMD ["app"]\n'
    assert "may set GOPATH" in split(text).reason
