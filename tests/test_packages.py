"""plan/packages.py: the OS packages a runtime keeps, one rule for every recipe."""

from __future__ import annotations

import pytest

from dfsplit.model import Options, Outcome, Project, Status
from dfsplit.plan import pipeline

NODE_FILES = {
    "package.json": '{"name": "a", "scripts": {"start": "node server.js"}}',
    "package-lock.json": "{}",
    "server.js": "require('child_process').execFileSync('ffmpeg', ['-version'])\n",
}


GO_FILES = {"go.mod": "module x\n\ngo 1.21\n", "main.go": "package main\n\nfunc main() {}\n"}
RUST_FILES = {
    "Cargo.toml": '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n',
    "Cargo.lock": 'version = 3\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n',
    "src/main.rs": "fn main() {}\n",
}
PY_FILES = {"requirements.txt": "flask\n", "app.py": "print(1)\n"}


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


def go(image: str, extra: str) -> Outcome:
    return split(
        f'FROM {image}\nWORKDIR /app\nCOPY . .\nRUN go build -o app .\n{extra}CMD ["./app"]\n',
        GO_FILES,
    )


def rust(install: str, extra: str = "") -> Outcome:
    return split(
        f"FROM rust:1.80-bookworm\nRUN {install}\nWORKDIR /app\nCOPY . .\n"
        f'RUN cargo build --release\n{extra}CMD ["./target/release/app"]\n',
        RUST_FILES,
    )


def python(image: str, install: str, extra: str = "") -> Outcome:
    return split(
        f"FROM {image}\nRUN {install}\nWORKDIR /app\nCOPY . .\n"
        f'RUN pip install -r requirements.txt\n{extra}CMD ["python", "app.py"]\n',
        PY_FILES,
    )


def installs(outcome: Outcome) -> list[str]:
    """The runtime's package installs (a Python runtime also checks its libraries in a RUN)."""
    return [r for r in runtime_runs(outcome) if "apt-get install" in r or "apk add" in r]


def runtime_image(outcome: Outcome) -> str:
    assert outcome.status is Status.CHANGED, outcome.reason
    return outcome.new.decode().split(" AS runtime", 1)[0].rsplit("FROM ", 1)[1]


def test_a_healthcheck_through_sh_c_gets_a_shell_and_its_tools() -> None:
    """`["sh", "-c", "curl ..."]` runs curl with a shell: scratch has neither."""
    outcome = go(
        "golang:1.21", 'HEALTHCHECK CMD ["sh", "-c", "curl -f http://localhost/ || exit 1"]\n'
    )
    assert runtime_image(outcome) == "debian:bookworm-slim"
    [run] = installs(outcome)
    assert "--no-install-recommends curl &&" in run


def test_a_shell_builtin_in_a_healthcheck_is_no_program_to_install() -> None:
    outcome = rust("true", "HEALTHCHECK CMD test -e /tmp/ready || exit 1\n")
    assert runtime_image(outcome) == "debian:bookworm-slim"  # a shell, and nothing to install
    assert installs(outcome) == []


def test_rust_installs_a_healthcheck_tool_the_builder_image_had() -> None:
    [run] = installs(rust("true", "HEALTHCHECK CMD curl -f http://localhost:8000/\n"))
    assert "--no-install-recommends curl &&" in run


def test_rust_refuses_a_program_no_install_provides() -> None:
    outcome = split(
        "FROM rust:1.80-bookworm\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n"
        'CMD ["./target/release/app"]\n',
        {**RUST_FILES, "src/main.rs": 'fn main() { std::process::Command::new("ffmpeg"); }\n'},
    )
    assert outcome.status is Status.REFUSED
    assert "the app runs ffmpeg, which no package installed" in outcome.reason


@pytest.mark.parametrize(
    "outcome",
    [
        pytest.param(lambda: rust("apt-get update && apt-get install -y jq"), id="rust"),
        pytest.param(lambda: python("python:3.11", "apt-get install -y jq"), id="python"),
    ],
)
def test_a_package_nothing_shows_is_build_only_stays(outcome: object) -> None:
    result = outcome()  # type: ignore[operator]
    [run] = installs(result)
    assert "--no-install-recommends jq &&" in run
    assert any("kept OS package jq" in w for w in result.findings.warnings)


def test_python_refuses_a_package_from_an_added_source() -> None:
    outcome = python(
        "python:3.11",
        "echo 'deb http://x stable main' > /etc/apt/sources.list.d/x.list && "
        "apt-get update && apt-get install -y xpkg",
    )
    assert outcome.status is Status.REFUSED
    assert "adding a package source" in outcome.reason


def test_python_runs_setup_commands_again() -> None:
    install = "apt-get install -y fontconfig fonts-dejavu-core && fc-cache -f"
    [run] = installs(python("python:3.11", install))
    assert run.endswith("&& fc-cache -f")


def test_toolchains_stay_in_the_builder() -> None:
    """cargo and rust build the wheels of cryptography and the like: the wheels run alone."""
    install = "apk add --no-cache gcc musl-dev cargo rust"
    assert installs(python("python:3.11-alpine", install)) == []


def test_python_adds_a_dev_package_library_beside_what_it_keeps() -> None:
    install = "apt-get install -y gcc libpq-dev postgresql-client"
    [run] = installs(python("python:3.11", install))
    assert "--no-install-recommends libpq5 postgresql-client &&" in run
