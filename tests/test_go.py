"""The Go recipe as a spec: pure calls on in-memory projects, no disk."""

from __future__ import annotations

import pytest

from dfsplit.dockerfile import parser, shell
from dfsplit.model import Options, Outcome, Project, Refuse, Status
from dfsplit.plan import pipeline
from dfsplit.plan.stage import StageModel
from dfsplit.recipes.go import builds as go_builds
from dfsplit.recipes.go import module as go_module
from dfsplit.recipes.go import source as go_source

GO_MOD = "module example.com/acme/app\n\ngo 1.21\n"
MAIN = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n'
TEST = 'package main\n\nimport "testing"\n\nfunc TestX(t *testing.T) {}\n'
BASE_FILES = {"go.mod": GO_MOD, "main.go": MAIN, "main_test.go": TEST}


def split(text: str, files: dict[str, str] | None = None, **options: object) -> Outcome:
    contents = {**BASE_FILES, **(files or {})}
    project = Project(
        path="Dockerfile",
        dockerfile=text.encode(),
        context_files=frozenset(contents),
        contents={k: v.encode() for k, v in contents.items()},
    )
    return pipeline.split(project, Options(**options))  # type: ignore[arg-type]


def new_text(outcome: Outcome) -> str:
    assert outcome.status is Status.CHANGED, outcome.reason
    return outcome.new.decode()


def runtime_stage(outcome: Outcome) -> str:
    return new_text(outcome).split(" AS runtime", 1)[1]


SIMPLE = 'FROM golang:1.21\nWORKDIR /app\nCOPY . .\nRUN go build -o app .\nCMD ["./app"]\n'


# --- binary names and flags ----------------------------------------------------------------


def _module(path: str, root: str = "/app") -> go_module.Module:
    return go_module.Module(path, root, ".", (), "1.21")


@pytest.mark.parametrize(
    ("package", "cwd", "module", "name"),
    [
        pytest.param(".", "/app", "example.com/acme/widget", "widget", id="module-root"),
        pytest.param("./cmd/server", "/app", "example.com/x", "server", id="subdir"),
        pytest.param(".", "/app", "example.com/acme/tool/v2", "tool", id="major-version"),
        pytest.param("main.go", "/app", "example.com/x", "main", id="single-file"),
        pytest.param("github.com/a/b/cmd/c@v1.2.0", "/app", "x", "c", id="remote-install"),
        pytest.param(".", "/app/cmd/api", "example.com/x", "api", id="cwd-below-root"),
    ],
)
def test_binary_name(package: str, cwd: str, module: str, name: str) -> None:
    assert go_module.binary_name(package, cwd, _module(module)) == name


@pytest.mark.parametrize(
    ("argv", "flags", "rest"),
    [
        pytest.param(("-o", "/main", "."), {"o": "/main"}, ["."], id="separate"),
        pytest.param(("-o=/main",), {"o": "/main"}, [], id="equals"),
        pytest.param(
            ("--o", "x", "-trimpath", "./cmd/a"),
            {"o": "x", "trimpath": "true"},
            ["./cmd/a"],
            id="double-dash",
        ),
        pytest.param(
            ("-ldflags", "-s -w", "-o", "bin/x"),
            {"ldflags": "-s -w", "o": "bin/x"},
            [],
            id="ldflags",
        ),
    ],
)
def test_parse_flags(argv: tuple[str, ...], flags: dict[str, str], rest: list[str]) -> None:
    assert go_builds.parse_flags(argv, "test") == (flags, rest)


def test_unknown_go_flag_is_refused() -> None:
    with pytest.raises(Refuse, match="does not know the go flag -frobnicate"):
        go_builds.parse_flags(("-frobnicate", "."), "line 3")


def test_shell_splits_commands_and_assignments() -> None:
    cmds = shell.split_commands("cd cmd/api && CGO_ENABLED=0 go build -o /x . ; echo done > /log")
    assert cmds is not None
    assert [c.argv for c in cmds] == [
        ("cd", "cmd/api"),
        ("go", "build", "-o", "/x", "."),
        ("echo", "done"),
    ]
    assert cmds[1].env == {"CGO_ENABLED": "0"}


def _builds(text: str, files: dict[str, str] | None = None) -> list[go_builds.Build]:
    contents = {**BASE_FILES, **(files or {})}
    project = Project(
        "Dockerfile",
        text.encode(),
        frozenset(contents),
        {k: v.encode() for k, v in contents.items()},
    )
    df = parser.parse(text.encode())
    model = StageModel(df, df.stages()[0], project, "golang:1.21")
    return go_builds.find_builds(model, go_module.ModuleLookup(model, project))


@pytest.mark.parametrize(
    ("run", "output"),
    [
        pytest.param("go build -o /main .", "/main", id="absolute"),
        pytest.param("go build -o bin/server ./cmd/server", "/app/bin/server", id="relative"),
        pytest.param("go build", "/app/app", id="no-output-flag"),
        pytest.param("cd cmd/api && go build -o ../../api .", "/app/api", id="cd-in-run"),
        pytest.param("go build -C cmd/api -o api .", "/app/cmd/api/api", id="dash-C"),
        pytest.param("go install ./cmd/api", "/go/bin/api", id="install"),
        pytest.param("GOBIN=/usr/local/bin go install .", "/usr/local/bin/app", id="gobin"),
        pytest.param("go build -o /usr/local/bin ./cmd/api", "/usr/local/bin/api", id="into-dir"),
        pytest.param("go build -o out/ ./cmd/api", "/app/out/api", id="trailing-slash"),
    ],
)
def test_artifact_path(run: str, output: str) -> None:
    text = f'FROM golang:1.21\nWORKDIR /app\nCOPY . .\nRUN {run}\nCMD ["x"]\n'
    builds = _builds(text, {"cmd/api/main.go": MAIN, "cmd/server/main.go": MAIN})
    assert [b.output for b in builds] == [output]


def test_several_packages_without_output_build_nothing() -> None:
    assert _builds("FROM golang:1.21\nWORKDIR /app\nCOPY . .\nRUN go build ./...\n") == []


# --- the plan ------------------------------------------------------------------------------


def test_article_case_goes_to_scratch_with_ca_bundle() -> None:
    runtime = runtime_stage(split(SIMPLE))
    assert runtime.startswith("\nWORKDIR /app\n")
    assert "COPY --from=builder /etc/ssl/certs/ca-certificates.crt" in runtime
    assert 'CMD ["/app/app"]' in runtime
    assert "USER 65532:65532" in runtime


def test_cgo_only_module_keeps_cgo_and_a_glibc_runtime() -> None:
    mod = GO_MOD + "\nrequire github.com/mattn/go-sqlite3 v1.14.22\n"
    out = split(SIMPLE, {"go.mod": mod})
    assert "FROM gcr.io/distroless/base-debian12:nonroot AS runtime" in new_text(out)
    assert "CGO_ENABLED=0" not in new_text(out)
    assert out.findings is not None and out.findings.framework == "cgo"


def test_import_c_keeps_cgo() -> None:
    cgo_main = 'package main\n\n// #include <stdio.h>\nimport "C"\n\nfunc main() {}\n'
    out = split(SIMPLE, {"main.go": cgo_main})
    assert "distroless/base" in new_text(out)


def test_default_cgo_is_switched_off_for_scratch() -> None:
    text = new_text(split(SIMPLE))
    assert "ENV CGO_ENABLED=0\nRUN go build -o app ." in text


def test_explicit_cgo_off_is_left_alone() -> None:
    text = SIMPLE.replace("RUN go build", "RUN CGO_ENABLED=0 go build")
    assert "ENV CGO_ENABLED=0" not in new_text(split(text))


def test_shell_features_keep_a_shell_runtime_and_shell_form() -> None:
    text = SIMPLE.replace('CMD ["./app"]', "CMD ./app --port $PORT")
    runtime = runtime_stage(split(text))
    assert runtime.startswith(" \n") is False
    assert "FROM debian:bookworm-slim AS runtime" in new_text(split(text))
    assert "CMD /app/app --port $PORT" in runtime


def test_plain_shell_form_becomes_exec_form() -> None:
    text = SIMPLE.replace('CMD ["./app"]', "CMD ./app -v")
    assert 'CMD ["/app/app", "-v"]' in runtime_stage(split(text))


def test_forced_shell_less_runtime_is_refused_when_a_shell_is_needed() -> None:
    text = SIMPLE.replace('CMD ["./app"]', "CMD ./app && echo done")
    out = split(text, runtime_image="scratch")
    assert out.status is Status.REFUSED
    assert "has no shell" in out.reason


def test_runtime_packages_go_to_a_slim_image_build_tools_do_not() -> None:
    text = SIMPLE.replace(
        "WORKDIR /app", "RUN apt-get update && apt-get install -y ffmpeg git gcc\nWORKDIR /app"
    )
    main = 'package main\n\nimport "os/exec"\n\nfunc main() { exec.Command("ffmpeg").Run() }\n'
    runtime = runtime_stage(split(text, {"main.go": main}))
    assert "apt-get install -y --no-install-recommends ffmpeg &&" in runtime
    assert "git" not in runtime and "gcc" not in runtime


def test_alpine_packages_use_apk_on_alpine() -> None:
    text = SIMPLE.replace("golang:1.21", "golang:1.21-alpine3.19").replace(
        "WORKDIR /app", "RUN apk add --no-cache imagemagick git\nWORKDIR /app"
    )
    main = 'package main\n\nimport "os/exec"\n\nfunc main() { exec.Command("convert").Run() }\n'
    out = new_text(split(text, {"main.go": main}))
    assert "FROM alpine:3.19 AS runtime\nRUN apk add --no-cache imagemagick\n" in out


def test_healthcheck_with_curl_keeps_curl() -> None:
    text = SIMPLE.replace("CMD", "HEALTHCHECK CMD curl -f http://localhost:8080/ || exit 1\nCMD")
    runtime = runtime_stage(split(text))
    assert "install -y --no-install-recommends curl" in runtime
    assert "HEALTHCHECK CMD curl -f http://localhost:8080/ || exit 1" in runtime


def test_env_expose_label_volume_stopsignal_reach_the_runtime() -> None:
    text = SIMPLE.replace(
        "CMD",
        "ENV APP_MODE=release GOFLAGS=-mod=mod PATH=/go/bin:$PATH\nEXPOSE 8080\n"
        "LABEL team=core\nVOLUME /data\nSTOPSIGNAL SIGINT\nCMD",
    )
    runtime = runtime_stage(split(text))
    for line in (
        "ENV APP_MODE=release",
        "EXPOSE 8080",
        "LABEL team=core",
        "VOLUME /data",
        "STOPSIGNAL SIGINT",
    ):
        assert line in runtime
    assert "GOFLAGS" not in runtime and "PATH" not in runtime


def test_env_referring_to_build_env_is_expanded() -> None:
    text = SIMPLE.replace("CMD", "ENV DATA_DIR=$GOPATH/data\nCMD")
    assert "ENV DATA_DIR=/go/data" in runtime_stage(split(text))


def test_global_arg_not_declared_in_the_stage_is_empty_in_its_label() -> None:
    # A global ARG is visible to FROM only: the original's label is empty, and stays so.
    text = "ARG VERSION=1.0\n" + SIMPLE.replace("CMD", "LABEL version=$VERSION\nCMD")
    runtime = runtime_stage(split(text))
    assert "ARG VERSION" not in runtime
    assert "LABEL version=''" in runtime


def test_global_arg_declared_in_the_stage_is_redeclared_for_its_label() -> None:
    text = "ARG VERSION=1.0\n" + SIMPLE.replace("CMD", "ARG VERSION\nLABEL version=$VERSION\nCMD")
    runtime = runtime_stage(split(text))
    assert "ARG VERSION\n" in runtime
    assert "LABEL version=$VERSION" in runtime


@pytest.mark.parametrize(
    ("create", "user", "expected"),
    [
        pytest.param("useradd -u 10001 app", "app", "USER 10001:10001", id="useradd-uid"),
        pytest.param("adduser -D -u 2000 app", "app", "USER 2000:2000", id="busybox-adduser"),
        pytest.param("useradd app", "app", "USER 65532:65532", id="no-fixed-uid"),
        pytest.param("true", "1234:1234", "USER 1234:1234", id="numeric"),
    ],
)
def test_user_becomes_numeric(create: str, user: str, expected: str) -> None:
    text = SIMPLE.replace("CMD", f"RUN {create}\nUSER {user}\nCMD")
    assert expected in runtime_stage(split(text))


def test_relative_runtime_files_are_copied_and_workdir_kept() -> None:
    main = (
        'package main\n\nimport ("html/template"; "net/http"; "os")\n\nfunc main() {\n'
        '\ttemplate.Must(template.ParseGlob("templates/*.html"))\n'
        '\thttp.Handle("/static/", http.FileServer(http.Dir("./static")))\n'
        '\tos.ReadFile("config.yaml")\n}\n'
    )
    files = {"main.go": main, "templates/index.html": "", "static/app.css": "", "config.yaml": ""}
    out = split(SIMPLE, files)
    runtime = runtime_stage(out)
    for path in ("/app/templates", "/app/static", "/app/config.yaml"):
        assert f"COPY --from=builder {path} {path}" in runtime
    assert "WORKDIR /app" in runtime


def test_dockerignored_directory_is_not_copied() -> None:
    main = 'package main\n\nimport "os"\n\nfunc main() { os.ReadFile("secrets/key") }\n'
    out = split(SIMPLE, {"main.go": main, "secrets/key": "", ".dockerignore": "secrets\n"})
    assert "secrets" not in runtime_stage(out)


def test_embedded_files_are_not_copied() -> None:
    main = (
        'package main\n\nimport "embed"\n\n//go:embed static\nvar fs embed.FS\n\n'
        'func main() { fs.ReadFile("static/a.css") }\n'
    )
    assert "/app/static" not in runtime_stage(split(SIMPLE, {"main.go": main, "static/a.css": ""}))


def test_timezones_pick_distroless_static() -> None:
    main = 'package main\n\nimport "time"\n\nfunc main() { time.LoadLocation("UTC") }\n'
    text = new_text(split(SIMPLE, {"main.go": main}))
    assert "FROM gcr.io/distroless/static-debian12:nonroot AS runtime" in text


def test_embedded_tzdata_keeps_scratch() -> None:
    main = (
        'package main\n\nimport (\n\t"time"\n\t_ "time/tzdata"\n)\n\n'
        'func main() { time.LoadLocation("UTC") }\n'
    )
    assert "FROM scratch AS runtime" in new_text(split(SIMPLE, {"main.go": main}))


def test_go_run_becomes_a_build() -> None:
    text = 'FROM golang:1.21\nWORKDIR /app\nCOPY . .\nCMD ["go", "run", ".", "-v"]\n'
    out = new_text(split(text))
    assert "ENV CGO_ENABLED=0\nRUN go build -o /usr/local/bin/app .\n" in out
    assert 'CMD ["/usr/local/bin/app", "-v"]' in out


def test_dependency_download_moves_before_copy_all() -> None:
    text = SIMPLE.replace("RUN go build", "RUN go mod download\nRUN go build")
    out = new_text(split(text, {"go.sum": ""}))
    assert (
        "COPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nENV CGO_ENABLED=0\nRUN go build"
        in out
    )
    assert out.count("go mod download") == 1


def test_no_go_sum_copies_go_mod_only() -> None:
    assert "COPY go.mod ./\nRUN go mod download\nCOPY . ." in new_text(split(SIMPLE))


def test_vendor_directory_leaves_the_order_alone() -> None:
    out = new_text(split(SIMPLE, {"vendor/modules.txt": ""}))
    assert "go mod download" not in out


def test_cache_mounts() -> None:
    out = new_text(split(SIMPLE, cache_mounts=True))
    mounts = "--mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build"
    assert f"RUN {mounts} go build -o app ." in out
    assert f"RUN {mounts} go mod download" in out


def test_gate_tests_makes_the_runtime_depend_on_the_tester() -> None:
    out = split(SIMPLE, gate_tests=True)
    assert "COPY --from=tester /app/app /app/app" in new_text(out)


def _without_tests(options: Options) -> Outcome:
    files = dict(BASE_FILES)
    del files["main_test.go"]
    project = Project(
        "Dockerfile", SIMPLE.encode(), frozenset(files), {k: v.encode() for k, v in files.items()}
    )
    return pipeline.split(project, options)


def test_no_tests_still_a_tester_that_vets_the_code() -> None:
    out = _without_tests(Options())
    tester = new_text(out).split("FROM builder AS tester\n", 1)[1].split("\n\n", 1)[0]
    lines = tester.splitlines()
    assert lines[-1] == "RUN go vet ./..." and lines[0].startswith("# no *_test.go files")
    assert out.findings is not None and out.findings.test_command == "go vet ./..."
    assert any(n.startswith("tester: no *_test.go") for n in out.findings.notes)


def test_no_tests_and_no_tester_asked_for() -> None:
    out = _without_tests(Options(tester=False))
    assert "tester" not in new_text(out)


def test_gate_tests_without_tests_gates_on_the_vet() -> None:
    out = new_text(_without_tests(Options(gate_tests=True)))
    assert "RUN go vet ./..." in out and "COPY --from=tester /app/app /app/app" in out


def test_tester_runs_from_the_module_root() -> None:
    text = (
        "FROM golang:1.21\nWORKDIR /app\nCOPY . .\nWORKDIR /app/cmd/api\nRUN go build -o /api .\n"
    )
    out = new_text(split(text + 'CMD ["/api"]\n', {"cmd/api/main.go": MAIN}))
    assert "FROM builder AS tester\nWORKDIR /app\nRUN go test -v ./...\n" in out


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param(
            "FROM golang:1.21\nCOPY . .\nRUN go build -o /a . && go build -o /b .\n",
            "no CMD or ENTRYPOINT, and the build makes several binaries (/a, /b)",
            id="no-start-two-binaries",
        ),
        pytest.param(
            'FROM golang:1.21\nCOPY . .\nRUN go build -o /a .\nCMD ["/b"]\n',
            "runs `/b`, which is not a binary",
            id="start-not-built",
        ),
        pytest.param(
            "FROM golang:1.21\nCOPY . /go/src/x\nWORKDIR /go/src/x\nRUN go build -o /a .\n"
            'ENTRYPOINT ["./entrypoint.sh"]\n',
            "entrypoint.sh",
            id="entrypoint-script",
        ),
        pytest.param(
            'FROM golang:1.21\nCOPY . .\nRUN go build -buildmode=plugin -o /a .\nCMD ["/a"]\n',
            "-buildmode=plugin builds a library",
            id="plugin",
        ),
    ],
)
def test_refusals(text: str, reason: str) -> None:
    out = split(text)
    assert out.status is Status.REFUSED
    assert reason in out.reason
    assert out.new == out.old


def test_gopath_build_without_module_mode_off_is_refused() -> None:
    text = 'FROM golang:1.21\nWORKDIR /go/src/app\nCOPY . .\nRUN go build -o /a .\nCMD ["/a"]\n'
    contents = {"main.go": MAIN}
    project = Project(
        "Dockerfile",
        text.encode(),
        frozenset(contents),
        {k: v.encode() for k, v in contents.items()},
    )
    out = pipeline.split(project, Options())
    assert out.status is Status.REFUSED
    assert "GO111MODULE" in out.reason


# --- text fidelity -------------------------------------------------------------------------


def test_syntax_directive_stays_first_and_comments_stay() -> None:
    text = "# syntax=docker/dockerfile:1\n# build it\n" + SIMPLE
    out = new_text(split(text))
    assert out.startswith("# syntax=docker/dockerfile:1\n# build it\nFROM golang:1.21 AS builder\n")
    assert out.count("# syntax") == 1


def test_trailing_backslash_at_end_of_file_does_not_swallow_the_next_stage() -> None:
    text = 'FROM golang:1.21\nWORKDIR /app\nCOPY . .\nCMD ["./app"]\nRUN go build -o app . \\\n'
    out = new_text(split(text))
    assert "RUN go build -o app .\n" in out
    assert parser.parse(out.encode()).stages()[-1][0].args.startswith("scratch")


def test_crlf_bom_and_missing_final_newline_are_preserved() -> None:
    raw = ("\ufeff" + SIMPLE.rstrip("\n")).replace("\n", "\r\n")
    contents = {k: v.encode() for k, v in BASE_FILES.items()}
    project = Project("Dockerfile", raw.encode("utf-8"), frozenset(contents), contents)
    out = pipeline.split(project, Options())
    assert out.new.startswith(b"\xef\xbb\xbfFROM golang:1.21 AS builder\r\n")
    assert b"\r\n" in out.new and b"\n" not in out.new.replace(b"\r\n", b"")
    assert not out.new.endswith(b"\n")


def test_lowercase_file_gets_lowercase_stages() -> None:
    text = 'from golang:1.21\nworkdir /app\ncopy . .\nrun go build -o app .\ncmd ["./app"]\n'
    out = new_text(split(text))
    assert "from golang:1.21 as builder" in out
    assert "from scratch as runtime" in out and "FROM" not in out


def test_heredoc_build_is_understood() -> None:
    text = (
        "FROM golang:1.21\nWORKDIR /app\nCOPY . .\n"
        'RUN <<EOF\ngo build -o /srv/app .\nEOF\nCMD ["/srv/app"]\n'
    )
    out = new_text(split(text))
    assert "RUN <<EOF\ngo build -o /srv/app .\nEOF\n" in out
    assert "COPY --from=builder /srv/app /srv/app" in out


def test_output_is_stable() -> None:
    first = split(SIMPLE)
    contents = {k: v.encode() for k, v in BASE_FILES.items()}
    again = pipeline.split(
        Project("Dockerfile", first.new, frozenset(contents), contents), Options()
    )
    assert again.status is Status.UNCHANGED and again.reason == "already multi-stage"


def test_sh_dash_c_command_is_read_as_shell_form() -> None:
    plain = SIMPLE.replace('CMD ["./app"]', 'CMD ["sh", "-c", "./app -v"]')
    assert 'CMD ["/app/app", "-v"]' in runtime_stage(split(plain))
    with_var = SIMPLE.replace('CMD ["./app"]', 'CMD ["sh", "-c", "./app --port $PORT"]')
    out = split(with_var)
    assert "FROM debian:bookworm-slim AS runtime" in new_text(out)
    assert "CMD /app/app --port $PORT" in runtime_stage(out)


def test_bash_dash_c_of_plain_words_is_the_command() -> None:
    plain = SIMPLE.replace('CMD ["./app"]', 'CMD ["bash", "-c", "./app -v"]')
    assert 'CMD ["/app/app", "-v"]' in runtime_stage(split(plain))
    bashism = SIMPLE.replace('CMD ["./app"]', 'CMD ["bash", "-c", "[[ -n $X ]] && ./app"]')
    assert split(bashism).status is Status.REFUSED


def test_binary_moved_after_the_build_is_followed() -> None:
    text = SIMPLE.replace(
        'RUN go build -o app .\nCMD ["./app"]',
        'RUN go build -o app . && mv app /usr/local/bin/\nCMD ["app"]',
    )
    assert "COPY --from=builder /usr/local/bin/app /usr/local/bin/app" in runtime_stage(split(text))


def test_race_detector_needs_cgo() -> None:
    text = SIMPLE.replace("go build", "go build -race")
    assert "distroless/base" in new_text(split(text))


def test_binary_in_a_cache_mount_is_refused() -> None:
    text = SIMPLE.replace(
        "RUN go build -o app .", "RUN --mount=type=cache,target=/app/out go build -o out/app ."
    ).replace('["./app"]', '["./out/app"]')
    out = split(text)
    assert out.status is Status.REFUSED
    assert "cache mount" in out.reason


def test_builder_image_from_a_global_arg() -> None:
    text = "ARG GO_VERSION=1.21-alpine3.19\n" + SIMPLE.replace(
        "golang:1.21", "golang:${GO_VERSION}"
    ).replace('CMD ["./app"]', "CMD ./app $FLAGS")
    out = new_text(split(text))
    assert "FROM golang:${GO_VERSION} AS builder" in out
    assert "FROM alpine:3.19 AS runtime" in out


def test_nobody_user_keeps_its_uid() -> None:
    text = SIMPLE.replace("CMD", "USER nobody\nCMD")
    assert "USER 65534:65534" in runtime_stage(split(text))


@pytest.mark.parametrize(
    ("copy", "path"),
    [
        pytest.param("COPY config.yaml .", "/app/config.yaml", id="file-into-workdir"),
        pytest.param("COPY config.yaml ./", "/app/config.yaml", id="file-into-dir-slash"),
        pytest.param("COPY config.yaml /etc/app.yaml", "/etc/app.yaml", id="file-renamed"),
        pytest.param("COPY config.yaml /etc", "/etc/config.yaml", id="file-into-existing-dir"),
        pytest.param("COPY conf/ /app/conf", "/app/conf/config.yaml", id="dir-contents"),
        pytest.param("COPY *.yaml ./", "/app/config.yaml", id="glob"),
    ],
)
def test_stage_model_knows_where_copies_land(copy: str, path: str) -> None:
    files = {"config.yaml": "a: 1\n", "conf/config.yaml": "a: 1\n"}
    contents = {**BASE_FILES, **files}
    text = f"FROM golang:1.21\nWORKDIR /app\n{copy}\n"
    project = Project(
        "Dockerfile",
        text.encode(),
        frozenset(contents),
        {k: v.encode() for k, v in contents.items()},
    )
    df = parser.parse(text.encode())
    model = StageModel(df, df.stages()[0], project, "golang:1.21")
    assert model.context_path(path) in {"config.yaml", "conf/config.yaml"}


def test_an_app_that_writes_files_keeps_the_originals_root_user() -> None:
    """A non-root runtime could not write beside the app (WORKDIR belongs to root): the image
    would not start (mayfly's sqlite database), so the original's root is kept, with a note."""
    main = 'package main\n\nimport "os"\n\nfunc main() { os.WriteFile("data.txt", nil, 0o600) }\n'
    out = split(SIMPLE, {"main.go": main})
    assert out.findings is not None
    assert "\nUSER 0\n" in out.new.decode()
    assert any("writes files (main.go: os.WriteFile)" in n for n in out.findings.notes)
    assert not any("writes files" in w for w in out.findings.warnings)


def test_gorm_sqlite_open_counts_as_a_write() -> None:
    main = 'package main\n\nimport "gorm.io/driver/sqlite"\n\nvar d = sqlite.Open("messages.db")\n'
    out = split(SIMPLE, {"main.go": main})
    assert "\nUSER 0\n" in out.new.decode()


def test_an_app_that_writes_files_keeps_a_non_root_original_user() -> None:
    main = 'package main\n\nimport "os"\n\nfunc main() { os.WriteFile("data.txt", nil, 0o600) }\n'
    out = split(SIMPLE.replace("CMD", "USER 1000\nCMD"), {"main.go": main})
    assert "\nUSER 1000\n" in out.new.decode()


def test_go_run_without_any_build_step_is_refused_not_failed() -> None:
    outcome = split("FROM golang:1.21\nCMD go run .\n")
    assert outcome.status is Status.REFUSED
    assert outcome.reason.startswith("the stage has no RUN, COPY, ADD or WORKDIR")


# --- asset directories the source never names ------------------------------------------------


def _asset_warnings(outcome: Outcome) -> list[str]:
    assert outcome.findings is not None
    return [w for w in outcome.findings.warnings if "is not copied to the runtime" in w]


def test_an_asset_directory_nothing_names_is_pointed_out() -> None:
    out = split(SIMPLE, {"templates/index.html": "<p>", "docs/readme.md": "x"})
    assert _asset_warnings(out) == [
        "templates/ is not copied to the runtime: nothing in the source names it "
        "(it may be embedded or unused); copy it if the app reads it"
    ]
    assert "/app/templates" not in runtime_stage(out)


def test_an_asset_directory_copied_under_another_name_is_pointed_out() -> None:
    text = SIMPLE.replace("COPY . .", "COPY . .\nCOPY ui /app/static")
    out = split(text, {"ui/app.css": "body {}"})
    assert [w.split(" ", 1)[0] for w in _asset_warnings(out)] == ["ui/"]


def test_an_asset_directory_reached_under_two_names_is_pointed_out_once() -> None:
    text = SIMPLE.replace("COPY . .", "COPY . .\nCOPY web /app/static")
    out = split(text, {"web/app.css": "body {}"})  # at /app/web and at /app/static
    assert [w.split(" ", 1)[0] for w in _asset_warnings(out)] == ["web/"]


def test_an_asset_directory_the_source_names_is_copied_without_a_warning() -> None:
    main = MAIN.replace('fmt.Println("hi")', 'fmt.Println("templates/index.html")')
    out = split(SIMPLE, {"main.go": main, "templates/index.html": "<p>"})
    assert _asset_warnings(out) == []
    assert "COPY --from=builder /app/templates /app/templates" in runtime_stage(out)


def test_no_asset_directory_no_warning() -> None:
    assert _asset_warnings(split(SIMPLE, {"internal/x.go": "package internal\n"})) == []


def test_source_calls_must_start_with_the_package_name() -> None:
    code = (
        'package main\n\nimport (\n\t"os"\n)\n\nfunc main() {\n'
        '\tvideos.Create("x")\n\tmyioutil.WriteFile("y")\n\tf, _ := os.Create("out.txt")\n'
        '\tcfg.os.ReadFile("no")\n\t_ = os.ReadFile("config.yaml")\n\tx.ioutil.ReadFile(path)\n}\n'
    )
    project = Project(
        path="Dockerfile",
        dockerfile=b"",
        context_files=frozenset({"main.go"}),
        contents={"main.go": code.encode()},
    )
    source = go_source.scan_source(project, ".")
    assert source.writes == ("main.go: os.Create",)
    # After a "." the package still starts a word (as \b said): a selector of a selector.
    assert source.opened == ("no", "config.yaml")
    assert source.dynamic_opens == ("main.go: path",)


def test_no_start_command_runs_the_only_binary_at_its_path() -> None:
    out = split("FROM golang:1.21\nWORKDIR /src\nCOPY . .\nRUN go build -o /srv/app .\n")
    assert runtime_stage(out).endswith(
        'COPY --from=builder /srv/app /srv/app\nUSER 65532:65532\nCMD ["/srv/app"]\n'
    )
    assert out.findings is not None
    assert any("the only binary the build makes" in n for n in out.findings.notes)


def test_a_leading_cd_sets_the_runtime_workdir() -> None:
    text = "FROM golang:1.21\nWORKDIR /src\nCOPY . .\nRUN go build -o /app/bin/server .\n"
    out = split(text + "CMD cd /app && ./bin/server -port 8080\n")
    stage = runtime_stage(out)
    assert "WORKDIR /app\n" in stage
    assert stage.endswith('CMD ["/app/bin/server", "-port", "8080"]\n')


SINGLE_FILE = (
    b'FROM golang:1.21\nWORKDIR /app\nCOPY . .\nRUN go build server.go\nCMD ["./server"]\n'
)


def _single_file(server: str) -> Outcome:
    project = Project(
        path="Dockerfile",
        dockerfile=SINGLE_FILE,
        context_files=frozenset({"server.go"}),
        contents={"server.go": server.encode()},
    )
    return pipeline.split(project, Options())


def test_single_file_without_go_mod_builds_in_module_mode() -> None:
    server = (
        'package main\n\nimport (\n\t"fmt"\n\t"net/http"\n)\n\n'
        "func main() { fmt.Println(http.StatusOK) }\n"
    )
    assert "COPY --from=builder /app/server /app/server" in new_text(_single_file(server))


def test_single_file_without_go_mod_importing_a_module_is_refused() -> None:
    server = 'package main\n\nimport "github.com/gin-gonic/gin"\n\nfunc main() { gin.New() }\n'
    assert _single_file(server).status is Status.REFUSED


def test_every_binary_is_shipped_but_the_tools_the_build_runs() -> None:
    # `worker` is named by its own build's -o only: `docker run IMAGE ./worker` worked.
    text = (
        "FROM golang:1.21\nWORKDIR /app\nCOPY . .\nRUN go build -o api ./cmd/api\n"
        "RUN go build -o worker ./cmd/worker\n"
        "RUN go build -o gen ./cmd/gen && ./gen > assets.txt\n"
        'CMD ["./api"]\n'
    )
    runtime = split(text).new.decode().split("AS runtime")[1]
    assert "COPY --from=builder /app/api /app/api" in runtime
    assert "COPY --from=builder /app/worker /app/worker" in runtime
    assert "/app/gen " not in runtime  # run by the build itself, not by the image


def test_a_program_the_app_runs_that_no_install_provides_is_refused() -> None:
    # golang images have tar and git; scratch has neither.
    files = {
        "main.go": 'package main\n\nimport "os/exec"\n\nfunc main() { exec.Command("tar", "x") }\n'
    }
    outcome = split(SIMPLE, files)
    assert outcome.status is Status.REFUSED
    assert "the app runs tar (os/exec)" in outcome.reason
    # Installed in the Dockerfile, it is kept on a runtime with a package manager.
    text = SIMPLE.replace("COPY . .", "RUN apt-get update && apt-get install -y tar\nCOPY . .")
    assert "tar" in runtime_stage(split(text, files))


def test_a_time_zone_set_by_env_keeps_zone_files() -> None:
    # scratch has no /usr/share/zoneinfo: Go would fall back to UTC without a word.
    text = new_text(split(SIMPLE.replace("CMD", "ENV TZ=Asia/Shanghai\nCMD")))
    assert "FROM gcr.io/distroless/static-debian12:nonroot AS runtime\nENV TZ=Asia/Shanghai" in text
    assert "FROM scratch AS runtime" in new_text(split(SIMPLE))
