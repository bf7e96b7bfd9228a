"""Robustness over real-world Dockerfiles from public GitHub projects (tests/realworld/).

Each case folder holds a byte-exact Dockerfile, the manifests dfsplit reads, empty placeholders
for the rest of the build context, and SOURCE.txt naming repository, path and commit.
EXPECTED.json records the status dfsplit gives today (reviewed by hand); KNOWN_BUGS marks the
cases whose result is wrong, as strict xfails, so a fix shows up as XPASS.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import dockerfile as buildkit
import oracle
import pytest

from dfsplit import files, model
from dfsplit.model import Status
from dfsplit.plan import pipeline

ROOT = Path(__file__).parent / "realworld"
CASES = sorted(p.name for p in ROOT.iterdir() if (p / "Dockerfile").is_file())
EXPECTED: dict[str, str] = json.loads((ROOT / "EXPECTED.json").read_text())

# case -> the dfsplit bug its result shows (see the report in the commit that added this file)
KNOWN_BUGS: dict[str, str] = {}
CRASHES: set[str] = set()


def _split(case: str, data: bytes | None = None) -> model.Outcome:
    project, _ = files.load_project(ROOT / case / "Dockerfile", shown=f"{case}/Dockerfile")
    if data is not None:
        project = model.Project(
            path=project.path,
            dockerfile=data,
            context_files=project.context_files,
            contents=project.contents,
            dockerfile_name=project.dockerfile_name,
        )
    return pipeline.split(project, model.Options())


_FROM = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?\s*$", re.I)


def _stages(text: str) -> list[tuple[str, str | None, list[str]]]:
    """(image, name, instruction lines) for each stage, from BuildKit's parse."""
    stages: list[tuple[str, str | None, list[str]]] = []
    for cmd in buildkit.parse_string(text):
        if cmd.cmd.upper() == "FROM":
            m = _FROM.match(cmd.original)
            assert m, cmd.original
            stages.append((m.group(1), m.group(2), []))
        elif stages:
            stages[-1][2].append(cmd.original)
    return stages


def _runs(text: str) -> list[str]:
    return [c.original for c in buildkit.parse_string(text) if c.cmd.upper() == "RUN"]


_INSTALL = re.compile(r"\b(npm (install|i|ci)|yarn( install)?|pnpm (install|i))\b")


def _check_changed(case: str, outcome: model.Outcome) -> None:
    old = outcome.old.decode("utf-8-sig")
    new = outcome.new.decode("utf-8-sig")
    stages = _stages(new)
    names = [n.lower() for _, n, _ in stages if n]
    assert "builder" in names, "no builder stage"
    assert len(stages) >= 2, "no final stage"
    assert oracle.stage_problem(new) is None
    # the builder is a minimal edit: all original RUNs appear verbatim in the output, except
    # a package install that the Node recipe deliberately points at the lock file (npm ci)
    new_runs = _runs(new)
    for run in _runs(old):
        if case.startswith("node-") and _INSTALL.search(run):
            continue
        assert run in new_runs, f"original {run!r} lost"
    # the artifact is copied into the final stage
    artifact = outcome.findings.artifact if outcome.findings else None
    assert artifact, "changed without an artifact"
    final = stages[-1][2]
    copies = [ln for ln in final if re.match(r"(?i)^\s*COPY\s+.*--from=", ln)]
    assert any(artifact in ln for ln in copies), f"{artifact} not copied into the final stage"
    # the rewrite is stable
    again = _split(case, outcome.new)
    assert again.status is Status.UNCHANGED, again.reason


def _params() -> list:
    out = []
    for case in CASES:
        marks = []
        if case in KNOWN_BUGS:
            marks.append(pytest.mark.xfail(reason=KNOWN_BUGS[case], strict=True))
        out.append(pytest.param(case, id=case, marks=marks))
    return out


def test_every_case_has_an_expectation_and_source() -> None:
    assert set(CASES) == set(EXPECTED), set(CASES) ^ set(EXPECTED)
    for case in CASES:
        lines = (ROOT / case / "SOURCE.txt").read_text().splitlines()
        assert lines[0].startswith("repository: ") and lines[1].startswith("path: ")
        assert re.fullmatch(r"commit: [0-9a-f]{40}", lines[2])


def _status_params() -> list:
    return [
        pytest.param(
            c,
            id=c,
            marks=[pytest.mark.xfail(reason=KNOWN_BUGS[c], strict=True)] if c in CRASHES else [],
        )
        for c in CASES
    ]


@pytest.mark.parametrize("case", _status_params())
def test_status_never_failed_and_as_recorded(case: str) -> None:
    outcome = _split(case)
    assert outcome.status is not Status.FAILED, outcome.reason
    assert outcome.status.value == EXPECTED[case], outcome.reason
    if outcome.status is Status.REFUSED:
        assert outcome.reason.strip() and "\n" not in outcome.reason
        assert outcome.new == outcome.old


@pytest.mark.parametrize("case", _params())
def test_result_is_right(case: str) -> None:
    """Structural checks on every rewrite, plus the hand-judged bugs, known or fixed."""
    outcome = _split(case)
    assert outcome.status is not Status.FAILED, outcome.reason
    if outcome.status is Status.CHANGED:
        _check_changed(case, outcome)
    _assert_bug_fixed(case, outcome)


def _assert_bug_fixed(case: str, outcome: model.Outcome) -> None:
    """The cases of bugs once listed in KNOWN_BUGS: each fix stays checked."""
    new = outcome.new.decode("utf-8-sig")
    if case in ("go-roost-gopath-off", "go-tanagaku-user-nobody", "go-mosaics-exec-run-replace"):
        assert outcome.status is Status.CHANGED, outcome.reason
    elif case == "go-consult-two-binaries":
        final = new.split("AS runtime")[-1]
        copied = any("worker" in ln for ln in final.splitlines() if "--from=" in ln)
        warned = any("worker" in w for w in (outcome.findings.warnings if outcome.findings else ()))
        assert copied or warned
    elif case == "node-next-baznas-yarn-dev":
        assert outcome.status is Status.REFUSED or "/next-app/.env " in new
    elif case in ("go-mofahezi", "node-uciie-vite-preview-proxy"):
        # exec.Command("tar") on scratch; vite preview forwarding /api like server.proxy
        assert outcome.status is Status.REFUSED
    elif case == "node-goit-dotenv-devdep":
        # node -r dotenv/config (a devDependency); multer writes uploads beside the app
        runtime = new.split("AS runtime")[1]
        assert "COPY --from=builder /app/node_modules" in runtime and "USER 0" in runtime
    elif case == "node-gatekeeper-express":
        # the install ran after WORKDIR /gatekeeper; npm 2 writes no package-lock.json
        builder = new.split(" AS tester")[0]
        assert builder.index("WORKDIR /gatekeeper") < builder.index("RUN npm install")
        assert "package-lock.json" not in new
    elif case == "node-weather-angular5":
        # `node_modules/@angular/cli/bin/ng build` builds; no lock file reaches /tmp
        assert "npm run build" not in new and "npm ci" not in new
    elif case == "node-vite-tictactoe-npx-preview-shell":
        # vite preview's default port, with no --port and no EXPOSE
        assert "EXPOSE 4173" in new
        assert any("listen 4173;" in f.text for f in outcome.new_files)
