"""The fleet recipes of docs/fleet.md, run as written, the way each tool would run them.

multi-gitter, turbolift and src are not installed: their contracts are emulated on local git
repositories made from the fixtures. multi-gitter runs a script at each clone's root and opens
a PR when it exits 0 and the tree changed; turbolift `foreach` execs a command in each clone
and records non-zero exits as failed; Sourcegraph runs each step in every workspace (here:
each directory holding a Dockerfile) and turns its diff into a changeset; pre-commit runs a
hook's `entry` with the staged files that match `files` as arguments.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from test_bulk import git, make_fleet

from dfsplit.fleet.discover import NON_APP_DIRS, is_dockerfile_name

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "fleet.md"
_BLOCK = re.compile(r"<!-- recipe: ([\w-]+) -->\n```\w*\n(.*?)```", re.DOTALL)


def recipes() -> dict[str, str]:
    """Every block of docs/fleet.md marked `<!-- recipe: NAME -->`, by name."""
    return dict(_BLOCK.findall(DOC.read_text()))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """PATH with a `dfsplit` that runs this checkout, as an installed console script would."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "dfsplit"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m dfsplit "$@"\n')
    shim.chmod(0o755)
    return {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
    }


@pytest.fixture
def fleet(tmp_path: Path) -> list[Path]:
    return make_fleet(tmp_path / "work" / "my-org")


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _changed(repo: Path) -> bool:
    return git(repo, "status", "--porcelain") != ""


EXPECTED_PRS = {
    "go-article-svc",
    "go-mixed-repo-svc",
    "node-vite-default-svc",
    "java-maven-revision-arg-svc",
    "monorepo",
}
REFUSED = {"node-vite-computed-outdir-svc"}  # reported on stderr, exit 0, no change


def test_every_recipe_is_in_the_doc() -> None:
    assert set(recipes()) == {
        "multi-gitter-script",
        "multi-gitter",
        "turbolift",
        "sourcegraph",
        "pre-commit",
        "standalone",
    }


def test_multi_gitter_opens_prs_only_for_rewritten_repos(
    fleet: list[Path], env: dict[str, str], tmp_path: Path
) -> None:
    script = tmp_path / "dfsplit-multi-gitter.sh"
    script.write_text(recipes()["multi-gitter-script"])
    script.chmod(0o755)
    invocation = shlex.split(recipes()["multi-gitter"].replace("\\\n", " "))
    assert invocation[:3] == ["multi-gitter", "run", f"./{script.name}"]
    prs, refused = set(), set()
    for repo in fleet:
        done = _run([str(script)], repo, env)
        assert done.returncode == 0, done.stderr  # a refusal or a skip blocks no PR
        if _changed(repo):
            prs.add(repo.name)
        if "\nrefused " in f"\n{done.stderr}":
            refused.add(repo.name)
            assert not _changed(repo)
    assert (prs, refused) == (EXPECTED_PRS, REFUSED)
    mixed = fleet[[r.name for r in fleet].index("go-mixed-repo-svc")]
    assert git(mixed, "status", "--porcelain").split() == ["M", "Dockerfile"]
    for repo in fleet:  # idempotent: once committed, a second run has nothing to do
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--allow-empty", "-m", "dfsplit")
        done = _run([str(script)], repo, env)
        assert not _changed(repo) and done.returncode == 0


def _foreach_command() -> list[str]:
    lines = recipes()["turbolift"].splitlines()
    [line] = [ln for ln in lines if ln.startswith("turbolift foreach")]
    return shlex.split(line.split(" -- ", 1)[1])  # turbolift execs it without a shell


def test_turbolift_foreach_records_no_failure_for_a_refusal(
    fleet: list[Path], env: dict[str, str]
) -> None:
    command = _foreach_command()
    failed = {repo.name for repo in fleet if _run(command, repo, env).returncode != 0}
    assert failed == set()  # refused and skipped files are reported, not failures
    assert {r.name for r in fleet if _changed(r)} == EXPECTED_PRS
    diffs = {r.name: git(r, "diff") for r in fleet}
    # Re-running everything changes nothing more.
    again = {repo.name for repo in fleet if _run(command, repo, env).returncode != 0}
    assert again == set() and diffs == {r.name: git(r, "diff") for r in fleet}
    # With --strict, as the page says, a refused repository is a failed one to re-run.
    strict = [*command[:2], "--strict", *command[2:]]
    assert {r.name for r in fleet if _run(strict, r, env).returncode == 123} == REFUSED


def test_sourcegraph_step_gives_one_diff_and_pr_body_per_workspace(
    fleet: list[Path], env: dict[str, str]
) -> None:
    spec = yaml.safe_load(recipes()["sourcegraph"])
    assert spec["workspaces"] == [{"rootAtLocationOf": "Dockerfile", "in": "*"}]
    [step] = spec["steps"]
    assert step["container"] and "${{ step.stdout }}" in step["outputs"]["prBody"]["value"]
    assert spec["changesetTemplate"]["body"] == "${{ outputs.prBody }}"
    found = (p for r in fleet for p in r.rglob("Dockerfile") if ".git" not in p.parts)
    workspaces = sorted(p.parent for p in found)
    results = {}
    for workspace in workspaces:
        done = _run(["sh", "-c", step["run"]], workspace, env)
        here = git(workspace, "status", "--porcelain", "--", ".") != ""  # this workspace's diff
        results[workspace.name] = (done.returncode, here, done.stdout)
    for name, (code, changed, body) in results.items():
        if name in REFUSED or name in NON_APP_DIRS:
            # The mixed repo's .devcontainer/ and examples/ workspaces name their Dockerfile,
            # which is taken and refused: no diff, so no changeset.
            assert code == 0 and not changed
        elif name == "go-already-multistage-svc":
            assert (code, changed) == (0, False)
        else:
            assert code == 0 and changed and body.startswith("## Split Dockerfiles")
            assert "```mermaid" in body and "docker build --target tester" in body


HOOKS = ROOT / ".pre-commit-hooks.yaml"
REQUIRED = {"id": str, "name": str, "entry": str, "language": str}
OPTIONAL = {
    "description": str,
    "files": str,
    "exclude": str,
    "require_serial": bool,
    "pass_filenames": bool,
    "types": list,
    "args": list,
}


def test_pre_commit_hook_definitions_are_valid() -> None:
    hooks = yaml.safe_load(HOOKS.read_text())
    assert isinstance(hooks, list) and hooks
    for hook in hooks:
        assert set(REQUIRED) <= set(hook) <= set(REQUIRED) | set(OPTIONAL)
        for key, kind in {**REQUIRED, **OPTIONAL}.items():
            assert key not in hook or isinstance(hook[key], kind), key
        assert hook["language"] == "python"
    [check] = [h for h in hooks if h["id"] == "dfsplit"]
    assert check["entry"] == "dfsplit rewrite --check"
    users = yaml.safe_load(recipes()["pre-commit"])
    assert {h["id"] for r in users["repos"] for h in r["hooks"]} <= {h["id"] for h in hooks}


NAMES = [
    "Dockerfile",
    "svc/api.Dockerfile",
    "Dockerfile.prod",
    "Containerfile",
    "dockerfile",
    "Dockerfile.dockerignore",
    "README.md",
    "docker/Dockerfiles",
    "Dockerfile.orig",
    "x/containerfile.dev",
]


def _hook_matches(hook: dict[str, object], path: str) -> bool:
    files, exclude = str(hook.get("files", "")), str(hook.get("exclude", "^$"))
    return bool(re.search(files, path)) and not re.search(exclude, path)


@pytest.mark.parametrize("path", NAMES)
def test_pre_commit_files_pattern_agrees_with_discovery(path: str) -> None:
    for hook in yaml.safe_load(HOOKS.read_text()):
        assert _hook_matches(hook, path) is is_dockerfile_name(path.rsplit("/", 1)[-1]), path


@pytest.mark.parametrize("name", sorted(NON_APP_DIRS))
def test_pre_commit_excludes_what_a_walk_skips(name: str) -> None:
    """pre-commit names files, and a named file is always taken: the hook leaves out what
    discovery would skip, at any depth, and nothing else."""
    for hook in yaml.safe_load(HOOKS.read_text()):
        assert not _hook_matches(hook, f"{name}/Dockerfile")
        assert not _hook_matches(hook, f"svc/{name}/api.Dockerfile")
        assert _hook_matches(hook, f"svc/{name}-tools/Dockerfile")


def test_pre_commit_hook_runs_on_staged_files(fleet: list[Path], env: dict[str, str]) -> None:
    hooks = {h["id"]: h for h in yaml.safe_load(HOOKS.read_text())}
    check, fix = hooks["dfsplit"], hooks["dfsplit-apply"]
    for repo in fleet:
        staged = [p for p in git(repo, "ls-files").split() if _hook_matches(check, p)]
        assert staged, repo
        code = _run([*shlex.split(check["entry"]), *staged], repo, env).returncode
        assert code == (1 if repo.name in EXPECTED_PRS else 0), repo.name  # refused: 0
        _run([*shlex.split(fix["entry"]), *staged], repo, env)
        assert _run([*shlex.split(check["entry"]), *staged], repo, env).returncode == 0


def test_standalone_patch_dir_and_report(fleet: list[Path], env: dict[str, str]) -> None:
    work = fleet[0].parent.parent
    (work / "checkouts").symlink_to(fleet[0].parent)
    code = _run(shlex.split(recipes()["standalone"]), work, env).returncode
    assert code == 0  # one repository is refused, reported in report.md; the others get patches
    patches = sorted((work / "patches").iterdir())
    assert {p.stem for p in patches} == EXPECTED_PRS
    for patch in patches:
        git(fleet[0].parent / patch.stem, "apply", "--check", str(patch))
    assert (work / "report.md").read_text().startswith("## Split Dockerfiles")
    assert not any(_changed(r) for r in fleet)
