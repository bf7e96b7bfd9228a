"""The Rust recipe's rules, as tables: Cargo.toml and workspace reading, bins and profiles,
target triples and target dirs, the runtime image by how the binary links, run-time
libraries from Cargo.lock, and the refusals a user can act on."""

from __future__ import annotations

import pytest

from dfsplit.model import Options, Project, Refuse, Status
from dfsplit.plan import pipeline
from dfsplit.plan.images import ImageKind
from dfsplit.recipes.rust import flags, images, libraries, manifest, source

APP = '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
LOCK = 'version = 3\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n'
MAIN = "fn main() {}\n"
BASE = {"Cargo.toml": APP, "Cargo.lock": LOCK, "src/main.rs": MAIN}


def _project(dockerfile: str, files: dict[str, str] | None = None) -> Project:
    files = dict(BASE if files is None else files)
    return Project(
        "Dockerfile",
        dockerfile.encode(),
        frozenset([*files, "Dockerfile"]),
        {k: v.encode() for k, v in files.items()},
    )


def _split(dockerfile: str, files: dict[str, str] | None = None, **options: object):
    return pipeline.split(_project(dockerfile, files), Options(**options))  # type: ignore[arg-type]


def _dockerfile(run: str, cmd: str, image: str = "rust:1.80", workdir: str = "/app") -> str:
    return f"FROM {image}\nWORKDIR {workdir}\nCOPY . .\n{run}\nCMD {cmd}\n"


# --- Cargo.toml -----------------------------------------------------------------------------


def _manifest(text: str, files: tuple[str, ...] = ("src/main.rs",)) -> manifest.Manifest:
    contents = {"Cargo.toml": text, **dict.fromkeys(files, MAIN)}
    found = manifest.read(_project("FROM rust:1.80\n", contents), "Cargo.toml")
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("text", "files", "bins"),
    [
        pytest.param(APP, ("src/main.rs",), [("app", "src/main.rs")], id="src-main"),
        pytest.param(
            APP,
            ("src/main.rs", "src/bin/worker.rs", "src/bin/admin/main.rs"),
            [
                ("app", "src/main.rs"),
                ("admin", "src/bin/admin/main.rs"),
                ("worker", "src/bin/worker.rs"),
            ],
            id="discovered-bins",
        ),
        pytest.param(
            APP.replace(
                "[dependencies]",
                '[[bin]]\nname = "server"\npath = "bin/server.rs"\n\n[dependencies]',
            ),
            ("src/main.rs", "bin/server.rs"),
            [("server", "bin/server.rs"), ("app", "src/main.rs")],
            id="declared-and-discovered",
        ),
        pytest.param(
            APP.replace('edition = "2021"', 'edition = "2021"\nautobins = false').replace(
                "[dependencies]", '[[bin]]\nname = "only"\n\n[dependencies]'
            ),
            ("src/main.rs", "src/bin/only.rs"),
            [("only", "src/bin/only.rs")],
            id="autobins-false",
        ),
        pytest.param(
            APP.replace(
                "[dependencies]", '[[bin]]\nname = "app"\npath = "src/app.rs"\n\n[dependencies]'
            ),
            ("src/app.rs", "src/main.rs"),
            [("app", "src/app.rs")],
            id="declared-overrides-discovered",
        ),
        pytest.param(APP, ("src/lib.rs",), [], id="library-only"),
    ],
)
def test_bins(text: str, files: tuple[str, ...], bins: list[tuple[str, str]]) -> None:
    assert [(b.name, b.path) for b in _manifest(text, files).bins] == bins


def test_package_fields() -> None:
    text = APP.replace('edition = "2021"', 'edition = "2021"\ndefault-run = "app"') + (
        'serde = "1"\nlocal = { path = "../local" }\n\n[features]\ndefault = ["fast"]\n'
        'fast = ["dep:serde"]\nextra = []\n\n[target.\'cfg(unix)\'.dependencies]\nnix = "0.27"\n'
    )
    found = _manifest(text, ("src/main.rs", "src/lib.rs", "build.rs"))
    assert found.name == "app" and found.default_run == "app"
    assert found.lib == "src/lib.rs" and found.build_script == "build.rs"
    assert found.dependencies == ("serde", "local", "nix")
    assert found.path_dependencies == ("../local",)
    assert found.enabled((), defaults=True, everything=False) == {"default", "fast"}
    assert found.enabled(("extra",), defaults=False, everything=False) == {"extra"}


def test_workspace_table() -> None:
    found = _manifest(
        '[workspace]\nmembers = ["crates/*", "tools/cli"]\nexclude = ["crates/old"]\n'
        'default-members = ["crates/api"]\n',
        (),
    )
    assert found.name is None
    assert found.workspace == manifest.Workspace(
        ("crates/*", "tools/cli"), ("crates/old",), ("crates/api",)
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("[package\nname=", "Cargo.toml is not valid TOML", id="broken-toml"),
        pytest.param('[package]\nversion = "1"\n', "has a [package] without a name", id="no-name"),
        pytest.param(
            '[dependencies]\nserde = "1"\n', "neither [package] nor [workspace]", id="neither"
        ),
    ],
)
def test_bad_manifests_are_refused(text: str, reason: str) -> None:
    files = {**BASE, "Cargo.toml": text}
    outcome = _split(_dockerfile("RUN cargo build --release", '["./target/release/app"]'), files)
    assert outcome.status is Status.REFUSED
    assert reason in outcome.reason


# --- cargo's command line -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "flags_", "trailing"),
    [
        pytest.param(
            ["--release", "-p", "api"],
            [("release", None), ("package", "api")],
            [],
            id="short-value",
        ),
        pytest.param(
            ["-papi", "--bin=server"],
            [("package", "api"), ("bin", "server")],
            [],
            id="attached-values",
        ),
        pytest.param(
            ["-r", "-F", "a,b", "-vv"],
            [("release", None), ("features", "a,b"), ("verbose", None)],
            [],
            id="short-bools",
        ),
        pytest.param(
            ["--release", "--", "--port", "80"],
            [("release", None)],
            ["--port", "80"],
            id="run-args",
        ),
    ],
)
def test_flag_parsing(
    argv: list[str], flags_: list[tuple[str, str | None]], trailing: list[str]
) -> None:
    parsed = flags.parse(argv, "test")
    assert [(f.name, f.value) for f in parsed.flags] == flags_
    assert list(parsed.trailing) == trailing


def test_unknown_flag_is_refused() -> None:
    with pytest.raises(Refuse, match="--frobnicate is not one dfsplit knows"):
        flags.parse(["--frobnicate"], "line 4")


def test_features_split_on_commas_and_spaces() -> None:
    assert flags.parse(["--features", "a,b c", "-F", "d"], "t").features() == ("a", "b", "c", "d")


# --- artifact paths -------------------------------------------------------------------------


WORKSPACE = {
    "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n',
    "Cargo.lock": LOCK.replace('"app"', '"api"'),
    "crates/api/Cargo.toml": APP.replace('"app"', '"api"'),
    "crates/api/src/main.rs": MAIN,
    "crates/core/Cargo.toml": APP.replace('"app"', '"core"'),
    "crates/core/src/lib.rs": "",
}


@pytest.mark.parametrize(
    ("run", "cmd", "files", "artifact"),
    [
        pytest.param(
            "RUN cargo build --release",
            '["./target/release/app"]',
            None,
            "/app/target/release/app",
            id="release",
        ),
        pytest.param(
            "RUN cargo build", '["target/debug/app"]', None, "/app/target/debug/app", id="debug"
        ),
        pytest.param(
            "RUN cargo build --profile dev",
            '["target/debug/app"]',
            None,
            "/app/target/debug/app",
            id="profile-dev-is-debug",
        ),
        pytest.param(
            "RUN cargo build --profile dist",
            '["target/dist/app"]',
            None,
            "/app/target/dist/app",
            id="custom-profile",
        ),
        pytest.param(
            "RUN cargo build --release --target x86_64-unknown-linux-musl",
            '["target/x86_64-unknown-linux-musl/release/app"]',
            None,
            "/app/target/x86_64-unknown-linux-musl/release/app",
            id="target-triple",
        ),
        pytest.param(
            "RUN CARGO_TARGET_DIR=/out cargo build --release",
            '["/out/release/app"]',
            None,
            "/out/release/app",
            id="inline-target-dir",
        ),
        pytest.param(
            "ENV CARGO_TARGET_DIR=build\nRUN cargo build -r",
            '["build/release/app"]',
            None,
            "/app/build/release/app",
            id="env-target-dir-relative",
        ),
        pytest.param(
            "RUN cargo build --release --target-dir /t",
            '["/t/release/app"]',
            None,
            "/t/release/app",
            id="target-dir-flag",
        ),
        pytest.param(
            "RUN cargo install --path .",
            '["app"]',
            None,
            "/usr/local/cargo/bin/app",
            id="install-cargo-home",
        ),
        pytest.param(
            "RUN cargo install --path . --root /opt/app",
            '["/opt/app/bin/app"]',
            None,
            "/opt/app/bin/app",
            id="install-root",
        ),
        pytest.param(
            "RUN cargo build --release && cp target/release/app /usr/local/bin/",
            '["app"]',
            None,
            "/usr/local/bin/app",
            id="copied-out",
        ),
        pytest.param(
            "RUN cargo build --release -p api",
            '["./target/release/api"]',
            WORKSPACE,
            "/app/target/release/api",
            id="workspace-package",
        ),
        pytest.param(
            "RUN cd crates/api && cargo build --release",
            '["./target/release/api"]',
            WORKSPACE,
            "/app/target/release/api",
            id="member-dir-uses-root-target",
        ),
        pytest.param(
            "RUN cargo build --release --manifest-path crates/api/Cargo.toml",
            '["./target/release/api"]',
            WORKSPACE,
            "/app/target/release/api",
            id="manifest-path",
        ),
    ],
)
def test_artifact_path(run: str, cmd: str, files: dict[str, str] | None, artifact: str) -> None:
    outcome = _split(_dockerfile(run, cmd), files)
    assert outcome.status is Status.CHANGED, outcome.reason
    assert outcome.findings is not None and outcome.findings.artifact == artifact


def test_config_target_dir_and_target() -> None:
    files = {
        **BASE,
        ".cargo/config.toml": '[build]\ntarget-dir = "out"\ntarget = "x86_64-unknown-linux-musl"\n',
    }
    run = "RUN cargo build --release"
    outcome = _split(_dockerfile(run, '["out/x86_64-unknown-linux-musl/release/app"]'), files)
    assert outcome.findings is not None
    assert outcome.findings.artifact == "/app/out/x86_64-unknown-linux-musl/release/app"
    assert outcome.findings.runtime_image == "gcr.io/distroless/static-debian12:nonroot"


def test_start_naming_a_binary_the_build_does_not_make_is_refused() -> None:
    outcome = _split(_dockerfile("RUN cargo build --release", '["./target/debug/app"]'))
    assert outcome.status is Status.REFUSED
    assert "runs ./target/debug/app, which is not a binary this Dockerfile builds" in outcome.reason
    assert "/app/target/release/app" in outcome.reason


def test_several_binaries_without_a_choice_are_refused_with_the_candidates() -> None:
    files = {**BASE, "src/bin/migrate.rs": MAIN}
    outcome = _split(
        _dockerfile("RUN cargo build --release", '["cargo", "run", "--release"]'), files
    )
    assert outcome.status is Status.REFUSED
    assert "several binaries (app, migrate)" in outcome.reason
    assert "cargo run --bin NAME" in outcome.reason


def test_default_run_picks_the_binary() -> None:
    text = APP.replace('edition = "2021"', 'edition = "2021"\ndefault-run = "migrate"')
    files = {**BASE, "Cargo.toml": text, "src/bin/migrate.rs": MAIN}
    outcome = _split(
        _dockerfile("RUN cargo build --release", '["cargo", "run", "--release"]'), files
    )
    assert outcome.findings is not None
    assert outcome.findings.artifact == "/app/target/release/migrate"


def test_cargo_run_with_another_profile_gets_its_own_build() -> None:
    outcome = _split(_dockerfile("RUN cargo build --release", '["cargo", "run"]'))
    new = outcome.new.decode()
    assert "RUN cargo build\n" in new
    assert 'CMD ["/app/target/debug/app"]' in new


def test_shell_start_that_runs_another_tool_is_refused() -> None:
    cmd = "diesel migration run && ./target/release/app"
    outcome = _split(_dockerfile("RUN cargo install diesel_cli\nRUN cargo build --release", cmd))
    assert outcome.status is Status.REFUSED
    assert "also runs diesel" in outcome.reason and "diesel_cli" in outcome.reason


# --- the runtime image ----------------------------------------------------------------------


OPENSSL_LOCK = LOCK + (
    '\n[[package]]\nname = "openssl-sys"\nversion = "0.9.1"\ndependencies = ["cc", "libc"]\n'
)


@pytest.mark.parametrize(
    ("image", "lock", "runtime"),
    [
        pytest.param("rust:1.80", LOCK, "gcr.io/distroless/cc-debian12:nonroot", id="bookworm"),
        pytest.param(
            "rust:1.80-slim-bookworm",
            OPENSSL_LOCK,
            "gcr.io/distroless/cc-debian12:nonroot",
            id="bookworm-openssl-in-cc",
        ),
        pytest.param("rust:1.65", LOCK, "debian:bullseye-slim", id="bare-1.65-is-bullseye"),
        pytest.param(
            "rust:1.62-slim-buster", OPENSSL_LOCK, "debian:buster-slim", id="buster-openssl"
        ),
        pytest.param(
            "rust:1.71",
            LOCK,
            "gcr.io/distroless/cc-debian12:nonroot",
            id="ambiguous-release-takes-the-newer",
        ),
        pytest.param("rust:latest", LOCK, "debian:trixie-slim", id="latest-is-trixie"),
        pytest.param("rust:1.93-trixie", OPENSSL_LOCK, "debian:trixie-slim", id="trixie"),
        pytest.param(
            "rust:1.75-alpine3.19",
            OPENSSL_LOCK,
            "gcr.io/distroless/static-debian12:nonroot",
            id="alpine-static",
        ),
    ],
)
def test_runtime_image(image: str, lock: str, runtime: str) -> None:
    files = {**BASE, "Cargo.lock": lock}
    outcome = _split(
        _dockerfile("RUN cargo build --release", '["./target/release/app"]', image), files
    )
    assert outcome.status is Status.CHANGED, outcome.reason
    assert outcome.findings is not None and outcome.findings.runtime_image == runtime


def test_packages_follow_the_release() -> None:
    files = {**BASE, "Cargo.lock": OPENSSL_LOCK}
    df = _dockerfile("RUN cargo build --release", '["./target/release/app"]', "rust:1.93-trixie")
    new = _split(df, files).new.decode()
    assert "apt-get install -y --no-install-recommends libssl3t64 ca-certificates" in new


def test_dynamic_musl_gets_alpine_with_libgcc() -> None:
    run = 'ENV RUSTFLAGS="-C target-feature=-crt-static"\nRUN cargo build --release'
    outcome = _split(_dockerfile(run, '["./target/release/app"]', "rust:1.75-alpine3.19"))
    assert outcome.findings is not None and outcome.findings.runtime_image == "alpine:3.19"
    assert "RUN apk add --no-cache libgcc" in outcome.new.decode()
    assert "ENV RUSTFLAGS" not in outcome.new.decode().split("AS runtime")[1]


def test_ambiguous_release_with_openssl_is_refused() -> None:
    files = {**BASE, "Cargo.lock": OPENSSL_LOCK}
    outcome = _split(_dockerfile("RUN cargo build", '["target/debug/app"]', "rust:1.71"), files)
    assert outcome.status is Status.REFUSED
    assert "bullseye or bookworm" in outcome.reason and "libssl" in outcome.reason


def test_runtime_flag_overrides_and_is_checked() -> None:
    df = _dockerfile("RUN cargo build --release", '["./target/release/app"]')
    chosen = _split(df, runtime_image="debian:bookworm-slim")
    assert chosen.findings is not None and chosen.findings.runtime_image == "debian:bookworm-slim"
    wrong = _split(df, runtime_image="debian:bullseye-slim")
    assert wrong.status is Status.REFUSED and "glibc and library sonames" in wrong.reason
    static = _split(df, runtime_image="gcr.io/distroless/static-debian12")
    assert static.status is Status.REFUSED and "has no glibc" in static.reason


def test_no_lock_with_dependencies_is_refused() -> None:
    files = {"Cargo.toml": APP + 'reqwest = "0.11"\n', "src/main.rs": MAIN}
    outcome = _split(_dockerfile("RUN cargo build --release", '["./target/release/app"]'), files)
    assert outcome.status is Status.REFUSED
    assert "no Cargo.lock" in outcome.reason and "cargo generate-lockfile" in outcome.reason


def test_no_lock_without_dependencies_is_fine() -> None:
    files = {"Cargo.toml": APP, "src/main.rs": MAIN}
    outcome = _split(_dockerfile("RUN cargo build --release", '["./target/release/app"]'), files)
    assert outcome.status is Status.CHANGED, outcome.reason


@pytest.mark.parametrize(
    ("image", "releases"),
    [
        ("rust:1.80", ("bookworm",)),
        ("rust:1.80.1-slim", ("bookworm",)),
        ("rust:1.60", ("bullseye",)),
        ("rust:1.55", ("buster", "bullseye")),
        ("rust:1.45", ("buster",)),
        ("rust:1.71", ("bullseye", "bookworm")),
        ("rust:1.89-slim", ("bookworm", "trixie")),
        ("rust:1.92", ("trixie",)),
        ("rust", ("trixie",)),
        ("rust:slim-bullseye", ("bullseye",)),
        ("rust:1.30", ()),
        ("rust:1-alpine", ()),
        ("rustlang/rust:nightly", ()),
    ],
)
def test_release_of_a_rust_tag(image: str, releases: tuple[str, ...]) -> None:
    assert images.releases(image) == releases


# --- run-time libraries ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lock", "wanted"),
    [
        pytest.param({"openssl-sys": ("cc", "libc")}, ["ssl", "ca-certificates"], id="openssl"),
        pytest.param({"openssl-sys": ("cc", "openssl-src")}, [], id="openssl-vendored"),
        pytest.param({"libsqlite3-sys": ("pkg-config", "vcpkg")}, ["sqlite3"], id="sqlite-system"),
        pytest.param({"libsqlite3-sys": ("cc", "pkg-config")}, [], id="sqlite-bundled"),
        pytest.param({"pq-sys": ("vcpkg",)}, ["pq"], id="libpq"),
        pytest.param({"rustls-native-certs": ()}, ["ca-certificates"], id="native-roots"),
        pytest.param({"webpki-roots": (), "ring": ("cc",)}, [], id="webpki-roots"),
        pytest.param({"linux-raw-sys": ()}, [], id="pure-sys"),
    ],
)
def test_linked_libraries(lock: dict[str, tuple[str, ...]], wanted: list[str]) -> None:
    assert [link.library for link in libraries.linked(lock)] == wanted


def test_unknown_sys_crate_is_refused() -> None:
    with pytest.raises(Refuse, match=r"Cargo\.lock has alsa-sys"):
        libraries.linked({"alsa-sys": ()})


@pytest.mark.parametrize(
    ("release", "packages"),
    [
        ("buster", ["libssl1.1", "ca-certificates"]),
        ("bullseye", ["libssl1.1", "ca-certificates"]),
        ("bookworm", ["libssl3", "ca-certificates"]),
        ("trixie", ["libssl3t64", "ca-certificates"]),
    ],
)
def test_openssl_package_per_release(release: str, packages: list[str]) -> None:
    links = libraries.linked({"openssl-sys": ()})
    kind = ImageKind("debian", release, True, "glibc")
    assert libraries.packages(links, kind) == packages


def test_alpine_packages_come_from_the_shared_table() -> None:
    links = libraries.linked({"openssl-sys": (), "libsqlite3-sys": ("pkg-config",)})
    kind = ImageKind("alpine", "3.20", True, "musl")
    assert libraries.packages(links, kind) == ["sqlite-libs", "libssl3", "ca-certificates"]
    assert libraries.libgcc(kind) == "libgcc"


# --- the source -----------------------------------------------------------------------------


def test_source_scan() -> None:
    code = (
        'const BANNER: &str = include_str!("banner.txt");\n'
        '// File::open("commented.txt")\n'
        'fn main() {\n    let url = "http://example.com"; let c = File::open("config.toml");\n'
        '    let q = \'"\'; let raw = r#"static/{x}"#;\n'
        '    std::fs::write("out.txt", "x").unwrap();\n'
        '    std::process::Command::new("ffmpeg");\n}\n'
    )
    files = {"src/main.rs": code, "tests/it.rs": 'File::open("fixture.json")'}
    found = source.scan_source(_project("FROM rust\n", files), ".")
    assert found.embedded == ("banner.txt",)
    assert found.opened == ("config.toml",)
    assert "commented.txt" not in found.literals and "fixture.json" not in found.literals
    assert {"http://example.com", "config.toml", "static/{x}"} <= set(found.literals)
    assert found.executes == ("ffmpeg",)
    assert found.writes and "fs::write" in found.writes[0]
