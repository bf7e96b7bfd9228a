"""Discovery: which files are Dockerfiles, what the walk skips, and compose build contexts."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from fixture_cases import FIXTURES

from dfsplit import files
from dfsplit.fleet import config, discover, runner
from dfsplit.fleet.config import OptionLayer
from dfsplit.model import Options, Status
from dfsplit.plan import pipeline


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("Dockerfile", True, id="plain"),
        pytest.param("dockerfile", True, id="lower"),
        pytest.param("Containerfile", True, id="containerfile"),
        pytest.param("api.Dockerfile", True, id="suffix"),
        pytest.param("backend.dockerfile", True, id="suffix-lower"),
        pytest.param("Dockerfile.prod", True, id="prefix"),
        pytest.param("DOCKERFILE.dev", True, id="prefix-upper"),
        pytest.param("Dockerfile.dockerignore", False, id="per-file-ignore"),
        pytest.param("Dockerfile.orig", False, id="merge-leftover"),
        pytest.param("Dockerfile.j2", False, id="template"),
        pytest.param("Dockerfiles", False, id="longer-word"),
        pytest.param("mydockerfile", False, id="no-dot"),
        pytest.param("README.md", False, id="other"),
    ],
)
def test_dockerfile_names(name: str, expected: bool) -> None:
    assert discover.is_dockerfile_name(name) is expected


def _touch(root: Path, *rels: str) -> None:
    for rel in rels:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("FROM scratch\n")


def _found(top: Path) -> list[str]:
    dockerfiles, _ = discover.walk(top)
    return [p.relative_to(top).as_posix() for p in dockerfiles]


def test_walk_skips_vcs_dependencies_and_build_outputs(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "Dockerfile",
        "svc/api.Dockerfile",
        "build/package/Dockerfile",
        ".git/Dockerfile",
        "node_modules/x/Dockerfile",
        "vendor/y/Dockerfile",
        "dist/Dockerfile",
        "target/Dockerfile",
    )
    assert _found(tmp_path) == ["Dockerfile", "build/package/Dockerfile", "svc/api.Dockerfile"]


def test_walk_honours_gitignore_rules(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text(
        "# comment\n/out/\ngenerated*\n*.tmp.Dockerfile\n!keep.tmp.Dockerfile\nlogs/**/Dockerfile\n"
    )
    _touch(
        tmp_path,
        "out/Dockerfile",
        "src/out/Dockerfile",
        "generated-1/Dockerfile",
        "a.tmp.Dockerfile",
        "keep.tmp.Dockerfile",
        "logs/x/y/Dockerfile",
        "sub/Dockerfile",
        "sub/skip/Dockerfile",
    )
    (tmp_path / "sub" / ".gitignore").write_text("skip/\n")
    assert _found(tmp_path) == ["keep.tmp.Dockerfile", "src/out/Dockerfile", "sub/Dockerfile"]


def test_gitignore_above_the_walked_directory_applies(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("/app/old/\n*.bak.Dockerfile\n")
    _touch(tmp_path, "app/Dockerfile", "app/old/Dockerfile", "app/x.bak.Dockerfile")
    assert _found(tmp_path / "app") == ["Dockerfile"]


def test_nested_repository_starts_its_own_ignore_rules(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("Dockerfile.dev\n")
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    _touch(tmp_path, "Dockerfile.dev", "repo/Dockerfile.dev")
    assert _found(tmp_path) == ["repo/Dockerfile.dev"]


COMPOSE_SHAPES = """\
version: "3.8"
x-build: &b
  context: ignored
services:
  api:
    image: api
    build:
      context: ./backend   # the module
      dockerfile: ../docker/backend.Dockerfile
  web:
    build: ./web
  worker: {image: w}
  cron:
    build: {context: "./jobs", dockerfile: 'Cron.Dockerfile'}
  db:
    image: postgres
volumes:
  data:
    build: not-a-service
"""


def test_small_compose_reader_understands_the_build_shapes() -> None:
    assert discover.read_builds(COMPOSE_SHAPES) == [
        ("./backend", "../docker/backend.Dockerfile"),
        ("./web", "Dockerfile"),
        ("./jobs", "Cron.Dockerfile"),
    ]


def test_yaml_and_small_reader_agree() -> None:
    pytest.importorskip("yaml")
    assert discover.build_entries(COMPOSE_SHAPES) == discover.read_builds(COMPOSE_SHAPES)


def _monorepo(tmp_path: Path) -> Path:
    """Real repos keep docker/backend.Dockerfile with the Go module in ./backend."""
    repo = tmp_path / "mono"
    shutil.copytree(FIXTURES / "go-article", repo / "backend")
    for name in ("expected.Dockerfile", "fixture.json"):
        (repo / "backend" / name).unlink()
    (repo / "docker").mkdir()
    (repo / "backend" / "Dockerfile").rename(repo / "docker" / "backend.Dockerfile")
    (repo / ".git").mkdir()
    (repo / "docker-compose.yml").write_text(
        "services:\n  api:\n    build:\n      context: ./backend\n"
        "      dockerfile: ../docker/backend.Dockerfile\n"
    )
    return repo


def test_compose_names_the_build_context(tmp_path: Path) -> None:
    repo = _monorepo(tmp_path)
    [target] = discover.discover([repo])
    assert target.context == repo / "backend"
    assert target.repo == repo and not target.problem
    [result] = runner.run_all(runner.plan_jobs([repo], Options(), None, _no_flags()), 1)
    assert result.outcome.status is Status.CHANGED, result.outcome.reason


def test_explicit_file_also_uses_the_compose_context(tmp_path: Path) -> None:
    repo = _monorepo(tmp_path)
    [target] = discover.discover([repo / "docker" / "backend.Dockerfile"])
    assert Path(target.context).resolve() == (repo / "backend").resolve()


def test_without_compose_the_context_is_the_dockerfile_directory(tmp_path: Path) -> None:
    repo = _monorepo(tmp_path)
    (repo / "docker-compose.yml").unlink()
    [result] = runner.run_all(runner.plan_jobs([repo], Options(), None, _no_flags()), 1)
    assert result.target.context == repo / "docker"
    assert result.outcome.status is Status.REFUSED  # no go.mod beside it


def test_compose_context_outside_the_repository_fails_the_file(tmp_path: Path) -> None:
    repo = _monorepo(tmp_path)
    (repo / "docker-compose.yml").write_text(
        "services:\n  api:\n    build:\n      context: ../elsewhere\n"
        "      dockerfile: ../mono/docker/backend.Dockerfile\n"
    )
    [target] = discover.discover([repo])
    assert "outside" in target.problem


@pytest.mark.parametrize(
    "case", ["go-article", "node-express", "java-article", "go-crlf-lowercase"]
)
def test_directory_with_a_root_dockerfile_gives_the_same_result_as_before(
    case: str, tmp_path: Path
) -> None:
    shutil.copytree(FIXTURES / case, tmp_path / case)
    project, _ = files.load_project(files.find_dockerfile(tmp_path / case))
    before = pipeline.split(project, Options())
    results = runner.run_all(runner.plan_jobs([tmp_path / case], Options(), None, _no_flags()), 1)
    by_name = {r.target.dockerfile.name: r.outcome for r in results}
    assert by_name["Dockerfile"].new == before.new
    assert by_name["Dockerfile"].status is before.status
    assert by_name["expected.Dockerfile"].reason == "already multi-stage"


def test_missing_path_becomes_a_failed_file(tmp_path: Path) -> None:
    [target] = discover.discover([tmp_path / "nope"])
    assert target.problem == "no such file or directory"


def test_walk_knows_each_dockerfiles_real_path_and_repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walk derives what realpath and find_repo would say instead of asking each file."""
    outer = tmp_path / "outer"
    _touch(outer, "Dockerfile", "a/b/Dockerfile", "nested/svc/Dockerfile")
    (outer / ".git").mkdir()
    (outer / "nested" / ".git").mkdir()
    (outer / "a" / "b" / "svc.Dockerfile").symlink_to("../../nested/svc/Dockerfile")
    (tmp_path / "alias").symlink_to(outer / "a")  # a symlinked top; never entered from above
    _touch(tmp_path, "loose/Dockerfile")  # outside any repository
    monkeypatch.chdir(tmp_path)
    tops = [tmp_path, outer, Path("alias"), Path("outer/nested/svc"), Path("loose")]
    targets = [t for top in tops for t in discover.discover([top])]
    assert len(targets) == 13
    for target in targets:
        assert target.real == os.path.realpath(target.dockerfile), target
        assert target.repo == discover.find_repo(target.dockerfile.parent.resolve()), target


def test_a_dockerfile_reached_twice_is_planned_once(tmp_path: Path) -> None:
    _touch(tmp_path, "Dockerfile")
    (tmp_path / "prod.Dockerfile").symlink_to("Dockerfile")
    paths = [tmp_path / "prod.Dockerfile", tmp_path, tmp_path / "Dockerfile"]
    jobs = runner.plan_jobs(paths, Options(), None, _no_flags())
    assert [job.target.dockerfile for job in jobs] == [tmp_path / "prod.Dockerfile"]


def test_walk_matches_git_check_ignore(tmp_path: Path) -> None:
    """git itself is the oracle for the .gitignore subset dfsplit implements."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("a/**/b/\n*.x.Dockerfile\n/top.Dockerfile\n[Dd]ev/\n")
    rels = [
        "a/b/Dockerfile",
        "a/c/b/Dockerfile",
        "b/Dockerfile",
        "q.x.Dockerfile",
        "top.Dockerfile",
        "sub/top.Dockerfile",
        "dev/Dockerfile",
        "Dev/Dockerfile",
        "ok/Dockerfile",
    ]
    _touch(tmp_path, *rels)
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    expected = sorted(r for r in listed if r != ".gitignore")
    assert _found(tmp_path) == expected


def _no_flags() -> OptionLayer:
    return OptionLayer(source="command line")


# --- Dockerfiles that are not images of the app ----------------------------------------------


def _skipped(top: Path) -> dict[str, str]:
    """Path below top -> the skip reason ("" when taken), as discovery yields them."""
    return {t.dockerfile.relative_to(top).as_posix(): t.skipped for t in discover.discover([top])}


def test_walk_skips_non_app_directories_with_a_reason(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "Dockerfile",
        ".devcontainer/Dockerfile",
        ".github/actions/lint/Dockerfile",
        "docs/Dockerfile",
        "examples/client/Dockerfile",
        "internal/parser/testdata/Dockerfile",
        "test/fixtures/Dockerfile",
        "tests/e2e/Dockerfile",
        "build/package/Dockerfile",
        "docs-site/Dockerfile",
    )
    found = _skipped(tmp_path)
    taken = sorted(rel for rel, why in found.items() if not why)
    assert taken == ["Dockerfile", "build/package/Dockerfile", "docs-site/Dockerfile"]
    assert found[".devcontainer/Dockerfile"].startswith(".devcontainer/ holds a development")
    assert found["examples/client/Dockerfile"].startswith("examples/ holds examples")
    assert found["internal/parser/testdata/Dockerfile"].startswith("testdata/ holds test")
    assert found["test/fixtures/Dockerfile"].startswith("test/ holds test")  # the outermost
    for why in found.values():
        assert not why or why.endswith("name the file on the command line to rewrite it anyway")


def test_a_named_directory_or_file_is_taken_whatever_its_name(tmp_path: Path) -> None:
    """`dfsplit rewrite fixtures/go-article` (the README's command) and `rewrite examples`
    walk what they name; a named file is always taken."""
    _touch(
        tmp_path, "fixtures/go-article/Dockerfile", "examples/Dockerfile", "examples/x/Dockerfile"
    )
    assert _skipped(tmp_path / "fixtures" / "go-article") == {"Dockerfile": ""}
    assert _skipped(tmp_path / "examples") == {"Dockerfile": "", "x/Dockerfile": ""}
    [named] = discover.discover([tmp_path / "examples" / "x" / "Dockerfile"])
    assert named.named and not named.skipped


def test_a_nested_repository_root_is_never_a_non_app_directory(tmp_path: Path) -> None:
    """A checkouts directory may hold a repository called `docs` or `examples`."""
    (tmp_path / "examples" / ".git").mkdir(parents=True)
    _touch(tmp_path, "examples/Dockerfile", "examples/docs/Dockerfile")
    found = _skipped(tmp_path)
    assert found["examples/Dockerfile"] == ""
    assert found["examples/docs/Dockerfile"].startswith("docs/ holds documentation")


def test_the_readme_command_rewrites_the_bundled_example() -> None:
    results = runner.run_all(
        runner.plan_jobs([FIXTURES / "go-article"], Options(), None, _no_flags()), 1
    )
    statuses = {r.target.dockerfile.name: r.outcome.status for r in results}
    # expected.Dockerfile is a Dockerfile name too: the golden rewrite, already multi-stage.
    assert statuses == {"Dockerfile": Status.CHANGED, "expected.Dockerfile": Status.UNCHANGED}


def test_config_exclude_skips_what_it_names_and_a_named_file_is_taken(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "go-article", repo / "svc")
    (repo / ".git").mkdir()
    shutil.copy(repo / "svc" / "Dockerfile", repo / "svc" / "Dockerfile.dev")
    _touch(repo, "deploy/legacy/Dockerfile")
    (repo / ".dfsplit.toml").write_text('exclude = ["deploy/legacy/", "*.dev"]\n')
    results = runner.run_all(runner.plan_jobs([repo], Options(), None, _no_flags()), 1)
    by_path = {r.target.dockerfile.relative_to(repo).as_posix(): r.outcome for r in results}
    assert by_path["svc/Dockerfile"].status is Status.CHANGED
    for rel, pattern in (
        ("deploy/legacy/Dockerfile", "deploy/legacy/"),
        ("svc/Dockerfile.dev", "*.dev"),
    ):
        assert by_path[rel].status is Status.SKIPPED
        assert f"excluded by the pattern {pattern!r} of `exclude` in " in by_path[rel].reason
    named = repo / "svc" / "Dockerfile.dev"
    [result] = runner.run_all(runner.plan_jobs([named], Options(), None, _no_flags()), 1)
    assert result.outcome.status is Status.CHANGED


def test_org_config_exclude_applies_from_each_repository_root(tmp_path: Path) -> None:
    for name in ("a", "b"):
        _touch(tmp_path / name, "Dockerfile", "ops/e2e/Dockerfile")
        (tmp_path / name / ".git").mkdir()
    org = config.parse_table({"exclude": ["/ops/e2e/"]}, tmp_path / "org.toml", frozenset())
    jobs = runner.plan_jobs([tmp_path], Options(), org, _no_flags())
    skipped = sorted(
        j.target.dockerfile.relative_to(tmp_path).as_posix() for j in jobs if j.skipped
    )
    assert skipped == ["a/ops/e2e/Dockerfile", "b/ops/e2e/Dockerfile"]
