"""`dfsplit verify`: build the original and the rewrite with the user's Docker and compare them.

The result is a tree of frozen dataclasses; nothing here prints. The comparison and the
verdict are pure functions of those values (`behaviour_problems`, `decide`), so
they are tested without an engine; `prove_outcome` is the IO driver around them, and every
Docker call goes through `dfsplit.verify.engine`.
"""

from __future__ import annotations

import posixpath
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, Protocol

from dfsplit import files
from dfsplit.dockerfile.globs import is_glob, path_match
from dfsplit.model import Findings, Options, Outcome, Status
from dfsplit.verify import engine
from dfsplit.verify.engine import EngineError, HttpAnswer

Verdict = Literal["pass", "fail", "unchanged", "refused", "failed"]
RunKind = Literal["service", "oneshot", "not-run"]
TesterStatus = Literal["passed", "failed", "skipped"]

_TESTER_STAGE = re.compile(r"^\s*from\s+\S+.*\s+as\s+tester\s*$", re.IGNORECASE | re.MULTILINE)
_POLL = 0.25


# --- what to check -------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpProbe:
    port: int
    path: str = "/"
    expect: str | None = None  # substring the body must contain


@dataclass(frozen=True)
class ExitProbe:
    code: int | None = None
    stdout_contains: str | None = None


@dataclass(frozen=True)
class RunSpec:
    """How to run both images: `docker run -e ENV... IMAGE ARGS...` on the host network."""

    env: tuple[str, ...] = ()  # "KEY=VALUE"
    args: tuple[str, ...] = ()
    startup_seconds: float = 3.0  # a service must stay up this long
    http: HttpProbe | None = None
    exit: ExitProbe | None = None  # set for a one-shot program: wait for it to finish
    probe_timeout: float = 60.0  # some services compile or warm up before they listen
    exit_timeout: float = 60.0


@dataclass(frozen=True)
class VerifyOptions:
    options: Options = field(default_factory=Options)
    build_args: tuple[str, ...] = ()  # "KEY=VALUE", passed to every build
    run: RunSpec = field(default_factory=RunSpec)
    keep_images: bool = False
    build_timeout: float = 1800.0


def spec_from_fixture(meta: Mapping[str, object], startup_seconds: float = 3.0) -> RunSpec:
    """The RunSpec a fixture.json describes (`run.env`, `run.args`, `probe.http|exit`)."""
    run = meta.get("run") or {}
    probe = meta.get("probe") or {}
    assert isinstance(run, dict) and isinstance(probe, dict)
    env = tuple(f"{k}={v}" for k, v in (run.get("env") or {}).items())
    http = probe.get("http")
    exit_ = probe.get("exit")
    return RunSpec(
        env=env,
        args=tuple(str(a) for a in run.get("args") or ()),
        startup_seconds=startup_seconds,
        http=HttpProbe(int(http["port"]), http.get("path", "/"), http.get("expect"))
        if http
        else None,
        exit=ExitProbe(exit_.get("code"), exit_.get("stdout_contains")) if exit_ else None,
    )


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageResult:
    """One `docker build`: whether it worked, how long it took, what came out."""

    ok: bool
    seconds: float
    size: int | None = None
    layers: int | None = None
    log_tail: tuple[str, ...] = ()


@dataclass(frozen=True)
class TesterResult:
    status: TesterStatus
    seconds: float = 0.0
    log_tail: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunResult:
    """What one image did when started with the RunSpec."""

    kind: RunKind  # "service": still running at the end; "oneshot": it exited
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    http: HttpAnswer | None = None
    seconds: float = 0.0  # how long it was watched (service) or ran (one-shot)
    error: str = ""  # why it could not be run at all


@dataclass(frozen=True)
class FilesResult:
    """The runtime paths the plan listed, and those the runtime image lacks."""

    checked: tuple[str, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class FileResult:
    """Everything `dfsplit verify` learned about one Dockerfile."""

    path: str
    verdict: Verdict
    problems: tuple[str, ...] = ()  # why the verdict is not "pass", one line each
    reason: str = ""  # why dfsplit did not rewrite the file
    findings: Findings | None = None
    has_tester: bool = False
    original: ImageResult | None = None
    rewrite: ImageResult | None = None
    tester: TesterResult | None = None
    files: FilesResult | None = None
    original_run: RunResult | None = None
    rewrite_run: RunResult | None = None
    spec: RunSpec = field(default_factory=RunSpec)
    images: tuple[str, ...] = ()  # tags left behind with --keep-images

    @property
    def ratio(self) -> float | None:
        """Rewritten size / original size."""
        if self.original and self.rewrite and self.original.size and self.rewrite.size:
            return self.rewrite.size / self.original.size
        return None


class Progress(Protocol):
    def start(self, path: str) -> None:
        """Verification of another Dockerfile begins."""

    def step(self, message: str) -> None:
        """A new phase started (one line)."""

    def detail(self, line: str) -> None:
        """One line of build output, for a live status; may be ignored."""


class _Silent:
    def start(self, path: str) -> None:
        pass

    def step(self, message: str) -> None:
        pass

    def detail(self, line: str) -> None:
        pass


# --- pure comparison -----------------------------------------------------------------------


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:200] if lines else ""


def _exited(run: RunResult) -> str:
    why = _last_line(run.stderr) or _last_line(run.stdout)
    return f"exited with code {run.exit_code}" + (f" ({why})" if why else "")


def expectation_problems(role: str, run: RunResult, spec: RunSpec) -> list[str]:
    """What the probe expected of one image and it did not do (role: original/rewrite)."""
    if run.kind == "not-run":
        return [f"{role}: could not be run: {run.error}"]
    out: list[str] = []
    if spec.exit is not None:
        if run.kind == "service":
            out.append(
                f"{role}: still running after {spec.exit_timeout:.0f} s; expected it to exit"
            )
        elif spec.exit.code is not None and run.exit_code != spec.exit.code:
            out.append(f"{role}: exit code {run.exit_code}, expected {spec.exit.code}")
        if spec.exit.stdout_contains and spec.exit.stdout_contains not in run.stdout:
            out.append(
                f"{role}: stdout lacks {spec.exit.stdout_contains!r}"
                f" (got {_last_line(run.stdout)!r})"
            )
    if spec.http is not None:
        out += _http_problems(role, run, spec.http)
    return out


def _http_problems(role: str, run: RunResult, probe: HttpProbe) -> list[str]:
    where = f"127.0.0.1:{probe.port}{probe.path}"
    answer = run.http
    if answer is None or answer.status is None:
        detail = answer.error if answer else _exited(run)
        return [f"{role}: no HTTP answer on {where} ({detail})"]
    if probe.expect and probe.expect not in answer.body:
        return [
            f"{role}: {where} answered {answer.status} without {probe.expect!r}"
            f" (got {answer.body[:120]!r})"
        ]
    return []


def behaviour_problems(original: RunResult, rewrite: RunResult, spec: RunSpec) -> list[str]:
    """How the rewrite behaved differently from the original (empty: the same)."""
    if "not-run" in (original.kind, rewrite.kind):
        return []  # already reported by expectation_problems
    if original.kind == "service" and rewrite.kind == "oneshot":
        return [
            f"rewrite {_exited(rewrite)} within {rewrite.seconds:.0f} s; the original keeps running"
        ]
    if original.kind == "oneshot" and rewrite.kind == "service":
        return [
            f"rewrite is still running after {rewrite.seconds:.0f} s;"
            f" the original {_exited(original)}"
        ]
    out: list[str] = []
    if original.kind == "oneshot":
        if original.exit_code != rewrite.exit_code:
            out.append(
                f"exit code differs: original {original.exit_code},"
                f" rewrite {rewrite.exit_code} ({_last_line(rewrite.stderr)})"
            )
        if original.stdout != rewrite.stdout:
            diff = _first_difference(original.stdout, rewrite.stdout)
            out.append(f"stdout differs: original {diff}")
    o_status = original.http.status if original.http else None
    r_status = rewrite.http.status if rewrite.http else None
    if spec.http is not None and o_status != r_status:
        out.append(f"HTTP status differs: original {o_status}, rewrite {r_status}")
    return out


def _first_difference(a: str, b: str) -> str:
    for left, right in zip(a.splitlines(), b.splitlines(), strict=False):
        if left != right:
            return f"{left[:80]!r}, rewrite {right[:80]!r}"
    return f"{len(a.splitlines())} lines, rewrite {len(b.splitlines())} lines"


def required_paths(report: Findings | None) -> tuple[str, ...]:
    """The artifact and the runtime files the plan promised the runtime image holds."""
    if report is None:
        return ()
    artifact = report.runtime_artifact or report.artifact
    wanted = ([artifact] if artifact else []) + list(report.runtime_files)
    return tuple(dict.fromkeys(posixpath.normpath("/" + p.lstrip("/")) for p in wanted))


def missing_paths(wanted: Sequence[str], listing: Mapping[str, str | None]) -> tuple[str, ...]:
    """Paths (globs allowed) that the image listing holds neither directly nor via symlinks."""
    return tuple(p for p in wanted if not _present(p, listing))


def _present(path: str, listing: Mapping[str, str | None], hops: int = 8) -> bool:
    if is_glob(path):
        return any(path_match(path, name) for name in listing)
    if path in listing:
        return True
    # Follow a symlinked parent (Debian's /lib -> usr/lib) to where the file really lives.
    parts = path.strip("/").split("/")
    for i in range(1, len(parts)):
        head = "/" + "/".join(parts[:i])
        target = listing.get(head)
        if target is not None and hops > 0:
            base = posixpath.join(posixpath.dirname(head), target)  # absolute target wins
            rest = "/".join(parts[i:])
            return _present(posixpath.normpath(posixpath.join(base, rest)), listing, hops - 1)
    return False


def decide(result: FileResult) -> FileResult:
    """Fill in the verdict and the problems of a result whose measurements are complete."""
    problems: list[str] = []
    spec = result.spec
    if result.original is not None and not result.original.ok:
        problems.append("the original does not build, so there is nothing to compare against")
    if result.rewrite is not None and not result.rewrite.ok:
        problems.append("the rewrite does not build")
    if result.tester is not None and result.tester.status == "failed":
        problems.append("the tests fail in the tester stage")
    if result.files is not None and result.files.missing:
        problems.append("the runtime image lacks " + ", ".join(result.files.missing))
    if result.original_run is not None:
        problems += expectation_problems("original", result.original_run, spec)
    if result.rewrite_run is not None:
        problems += expectation_problems("rewrite", result.rewrite_run, spec)
    if result.original_run is not None and result.rewrite_run is not None:
        problems += behaviour_problems(result.original_run, result.rewrite_run, spec)
    verdict: Verdict = "fail" if problems else "pass"
    return replace(result, verdict=verdict, problems=tuple(problems))


def not_rewritten(outcome: Outcome) -> FileResult | None:
    """The result for an outcome with nothing to build, or None when it must be verified."""
    if outcome.status is Status.CHANGED:
        return None
    verdicts: dict[Status, Verdict] = {
        Status.UNCHANGED: "unchanged",
        Status.SKIPPED: "unchanged",  # verify names each file, and a named file is never skipped
        Status.REFUSED: "refused",
        Status.FAILED: "failed",
    }
    verdict = verdicts[outcome.status]
    return FileResult(outcome.path, verdict, reason=outcome.reason, findings=outcome.findings)


# --- the IO driver ---------------------------------------------------------------------------


def verify_file(
    dockerfile: Path, config: VerifyOptions, progress: Progress | None = None, *, shown: str = ""
) -> FileResult:
    """Read, rewrite in memory (as `rewrite` would, config files and compose contexts included)
    and prove one Dockerfile."""
    from dfsplit.fleet import runner

    result = runner.run_job(runner.single_job(dockerfile, config.options, shown))
    if result.real is None:  # it could not be read
        return FileResult(result.outcome.path, "failed", reason=result.outcome.reason)
    return prove_outcome(result.outcome, result.real, result.target.context, config, progress)


def verify_target(target: Path, config: VerifyOptions, progress: Progress) -> FileResult:
    """One PATH argument: a Dockerfile, or a directory holding one (its build context)."""
    try:
        dockerfile = files.find_dockerfile(target)
    except files.FileError as exc:
        return FileResult(files.shown_path(target), "failed", reason=exc.reason)
    shown = files.shown_path(dockerfile)
    progress.start(shown)
    return verify_file(dockerfile, config, progress, shown=shown)


def prove_outcome(
    outcome: Outcome,
    dockerfile: Path,
    context: Path,
    config: VerifyOptions,
    progress: Progress | None = None,
) -> FileResult:
    """Build, test, run and compare the original and the rewrite of one Dockerfile."""
    early = not_rewritten(outcome)
    if early is not None:
        return early
    with _Session(config, progress or _Silent()) as session:
        return decide(session.prove(outcome, dockerfile, context))


class _Session:
    """One verification: its tags, containers and temp dir, all removed on the way out."""

    def __init__(self, config: VerifyOptions, progress: Progress) -> None:
        self.config = config
        self.progress = progress
        self.token = secrets.token_hex(4)
        self.repo = f"dfsplit-verify-{self.token}"
        self.labels = (engine.LABEL, f"{engine.RUN_LABEL_KEY}={self.token}")
        self.tmp = files.temp_dir(f"{self.repo}-")

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.step("cleaning up")
        run_label = self.labels[1]
        try:
            engine.remove_containers(engine.labelled("container", run_label))
            if not self.config.keep_images:
                tags = [f"{self.repo}:{role}" for role in ("original", "rewrite", "tester")]
                engine.remove_images(tags + engine.labelled("image", run_label))
        finally:
            files.remove_tree(self.tmp)

    # -- steps --

    def prove(self, outcome: Outcome, dockerfile: Path, context: Path) -> FileResult:
        has_tester = bool(_TESTER_STAGE.search(outcome.new.decode("utf-8", "replace")))
        result = FileResult(
            outcome.path,
            "pass",
            findings=outcome.findings,
            has_tester=has_tester,
            spec=self.config.run,
        )
        new_df, new_ctx = self._stage_rewrite(outcome, context)
        # The original first: the rewrite's builder stage is the same text, so it is cached.
        original = self._build("original", context, dockerfile)
        result = replace(result, original=original)
        if not original.ok:
            return result
        rewrite = self._build("rewrite", new_ctx, new_df)
        result = replace(result, rewrite=rewrite)
        if not rewrite.ok:
            return result
        tester = self._test(new_ctx, new_df) if has_tester else TesterResult("skipped")
        result = replace(result, tester=tester, files=self._files(outcome.findings))
        result = replace(result, original_run=self._exercise("original"))
        result = replace(result, rewrite_run=self._exercise("rewrite"))
        kept = tuple(f"{self.repo}:{r}" for r in ("original", "rewrite", "tester"))
        return replace(result, images=kept if self.config.keep_images else ())

    def _stage_rewrite(self, outcome: Outcome, context: Path) -> tuple[Path, Path]:
        """The rewrite in a temp file; a temp copy of the context when it adds files."""
        if outcome.new_files:
            added = ", ".join(f.rel for f in outcome.new_files)
            self.progress.step(f"copying the build context to add {added}")
        return files.stage_rewrite(self.tmp, outcome.new, context, outcome.new_files)

    def _build(self, role: str, context: Path, dockerfile: Path) -> ImageResult:
        self.progress.step(f"building the {role}")
        tag = f"{self.repo}:{role}"
        built = engine.build(
            context,
            dockerfile,
            tag,
            labels=self.labels,
            build_args=self.config.build_args,
            on_line=self.progress.detail,
            timeout=self.config.build_timeout,
        )
        if not built.ok:
            return ImageResult(False, built.seconds, log_tail=built.log_tail)
        info = engine.inspect_image(tag)
        return ImageResult(True, built.seconds, info.size, info.layers)

    def _test(self, context: Path, dockerfile: Path) -> TesterResult:
        self.progress.step("building --target tester (runs the tests)")
        built = engine.build(
            context,
            dockerfile,
            f"{self.repo}:tester",
            labels=self.labels,
            target="tester",
            build_args=self.config.build_args,
            on_line=self.progress.detail,
            timeout=self.config.build_timeout,
        )
        status: TesterStatus = "passed" if built.ok else "failed"
        return TesterResult(status, built.seconds, () if built.ok else built.log_tail)

    def _files(self, report: Findings | None) -> FilesResult:
        wanted = required_paths(report)
        if not wanted:
            return FilesResult((), ())
        self.progress.step("listing the runtime image's files")
        listing = engine.list_files(
            f"{self.repo}:rewrite", labels=self.labels, name=f"{self.repo}-export"
        )
        return FilesResult(wanted, missing_paths(wanted, listing))

    def _exercise(self, role: str) -> RunResult:
        spec = self.config.run
        if spec.http is not None and engine.port_in_use(spec.http.port):
            return RunResult(
                "not-run",
                error=f"127.0.0.1:{spec.http.port} is already in use "
                "by another process; free it or pick --probe-port",
            )
        self.progress.step(f"running the {role}")
        name = f"{self.repo}-{role}"
        try:
            cid = engine.start(
                f"{self.repo}:{role}", name=name, labels=self.labels, env=spec.env, args=spec.args
            )
            return _watch(cid, spec, self.progress)
        except EngineError as exc:
            return _start_failure(name, str(exc))
        finally:
            # Stop it now: both images may want the same port on the host network.
            engine.remove_containers([name])


def _start_failure(name: str, error: str) -> RunResult:
    """`docker run` failed. If the container exists, its process could not start (exec of a
    missing binary): that is the program failing, like a crash. Otherwise it was not run."""
    try:
        state = engine.state(name)
    except EngineError:
        return RunResult("not-run", error=error)
    return RunResult("oneshot", exit_code=state.exit_code, stderr=error)


def _watch(cid: str, spec: RunSpec, progress: Progress) -> RunResult:
    """Watch a started container: its startup, the probe, and (one-shot) its exit."""
    start = time.monotonic()
    running = _wait_while_running(cid, spec.startup_seconds)
    if running and spec.exit is not None:
        running = _wait_while_running(cid, spec.exit_timeout)
    answer = None
    if running and spec.http is not None:
        progress.step(f"probing http://127.0.0.1:{spec.http.port}{spec.http.path}")
        answer = _poll_http(cid, spec.http, spec.probe_timeout)
    state = engine.state(cid)
    stdout, stderr = engine.logs(cid)
    kind: RunKind = "service" if state.running else "oneshot"
    return RunResult(
        kind,
        None if state.running else state.exit_code,
        stdout,
        stderr,
        answer,
        time.monotonic() - start,
    )


def _wait_while_running(cid: str, seconds: float) -> bool:
    """True if the container is still running after `seconds`; returns early when it exits."""
    deadline = time.monotonic() + seconds
    while True:
        if not engine.state(cid).running:
            return False
        if time.monotonic() >= deadline:
            return True
        time.sleep(_POLL)


def _poll_http(cid: str, probe: HttpProbe, timeout: float) -> HttpAnswer:
    """Retry until the service answers at all (it may still be starting), it exits, or timeout."""
    deadline = time.monotonic() + timeout
    answer = engine.http_get(probe.port, probe.path)
    while answer.status is None and time.monotonic() < deadline:
        if not engine.state(cid).running:
            break
        time.sleep(_POLL * 2)
        answer = engine.http_get(probe.port, probe.path)
    return answer
