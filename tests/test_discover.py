"""Discovery: which files are Dockerfiles, what the walk skips, and compose build contexts."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from fixture_cases import FIXTURES

from dfsplit import files
from dfsplit.fleet import discover, runner
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
