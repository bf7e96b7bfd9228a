"""The Python recipe: images, manifests, installs, libraries and the registry order, as tables."""

from __future__ import annotations

import pytest

from dfsplit.model import Options, Project, Status
from dfsplit.plan import detect, images, libraries, pipeline
from dfsplit.recipes.python import builder, manifest, source
from dfsplit.recipes.python import images as py_images
from dfsplit.recipes.python.app import App


def _project(dockerfile: str, files: dict[str, str] | None = None) -> Project:
    files = files or {}
    return Project(
        "Dockerfile",
        dockerfile.encode(),
        frozenset({"Dockerfile", *files}),
        {k: v.encode() for k, v in files.items()},
    )


def _split(dockerfile: str, files: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return pipeline.split(_project(dockerfile, files), Options())


# --- images ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("builder", "runtime"),
    [
        pytest.param("python:3.11", "python:3.11-slim", id="minor"),
        pytest.param("python:3.11.4", "python:3.11.4-slim", id="micro"),
        pytest.param("python:3.12-bookworm", "python:3.12-slim-bookworm", id="release"),
        pytest.param("python:3.9-bullseye", "python:3.9-slim-bullseye", id="bullseye"),
        pytest.param("python:3", "python:3-slim", id="major"),
        pytest.param("python", "python:slim", id="latest"),
        pytest.param("python:3.11-slim", "python:3.11-slim", id="already-slim"),
        pytest.param("python:3.11-slim-bookworm", "python:3.11-slim-bookworm", id="slim-release"),
        pytest.param("python:3.11-alpine", "python:3.11-alpine", id="alpine"),
        pytest.param("python:3.11-alpine3.19", "python:3.11-alpine3.19", id="alpine-version"),
        pytest.param(
            "docker.io/library/python:3.10", "docker.io/library/python:3.10-slim", id="registry"
        ),
    ],
)
def test_runtime_image_is_the_slim_variant_of_the_same_tag(builder: str, runtime: str) -> None:
    py = py_images.read_image(builder)
    assert py is not None
    assert py_images.runtime_image(py) == runtime


@pytest.mark.parametrize(
    "image",
    [
        pytest.param("python:3.11-windowsservercore", id="windows"),
        pytest.param("python@sha256:" + "a" * 64, id="digest"),
        pytest.param("pypy:3.10", id="pypy"),
        pytest.param("ubuntu:22.04", id="os"),
    ],
)
def test_images_dfsplit_does_not_map(image: str) -> None:
    assert py_images.read_image(image) is None


@pytest.mark.parametrize(
    ("image", "family", "release"),
    [
        pytest.param("python:3.11-slim-bookworm", "debian", "bookworm", id="named"),
        pytest.param("python:3.11-slim", "debian", "trixie", id="default"),
        pytest.param("python:3.8-slim", "debian", "bookworm", id="old-default"),
        pytest.param("python:3.11-alpine3.19", "alpine", "3.19", id="alpine"),
    ],
)
def test_image_kind(image: str, family: str, release: str) -> None:
    py = py_images.read_image(image)
    assert py is not None
    kind = py_images.classify(py)
    assert (kind.family, kind.release) == (family, release)


# --- libraries -------------------------------------------------------------------------------

BOOKWORM = images.ImageKind("debian", "bookworm", True, "glibc")
BULLSEYE = images.ImageKind("debian", "bullseye", True, "glibc")
BUSTER = images.ImageKind("debian", "buster", True, "glibc")
TRIXIE = images.ImageKind("debian", "trixie", True, "glibc")
ALPINE = images.ImageKind("alpine", "3.19", True, "musl")
STATIC = images.ImageKind("static", None, False, None)


@pytest.mark.parametrize(
    ("dev", "kind", "runtime"),
    [
        pytest.param("libpq-dev", BOOKWORM, "libpq5", id="pq"),
        pytest.param("default-libmysqlclient-dev", BOOKWORM, "libmariadb3", id="mysql"),
        pytest.param("libjpeg-dev", BOOKWORM, "libjpeg62-turbo", id="jpeg"),
        pytest.param("libjpeg62-turbo-dev", TRIXIE, "libjpeg62-turbo", id="jpeg-turbo"),
        pytest.param("libxml2-dev", BOOKWORM, "libxml2", id="xml2"),
        pytest.param("libxslt1-dev", BOOKWORM, "libxslt1.1", id="xslt"),
        pytest.param("libffi-dev", BOOKWORM, "libffi8", id="ffi-bookworm"),
        pytest.param("libffi-dev", BULLSEYE, "libffi7", id="ffi-bullseye"),
        pytest.param("libffi-dev", BUSTER, "libffi6", id="ffi-buster"),
        pytest.param("libssl-dev", BOOKWORM, "libssl3", id="ssl-bookworm"),
        pytest.param("libssl-dev", BULLSEYE, "libssl1.1", id="ssl-bullseye"),
        pytest.param("libssl-dev", TRIXIE, "libssl3t64", id="ssl-trixie"),
        pytest.param("zlib1g-dev", BOOKWORM, "zlib1g", id="zlib"),
        pytest.param("libsqlite3-dev", BOOKWORM, "libsqlite3-0", id="sqlite"),
        pytest.param("postgresql-dev", ALPINE, "libpq", id="alpine-pq"),
        pytest.param("openssl-dev", ALPINE, "libssl3", id="alpine-ssl"),
        pytest.param("jpeg-dev", ALPINE, "libjpeg-turbo", id="alpine-jpeg"),
        pytest.param("libpq-dev", STATIC, None, id="no-package-manager"),
        pytest.param("libfoo-dev", BOOKWORM, None, id="unknown"),
    ],
)
def test_runtime_package(dev: str, kind: images.ImageKind, runtime: str | None) -> None:
    assert libraries.runtime_package(dev, kind) == runtime


@pytest.mark.parametrize(
    ("name", "kind", "package"),
    [
        pytest.param("ssl", BOOKWORM, "libssl3", id="ssl"),
        pytest.param("crypto", BULLSEYE, "libssl1.1", id="crypto"),
        pytest.param("crypto", ALPINE, "libcrypto3", id="alpine-crypto"),
        pytest.param("sqlite3", TRIXIE, "libsqlite3-0", id="sqlite3"),
        pytest.param("pq", ALPINE, "libpq", id="alpine-pq"),
        pytest.param("z", BOOKWORM, "zlib1g", id="z"),
        pytest.param("nosuchlib", BOOKWORM, None, id="unknown"),
    ],
)
def test_library_package(name: str, kind: images.ImageKind, package: str | None) -> None:
    assert libraries.library_package(name, kind) == package


# --- manifests -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name", "extras"),
    [
        pytest.param("Flask==3.0.3", "flask", set(), id="pinned"),
        pytest.param("psycopg[binary]>=3.1", "psycopg", {"binary"}, id="extras"),
        pytest.param("zope.interface ; python_version>'3.8'", "zope-interface", set(), id="marker"),
        pytest.param("Django_Rest_Framework", "django-rest-framework", set(), id="normalised"),
    ],
)
def test_parse_requirement(line: str, name: str, extras: set[str]) -> None:
    req = manifest.parse_requirement(line)
    assert req is not None and (req.name, set(req.extras)) == (name, extras)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("", id="empty"),
        pytest.param("# a comment", id="comment"),
        pytest.param("-e .", id="editable"),
        pytest.param("git+https://example.com/x.git", id="vcs"),
        pytest.param("./wheels/x.whl", id="path"),
    ],
)
def test_lines_that_name_no_package(line: str) -> None:
    assert manifest.parse_requirement(line) is None


def test_requirements_follow_includes() -> None:
    project = _project(
        "FROM python:3.11\n",
        {
            "requirements/base.txt": "flask\n",
            "requirements/prod.txt": "-r base.txt\ngunicorn  # the server\n",
        },
    )
    read = manifest.read_requirements(project, "requirements/prod.txt")
    assert [r.name for r in read.requirements] == ["flask", "gunicorn"]
    assert read.includes == ("requirements/base.txt",)


@pytest.mark.parametrize(
    ("rel", "dev"),
    [
        pytest.param("requirements.txt", False, id="main"),
        pytest.param("requirements-dev.txt", True, id="dash-dev"),
        pytest.param("dev-requirements.txt", True, id="dev-dash"),
        pytest.param("requirements/test.txt", True, id="dir-test"),
        pytest.param("requirements/production.txt", False, id="dir-prod"),
        pytest.param("requirements_devices.txt", False, id="word-starting-with-dev"),
    ],
)
def test_dev_requirement_files(rel: str, dev: bool) -> None:
    assert manifest.is_dev_file(rel) is dev


def test_pyproject_dev_groups_of_every_tool() -> None:
    text = """
[project]
name = "x"
requires-python = ">=3.10"
dependencies = ["httpx>=0.27"]
[project.optional-dependencies]
test = ["pytest"]
[dependency-groups]
dev = ["ruff"]
[tool.poetry.group.dev.dependencies]
mypy = "*"
"""
    py = manifest.read_pyproject(_project("", {"pyproject.toml": text}), "pyproject.toml")
    assert py is not None
    assert [r.name for r in py.dependencies] == ["httpx"]
    assert {r.name for r in py.dev_dependencies} == {"pytest", "ruff", "mypy"}
    assert py.requires_python == ">=3.10"


def test_broken_toml_reads_as_missing() -> None:
    assert manifest.read_pyproject(_project("", {"pyproject.toml": "[x"}), "pyproject.toml") is None


@pytest.mark.parametrize(
    ("expr", "root"),
    [
        pytest.param("BASE_DIR / 'staticfiles'", "staticfiles", id="pathlib"),
        pytest.param('os.path.join(BASE_DIR, "static_root")', "static_root", id="os-path"),
        pytest.param("'/var/www/static'", None, id="absolute-literal"),
        pytest.param("env('STATIC_ROOT')", None, id="computed"),
    ],
)
def test_static_root(expr: str, root: str | None) -> None:
    assert source._static_root(expr) == root


@pytest.mark.parametrize(
    ("minor", "spec", "ok"),
    [
        pytest.param("3.11", ">=3.10", True, id="lower"),
        pytest.param("3.11", ">=3.12", False, id="lower-above"),
        pytest.param("3.11", ">=3.9,<3.12", True, id="range"),
        pytest.param("3.12", ">=3.9,<3.12", False, id="upper"),
        pytest.param("3.11", "==3.11.*", True, id="wildcard"),
        pytest.param("3.11", "^3.11", True, id="poetry-caret-ignored"),
        pytest.param("3.11", ">=3.11.4", True, id="micro"),
        pytest.param("3.11", "~=3.12", False, id="compatible"),
    ],
)
def test_requires_python(minor: str, spec: str, ok: bool) -> None:
    assert builder._satisfies(minor, spec) is ok


# --- where the installs put the packages -----------------------------------------------------

FLASK = {"requirements.txt": "flask\n", "app.py": "print(1)\n"}


@pytest.mark.parametrize(
    ("steps", "kind", "path"),
    [
        pytest.param("RUN pip install -r requirements.txt", "system", "", id="system"),
        pytest.param(
            "RUN pip3 install --user -r requirements.txt", "user", "/root/.local", id="user"
        ),
        pytest.param(
            "RUN python -m venv /opt/venv\nENV PATH=/opt/venv/bin:$PATH\n"
            "RUN pip install -r requirements.txt",
            "venv",
            "/opt/venv",
            id="venv-on-path",
        ),
        pytest.param(
            "RUN python -m venv venv && . venv/bin/activate && pip install -r requirements.txt",
            "venv",
            "/app/venv",
            id="venv-activated",
        ),
        pytest.param(
            "RUN /opt/venv/bin/pip install -r requirements.txt", "venv", "/opt/venv", id="venv-pip"
        ),
        pytest.param(
            "RUN pip install --prefix=/install -r requirements.txt", "dir", "/install", id="prefix"
        ),
        pytest.param("RUN uv pip install --system -r requirements.txt", "system", "", id="uv-pip"),
        pytest.param("RUN uv sync --frozen", "venv", "/app/.venv", id="uv-sync"),
        pytest.param(
            "ENV UV_PROJECT_ENVIRONMENT=/opt/env\nRUN uv sync", "venv", "/opt/env", id="uv-env"
        ),
        pytest.param(
            "RUN poetry config virtualenvs.create false && poetry install",
            "system",
            "",
            id="poetry-system",
        ),
        pytest.param(
            "ENV POETRY_VIRTUALENVS_IN_PROJECT=true\nRUN poetry install",
            "venv",
            "/app/.venv",
            id="poetry-in-project",
        ),
        pytest.param("RUN pipenv install --system --deploy", "system", "", id="pipenv-system"),
    ],
)
def test_install_targets(steps: str, kind: str, path: str) -> None:
    df = f"FROM python:3.11\nWORKDIR /app\nCOPY . .\n{steps}\nCMD python app.py\n"
    from dfsplit.dockerfile import parser

    app = App(parser.parse(df.encode()), _project(df, FLASK), "65532:65532")
    assert app.target is not None and (app.target.kind, app.target.path) == (kind, path)


def test_a_pip_upgrade_is_not_where_the_packages_are() -> None:
    df = (
        "FROM python:3.11\nRUN pip install --upgrade pip\nRUN python -m venv /venv\n"
        "ENV PATH=/venv/bin:$PATH\nCOPY . .\nRUN pip install -r requirements.txt\n"
        'CMD ["python", "app.py"]\n'
    )
    outcome = _split(df, FLASK)
    assert outcome.status is Status.CHANGED, outcome.reason
    assert "COPY --from=builder /venv /venv" in outcome.new.decode()


@pytest.mark.parametrize(
    ("df", "files", "reason"),
    [
        pytest.param(
            "FROM python:3.11\nRUN pip install poetry\nCOPY . .\nRUN poetry install\n",
            {"pyproject.toml": "[tool.poetry]\nname='x'\n"},
            "POETRY_VIRTUALENVS_IN_PROJECT=true",
            id="poetry-cache-venv",
        ),
        pytest.param(
            "FROM python:3.11\nCOPY . .\nRUN pip install pipenv && pipenv install\n",
            {"Pipfile": "[packages]\n"},
            "PIPENV_VENV_IN_PROJECT=1",
            id="pipenv-default-venv",
        ),
        pytest.param(
            "FROM python:3.11\nCOPY . .\nRUN pip install --user flask\n"
            "RUN pip install -r requirements.txt\n",
            FLASK,
            "more than one place",
            id="two-targets",
        ),
        pytest.param(
            "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y python3-pip\n"
            "COPY . .\nRUN pip3 install -r requirements.txt\nCMD python3 app.py\n",
            FLASK,
            "not a tagged official python image",
            id="os-image",
        ),
        pytest.param(
            "FROM python:3\nCOPY . .\nRUN pip install -r requirements.txt\n",
            FLASK,
            "names no minor Python version",
            id="no-minor",
        ),
        pytest.param(
            "FROM python:3.11\nCOPY . .\nRUN pip install -r requirements.txt\n"
            "RUN python manage.py collectstatic --noinput\n",
            {**FLASK, "manage.py": "", "site/settings.py": "STATIC_ROOT = env('X')\n"},
            "cannot read STATIC_ROOT",
            id="collectstatic-unknown-root",
        ),
        pytest.param(
            "FROM python:3.11\nCOPY . .\nRUN pip install -r requirements.txt\nRUN make assets\n",
            FLASK,
            "copy the app into its own WORKDIR",
            id="unknown-run-at-root",
        ),
    ],
)
def test_refusals_say_what_to_do(df: str, files: dict[str, str], reason: str) -> None:
    outcome = _split(df, files)
    assert outcome.status is Status.REFUSED
    assert reason in outcome.reason


def test_uv_run_is_dropped_when_the_venv_leads_path() -> None:
    df = (
        "FROM python:3.12\nRUN pip install uv\nWORKDIR /app\nCOPY . .\nRUN uv sync --frozen\n"
        'CMD ["uv", "run", "--frozen", "uvicorn", "main:app"]\n'
    )
    files = {"pyproject.toml": "[project]\nname='x'\ndependencies=['uvicorn']\n", "main.py": ""}
    new = _split(df, files).new.decode()
    runtime = new.split("AS runtime")[1]
    assert 'CMD ["uvicorn", "main:app"]' in runtime
    assert "ENV PATH=/app/.venv/bin:" in runtime


def test_a_dev_server_is_kept_and_pointed_out() -> None:
    df = (
        "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
        'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n'
    )
    outcome = _split(df, {**FLASK, "manage.py": ""})
    assert 'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]' in outcome.new.decode()
    assert outcome.findings is not None
    assert any("development server" in n for n in outcome.findings.notes)


def test_unknown_run_steps_keep_the_app_directory_whole() -> None:
    df = (
        "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
        'RUN ./build-assets.sh\nCMD ["python", "app.py"]\n'
    )
    new = _split(df, {**FLASK, "build-assets.sh": "", "tests/test_x.py": ""}).new.decode()
    assert "COPY --from=builder /app /app" in new


def test_directories_made_for_the_app_keep_their_owner() -> None:
    """`chown app /var/log/myapp` for USER app: the runtime's user must own it too (a COPY
    --from without --chown makes it root's), and /var/log itself stays the runtime's own."""
    df = (
        "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
        "RUN useradd app && mkdir -p /var/log/myapp /srv/cache && chown app /var/log/myapp\n"
        'USER app\nCMD ["python", "app.py"]\n'
    )
    new = _split(df, FLASK).new.decode()
    assert "COPY --from=builder --chown=65532:65532 /var/log/myapp /var/log/myapp" in new
    assert "COPY --from=builder /srv/cache /srv/cache" in new  # root's, as it was
    assert "COPY --from=builder /var/log /var/log" not in new


# --- which recipe claims a project -----------------------------------------------------------


@pytest.mark.parametrize(
    ("df", "files", "recipe"),
    [
        pytest.param(
            "FROM python:3.11\nCOPY . .\nRUN pip install -r requirements.txt\n"
            "RUN npm ci && npm run build\nCMD python manage.py runserver\n",
            {**FLASK, "manage.py": "", "package.json": '{"scripts": {"build": "vite build"}}'},
            "python",
            id="django-with-package-json",
        ),
        pytest.param(
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD node server.js\n",
            {"package.json": '{"name": "x"}', "requirements.txt": "mkdocs\n", "docs/conf.py": ""},
            "node_server",
            id="node-with-docs-requirements",
        ),
        pytest.param(
            "FROM golang:1.21\nCOPY . .\nRUN go build -o /app .\n",
            {"go.mod": "module x\n", "scripts/gen.py": ""},
            "go",
            id="go-with-a-python-script",
        ),
    ],
)
def test_registry_order(df: str, files: dict[str, str], recipe: str) -> None:
    found, _ = detect.detect(_project(df, files))
    assert found.name == recipe


# --- the app's layer -------------------------------------------------------------------------


def _runtime_copies(text: str) -> list[str]:
    runtime = text.split(" AS runtime\n", 1)[1]
    return [line for line in runtime.splitlines() if line.startswith("COPY")]


def test_the_apps_files_reach_the_runtime_in_one_layer_after_the_packages() -> None:
    outcome = _split(
        "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
        'RUN pip install -r requirements.txt\nCOPY . .\nCMD ["python", "app.py"]\n',
        {"requirements.txt": "flask\n", "app.py": "", "views.py": "", "templates/a.html": ""},
    )
    assert outcome.status is Status.CHANGED, outcome.reason
    text = outcome.new.decode()
    assert _runtime_copies(text)[-1] == "COPY --from=app /app /app"
    assert _runtime_copies(text)[0].endswith("/usr/local/lib/python3.11/site-packages")
    stage = text.split("FROM scratch AS app\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert stage == [
        f"COPY --from=builder /app/{name} /app/{name}"
        for name in ("app.py", "requirements.txt", "templates", "views.py")
    ]


def test_a_single_app_file_needs_no_app_stage() -> None:
    outcome = _split(
        "FROM python:3.11\nWORKDIR /srv\nCOPY app.py .\nRUN pip install flask\n"
        'CMD ["python", "app.py"]\n',
        {"app.py": ""},
    )
    assert outcome.status is Status.CHANGED, outcome.reason
    text = outcome.new.decode()
    assert "AS app" not in text
    assert _runtime_copies(text)[-1] == "COPY --from=builder /srv/app.py /srv/app.py"
