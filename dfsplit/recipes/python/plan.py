"""Python: keep the user's stage as the builder, test in a stage of its own, and run the app on
the slim variant of the builder's python image with exactly what the installs put there.
"""

from __future__ import annotations

from dfsplit.dockerfile import edits, parser, tokens
from dfsplit.model import (
    Detection,
    Dockerfile,
    Findings,
    NothingToDo,
    Options,
    Plan,
    Project,
    Refuse,
    RuntimeStage,
    TesterStage,
)
from dfsplit.plan import carry, images
from dfsplit.plan.runtime import runtime_stage
from dfsplit.plan.stage import base_image
from dfsplit.recipes.python import images as py_images
from dfsplit.recipes.python import manifest
from dfsplit.recipes.python.app import App
from dfsplit.recipes.python.builder import builder_edits, check_interpreter
from dfsplit.recipes.python.layout import (
    APP_STAGE,
    SCRIPTS_DIR,
    SCRIPTS_STAGE,
    Layout,
    layout,
    runtime_path,
)
from dfsplit.recipes.python.needs import OsPackages, library_check, os_packages
from dfsplit.recipes.python.start import Start, start
from dfsplit.recipes.python.tester import tester

_INSTALLERS = (b"pip", b"poetry", b"uv ", b"uv\t", b"pipenv")


def detect(project: Project) -> Detection | None:
    """A python image builds it, or a plain OS image installs the project's Python packages."""
    try:
        image = base_image(parser.parse(project.dockerfile))
    except (Refuse, IndexError):
        return None
    found = [m for m in manifest.MANIFESTS if project.has(m)]
    found += [
        p for p in sorted(project.context_files) if p.endswith("/manage.py") or p == "manage.py"
    ][:1]
    sources = any(p.endswith(".py") for p in project.context_files)
    if py_images.is_python(image):
        if not found and not sources:
            return None
        why = f"{', '.join(found[:3])} found" if found else "Python sources found"
        return Detection(framework=_framework(project), why=(f"{why}; the builder is {image}",))
    other = images.classify(image)
    installs = any(word in project.dockerfile for word in _INSTALLERS)
    if found and installs and other.family in ("debian", "alpine") and _plain_os(image):
        return Detection(
            framework=_framework(project), why=(f"{found[0]} found and pip installs it",)
        )
    return None


def _plain_os(image: str) -> bool:
    return images.repository(image).rsplit("/", 1)[-1] in {"debian", "ubuntu", "alpine"}


def _framework(project: Project) -> str | None:
    if any(p == "manage.py" or p.endswith("/manage.py") for p in project.context_files):
        return "django"
    text = b"".join(
        project.contents.get(m, b"") for m in ("requirements.txt", "pyproject.toml", "Pipfile")
    )
    for name in (b"fastapi", b"flask", b"django"):
        if name in text.lower():
            return name.decode()
    return None


def plan(df: Dockerfile, project: Project, detection: Detection, options: Options) -> Plan:
    app = App(df, project, options.uid or carry.DEFAULT_UID)
    py = app.py
    if py is None:
        raise Refuse(
            f"the builder {app.builder_image} is not a tagged official python image: a venv or "
            "a compiled wheel only runs on the same interpreter, and dfsplit picks the runtime "
            "from python:<version>-slim; build FROM python:3.N, or pass --runtime"
            if options.runtime_image is None
            else f"--runtime {options.runtime_image}: dfsplit only moves Python packages between "
            "official python images (the interpreter path must be the same)"
        )
    check_interpreter(app)
    image = _runtime_image(app, py, options)
    kind = py_images.classify(py_images.read_image(image) or py)
    packages = os_packages(app, kind, py)
    _never_bigger(app, py, packages)
    begin = start(app)
    chown = _writable(app)
    laid = layout(app, py.minor, chown)
    checks = library_check(laid.checked)
    path = runtime_path(app, begin.via_tool)
    test = tester(app, options)
    app.edits += builder_edits(app, bool(options.cache_mounts))
    runtime = runtime_stage(
        image,
        app.kept,
        laid.packages,
        workdir=app.model.final.workdir,
        entrypoint=begin.entrypoint,
        cmd=begin.cmd,
        run=tuple(packages.commands) + _chown_run(app, chown),
        env=[tokens.env_pair("PATH", path)] if path else [],
        checks=checks,
        app=laid.files,
    )
    return _plan(app, detection, image, laid, begin, runtime, test)


def _plan(
    app: App,
    detection: Detection,
    image: str,
    laid: Layout,
    begin: Start,
    runtime: RuntimeStage,
    test: TesterStage | None,
) -> Plan:
    findings = Findings(
        recipe="python",
        language="python",
        framework=detection.framework,
        builder_image=app.builder_image,
        runtime_image=image,
        artifact=laid.artifact,
        runtime_artifact=_runtime_artifact(laid),
        test_command=test.commands[-1] if test else None,
        runtime_files=begin.scripts,
        notes=tuple(app.notes),
        warnings=tuple(app.warnings),
    )
    return Plan(
        findings=findings,
        template="python.Dockerfile.j2",
        edits=(edits.name_stage(app.df, app.df.stages()[0][0], "builder"), *app.edits),
        runtime=runtime,
        tester=test,
        artifact_stage=laid.artifact_stage,
        required_paths=(laid.packages[0].dest if laid.packages else laid.artifact, *begin.scripts),
        extra={
            "scripts_run": laid.scripts_run,
            "scripts_stage": SCRIPTS_STAGE,
            "scripts_dir": SCRIPTS_DIR,
            "app_stage": APP_STAGE,
            "app_copies": laid.app_copies,
        },
    )


def _runtime_image(app: App, py: py_images.Python, options: Options) -> str:
    if options.runtime_image:
        forced = py_images.read_image(options.runtime_image)
        if (
            forced is None
            or forced.minor != py.minor
            or (forced.alpine is None) != (py.alpine is None)
        ):
            raise Refuse(
                f"--runtime {options.runtime_image} is not the builder's Python "
                f"({app.builder_image}) on the same libc: the packages would not load there"
            )
        app.notes.append(f"runtime {options.runtime_image} was chosen with --runtime")
        return options.runtime_image
    image = py_images.runtime_image(py)
    if image == app.builder_image:
        app.notes.append(f"runtime {image}: the builder is already the slim variant")
    else:
        app.notes.append(
            f"runtime {image}: the builder's Python and Debian release, without the compilers "
            "and -dev headers of the full image"
        )
    return image


def _never_bigger(app: App, py: py_images.Python, packages: OsPackages) -> None:
    """A slim builder with no build tools gains nothing from a runtime stage when the
    packages are in the image's own site-packages: the copy would add a second pip."""
    if not (py.slim or py.alpine is not None):
        return
    if packages.build_tools:
        tools = ", ".join(packages.build_tools)
        app.notes.append(f"the builder installs build tools ({tools}): they stay in the builder")
        return
    target = app.target
    if target is None or target.kind == "system":
        raise NothingToDo(
            f"the builder is already {app.builder_image}, installs no build tools and keeps "
            "its packages in the image's own site-packages: a runtime stage would not be "
            "smaller (it would hold a second copy of pip); nothing to split"
        )
    app.notes.append(
        f"the builder is already {app.builder_image} and installs no build tools: the runtime "
        "uses the same image, without the build's caches, tests and VCS files"
    )


def _writable(app: App) -> str | None:
    """The owner for the app's files when the app writes beside its code, else None."""
    writes = app.source.writes
    if not writes:
        return None
    user = app.kept.user
    if app.app_dir == "/":
        app.kept.user = "0"
        app.notes.append(
            f"the app writes files ({writes[0]}) in /, which dfsplit will not hand to another "
            "user: the runtime runs as root, as the original did"
        )
        return None
    app.notes.append(
        f"the app writes files ({'; '.join(writes[:2])}): {app.app_dir} and the files "
        f"copied into it belong to {user}, the runtime's user"
    )
    return user


def _chown_run(app: App, chown: str | None) -> tuple[str, ...]:
    if chown is None:
        return ()
    path = tokens.abs_path(app.app_dir)
    return (f"mkdir -p {path} && chown {chown} {path}",)


def _runtime_artifact(laid: Layout) -> str | None:
    """Where the runtime holds the packages, when it is not where the builder had them."""
    if laid.packages and laid.packages[0].dest != laid.packages[0].src:
        return laid.packages[0].dest
    return None
