"""The tester stage: the project's tests with its dev dependencies installed there (never in
the runtime): pytest, unittest or Django's test runner; `compileall` when there are no tests.
"""

from __future__ import annotations

import posixpath
import shlex

from dfsplit.model import Options, TesterStage
from dfsplit.plan.tester import tester_stage
from dfsplit.recipes.python import manifest
from dfsplit.recipes.python.app import App
from dfsplit.recipes.python.installs import Install

COMPILEALL = r"python -m compileall -q -x '(^|/)\.?venv/' ."


def tester(app: App, options: Options) -> TesterStage | None:
    if not options.tester:
        return None
    python = _python(app)
    if not app.source.tests:
        return tester_stage(
            options,
            COMPILEALL.replace("python", python, 1),
            without_tests="no tests in the project, so `python -m compileall` checks the code "
            "instead: it byte-compiles every module and fails on a syntax error",
            notes=app.notes,
        )
    if app.project.has(app.rel("manage.py")) and not _pytest(app):
        return _django(app, python, options)
    if not _pytest(app):
        start = " -s tests" if _tests_dir_without_init(app) else ""
        return tester_stage(options, f"{python} -m unittest discover{start}")
    return tester_stage(options, tuple(_pytest_commands(app, python)))


def _python(app: App) -> str:
    target = app.target
    if target is not None and target.kind == "venv":
        return f"{target.path}/bin/python"
    return "python"


def _django(app: App, python: str, options: Options) -> TesterStage | None:
    if app.source.db_server:
        return tester_stage(
            options,
            f"{python} manage.py check",
            without_tests="Django's settings name a database server the tester does not have, "
            "so `manage.py check` runs Django's system checks instead of the tests",
            notes=app.notes,
        )
    return tester_stage(options, f"{python} manage.py test")


def _tests_dir_without_init(app: App) -> bool:
    return app.project.has_dir(app.rel("tests")) and not app.project.has(
        app.rel("tests/__init__.py")
    )


def _all_requirements(app: App) -> tuple[set[str], set[str]]:
    """(run-time, dev) dependency names from every manifest of the project."""
    prod: set[str] = set()
    dev: set[str] = set()
    for rel in manifest.requirement_files(app.project, app.base):
        names = {r.name for r in manifest.read_requirements(app.project, rel).requirements}
        (dev if manifest.is_dev_file(rel) else prod).update(names)
    py = manifest.read_pyproject(app.project, app.rel("pyproject.toml"))
    if py is not None:
        prod |= {r.name for r in py.dependencies}
        dev |= {r.name for r in py.dev_dependencies}
    pipfile = manifest.read_pipfile(app.project, app.rel("Pipfile"))
    if pipfile is not None:
        prod |= {r.name for r in pipfile.packages}
        dev |= {r.name for r in pipfile.dev_packages}
    return prod, dev


def _pytest(app: App) -> bool:
    prod, dev = _all_requirements(app)
    return "pytest" in prod | dev


def _pytest_commands(app: App, python: str) -> list[str]:
    tool = _main_tool(app)
    if tool is not None and tool.tool == "uv":
        frozen = " --frozen" if app.project.has(app.rel("uv.lock")) else ""
        return [f"uv run{frozen} pytest"]
    if tool is not None and tool.tool == "poetry":
        return ["poetry install", "poetry run pytest"]
    if tool is not None and tool.tool == "pipenv":
        system = " --system" if tool.target.kind == "system" else ""
        run = "python -m pytest" if system else "pipenv run pytest"
        return [f"pipenv install --dev{system} --deploy", run]
    return [*_pip_dev_install(app, python), f"{python} -m pytest"]


def _main_tool(app: App) -> Install | None:
    return next((i for i in app.installs if i.tool in ("uv", "poetry", "pipenv")), None)


def _pip_dev_install(app: App, python: str) -> list[str]:
    """Install the dev requirements file that has pytest (or pytest itself)."""
    prod, _dev = _all_requirements(app)
    if "pytest" in prod:
        return []
    for rel in manifest.requirement_files(app.project, app.base):
        names = {r.name for r in manifest.read_requirements(app.project, rel).requirements}
        path = app.model.builder_path(rel)
        if manifest.is_dev_file(rel) and "pytest" in names and path:
            app.notes.append(f"the tester installs {posixpath.basename(rel)}; the runtime does not")
            return [f"{python} -m pip install --no-cache-dir -r {shlex.quote(path)}"]
    py = manifest.read_pyproject(app.project, app.rel("pyproject.toml"))
    dev = sorted({r.name for r in py.dev_dependencies}) if py else []
    wanted = dev or ["pytest"]
    app.notes.append(
        f"the tester installs the dev dependencies ({', '.join(wanted)}); the runtime does not"
    )
    return [f"{python} -m pip install --no-cache-dir {' '.join(shlex.quote(n) for n in wanted)}"]
