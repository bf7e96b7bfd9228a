"""Many Dockerfiles at once: discovery -> jobs (with their policy) -> a parallel map -> results.

The mapped function is `run_job`: read one Dockerfile's project and call the pure
`pipeline.split`. Results come back in job order (argument order, then sorted paths), however the
workers finish, so a parallel run prints and writes exactly what a serial one does.
"""

from __future__ import annotations

import gc
import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from dfsplit.files import shown_path
from dfsplit.fleet.config import ConfigError, Finder, OptionLayer, as_policy, excluded_by, merge
from dfsplit.fleet.discover import Target, discover
from dfsplit.model import Options, Outcome, Status

if TYPE_CHECKING:
    from concurrent.futures import Future

# Below this many files a process pool costs more to start than it saves.
MIN_PARALLEL_FILES = 16
# The work is CPU-bound: more workers than this only cost memory and start-up (--jobs 1000
# forked 1,000 processes for 80 files; --jobs 3000000000 overflowed).
MAX_WORKERS_PER_CPU = 4


class Job(NamedTuple):
    target: Target
    shown: str  # the Dockerfile path as the user sees it
    options: Options | None  # None: the config that applies to this file is broken
    problem: str = ""
    diff: bool = False  # the worker makes the diff shown to the user
    skipped: str = ""  # why discovery or an `exclude` leaves this file out: a skipped Outcome
    real_root: str | None = None  # os.path.realpath(target.root), once per root while planning


class Result(NamedTuple):
    outcome: Outcome
    target: Target
    real: Path | None  # the resolved Dockerfile that --apply would write, once it was read
    diff: str = ""  # the unified diff of a changed file, paths as shown (made by the worker)

    @property
    def repo(self) -> Path:
        """The repository a patch for this file belongs to (or the directory walked)."""
        return self.target.repo or self.target.root


# --- planning (IO: discovery and config files) -----------------------------------------------


def plan_jobs(
    paths: Sequence[Path], cli: Options, org: OptionLayer | None, flags: OptionLayer
) -> list[Job]:
    """One job per distinct Dockerfile, with its options: `org` < the file found < `flags`."""
    return list(iter_jobs(paths, cli, org, flags))


def iter_jobs(
    paths: Sequence[Path],
    cli: Options,
    org: OptionLayer | None,
    flags: OptionLayer,
    *,
    diffs: bool = False,
) -> Iterator[Job]:
    """`plan_jobs` lazily, so that `run_all` can start the workers before planning ends;
    with `diffs`, each worker also makes its file's diff (when it is to be printed)."""
    from dfsplit.fleet import pairs

    pairs.forget()  # what a previous run in this process read may have changed since
    finder = Finder()
    merged: dict[int, Options] = {}  # id(found config) -> its options: most files share one
    real_roots: dict[Path, str] = {}
    cwd = os.getcwd()
    seen: set[str] = set()
    for target in discover(paths):
        if target.real in seen:
            continue  # named twice (a directory and a file in it): process it once
        seen.add(target.real)
        shown = shown_path(target.dockerfile, cwd)
        if target.problem or target.skipped:
            yield Job(target, shown, None, target.problem, skipped=target.skipped)
            continue
        try:
            found = finder.for_directory(_resolved_parent(target))
            if id(found) not in merged:  # the finder keeps `found` alive: its id stays unique
                merged[id(found)] = merge(cli, *[p for p in (org, found, flags) if p is not None])
        except ConfigError as exc:  # a broken file, or layers that contradict each other
            yield Job(target, shown, None, f"bad config: {exc}")
            continue
        excluded = "" if target.named else _excluded(target, org, found)
        if excluded:
            yield Job(target, shown, None, skipped=excluded)
            continue
        if target.root not in real_roots:
            real_roots[target.root] = os.path.realpath(target.root)
        yield Job(target, shown, merged[id(found)], diff=diffs, real_root=real_roots[target.root])


def _excluded(target: Target, org: OptionLayer | None, found: OptionLayer | None) -> str:
    """Why an `exclude` pattern leaves the file out: the file found upward applies its patterns
    from its own directory, --config applies its patterns from each repository's root."""
    layers: list[tuple[OptionLayer, str]] = []  # only those with patterns: most have none
    if found is not None and found.exclude:
        layers.append((found, os.path.dirname(found.source)))
    if org is not None and org.exclude:
        layers.append((org, os.fspath(target.repo or target.root)))
    for layer, base in layers:
        rel = os.path.relpath(target.real, os.path.realpath(base)).replace(os.sep, "/")
        pattern = excluded_by(layer.exclude, rel) if not rel.startswith("../") else None
        if pattern is not None:
            return (
                f"excluded by the pattern {pattern!r} of `exclude` in "
                f"{shown_path(Path(layer.source))}; name the file on the command line to "
                "rewrite it anyway"
            )
    return ""


def single_job(dockerfile: Path, options: Options, shown: str = "") -> Job:
    """The job for one named Dockerfile, as a bulk run plans it (compose context, config file
    found upward), with `options` on top: what `detect` and `verify` run, so that they see
    exactly the rewrite that `rewrite` would write."""
    base = Options(runtime_image=options.runtime_image, prune=options.prune)
    [job] = plan_jobs([dockerfile], base, None, as_policy(options))
    return job._replace(shown=shown) if shown else job


def _resolved_parent(target: Target) -> str:
    """The Dockerfile's directory, resolved. Discovery's realpath of the file gives it for
    free unless the file itself is a symlink (one lstat instead of a realpath per file)."""
    if not os.path.islink(target.dockerfile):
        return os.path.dirname(target.real)
    return os.path.realpath(target.dockerfile.parent)


# --- the mapped function -------------------------------------------------------------------


def run_job(job: Job) -> Result:
    """Read and split one Dockerfile (or merge the builder-pattern pair it belongs to); never
    raises for a bad file, it becomes a failed Outcome."""
    target = job.target
    if job.skipped:
        return Result(Outcome(job.shown, Status.SKIPPED, reason=job.skipped), target, None)
    if job.options is None:
        return Result(Outcome(job.shown, Status.FAILED, reason=job.problem), target, None)
    paired = _paired(job)
    result = paired if paired is not None else _split(job)
    if not job.diff or result.outcome.status is not Status.CHANGED:
        return result
    # Diffed here, in the worker: the main process only prints, however many files there are.
    return result._replace(diff=diff_text(result))


def _paired(job: Job) -> Result | None:
    """A Dockerfile that is half of a builder-pattern pair (see fleet/pairs.py)."""
    from dfsplit.fleet import pairs

    assert job.options is not None
    target = job.target
    role = pairs.role_of(target.dockerfile, target.root, target.repo)
    if role is None:
        return None
    outcome, context, real = pairs.run(role, target.dockerfile, job.shown, target.root, job.options)
    return Result(outcome, target._replace(context=context), real)


def _split(job: Job) -> Result:
    from dfsplit import files
    from dfsplit.plan import pipeline

    target = job.target
    assert job.options is not None
    try:
        project, real = files.load_project(
            target.dockerfile,
            context=target.context,
            root=target.root,
            shown=job.shown,
            real=target.real,
            real_root=job.real_root,
        )
    except files.FileError as exc:
        return Result(Outcome(job.shown, Status.FAILED, reason=exc.reason), target, None)
    return Result(pipeline.split(project, job.options), target, real)


# --- the map ---------------------------------------------------------------------------------

Progress = Callable[[int, int], None]  # (done, total)


def run_all(jobs: Iterable[Job], workers: int, progress: Progress | None = None) -> list[Result]:
    """`run_job` over all jobs, in a process pool when it pays; results in job order.

    `jobs` may be a lazy iterator (`iter_jobs`): the pool then starts on the first chunk while
    the rest is still being planned, so planning does not leave a core idle.
    """
    pending = iter(jobs)
    workers = min(workers, (os.cpu_count() or 1) * MAX_WORKERS_PER_CPU)
    # Enough jobs to know whether every worker would get a chunk: no more workers than chunks.
    head = list(itertools.islice(pending, max(MIN_PARALLEL_FILES, workers * CHUNK)))
    if workers <= 1 or len(head) < MIN_PARALLEL_FILES:
        return _run_serial([*head, *pending], progress)
    workers = min(workers, -(-len(head) // CHUNK))
    return _run_pool(itertools.chain(head, pending), workers, progress)


def _run_serial(jobs: list[Job], progress: Progress | None) -> list[Result]:
    results = []
    for job in jobs:
        results.append(run_job(job))
        if progress:
            progress(len(results), len(jobs))
    return results


# Jobs per task sent to a worker: enough to amortise pickling, few enough that both cores stay
# busy until the end. Fixed, because the number of jobs is not known while planning goes on.
CHUNK = 24


def _run_pool(jobs: Iterator[Job], workers: int, progress: Progress | None) -> list[Result]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    _warm_up()
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    chunks: list[list[Job]] = []
    by_chunk: dict[int, list[Result]] = {}
    done = total = 0
    # What exists now is shared with the forked workers; frozen, their collector never walks
    # it, which would write to (and so copy) every page they inherited.
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures: dict[Future[list[_Computed]], int] = {}
            while chunk := list(itertools.islice(jobs, CHUNK)):
                futures[pool.submit(_run_chunk, chunk)] = len(chunks)
                chunks.append(chunk)
                total += len(chunk)
            for future in as_completed(futures):
                n = futures[future]
                by_chunk[n] = [
                    Result(outcome, job.target, real, diff)
                    for job, (outcome, real, diff) in zip(chunks[n], future.result(), strict=True)
                ]
                done += len(by_chunk[n])
                if progress:
                    progress(done, total)
    finally:
        gc.unfreeze()
    return [result for n in range(len(chunks)) for result in by_chunk[n]]


def _warm_up() -> None:
    """Import the pipeline, every recipe and compile the built-in templates before forking:
    forked workers inherit them, where each would otherwise pay for that itself (it doubles a
    cold pool's run time). Custom template directories are compiled by each worker."""
    import dfsplit.plan.pipeline  # noqa: F401
    from dfsplit import files, render  # noqa: F401  # files: imported for the workers
    from dfsplit.recipes import REGISTRY

    for recipe in REGISTRY:
        recipe.load()
    env = render.environment(None)
    for path in sorted(render.template_dir().glob("*.j2")):
        env.get_template(path.name)


# What a worker sends back for a job: its target is the main process's already.
_Computed = tuple[Outcome, "Path | None", str]


def _run_chunk(chunk: list[Job]) -> list[_Computed]:
    return [(result.outcome, result.real, result.diff) for result in map(run_job, chunk)]


# --- output: diffs, patches, writes ----------------------------------------------------------


def changes(result: Result) -> Iterator[tuple[Path, str, bytes | None, bytes | None]]:
    """(real path, path as shown, old bytes or None when new, new bytes or None when deleted)
    of each file touched."""
    outcome = result.outcome
    if outcome.status is not Status.CHANGED or result.real is None:
        return
    yield result.real, outcome.path, outcome.old, outcome.new
    # New files are relative to the build context (see model.NewFile).
    context = result.target.context
    for new in outcome.new_files:
        real = Path(os.path.realpath(context)) / new.rel
        yield real, shown_path(context / new.rel), None, new.text.encode("utf-8")
    for change in outcome.changes:  # a merged pair's build file and script
        real = Path(os.path.normpath(Path(os.path.realpath(context)) / change.rel))
        shown = shown_path(Path(os.path.normpath(context / change.rel)))
        yield real, shown, change.old, change.new


def diff_text(result: Result, base: Path | None = None) -> str:
    """The unified diff of one result; paths relative to `base`, else as shown to the user."""
    from dfsplit.diff import unified_diff

    parts = []
    for real, shown, old, new in changes(result):
        rel = shown
        if base is not None:
            rel = os.path.relpath(real, os.path.realpath(base)).replace(os.sep, "/")
        parts.append(unified_diff(old, new, rel.lstrip("/")))  # a/<path> must stay relative
    return "".join(parts)


def patches(results: Sequence[Result]) -> dict[str, str]:
    """One git-applicable patch per repository: file name -> text, paths from the repo root."""
    return {
        name: "".join(diff_text(r, repo) for r in group)
        for name, (repo, group) in _patch_groups(results).items()
    }


def patch_paths(results: Sequence[Result], directory: Path) -> list[Path]:
    """The files `write_patches` would write for these results (checked before a run writes)."""
    return [directory / name for name in _patch_groups(results)]


def _patch_groups(results: Sequence[Result]) -> dict[str, tuple[Path, list[Result]]]:
    by_repo: dict[Path, list[Result]] = {}
    for result in results:
        if result.outcome.status is Status.CHANGED and result.real is not None:
            by_repo.setdefault(result.repo, []).append(result)
    out: dict[str, tuple[Path, list[Result]]] = {}
    for repo in sorted(by_repo):
        out[_patch_name(repo, out)] = (repo, by_repo[repo])
    return out


def _patch_name(repo: Path, taken: Mapping[str, object]) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(os.path.realpath(repo)).name) or "repo"
    name, n = f"{stem}.patch", 2
    while name in taken:
        name, n = f"{stem}-{n}.patch", n + 1
    return name


def apply(result: Result) -> Result:
    """Write one changed result (atomically, all files or none); a write error fails it."""
    from dfsplit import files

    writes = [(path, new, old) for path, _, old, new in changes(result)]
    if not writes:
        return result
    try:
        files.write_all(writes, root=os.path.realpath(result.target.root))
    except files.FileError as exc:
        # Reported under the Dockerfile's path: name the file only when it is another one.
        same = exc.path == str(result.real)
        reason = exc.reason if same else f"{shown_path(Path(exc.path))}: {exc.reason}"
        outcome = result.outcome
        failed = Outcome(outcome.path, Status.FAILED, outcome.old, outcome.old, reason)
        return result._replace(outcome=failed)
    return result


def write_patches(results: Sequence[Result], directory: Path) -> list[Path]:
    """Write `<repo>.patch` files into `directory` (created); returns the paths written.

    The IO edge of --patch-dir: it creates patch files only, never touches a project file.
    Raises files.FileError naming the file that could not be written."""
    from dfsplit import files

    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise files.FileError(directory, (exc.strerror or type(exc).__name__).lower()) from None
    written = []
    for name, text in patches(results).items():
        path = directory / name
        files.check_replaceable([path])
        files.write_text(path, text, "surrogateescape")
        written.append(path)
    return written
