"""The command line: flags -> Options, the pipeline on each file, diffs and messages, exit code.

With dfsplit.report, the only module that prints; it writes through dfsplit.files.
No `from __future__ import annotations` here: typer would evaluate every string annotation
again at each start (8 ms of a 150 ms cold start); pipeline types are quoted instead.
"""

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, cast

import typer

from dfsplit import __version__
from dfsplit.report.exit_codes import HELP as EXIT_CODES

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from dfsplit.fleet.config import OptionLayer
    from dfsplit.fleet.runner import Job, Result
    from dfsplit.model import Options, Outcome
    from dfsplit.report.verify import Format
    from dfsplit.verify.prove import VerifyOptions

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help=f"Split naive single-stage Dockerfiles into builder, tester and runtime stages.\n\n"
    f"{EXIT_CODES}",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

Paths = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Build-context directories or Dockerfiles (default: .).", show_default=False
    ),
]
Runtime = Annotated[
    str | None, typer.Option("--runtime", metavar="IMAGE", help="Force the runtime image.")
]
NoTester = Annotated[bool, typer.Option("--no-tester", help="Leave out the tester stage.")]
GateTests = Annotated[
    bool,
    typer.Option(
        "--gate-tests",
        help="Make the runtime depend on the tester, so that a plain "
        "`docker build` fails when the tests fail.",
    ),
]
CacheMounts = Annotated[
    bool | None,
    typer.Option(
        "--cache-mounts/--no-cache-mounts",
        help="Add BuildKit cache mounts (RUN --mount), or leave them out (default: only when "
        "the Dockerfile or CI already uses BuildKit); Kaniko and the legacy builder reject them.",
        show_default=False,
    ),
]


Lean = Annotated[
    bool,
    typer.Option(
        "--lean",
        help="When dfsplit cannot tell which files the app reads, leave out what the "
        "original WORKDIR had (by default the runtime keeps it).",
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dfsplit {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """dfsplit: naive Dockerfile in, lean multi-stage Dockerfile out."""


def _options(
    runtime: str | None,
    no_tester: bool,
    gate: bool,
    cache: bool | None = None,
    lean: bool = False,
) -> "Options":
    from dfsplit.model import Options

    if gate and no_tester:
        raise typer.BadParameter("--gate-tests needs the tester stage; drop --no-tester")
    return Options(
        runtime_image=runtime, tester=not no_tester, gate_tests=gate, cache_mounts=cache, lean=lean
    )


def _process(target: Path, options: "Options") -> "Outcome":
    """Find, read and split one Dockerfile as a bulk run would; a bad file is a failed Outcome."""
    from dfsplit import files
    from dfsplit.fleet import runner
    from dfsplit.model import Outcome, Status

    try:
        dockerfile = files.find_dockerfile(target)
    except files.FileError as exc:
        return Outcome(files.shown_path(target), Status.FAILED, reason=exc.reason)
    return runner.run_job(runner.single_job(dockerfile, options)).outcome


# --- rewrite (bulk: discovery, config, parallel map, reports, patches) -----------------------

Jobs = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        metavar="N",
        min=1,
        show_default=False,
        help="Files processed in parallel (default: the number of CPUs).",
    ),
]
ReportFile = Annotated[
    Path | None,
    typer.Option(
        "--report",
        metavar="FILE.json|FILE.md",
        help="Write a JSON report, or a "
        "Markdown pull-request body with a mermaid diagram of the stages.",
    ),
]
PatchDir = Annotated[
    Path | None,
    typer.Option(
        "--patch-dir",
        metavar="DIR",
        help="Write one git-applicable <repo>.patch "
        "per repository (a directory with .git) into DIR.",
    ),
]
ConfigFile = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="Organisation policy (TOML), below the "
        "\\[tool.dfsplit] or .dfsplit.toml found upward from each Dockerfile, which is "
        "below the command-line flags.",
    ),
]


def _org_policy(config_file: Path | None) -> "OptionLayer | None":
    """The --config policy; a bad one is a usage error."""
    from dfsplit.fleet import config

    if config_file is None:
        return None
    try:
        return config.load_file(config_file)
    except config.ConfigError as exc:  # one plain line naming file and key, not a usage box
        _usage_error(f"--config: {exc}")


def _run_bulk(jobs: "Iterable[Job]", workers: int) -> "list[Result]":
    """The parallel map, with a progress bar on stderr when it is a terminal."""
    from dfsplit.fleet import runner

    if not sys.stderr.isatty():
        return runner.run_all(jobs, workers)
    from rich.console import Console
    from rich.progress import Progress

    bar = Progress(console=Console(stderr=True), transient=True)
    task = bar.add_task("splitting Dockerfiles", total=None)

    def show(done: int, total: int) -> None:
        if total >= runner.MIN_PARALLEL_FILES and not bar.live.is_started:
            bar.start()  # not for a handful of files
        bar.update(task, completed=done, total=total)

    try:
        return runner.run_all(jobs, workers, show)
    finally:
        bar.stop()


def _recorded(jobs: "Iterable[Job]", into: "list[Job]") -> "Iterator[Job]":
    """Pass jobs through, keeping them: planning goes on while the workers start."""
    for job in jobs:
        into.append(job)
        yield job


def _check_outputs(report: Path | None, patch_dir: Path | None, apply: bool, check: bool) -> None:
    """Every flag naming a path is checked before the run, so that a bad one fails (exit 2,
    one line) before anything is written."""
    from dfsplit import files
    from dfsplit.report.fleet import REPORT_SUFFIXES

    if apply and check:
        raise typer.BadParameter("--apply and --check exclude each other")
    if report is not None and report.suffix.lower() not in REPORT_SUFFIXES:
        _usage_error(f"--report: {report}: the report file must end in .json or .md")
    for flag, path, check_path in (
        ("--report", report, files.check_output_file),
        ("--patch-dir", patch_dir, files.check_output_dir),
    ):
        try:
            if path is not None:
                check_path(path)
        except files.FileError as exc:
            _usage_error(f"{flag}: {exc}")


def _usage_error(message: str) -> NoReturn:
    """One plain line and exit 2 (not a usage box: a path is named, nothing else to show)."""
    from dfsplit.report import exit_codes
    from dfsplit.report.run import printable

    print(f"error: {printable(message)}", file=sys.stderr)
    raise typer.Exit(exit_codes.USAGE)


def _check_patch_targets(results: "list[Result]", patch_dir: Path | None) -> None:
    """Before --apply writes anything: each <repo>.patch must be free to write."""
    from dfsplit import files
    from dfsplit.fleet import runner

    if patch_dir is None:
        return
    try:
        files.check_replaceable(runner.patch_paths(results, patch_dir))
    except files.FileError as exc:
        _usage_error(f"--patch-dir: {exc}")


@app.command()
def rewrite(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Dockerfiles, or directories searched recursively for them (default: .).",
            show_default=False,
        ),
    ] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Write the rewritten files.")] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 when a file would change.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON report instead of diffs.")
    ] = False,
    runtime: Runtime = None,
    no_tester: NoTester = False,
    gate_tests: GateTests = False,
    cache_mounts: CacheMounts = None,
    lean: Lean = False,
    color: Annotated[
        bool | None,
        typer.Option("--color/--no-color", help="Colour the diff (default: on a terminal)."),
    ] = None,
    verify_first: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Build, test and run each rewrite against the original "
            "with Docker first; print or write only those that pass.",
        ),
    ] = False,
    jobs: Jobs = None,
    report: ReportFile = None,
    patch_dir: PatchDir = None,
    config_file: ConfigFile = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Exit 123 when a file is refused (by default a refusal is reported)."
        ),
    ] = False,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help="When a builder-pattern pair is merged, delete its build file and reduce "
            "its script to the one docker build it still needs.",
        ),
    ] = False,
) -> None:
    """Print the multi-stage rewrite of each Dockerfile as a unified diff.

    A directory is searched for Dockerfiles. Those under .devcontainer/, .github/, docs/,
    examples/, fixtures/, __fixtures__/, testdata/, test/ and tests/, and those an `exclude`
    of the config names, are skipped and reported, not rewritten; a file named here is always
    taken.
    A refused file is reported and left as it is (exit 0 unless --strict)."""
    from dfsplit.diff import colorize
    from dfsplit.fleet import runner
    from dfsplit.fleet.config import as_policy
    from dfsplit.model import Options, Status
    from dfsplit.report import exit_codes
    from dfsplit.report.run import Reporter, dump_json

    _check_outputs(report, patch_dir, apply, check)
    flags = as_policy(_options(runtime, no_tester, gate_tests, cache_mounts, lean))
    org = _org_policy(config_file)
    if verify_first:
        from dfsplit.verify.prove import VerifyOptions

        _require_engine()
    planned: list[Job] = []
    show_diffs = not (check or as_json or apply)
    base = Options(runtime_image=runtime, prune=prune)
    stream = runner.iter_jobs(paths or [Path(".")], base, org, flags, diffs=show_diffs)
    results = _run_bulk(_recorded(stream, planned), jobs or os.cpu_count() or 1)
    _check_patch_targets(results, patch_dir)
    run = Reporter(check=check, apply=apply, strict=strict)
    kept: list[Result] = []
    use_color = sys.stdout.isatty() if color is None else color
    failed_verify = False
    for job, result in zip(planned, results, strict=True):
        outcome = result.outcome
        if verify_first and outcome.status is Status.CHANGED and result.real is not None:
            assert job.options is not None  # a job without options fails before splitting
            verify = VerifyOptions(options=job.options)
            if not _verify_before_write(outcome, result.real, result.target.context, verify):
                failed_verify = True
                continue
        if outcome.status is Status.CHANGED and apply:
            result = runner.apply(result)
        kept.append(result)
        run.outcome(result.outcome, applied=apply)
        if result.outcome.status is Status.CHANGED and show_diffs:
            sys.stdout.write(colorize(result.diff) if use_color else result.diff)
    _write_outputs(kept, report, patch_dir, apply)
    if as_json:
        dump_json([r.outcome for r in kept], run, sys.stdout)
    print(run.summary(), file=sys.stderr)
    raise typer.Exit(exit_codes.CHANGED if failed_verify else run.exit_code)


def _write_outputs(
    results: "list[Result]", report: Path | None, patch_dir: Path | None, applied: bool
) -> None:
    """The summary table (several files), --report and --patch-dir."""
    if report is None and patch_dir is None and len(results) < 2:
        return
    from dfsplit import files
    from dfsplit.fleet import runner
    from dfsplit.report import exit_codes
    from dfsplit.report import fleet as fleet_report
    from dfsplit.report.run import printable

    if len(results) > 1:
        print(
            fleet_report.summary_table([r.outcome for r in results], applied=applied),
            file=sys.stderr,
        )
    if report is not None:
        _write_report(results, report)
    if patch_dir is not None:
        try:
            written = runner.write_patches(results, patch_dir)
        except files.FileError as exc:
            print(f"error: --patch-dir: {printable(str(exc))}", file=sys.stderr)
            raise typer.Exit(exit_codes.FAILED) from None
        for path in written:
            print(f"wrote {printable(str(path))}", file=sys.stderr)


def _write_report(results: "list[Result]", path: Path) -> None:
    """`--report FILE.json|FILE.md`: the suffix chooses the format (checked before the run)."""
    from dfsplit import files
    from dfsplit.report import exit_codes
    from dfsplit.report import fleet as fleet_report
    from dfsplit.report.run import printable

    if path.suffix.lower() == ".json":
        text = fleet_report.dump_json_report(fleet_report.report_json(results))
    else:
        text = fleet_report.report_markdown(results)
    try:
        files.write_text(path, text)
    except files.FileError as exc:
        print(f"error: --report: {printable(str(exc))}", file=sys.stderr)
        raise typer.Exit(exit_codes.FAILED) from None


def _require_engine() -> None:
    """Exit 2 with one line on stderr when no Docker engine answers."""
    from dfsplit.report import exit_codes
    from dfsplit.report.verify import engine_unavailable_line
    from dfsplit.verify import engine

    try:
        engine.check_engine()
    except engine.EngineUnavailable as exc:
        print(engine_unavailable_line(str(exc)), file=sys.stderr)
        raise typer.Exit(exit_codes.USAGE) from None


def _verify_before_write(
    outcome: "Outcome", real: Path, context: Path, options: "VerifyOptions"
) -> bool:
    """`rewrite --verify`: prove one changed outcome, show the result; True when it passed."""
    from dfsplit.report.verify import progress_on_stderr, show_before_write
    from dfsplit.verify import prove

    with progress_on_stderr() as progress:
        progress.start(outcome.path)
        result = prove.prove_outcome(outcome, real, context, options, progress)
    show_before_write(result)
    return result.verdict == "pass"


# --- end of rewrite ---------------------------------------------------------------------------


def _verify_config(
    runtime: str | None,
    no_tester: bool,
    gate: bool,
    cache: bool | None,
    build_arg: list[str] | None,
    env: list[str] | None,
    run_arg: list[str] | None,
    startup: float,
    oneshot: bool,
    probe: tuple[int | None, str, str | None],
    keep: bool,
) -> "VerifyOptions":
    from dfsplit.verify.prove import ExitProbe, HttpProbe, RunSpec, VerifyOptions

    port, path, expect = probe
    if expect is not None and port is None:
        raise typer.BadParameter("--probe-expect needs --probe-port")
    spec = RunSpec(
        env=tuple(env or ()),
        args=tuple(run_arg or ()),
        startup_seconds=startup,
        http=HttpProbe(port, path, expect) if port is not None else None,
        exit=ExitProbe() if oneshot else None,
    )
    return VerifyOptions(
        options=_options(runtime, no_tester, gate, cache),
        build_args=tuple(build_arg or ()),
        run=spec,
        keep_images=keep,
    )


@app.command("verify")
def verify_command(
    paths: Paths = None,
    build_arg: Annotated[
        list[str] | None,
        typer.Option(
            "--build-arg", metavar="KEY=VALUE", help="Passed to every docker build (repeatable)."
        ),
    ] = None,
    env: Annotated[
        list[str] | None,
        typer.Option(
            "--env",
            "-e",
            metavar="KEY=VALUE",
            help="Passed to docker run -e for both images (repeatable).",
        ),
    ] = None,
    run_arg: Annotated[
        list[str] | None,
        typer.Option(
            "--run-arg", metavar="ARG", help="Argument after the image in docker run (repeatable)."
        ),
    ] = None,
    startup_seconds: Annotated[
        float, typer.Option("--startup-seconds", help="A service must stay up this long.")
    ] = 3.0,
    oneshot: Annotated[
        bool,
        typer.Option(
            "--oneshot",
            help="The program runs to completion: wait for it and compare exit code and stdout.",
        ),
    ] = False,
    probe_port: Annotated[
        int | None,
        typer.Option(
            "--probe-port", help="HTTP probe on 127.0.0.1:PORT (containers use --network host)."
        ),
    ] = None,
    probe_path: Annotated[str, typer.Option("--probe-path", help="Path of the HTTP probe.")] = "/",
    probe_expect: Annotated[
        str | None, typer.Option("--probe-expect", help="Text the probe's body must contain.")
    ] = None,
    keep_images: Annotated[
        bool, typer.Option("--keep-images", help="Keep the dfsplit-verify-* images for debugging.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    fmt: Annotated[
        str, typer.Option("--format", help="table, json or markdown (PR comment).")
    ] = "table",
    runtime: Runtime = None,
    no_tester: NoTester = False,
    gate_tests: GateTests = False,
    cache_mounts: CacheMounts = None,
) -> None:
    """Prove each rewrite with your Docker: build both, run the tests, run and compare both.

    Exit codes: 0 verified; 1 a rewrite does not build, fails its tests or behaves
    differently; 2 no Docker engine (or usage error); 123 a file was refused or failed."""
    from dfsplit.report import verify as report_verify
    from dfsplit.verify import prove

    if fmt not in ("table", "json", "markdown"):
        raise typer.BadParameter("--format must be table, json or markdown")
    config = _verify_config(
        runtime,
        no_tester,
        gate_tests,
        cache_mounts,
        build_arg,
        env,
        run_arg,
        startup_seconds,
        oneshot,
        (probe_port, probe_path, probe_expect),
        keep_images,
    )
    chosen = cast("Format", "json" if as_json else fmt)
    _require_engine()
    with report_verify.progress_on_stderr() as progress:
        results = [prove.verify_target(t, config, progress) for t in paths or [Path(".")]]
    report_verify.show(results, chosen)
    raise typer.Exit(report_verify.exit_code(results))


@app.command()
def detect(
    path: Annotated[Path, typer.Argument(help="A build-context directory or a Dockerfile.")] = Path(
        "."
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    runtime: Runtime = None,
    no_tester: NoTester = False,
    gate_tests: GateTests = False,
    cache_mounts: CacheMounts = None,
    lean: Lean = False,
) -> None:
    """Explain what was detected and the plan, without rewriting anything."""
    import json

    from dfsplit.report.outcome import outcome_json
    from dfsplit.report.run import Reporter, explain

    outcome = _process(path, _options(runtime, no_tester, gate_tests, cache_mounts, lean))
    if as_json:
        typer.echo(json.dumps(outcome_json(outcome), indent=2))
    else:
        typer.echo(explain(outcome))
    run = Reporter(silent=True)
    run.outcome(outcome)
    raise typer.Exit(run.exit_code)


def _template_cache() -> None:
    """Compiled templates under the user's cache directory, when one can be made."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    directory = os.path.join(base, "dfsplit", f"templates-{__version__}")
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:
        return
    if os.access(directory, os.W_OK):
        from dfsplit import render

        render.cache_compiled_templates(directory)


def main() -> None:
    """The CLI (dfsplit.__main__ runs it); usage errors exit 2, nothing else raises to the
    user. The process then ends with os._exit, which also spares the last collection."""
    _template_cache()
    try:
        app()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
