"""Builder-pattern pairs through the command line: rewrite --apply (twice), --prune, detect,
the JSON and Markdown reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pair_cases import PAIRS
from typer.testing import CliRunner

from dfsplit.cli import app

cli = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = cli.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _copy(tmp_path: Path, case: str = "go-docker-cp") -> Path:
    target = tmp_path / case
    shutil.copytree(PAIRS / case, target, ignore=shutil.ignore_patterns("expected.*"))
    (target / ".git").mkdir()  # a repository root: the search for scripts stops here
    return target


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def test_apply_merges_the_pair_and_a_second_apply_changes_nothing(tmp_path: Path) -> None:
    repo = _copy(tmp_path)
    build_file = (repo / "Dockerfile.build").read_bytes()
    code, _, err = _run("rewrite", "--apply", str(repo))
    assert code == 0, err
    merged = (repo / "Dockerfile.prod").read_text()
    assert "FROM golang:1.21 AS builder" in merged
    assert "COPY --from=builder /go/bin/hello /usr/local/bin/hello" in merged
    assert (repo / "Dockerfile.build").read_bytes() == build_file  # left in place by default
    assert "rewrote" in err and "builder-pattern pair" in err
    before = _tree(repo)
    code, _, err = _run("rewrite", "--apply", str(repo))
    assert code == 0, err
    assert _tree(repo) == before
    assert "rewrote" not in err


def test_prune_deletes_the_build_file_and_simplifies_the_script(tmp_path: Path) -> None:
    repo = _copy(tmp_path)
    code, _, err = _run("rewrite", "--apply", "--prune", str(repo))
    assert code == 0, err
    assert not (repo / "Dockerfile.build").exists()
    script = (repo / "build.sh").read_text()
    assert [line for line in script.splitlines() if "docker" in line] == [
        "docker build -t dfsplit-pair-hello:prod -f Dockerfile.prod ."
    ]
    assert 'cd "$(dirname "$0")"' in script  # what the script did besides stays


def test_prune_says_what_it_could_not_simplify(tmp_path: Path) -> None:
    repo = _copy(tmp_path)
    with (repo / "build.sh").open("a") as script:
        script.write("docker push dfsplit-pair-hello:prod\n")
    code, out, err = _run("detect", "--json", str(repo / "Dockerfile.prod"))
    assert code == 0, err
    code, out, _ = _run("rewrite", "--prune", "--json", str(repo / "Dockerfile.prod"))
    entry = json.loads(out)["files"][0]
    assert entry["pair"]["pruned"] == ["Dockerfile.build deleted"]
    [why] = entry["pair"]["not_pruned"]
    assert "build.sh not simplified (it also runs `docker push dfsplit-pair-hello:prod`" in why
    assert "build.sh:8: docker cp dfsplit-pair-hello-extract:/go/bin/hello ./hello" in why


def test_detect_shows_the_pair_the_mapping_and_what_told_it(tmp_path: Path) -> None:
    repo = _copy(tmp_path)
    code, out, err = _run("detect", str(repo / "Dockerfile.prod"))
    assert code == 0, err
    assert "pair:          Dockerfile.build -> this file (its builder stage)" in out
    assert "    - hello <- /go/bin/hello" in out
    assert "build.sh:8: docker cp dfsplit-pair-hello-extract:/go/bin/hello ./hello" in out
    assert "build.sh:7: docker create --name dfsplit-pair-hello-extract" in out
    code, out, _ = _run("detect", str(repo / "Dockerfile.build"))
    assert code == 0
    assert "not rewritten on its own" in out


def test_the_pr_body_names_the_now_unused_lines(tmp_path: Path) -> None:
    repo = _copy(tmp_path)
    report = tmp_path / "pr.md"
    code, _, err = _run("rewrite", "--report", str(report), str(repo))
    assert code == 0, err
    body = report.read_text()
    assert "Merged the builder-pattern pair: `Dockerfile.build`" in body
    assert "- `hello` from the host is now `COPY --from=builder /go/bin/hello`" in body
    assert "`build.sh:9: docker rm dfsplit-pair-hello-extract`" in body
    assert "`Dockerfile.build (the build file)`" in body
    doc = tmp_path / "report.json"
    _run("rewrite", "--report", str(doc), str(repo))
    entries = {e["path"].rsplit("/", 1)[-1]: e for e in json.loads(doc.read_text())["files"]}
    assert entries["Dockerfile.prod"]["pair"]["mapping"] == [
        {"host": "hello", "builder": "/go/bin/hello"}
    ]
    assert entries["Dockerfile.build"]["status"] == "unchanged"


def test_an_ambiguous_pair_is_refused_with_the_candidates(tmp_path: Path) -> None:
    repo = _copy(tmp_path, "ambiguous-names")
    before = _tree(repo)
    _, _, err = _run("rewrite", "--apply", str(repo))  # the exit code is the fleet contract's
    assert "refused " in err and "ambiguous" in err
    assert "Dockerfile copies server from Dockerfile.build" in err
    assert "Dockerfile.prod copies server from Dockerfile.build" in err
    assert _tree(repo) == before
