"""plan/runs.py: what the RUN lines do, command by command (cd, export, cp/mv/install)."""

from __future__ import annotations

import pytest

from dfsplit.dockerfile import parser, shell
from dfsplit.model import Project, Refuse
from dfsplit.plan import runs
from dfsplit.plan.stage import StageModel


def model(dockerfile: str) -> StageModel:
    df = parser.parse(dockerfile.encode())
    project = Project("Dockerfile", dockerfile.encode(), frozenset(), {})
    return StageModel(df, df.stages()[0], project, "golang:1.21")


def test_steps_follow_cd_and_export() -> None:
    steps = list(
        runs.run_steps(
            model("FROM golang:1.21\nWORKDIR /src\nRUN cd cmd && export X=1 && go build\n"),
            "where go builds",
        )
    )
    last = steps[-1]
    assert last.cmd.argv == ("go", "build")
    assert (last.cwd, last.env["X"]) == ("/src/cmd", "1")


def test_a_cd_dfsplit_cannot_follow_is_refused() -> None:
    with pytest.raises(Refuse, match=r"line 2 runs `cd \$DIR`.*cannot tell where go builds"):
        list(
            runs.run_steps(model("FROM golang:1.21\nRUN cd $DIR && go build\n"), "where go builds")
        )


@pytest.mark.parametrize(
    ("command", "moved"),
    [
        pytest.param("mv app /usr/local/bin/", ("/src/app", "/usr/local/bin/app"), id="slash"),
        pytest.param("cp app /usr/sbin", ("/src/app", "/usr/sbin/app"), id="known-dir"),
        pytest.param("install -m 0755 app /bin/srv", ("/src/app", "/bin/srv"), id="install"),
        pytest.param("mv $OUT /x", None, id="unknown-word"),
        pytest.param("cp a b c/", None, id="several-sources"),
        pytest.param("ln -s app /bin/app", None, id="other-program"),
    ],
)
def test_moved(command: str, moved: tuple[str, str] | None) -> None:
    [cmd] = shell.commands(command, "test")
    assert runs.moved(cmd, {}, "/src") == moved


def test_a_file_written_into_a_cache_mount_is_refused() -> None:
    df = parser.parse(b"FROM golang:1.21\nRUN --mount=type=cache,target=/out/ go build -o /out/a\n")
    ins = df.stages()[0][1]
    runs.check_not_in_cache_mount(ins, "/app/a")
    with pytest.raises(Refuse, match="cache mount /out/"):
        runs.check_not_in_cache_mount(ins, "/out/a")
