"""What the runtime copies from the builder, in layer order: the installed packages first (a
venv, site-packages and its console scripts, or the --user tree moved to /usr/local), then the
app's files at the paths the build put them, leaving out what is known to be build-only, then
the directories the build makes for the app elsewhere (plan/appdirs.py: /var/log/app, with the
owner the app had).
"""

from __future__ import annotations

import posixpath
import re
from typing import NamedTuple

from dfsplit.dockerfile import paths, tokens
from dfsplit.model import CopyStep, Refuse
from dfsplit.plan.appdirs import app_dirs
from dfsplit.plan.stage import BASE_DIRS, run_commands
from dfsplit.recipes.python import images
from dfsplit.recipes.python.app import App

SCRIPTS_STAGE = "scripts"
APP_STAGE = "app"
SCRIPTS_DIR = "/dfsplit-bin"
# Top-level names that only the build, the tests or the developer use.
BUILD_ONLY = re.compile(
    r"^(\.git.*|\.github|\.gitlab-ci\.ya?ml|\.hg.*|\.svn|Dockerfile.*|.*\.Dockerfile|"
    r"\.dockerignore|\.pytest_cache|\.mypy_cache|\.ruff_cache|\.tox|\.nox|\.coverage|"
    r"htmlcov|__pycache__|tests?|conftest\.py|test_[^/]*\.py|[^/]*_test\.py|\.pre-commit-config\.yaml|\.editorconfig|"
    r"\.venv)$"
)
# RUN programs that leave the app's files as they are (installs, users, permissions).
_QUIET = {
    "pip", "pip3", "uv", "poetry", "pipenv", "apt-get", "apt", "apk", "rm", "useradd",
    "adduser", "groupadd", "addgroup", "usermod", "chown", "chmod", "echo", "true", "ln",
    "python", "python3", "virtualenv", "export", "set", "cd", "curl", "wget", "ls",
    "update-ca-certificates", "npm",
}  # fmt: skip
MAX_ENTRIES = 24  # beyond that the whole directory is one COPY


class Layout(NamedTuple):
    packages: tuple[CopyStep, ...]
    files: tuple[CopyStep, ...]
    scripts_run: str | None  # the RUN of the scripts stage, when there is one
    checked: tuple[str, ...]  # runtime directories holding compiled extensions to check
    artifact: str  # the main path copied (the packages, else the app)
    app_copies: tuple[CopyStep, ...] = ()  # the app stage's COPY lines, when there is one
    artifact_stage: str = "builder"


def layout(app: App, minor: str | None, chown: str | None) -> Layout:
    packages, scripts, checked = _packages(app, minor)
    whole = _writes_unknown(app)
    listed = _files(app, whole, chown, {c.src for c in packages})
    made = _made_dirs(app, [c.src for c in (*packages, *listed)])
    files, app_copies = _one_app_layer(app, listed, chown)
    files += made
    if whole and any(c.src.startswith(app.app_dir.rstrip("/") + "/") for c in packages):
        packages = tuple(c for c in packages if not c.src.startswith(app.app_dir + "/"))
        app.notes.append(
            f"the packages live inside {app.app_dir}, which is copied whole: a code change "
            "ships them again"
        )
    if not packages and not files:
        raise Refuse(
            "the builder installs no packages and copies no file of the app from the build "
            "context, so the runtime would have nothing to run: COPY the app first"
        )
    first = packages[0] if packages else files[0]
    return Layout(packages, files, scripts, checked, first.src, app_copies, first.stage)


def _one_app_layer(
    app: App, files: tuple[CopyStep, ...], chown: str | None
) -> tuple[tuple[CopyStep, ...], tuple[CopyStep, ...]]:
    """The app's files in one runtime layer: a stage of their own (FROM scratch) gets each
    listed entry of the app's directory, and the runtime copies that directory once. Copied
    one by one, a change to one file made every later COPY a new layer (each with the
    directory's new time) and the push bigger than the naive image's."""
    under = app.app_dir.rstrip("/") + "/"
    inside = [c for c in files if c.src.startswith(under) and c.src == c.dest]
    if len(inside) < 2:
        return files, ()
    one = tokens.copy_step(APP_STAGE, app.app_dir, app.app_dir, chown=chown)
    at = files.index(inside[0])
    rest = [c for c in files if c not in inside]
    app.notes.append(
        f"the app's {len(inside)} entries in {app.app_dir} are assembled in the `{APP_STAGE}` "
        "stage and copied in one layer: a code change ships only that layer"
    )
    copies = tuple(c._replace(chown=None) for c in inside)
    return (*rest[:at], one, *rest[at:]), copies


def _packages(
    app: App, minor: str | None
) -> tuple[tuple[CopyStep, ...], str | None, tuple[str, ...]]:
    target = app.target
    if target is None:
        return (), None, ()
    if target.kind in ("venv", "dir"):
        app.notes.append(f"the runtime gets the packages from {target.path} at the same path")
        return (tokens.copy_step("builder", target.path, target.path),), None, (target.path,)
    if minor is None:
        raise Refuse(
            f"{app.builder_image} names no minor Python version, and the packages are in "
            "/usr/local/lib/python3.X/site-packages: use a python:3.N tag (e.g. python:3.12) so "
            "that the runtime copies the right directory"
        )
    site = images.site_packages(minor)
    if target.kind == "system":
        app.notes.append(
            f"the runtime gets {site} and the console scripts of {images.BIN_DIR} (the "
            "installs went to the image's own Python)"
        )
        return (
            (tokens.copy_step("builder", site, site), _scripts_copy()),
            _scripts_run(images.BIN_DIR, skip_python=True),
            (site,),
        )
    user_site = f"{target.path}/lib/python{minor}/site-packages"
    app.notes.append(
        f"pip install --user put the packages in {target.path}, which a non-root user cannot "
        f"read: the runtime gets them in {site} and their scripts in {images.BIN_DIR}"
    )
    return (
        (tokens.copy_step("builder", user_site, site), _scripts_copy()),
        _scripts_run(f"{target.path}/bin", skip_python=False),
        (site,),
    )


def _scripts_copy() -> CopyStep:
    return tokens.copy_step(SCRIPTS_STAGE, SCRIPTS_DIR, images.BIN_DIR)


def _scripts_run(bin_dir: str, *, skip_python: bool) -> str:
    """Copy the programs the installs put in bin_dir, not the interpreter's own (the
    runtime image has its own python, pydoc, idle and 2to3)."""
    names = " ! -name 'python*' ! -name 'pydoc*' ! -name 'idle*' ! -name '2to3*'"
    found = f"find {bin_dir} -mindepth 1 -maxdepth 1{names if skip_python else ''}"
    return (
        f"mkdir -p {SCRIPTS_DIR} && if [ -d {bin_dir} ]; then "
        f"{found} -exec cp -a {{}} {SCRIPTS_DIR}/ \\; ; fi"
    )


def _writes_unknown(app: App) -> str | None:
    """A RUN after the code is copied that may write files among the app's: the RUN's
    command, or None when every RUN is known to leave them alone."""
    for ins in app.model.stage:
        if ins.keyword != "RUN":
            continue
        for command in run_commands(ins):
            name = posixpath.basename(command.program)
            if name.startswith("python") and not _quiet_python(command.argv):
                return " ".join(command.argv)
            if name not in _QUIET and not name.startswith(("pip", "python")) and name != "mkdir":
                return " ".join(command.argv)
    return None


def _quiet_python(argv: tuple[str, ...]) -> bool:
    """`python -m pip|venv|compileall` and `manage.py collectstatic` with a known output."""
    if argv[1:2] == ("-",):  # an installer read from stdin (Poetry's): it writes to its home
        return True
    return argv[1:3] in (("-m", "pip"), ("-m", "venv"), ("-m", "compileall")) or (
        len(argv) > 2 and argv[1].endswith("manage.py") and argv[2] in ("collectstatic", "check")
    )


def _files(app: App, whole: str | None, chown: str | None, taken: set[str]) -> tuple[CopyStep, ...]:
    entries = _entries(app)
    under = app.app_dir.rstrip("/") + "/"
    if whole or len(entries) > MAX_ENTRIES:
        if app.app_dir in BASE_DIRS:
            raise Refuse(
                f"the app lives in {app.app_dir}, and `{whole or 'COPY'}` may write files "
                "there that dfsplit cannot list: copy the app into its own WORKDIR (e.g. /app) "
                "and run dfsplit again"
            )
        why = f"`{whole}` may write files there" if whole else "it holds many entries"
        app.notes.append(f"{app.app_dir} is copied whole: {why}")
        entries = [app.app_dir, *(e for e in entries if not e.startswith(under))]
    else:
        left = sorted(_left_out(app))
        if left:
            app.notes.append(f"left out of the runtime as build-only: {', '.join(left)}")
    out = []
    for path in entries:
        if path in taken or any(path.startswith(t.rstrip("/") + "/") for t in taken):
            continue
        owner = chown if path == app.app_dir or path.startswith(under) else None
        out.append(tokens.copy_step("builder", path, path, chown=owner))
    return tuple(out)


def _made_dirs(app: App, copied: list[str]) -> tuple[CopyStep, ...]:
    """The directories RUN lines make outside the app's directory and what is copied."""
    dirs, warnings = app_dirs(app.model, app.kept.user, (app.app_dir, *copied))
    app.warnings.extend(warnings)
    app.notes.extend(f"directory {d.path}: the build makes it for the app" for d in dirs)
    return tuple(tokens.copy_step("builder", d.path, d.path, chown=d.chown) for d in dirs)


def _entries(app: App) -> list[str]:
    """The top-level builder paths that the build's COPYs (and mkdir, collectstatic) made,
    in the order they were made, without the build-only ones."""
    anchors = set(BASE_DIRS) | {s.workdir for s in app.model.states} | {app.app_dir}
    found: dict[str, None] = {}
    for rel in sorted(app.project.context_files):
        path = app.model.builder_path(rel)
        if path is None:
            continue
        entry = _top(path, anchors)
        if entry and not BUILD_ONLY.match(posixpath.basename(entry)):
            found.setdefault(entry, None)
    for extra in _generated(app):
        found.setdefault(_top(extra, anchors) or extra, None)
    return list(found)


def _top(path: str, anchors: set[str]) -> str | None:
    """The child of the deepest anchor directory above path (the entry a COPY created)."""
    child = path
    for parent in paths.parents(path)[1:] or [path]:  # ends at "/"; the parent of "/" is "/"
        if parent in anchors:
            return child
        child = parent
    return None


def _left_out(app: App) -> set[str]:
    anchors = {app.app_dir}
    out = set()
    for rel in app.project.context_files:
        path = app.model.builder_path(rel)
        if path and path.startswith(app.app_dir.rstrip("/") + "/"):
            entry = _top(path, anchors)
            if entry and BUILD_ONLY.match(posixpath.basename(entry)):
                out.add(posixpath.basename(entry))
    return out


def _generated(app: App) -> list[str]:
    """Directories the build makes beside the code: `mkdir -p media`, collectstatic's
    STATIC_ROOT (those it makes elsewhere are _made_dirs)."""
    out = []
    for ins in app.model.stage:
        if ins.keyword != "RUN":
            continue
        cwd = app.model.state_at(ins).workdir
        for command in run_commands(ins):
            if command.program == "mkdir":
                out += [
                    posixpath.normpath(posixpath.join(cwd, w))
                    for w in command.argv[1:]
                    if not w.startswith("-") and "$" not in w
                ]
            elif _collectstatic(command.argv):
                out.append(_static_root(app, cwd))
    inside = app.app_dir.rstrip("/") + "/"
    return [p for p in out if p != "/" and p.startswith(inside)]


def _collectstatic(argv: tuple[str, ...]) -> bool:
    return len(argv) > 2 and argv[1].endswith("manage.py") and argv[2] == "collectstatic"


def _static_root(app: App, cwd: str) -> str:
    root = app.source.static_root
    if root is None:
        raise Refuse(
            "the build runs collectstatic, but dfsplit cannot read STATIC_ROOT from the "
            "settings (it looks for STATIC_ROOT = BASE_DIR / 'name'): set it that way, or "
            "copy the static files with a COPY of your own"
        )
    app.notes.append(f"collectstatic output {root}/ (STATIC_ROOT) is copied to the runtime")
    return posixpath.normpath(posixpath.join(cwd, root))


def runtime_path(app: App, via_tool: bool) -> str | None:
    """PATH for the runtime: the builder's final PATH when the Dockerfile changed it (a
    venv's bin), without the --user bin (its scripts move to /usr/local/bin)."""
    final = app.model.final.env.get("PATH", images.PYTHON_PATH)
    entries = final.split(":")
    if app.target is not None and app.target.kind == "user":
        entries = [e for e in entries if e != f"{app.target.path}/bin"]
    if app.target is not None and app.target.kind == "venv":
        venv_bin = f"{app.target.path}/bin"
        if venv_bin not in entries and via_tool:
            entries.insert(0, venv_bin)
    joined = ":".join(entries)
    return None if joined == images.PYTHON_PATH else joined
