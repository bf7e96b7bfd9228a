"""plan/packages.py: the OS packages a runtime keeps, one rule for Go, Java and Node."""

from __future__ import annotations

import pytest

from dfsplit.model import Options, Outcome, Project, Status
from dfsplit.plan import pipeline

NODE_FILES = {
    "package.json": '{"name": "a", "scripts": {"start": "node server.js"}}',
    "package-lock.json": "{}",
    "server.js": "require('child_process').execFileSync('ffmpeg', ['-version'])\n",
}


def split(dockerfile: str, files: dict[str, str]) -> Outcome:
    project = Project(
        "Dockerfile",
        dockerfile.encode(),
        frozenset(files),
        {k: v.encode() for k, v in files.items()},
    )
    return pipeline.split(project, Options())


def node(install: str, extra: str = "") -> Outcome:
    return split(
        f"FROM node:20\nRUN {install}\nWORKDIR /app\nCOPY . .\nRUN npm ci\n{extra}"
        'CMD ["npm", "start"]\n',
        NODE_FILES,
    )


def runtime_runs(outcome: Outcome) -> list[str]:
    assert outcome.status is Status.CHANGED, outcome.reason
    text = outcome.new.decode().split(" AS runtime", 1)[1]
    return [line for line in text.splitlines() if line.startswith("RUN ")]


def test_programs_the_app_runs_stay_and_build_tools_go() -> None:
    [run] = runtime_runs(
        node("apt-get update && apt-get install -y ffmpeg g++ make python3 libpq-dev")
    )
    assert "install -y --no-install-recommends ffmpeg &&" in run


def test_a_healthcheck_tool_the_builder_image_had_is_installed() -> None:
    [run] = runtime_runs(node("true", "HEALTHCHECK CMD curl -f http://localhost:3000/\n"))
    # node:20-slim has no CA certificates: curl gets them too.
    assert "--no-install-recommends curl ca-certificates &&" in run


def test_setup_commands_run_again() -> None:
    [run] = runtime_runs(node("apt-get install -y fontconfig fonts-dejavu-core && fc-cache -f"))
    assert run.endswith("&& fc-cache -f")


def test_a_package_from_an_added_source_is_refused() -> None:
    outcome = node(
        "echo 'deb http://x stable main' > /etc/apt/sources.list.d/x.list && "
        "apt-get update && apt-get install -y ffmpeg"
    )
    assert outcome.status is Status.REFUSED
    assert "adding a package source" in outcome.reason


@pytest.mark.parametrize(
    ("install", "expected"),
    [
        pytest.param("apk add --no-cache tzdata ffmpeg", "apk add --no-cache ffmpeg", id="alpine"),
        pytest.param(
            "apt-get install -y ca-certificates ffmpeg",
            "apt-get update && apt-get install -y --no-install-recommends ffmpeg &&",
            id="debian",
        ),
    ],
)
def test_certificates_and_time_zones_come_with_a_go_runtime(install: str, expected: str) -> None:
    image = "golang:1.21-alpine" if install.startswith("apk") else "golang:1.21"
    main = 'package main\n\nimport "os/exec"\n\nfunc main() { exec.Command("ffmpeg").Run() }\n'
    dockerfile = f"FROM {image}\nRUN {install}\nWORKDIR /app\nCOPY . .\n"
    outcome = split(
        dockerfile + 'RUN go build -o /app/s .\nCMD ["/app/s"]\n',
        {"go.mod": "module x\n\ngo 1.21\n", "main.go": main},
    )
    [run] = runtime_runs(outcome)
    assert expected in run
