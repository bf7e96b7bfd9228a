"""Table tests of the pure pair modules: scripts and Makefiles read, docker commands given
their meaning, pairs found, build steps and host copies rewritten (dfsplit.plan.pairs)."""

from __future__ import annotations

import pytest

from dfsplit.dockerfile import parser
from dfsplit.dockerfile.globs import Dockerignore
from dfsplit.model import Project, Refuse
from dfsplit.plan.pairs import buildstep, docker, find, script
from dfsplit.plan.pairs.runtime_file import Context, rewire
from dfsplit.plan.stage import StageModel, base_image


def _calls(text: str, cwd: str | None = ".") -> list[tuple[str, ...]]:
    return [s.argv for s in script.sh_steps("build.sh", text, cwd) if isinstance(s, script.Call)]


@pytest.mark.parametrize(
    ("text", "argv"),
    [
        pytest.param("IMG=app\ndocker build -t $IMG .\n", ("build", "-t", "app", "."), id="var"),
        pytest.param("docker build -t ${IMG:-app} .\n", ("build", "-t", "app", "."), id="default"),
        pytest.param("docker build -t $NOPE .\n", ("build", "-t", "$NOPE", "."), id="unknown"),
        pytest.param(
            "docker run -v $(pwd)/out:/out img\n", ("run", "-v", "./out:/out", "img"), id="pwd"
        ),
        pytest.param("docker build \\\n  -t app .\n", ("build", "-t", "app", "."), id="continued"),
        pytest.param("sudo docker rm x\n", ("rm", "x"), id="sudo"),
        pytest.param("if true; then docker rm x; fi\n", ("rm", "x"), id="then"),
        pytest.param("export IMG=a\ndocker rmi $IMG\n", ("rmi", "a"), id="export"),
    ],
)
def test_shell_words(text: str, argv: tuple[str, ...]) -> None:
    assert _calls(text)[-1] == argv


def test_a_captured_container_and_cd_to_the_scripts_directory() -> None:
    text = 'cd "$(dirname "$0")"\nid=$(docker create app)\ndocker cp $id:/a .\n'
    steps = [s for s in script.sh_steps("tools/build.sh", text, ".") if isinstance(s, script.Call)]
    assert steps[0].captured == "id"
    assert steps[1].cwd == "tools"  # the script's own directory
    assert script.host_path(steps[1], ".") == "tools"


def test_a_cd_dfsplit_cannot_follow_makes_paths_unknown() -> None:
    [call] = [
        s
        for s in script.sh_steps("b.sh", "cd $DIR\ndocker cp c:/a ./a\n", ".")
        if isinstance(s, script.Call)
    ]
    assert call.cwd is None and script.host_path(call, "./a") is None


def test_makefile_variables_order_and_lines() -> None:
    text = (
        "IMG ?= site\nIMG ?= other\nOUT := $(CURDIR)/out\nFLAGS = -q\nFLAGS += --rm\n"
        "image: dist\n\t@docker build -t $(IMG) .\n"
        "dist:\n\tdocker run $(FLAGS) -v $(OUT):/out $(IMG)-build && echo $$HOME\n"
    )
    steps = script.make_steps("Makefile", text)
    calls = [s for s in steps if isinstance(s, script.Call)]
    assert [c.argv[0] for c in calls] == ["run", "build"]  # prerequisites first
    assert calls[0].argv == ("run", "-q", "--rm", "-v", "./out:/out", "site-build")
    assert calls[0].line.number == 9 and calls[0].line.text.startswith("docker run $(FLAGS)")
    assert ("echo", "$HOME") in [s.argv for s in steps if isinstance(s, script.Other)]


def _timeline(text: str) -> docker.Timeline:
    return docker.read(script.sh_steps("build.sh", text, "."))


def test_docker_meaning_of_build_create_run_and_cp() -> None:
    timeline = _timeline(
        "docker build -f docker/Dockerfile.build -t b:latest .\n"
        "docker run -it --name c -v m2:/root/.m2 -v ./src:/src:ro -e A=1 -w /src b mvn package\n"
        "docker cp c:app/target/x.jar out/\n"
        "docker build -t app .\n"
    )
    first, second = timeline.builds
    assert (first.dockerfile, first.context, first.tags) == ("docker/Dockerfile.build", ".", ("b",))
    assert second.dockerfile == "Dockerfile"
    [export] = timeline.exports  # the named volume and the read-only mount write nothing
    assert (export.src, export.dest, export.into) == ("/app/target/x.jar", "out", True)
    assert export.run is not None and export.run.command == ("mvn", "package")
    assert export.run.env == ("A=1",) and export.run.workdir == "/src"
    assert export.run.volumes == ((None, "/root/.m2", True), ("src", "/src", False))


def test_docker_create_runs_nothing_until_started() -> None:
    created = _timeline("docker build -t b .\ndocker create --name c b\ndocker cp c:/a a\n")
    assert created.exports[0].run is None
    started = _timeline(
        "docker build -t b .\ndocker create --name c b\ndocker start -a c\ndocker cp c:/a a\n"
    )
    assert started.exports[0].run is not None


def test_an_unknown_run_flag_is_a_problem_not_a_guess() -> None:
    timeline = _timeline("docker run --frobnicate x b\n")
    assert timeline.problems and "cannot find the image" in timeline.problems[0][1]


FILES = frozenset({"main.go", "go.mod", "Dockerfile", "Dockerfile.build", "build.sh"})
RUNTIME = b'FROM alpine\nCOPY app /usr/local/bin/\nCMD ["app"]\n'


def _found(text: str, runtime: bytes = RUNTIME) -> find.Found:
    dockerfiles = {"Dockerfile": runtime, "Dockerfile.build": b"FROM golang\nRUN go build\n"}
    return find.script_pairs("build.sh", _timeline(text), dockerfiles, FILES)


def test_a_pair_needs_the_copy_before_the_runtime_build() -> None:
    ok = _found(
        "docker build -t b -f Dockerfile.build .\ndocker create --name c b\n"
        "docker cp c:/go/bin/app ./app\ndocker build -t app .\n"
    )
    assert [(p.build_file, p.runtime_file) for p in ok.pairs] == [
        ("Dockerfile.build", "Dockerfile")
    ]
    assert ok.pairs[0].links[0].host == "app"
    late = _found(
        "docker build -t b -f Dockerfile.build .\ndocker build -t app .\n"
        "docker create --name c b\ndocker cp c:/go/bin/app ./app\n"
    )
    assert late.pairs == () and late.builders  # still a builder: never rewritten alone


def _rewired(runtime: bytes, links: list[find.Link], files: frozenset[str] = FILES) -> list[str]:
    df = parser.parse(runtime)
    ctx = Context(".", files, Dockerignore(""), frozenset({"/out"}), frozenset())
    result = rewire(df, links, ctx, "builder")
    lines = [e.text for e in result.edits if e.text]
    return lines


def _link(host: str, builder: str) -> find.Link:
    return find.Link(host, builder, "build.sh:3", None)


@pytest.mark.parametrize(
    ("runtime", "link", "line"),
    [
        pytest.param(
            b"FROM a\nCOPY app /usr/local/bin/\n",
            _link("app", "/go/bin/server.bin"),
            "COPY --from=builder /go/bin/server.bin /usr/local/bin/app",
            id="renamed-into-a-directory",
        ),
        pytest.param(
            b"FROM a\nCOPY app /srv/app\n",
            _link("app", "/go/bin/server"),
            "COPY --from=builder /go/bin/server /srv/app",
            id="to-a-file",
        ),
        pytest.param(
            b"FROM a\nCOPY --chown=1:1 out/ /html/\n",
            _link("out", "/out"),
            "COPY --chown=1:1 --from=builder /out /html/",
            id="directory-with-flags",
        ),
        pytest.param(
            b"FROM a\nCOPY target/*.jar /app.jar\n",
            _link("target", "/b/target"),
            "COPY --from=builder /b/target/*.jar /app.jar",
            id="glob-inside",
        ),
    ],
)
def test_host_copies_become_copies_from_the_builder(
    runtime: bytes, link: find.Link, line: str
) -> None:
    assert line in _rewired(runtime, [link])


def test_a_directory_copy_that_holds_the_artifact_keeps_its_other_files() -> None:
    lines = _rewired(b"FROM a\nCOPY . /app/\n", [_link("app", "/go/bin/app")])
    assert "COPY . /app/\nCOPY --from=builder /go/bin/app /app/app" in lines


def test_what_cannot_be_told_is_refused() -> None:
    with pytest.raises(Refuse, match="file or a directory"):
        _rewired(b"FROM a\nCOPY app /srv/\n", [_link("app", "/go/bin/server")])
    with pytest.raises(Refuse, match="unpacks a host archive"):
        _rewired(b"FROM a\nADD app.tar.gz /srv/\n", [_link("app.tar.gz", "/b/app.tar.gz")])
    with pytest.raises(Refuse, match="already multi-stage"):
        _rewired(b"FROM a AS x\nFROM b\nCOPY app /a\n", [_link("app", "/a")])


def _step(build: bytes, run: docker.Run, files: frozenset[str] = FILES) -> buildstep.Step | None:
    df = parser.parse(build)
    project = Project("Dockerfile.build", build, files)
    model = StageModel(df, df.stages()[0], project, base_image(df))
    return buildstep.build_step(df, model, run, files, ".")


def _run(command: tuple[str, ...] = (), **flags: object) -> docker.Run:
    call = script.Call(script.Line("b.sh", 1, "docker run b"), ("run", "b"), ".")
    fields = {"entrypoint": None, "workdir": None, "env": (), "volumes": (), **flags}
    return docker.Run(call, "b", command, **fields)  # type: ignore[arg-type]


def test_the_build_files_command_becomes_a_run_in_place() -> None:
    step = _step(b'FROM m\nENTRYPOINT ["mvn"]\nCMD ["package"]\n', _run())
    assert (
        step is not None and step.lines == ("RUN mvn package",) and (step.start, step.end) == (2, 3)
    )
    step = _step(
        b'FROM m\nCMD ["sh", "-c", "make && cp x /out/"]\n', _run(volumes=(("out", "/out", True),))
    )
    assert step is not None and step.lines == ("RUN mkdir -p /out", "RUN make && cp x /out/")


def test_the_runs_own_command_and_flags() -> None:
    step = _step(
        b"FROM golang:1.21\nCOPY . /src\n",
        _run(("go", "build", "-o", "/out/app"), workdir="/src", env=("CGO_ENABLED=0",)),
    )
    assert step is not None
    assert step.lines == ("ENV CGO_ENABLED=0", "WORKDIR /src", "RUN go build -o /out/app")
    mounted = _step(b"FROM golang:1.21\n", _run(("go", "build"), volumes=((".", "/src", True),)))
    assert mounted is not None and mounted.lines[0] == "COPY . /src"
    with pytest.raises(Refuse, match="host's environment"):
        _step(b"FROM golang:1.21\n", _run(("make",), env=("TOKEN",)))
    with pytest.raises(Refuse, match="default command"):
        _step(b"FROM golang:1.21\n", _run())
