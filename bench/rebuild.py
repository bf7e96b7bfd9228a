"""What a one-line source change costs: naive file vs rewrite, for the buildable fixtures.

    python bench/rebuild.py                  # every fixture with "build": true (by hand)
    python bench/rebuild.py --sample         # the first buildable fixture of each recipe (CI)
    python bench/rebuild.py go-article node-express

For each fixture it builds three files: the naive Dockerfile, dfsplit's rewrite, and the
rewrite with `--cache-mounts` (when that changes the file). Each is built cold
(`--no-cache`; cache mounts keep what earlier builds left in them), then one line is appended
to an app source file (a comment, unique to the run) and the file is rebuilt with the cache.
Each Dockerfile is written beside the build context, not in it, so that every variant's
`COPY . .` copies the same files.
The table shows both wall times, the bytes of the layers the rebuilt image has and the first
one had not (uncompressed: what a push uploads, before gzip), and the ratios against the naive
file. Wall times on a shared machine are noisy: nothing here asserts on time.

What it does check, and exits 1 on: a build that fails, a rewrite whose new layers are bigger
than the naive image's, and a Node or Python server whose new layers hold more than its app
files (over 1.1 times the tar of the build context, `.dockerignore` applied). A naive file that
compiles at every start (`go run`, `cargo run`) pushes only sources: the rewrite, which ships
the compiled artifact, is marked n/a there instead of failing. It exits 2 when
no engine answers. A comment-only change can leave a compiled artifact byte-identical (Rust
binaries are reproducible), and then its layer is reused: 0 B is the true push cost.

The whole set (50 fixtures) took 46 minutes on the shared 2-core machine, so CI runs
`--sample` (about 5 minutes): the first buildable fixture of each recipe (Go, Maven, Node
server and static, Rust, and any recipe added later, Python included). Run the whole set by
hand.
"""

from __future__ import annotations

import argparse
import re
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from image_sizes import buildable, meta  # the same fixtures as the image-size benchmark

from dfsplit import files
from dfsplit.dockerfile import parser
from dfsplit.dockerfile.globs import Dockerignore
from dfsplit.fleet import runner
from dfsplit.model import NewFile, Options, Outcome, Status
from dfsplit.report.verify import human_size
from dfsplit.verify import engine

NOT_CONTEXT = ("expected.*", "fixture.json", *files.SKIP_DIRS)  # fixture files, not the app's
SOURCES = (".go", ".rs", ".java", ".kt", ".py", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx")
MARKUP = (".vue", ".svelte", ".html")
TEST_PARTS = ("test", "tests", "__tests__", "spec", "e2e")
TOOL_FILES = ("build.rs", "setup.py", "conftest.py", "noxfile.py")  # build scripts, not the app
SERVERS = ("node_server", "python")  # recipes whose new layers must be the app's files only
# Installed dependencies inside an app directory: not the app's own files.
DEPENDENCY_DIRS = ("node_modules", ".venv", "venv", "site-packages", "__pycache__")
# What dfsplit notes when the naive image compiled the app at every start (`go run`,
# `cargo run`, `mvn spring-boot:run`): its push holds sources only, the rewrite's the artifact.
BUILT_AT_START = re.compile(
    r"`[^`]*\brun\b[^`]*` (?:replaced by a binary|builds and runs at every)"
)
HEADER = ("fixture", "file", "cold", "rebuild", "new layers", "rebuild ×", "bytes ×", "check")


class Variant(NamedTuple):
    label: str  # "naive", "rewrite", "rewrite --cache-mounts"
    dockerfile: bytes
    new_files: tuple[NewFile, ...] = ()


class Cost(NamedTuple):
    cold: float
    rebuild: float
    new_bytes: int
    app_bytes: int | None = None  # the app directory of the rebuilt image, dependencies left out


class Row(NamedTuple):
    fixture: str
    variant: str
    cost: Cost | None
    naive: Cost | None
    check: str
    ok: bool


# --- choosing fixtures and files ------------------------------------------------------------


def rewrite(fixture: Path, cache_mounts: bool | None) -> Outcome:
    """The rewrite with the fixture's options; `cache_mounts` None keeps the fixture's choice
    or dfsplit's default."""
    options = Options(**dict(meta(fixture).get("options") or {}))  # type: ignore[arg-type]
    if cache_mounts is not None:
        options = options._replace(cache_mounts=cache_mounts)
    # The rewrite of the context that is built: without the fixture's own files, which a
    # recipe that keeps the app's files (Python lists them) would copy too.
    tmp = files.temp_dir("dfsplit-bench-rewrite-")
    try:
        ctx = tmp / fixture.name
        shutil.copytree(fixture, ctx, symlinks=True, ignore=shutil.ignore_patterns(*NOT_CONTEXT))
        return runner.run_job(runner.single_job(ctx / "Dockerfile", options)).outcome
    finally:
        files.remove_tree(tmp)


def sample(fixtures: list[Path]) -> list[Path]:
    """The first buildable fixture of each recipe, in the order the recipes first appear."""
    seen: dict[str, Path] = {}
    for fixture in fixtures:
        findings = rewrite(fixture, None).findings
        if findings is not None:
            seen.setdefault(findings.recipe, fixture)
    return list(seen.values())


def app_source(context: Path) -> Path | None:
    """The shallowest app source file that is not a test or a tool's config."""
    found = []
    for path in context.rglob("*"):
        rel = path.relative_to(context)
        if not path.is_file() or path.suffix not in SOURCES + MARKUP:
            continue
        if any(p in files.SKIP_DIRS or p in TEST_PARTS for p in rel.parts[:-1]):
            continue
        stem = path.name.split(".")
        if ".config." in path.name or {"test", "spec"} & set(stem) or path.stem.startswith("test_"):
            continue
        if path.name.endswith("_test.go") or path.name in TOOL_FILES:
            continue
        found.append((len(rel.parts), str(rel), path))
    return min(found)[2] if found else None


def one_line_change(path: Path, token: str) -> None:
    comment = {".py": "# {}", **dict.fromkeys(MARKUP, "<!-- {} -->")}.get(path.suffix, "// {}")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + "\n" + comment.format(token) + "\n", encoding="utf-8")


def app_files_bytes(context: Path) -> int:
    """Size of the tar of the build context as `COPY . .` copies it (.dockerignore applied)."""
    ignore_file = context / ".dockerignore"
    ignore = Dockerignore(ignore_file.read_text("utf-8", "replace") if ignore_file.exists() else "")
    total = 1024  # a tar: a 512-byte header per entry, data in 512-byte blocks, an end marker
    for path in context.rglob("*"):
        rel = path.relative_to(context).as_posix()
        parts = path.relative_to(context).parts
        if ignore.excludes(rel) or any(Path(p).match(n) for p in parts for n in NOT_CONTEXT):
            continue
        total += 512 + (-(-path.stat().st_size // 512) * 512 if path.is_file() else 0)
    return total


# --- building --------------------------------------------------------------------------------


class Bench:
    """One run: its tags and labels, all images removed on the way out."""

    def __init__(self) -> None:
        self.token = secrets.token_hex(4)
        # Not verify's label: a real-build test running meanwhile counts verify's leftovers.
        self.labels = ("dfsplit.bench=1", f"dfsplit.bench.run={self.token}")
        self.tmp = files.temp_dir(f"dfsplit-bench-{self.token}-")

    def close(self) -> None:
        try:
            engine.remove_images(engine.labelled("image", self.labels[1]))
        finally:
            files.remove_tree(self.tmp)

    def context(self, fixture: Path, variant: Variant) -> tuple[Path, Path]:
        """A fresh copy of the fixture, and the variant's Dockerfile beside it: outside the
        context, so that every variant's `COPY . .` copies the same files."""
        ctx = self.tmp / f"{fixture.name}-{secrets.token_hex(2)}"
        shutil.copytree(fixture, ctx, symlinks=True, ignore=shutil.ignore_patterns(*NOT_CONTEXT))
        for new in variant.new_files:
            (ctx / new.rel).parent.mkdir(parents=True, exist_ok=True)
            (ctx / new.rel).write_text(new.text, encoding="utf-8")
        dockerfile = ctx.with_name(ctx.name + ".Dockerfile")
        dockerfile.write_bytes(variant.dockerfile)
        return ctx, dockerfile

    def cost(self, fixture: Path, variant: Variant, app_dir: str | None = None) -> Cost | str:
        """Cold build, one-line change, rebuild; a string says what went wrong. With
        `app_dir`, also the size of the app's files in the rebuilt image (what the build made
        there included: collected static files, compiled assets)."""
        ctx, dockerfile = self.context(fixture, variant)
        source = app_source(ctx)
        if source is None:
            return "no app source file to change"
        tag = f"dfsplit-bench-{self.token}:{fixture.name}-{variant.label.split()[-1]}"
        cold = self._build(ctx, dockerfile, f"{tag}-cold", no_cache=True)
        if isinstance(cold, str):
            return cold
        before = set(diff for diff, _ in engine.layer_sizes(f"{tag}-cold"))
        one_line_change(source, f"dfsplit bench {self.token} {time.time()}")
        rebuild = self._build(ctx, dockerfile, f"{tag}-after", no_cache=False)
        if isinstance(rebuild, str):
            return rebuild
        new = sum(size for diff, size in engine.layer_sizes(f"{tag}-after") if diff not in before)
        app = None
        if app_dir is not None:
            app = engine.tree_bytes(
                f"{tag}-after",
                app_dir,
                skip=DEPENDENCY_DIRS,
                labels=self.labels,
                name=f"dfsplit-bench-{self.token}-{secrets.token_hex(2)}",
            )
        return Cost(cold, rebuild, new, app)

    def _build(self, ctx: Path, dockerfile: Path, tag: str, *, no_cache: bool) -> float | str:
        built = engine.build(
            ctx, dockerfile, tag, labels=self.labels, no_cache=no_cache, timeout=1800
        )
        if not built.ok:
            tail = [line for line in built.log_tail if line.strip()]
            return f"build failed: {tail[-1][:120] if tail else '?'}"
        return built.seconds


def variants(fixture: Path) -> Iterator[Variant | str]:
    yield Variant("naive", (fixture / "Dockerfile").read_bytes())
    plain = rewrite(fixture, None)
    if plain.status is not Status.CHANGED:
        yield f"dfsplit: {plain.status.value} {plain.reason}"
        return
    yield Variant("rewrite", plain.new, plain.new_files)
    mounts = rewrite(fixture, True)
    if mounts.status is Status.CHANGED and mounts.new != plain.new:
        yield Variant("rewrite --cache-mounts", mounts.new, mounts.new_files)


def measure(bench: Bench, fixture: Path) -> Iterator[Row]:
    findings = rewrite(fixture, None).findings
    server = findings is not None and findings.recipe in SERVERS
    app = app_files_bytes(fixture) if server else None
    at_start = (
        next((n for n in findings.notes if BUILT_AT_START.search(n)), None) if findings else None
    )
    naive: Cost | None = None
    for variant in variants(fixture):
        if isinstance(variant, str):
            yield Row(fixture.name, "rewrite", None, naive, variant, False)
            return
        app_dir = (
            runtime_workdir(variant.dockerfile) if server and variant.label != "naive" else None
        )
        cost = bench.cost(fixture, variant, app_dir)
        if isinstance(cost, str):
            yield Row(fixture.name, variant.label, None, naive, cost, False)
            continue
        if variant.label == "naive":
            naive = cost
            yield Row(fixture.name, variant.label, cost, None, _app_note(app), True)
            continue
        yield Row(fixture.name, variant.label, cost, naive, *_check(cost, naive, app, at_start))


def _app_note(app: int | None) -> str:
    return f"app files {human_size(app)}" if app is not None else ""


def _check(
    cost: Cost, naive: Cost | None, app: int | None, at_start: str | None = None
) -> tuple[str, bool]:
    if naive is not None and cost.new_bytes > naive.new_bytes:
        if at_start:  # the naive push is sources a toolchain compiles at every start
            return f"n/a: the naive image compiles at start ({at_start.split('`')[1]})", True
        return "FAIL: pushes more than the naive image", False
    # The app's files as the rewritten image holds them, when measured: what the build makes in
    # the app's directory (collected static files, compiled assets) is the app's too.
    app = cost.app_bytes if cost.app_bytes is not None else app
    if app is not None and cost.new_bytes > 1.1 * app:
        return f"FAIL: new layers > 1.1 × app files ({human_size(app)})", False
    return "ok", True


def runtime_workdir(dockerfile: bytes) -> str | None:
    """The last WORKDIR of the final stage: where a server's app lives in its runtime."""
    final = parser.parse(dockerfile).stages()[-1]
    workdirs = [ins.args.strip() for ins in final if ins.keyword == "WORKDIR"]
    return workdirs[-1] if workdirs and workdirs[-1].startswith("/") else None


# --- the table -------------------------------------------------------------------------------


def _ratio(value: float, base: float) -> str:
    if base <= 0:
        return "-" if value <= 0 else "∞"
    return f"{value / base:.2f}"


def cells(row: Row) -> tuple[str, ...]:
    c, n = row.cost, row.naive
    if c is None:
        return (row.fixture, row.variant, "-", "-", "-", "-", "-", row.check)
    return (
        row.fixture,
        row.variant,
        f"{c.cold:.1f} s",
        f"{c.rebuild:.1f} s",
        human_size(c.new_bytes),
        _ratio(c.rebuild, n.rebuild) if n else "",
        _ratio(c.new_bytes, n.new_bytes) if n else "",
        row.check,
    )


def markdown(values: tuple[str, ...]) -> str:
    return "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("fixtures", nargs="*", help="fixture names (default: all buildable)")
    parser.add_argument("--sample", action="store_true", help="one fixture per recipe")
    args = parser.parse_args(argv)
    try:
        engine.check_engine()
    except engine.EngineUnavailable as exc:
        print(f"error: no Docker engine answers ({exc}); set DOCKER_HOST", file=sys.stderr)
        return 2
    fixtures = buildable(args.fixtures)
    fixtures = sample(fixtures) if args.sample else fixtures
    print(markdown(HEADER))
    print("|---|---|---:|---:|---:|---:|---:|---|", flush=True)
    ok = True
    bench = Bench()
    try:
        for fixture in fixtures:
            for row in measure(bench, fixture):
                ok = ok and row.ok
                print(markdown(cells(row)), flush=True)
    finally:
        bench.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
