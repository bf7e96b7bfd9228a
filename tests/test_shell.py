"""dockerfile/shell.py: the commands a RUN runs, and its contract with every caller: a script
it cannot read is a refusal, never "the RUN did nothing"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dfsplit.dockerfile import shell
from dfsplit.model import Options, Project, Refuse, Status
from dfsplit.plan import pipeline


def argvs(script: str) -> list[tuple[str, ...]] | None:
    found = shell.split_commands(script)
    return None if found is None else [c.argv for c in found]


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        pytest.param("a && b || c; d | e & f", [("a",), ("b",), ("c",), ("d",), ("e",), ("f",)]),
        pytest.param("wget https://x/f#sha=1 && b", [("wget", "https://x/f#sha=1"), ("b",)]),
        pytest.param("a # it's a comment\nb", [("a",), ("b",)], id="comment-then-newline"),
        pytest.param(
            "apt-get install -y x\ngo build .",
            [("apt-get", "install", "-y", "x"), ("go", "build", ".")],
            id="newline",
        ),
        pytest.param("a \\\n  b", [("a", "b")], id="continuation"),
        pytest.param("find . -exec rm {} \\;", [("find", ".", "-exec", "rm", "{}", ";")]),
        pytest.param("ls 2>/dev/null >out | grep x", [("ls",), ("grep", "x")], id="redirects"),
        pytest.param('echo "$(cd a && b)" x', [("echo", "$(cd a && b)", "x")], id="subst"),
        pytest.param("echo 'a;b' \"c d\"", [("echo", "a;b", "c d")], id="quotes"),
        pytest.param("{ a; b; }", [("a",), ("b",)], id="group"),
        pytest.param(
            "cat > /etc/motd <<'TXT'\nit's here\nTXT\ngo build .",
            [("cat",), ("go", "build", ".")],
            id="inner-heredoc-is-data",
        ),
        pytest.param('echo "open', None, id="unterminated-double"),
        pytest.param("echo 'open", None, id="unterminated-single"),
        pytest.param("echo $(open", None, id="unterminated-subst"),
    ],
)
def test_split_commands(script: str, expected: list[tuple[str, ...]] | None) -> None:
    assert argvs(script) == expected


def test_assignments_and_env_prefix() -> None:
    [cmd] = shell.split_commands('A="x y" env B=2 go build') or []
    assert cmd.argv == ("go", "build")
    assert dict(cmd.env) == {"A": "x y", "B": "2"}


def test_commands_refuses_what_it_cannot_read() -> None:
    with pytest.raises(Refuse, match="the RUN at line 3"):
        shell.commands('echo "open', "the RUN at line 3")


def test_no_caller_reads_an_unreadable_script_as_empty() -> None:
    """`split_commands(...) or []` turned an unreadable RUN into "nothing happened"."""
    root = Path(__file__).resolve().parent.parent / "dfsplit"
    pattern = re.compile(r"split_commands\([^)]*\)\)?\s*or\s*\[\]")
    offenders = [
        str(p.relative_to(root)) for p in root.rglob("*.py") if pattern.search(p.read_text())
    ]
    assert offenders == []


UNREADABLE = 'RUN apt-get update && apt-get install -y ffmpeg && echo "done\n'


def _split(dockerfile: str, files: dict[str, str]) -> tuple[Status, str]:
    project = Project(
        "Dockerfile",
        dockerfile.encode(),
        frozenset(files),
        {k: v.encode() for k, v in files.items()},
    )
    outcome = pipeline.split(project, Options())
    return outcome.status, outcome.reason


GO = {"go.mod": "module x\n\ngo 1.21\n", "main.go": "package main\n\nfunc main() {}\n"}
JAVA = {
    "pom.xml": "<project><artifactId>a</artifactId><version>1</version></project>",
    "src/main/java/A.java": "class A {}",
}
NODE = {
    "package.json": '{"name": "a", "scripts": {"start": "node server.js"}}',
    "package-lock.json": "{}",
    "server.js": "",
}


@pytest.mark.parametrize(
    ("dockerfile", "files"),
    [
        pytest.param(
            "FROM golang:1.21\nWORKDIR /app\nCOPY . .\n"
            + UNREADABLE
            + 'RUN go build -o /app/server .\nCMD ["/app/server"]\n',
            GO,
            id="go-packages",
        ),
        pytest.param(
            "FROM golang:1.21\nWORKDIR /app\nCOPY . .\n"
            'RUN go build -o /app/server . && echo "x\nCMD ["/app/server"]\n',
            GO,
            id="go-build",
        ),
        pytest.param(
            "FROM maven:3.9-eclipse-temurin-17\nWORKDIR /app\nCOPY . .\n"
            'RUN mvn -B package && echo "x\nCMD ["java", "-jar", "target/a-1.jar"]\n',
            JAVA,
            id="maven-build",
        ),
        pytest.param(
            "FROM node:20\nWORKDIR /app\nCOPY . .\n"
            + UNREADABLE
            + 'RUN npm ci\nCMD ["npm", "start"]\n',
            NODE,
            id="node-any-run",
        ),
    ],
)
def test_an_unreadable_run_is_refused(dockerfile: str, files: dict[str, str]) -> None:
    status, reason = _split(dockerfile, files)
    assert status is Status.REFUSED
    assert "cannot read the shell script of the RUN at line 4" in reason
