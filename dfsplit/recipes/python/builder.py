"""Edits to the builder stage, each as small as it can be and said in the plan: a dependency
layer before `COPY . .`, dev dependencies kept out of the environment the runtime copies;
and the check that uv will not fetch an interpreter the runtime cannot have.
"""

from __future__ import annotations

import re

from dfsplit.dockerfile import edits, tokens
from dfsplit.model import Edit, Instruction, Refuse
from dfsplit.recipes.python import manifest
from dfsplit.recipes.python.app import App, app_installs
from dfsplit.recipes.python.caches import install_mounts
from dfsplit.recipes.python.installs import Install, installs_project, requirement_args

_BETWEEN_OK = {"COPY", "ADD", "EXPOSE", "LABEL"}  # may sit between `COPY . .` and the install


def builder_edits(app: App, cache_mounts: bool = False) -> list[Edit]:
    out: list[Edit] = []
    caches = install_mounts(app) if cache_mounts else {}
    moved = _dependency_layer(app, caches)
    out += moved
    for install in app.installs:
        flag = _prod_flag(app, install)
        if flag is None:
            continue
        text = f"{install.text} {flag}"
        if moved and install.ins is _first_install(app):
            out = [_with_flag(e, install.text, text) for e in out]
        else:
            out.append(_replace_command(app, install, text))
    for install in app.installs:
        for req in requirement_args(install):
            if manifest.is_dev_file(req):
                app.warnings.append(
                    f"the builder installs {req} into the environment the runtime copies: the "
                    "runtime gets those packages too, as the original had them"
                )
    return _with_mounts(app, out, caches, _first_install(app) if moved else None)


def _with_mounts(
    app: App, planned: list[Edit], caches: dict[Instruction, str], moved: object
) -> list[Edit]:
    """The cache mounts on the install RUNs the dependency layer did not move."""
    for ins, flags in caches.items():
        if ins is moved:
            continue  # its copy above `COPY . .` carries them
        new = edits.with_run_flags(app.df, ins, flags, planned)
        if new is None:
            app.notes.append(f"no cache mount on line {ins.start + 1}: another edit rewrites it")
            continue
        planned = new
    return planned


def _prod_flag(app: App, install: Install) -> str | None:
    """`--no-dev` for uv sync, `--only main` for Poetry, when the project has dev groups."""
    py = manifest.read_pyproject(app.project, app.rel("pyproject.toml"))
    if py is None or not py.dev_dependencies:
        return None
    words = set(install.words)
    if install.tool == "uv" and not words & {"--no-dev", "--only-group", "--no-default-groups"}:
        flag = "--no-dev"
    elif (
        install.tool == "poetry"
        and not words & {"--only", "--without", "--no-dev"}
        and not any(w.startswith(("--only=", "--without=")) for w in words)
    ):
        flag = "--no-dev" if _old_poetry(app) else "--only main"
    else:
        return None
    app.notes.append(
        f"`{install.text}` -> `{install.text} {flag}`: the runtime copies this environment, "
        "and dev dependencies belong in the tester"
    )
    return flag


def _old_poetry(app: App) -> bool:
    """Poetry before 1.2 knows `--no-dev` and not `--only`."""
    text = "\n".join(app.df.lines)
    m = re.search(r"poetry[=><~]=?\s*(\d+)\.(\d+)", text) or re.search(
        r"POETRY_VERSION=[\"']?(\d+)\.(\d+)", text
    )
    return m is not None and (int(m.group(1)), int(m.group(2))) < (1, 2)


def _first_install(app: App) -> object:
    installs = app_installs(app.installs)
    return installs[0].ins if installs else None


def _dependency_layer(app: App, caches: dict[Instruction, str]) -> list[Edit]:
    """Install from the manifests before `COPY . .`, so a code change reuses the layer."""
    installs = app_installs(app.installs)
    root = app.model.root_copy()
    if not installs or root is None:
        return []
    first = installs[0]
    index = app.model.stage.index(first.ins)
    between = app.model.stage[root.position + 1 : index]
    names = _manifests(app, first)
    if (
        root.position > index
        or not first.alone
        or first.cwd != root.dest
        or names is None
        or any(i.keyword not in _BETWEEN_OK for i in between)
    ):
        return []
    copy_ins = app.model.stage[root.position]
    dest = "./" if app.model.state_at(copy_ins).workdir == root.dest else root.dest + "/"
    flags = "".join(f"{f} " for f in (*first.ins.flags, *caches.get(first.ins, "").split()))
    copy = f"{edits.keyword(app.df, 'COPY')} {' '.join(names)} {dest}"
    run = f"{edits.keyword(app.df, 'RUN')} {flags}{tokens.single_line(first.text, 'install')}"
    anchor = edits.attached_comments(app.df, copy_ins)
    gap = "\n" if anchor < copy_ins.start else ""
    text = "\n".join(x for x in (edits.comment_text(app.df, first.ins), copy, run) if x) + gap
    app.notes.append(
        f"{' and '.join(names)} copied and `{first.text}` run before `COPY . .`, so a "
        "code change does not re-install the dependencies"
    )
    return [Edit(anchor, anchor, text), edits.remove(app.df, first.ins)]


def _manifests(app: App, install: Install) -> list[str] | None:
    """The files an install reads when it does not build the project, or None."""
    if installs_project(install):
        return None
    if install.tool == "pip":
        files = requirement_args(install)
        if not files or not all(app.project.has(app.rel(f)) for f in files):
            return None
        for rel in list(files):
            files += [i for i in manifest.read_requirements(app.project, app.rel(rel)).includes]
        return list(dict.fromkeys(files))
    names = {
        "pipenv": ("Pipfile", "Pipfile.lock"),
        "poetry": ("pyproject.toml", "poetry.lock"),
        "uv": ("pyproject.toml", "uv.lock", ".python-version"),
    }.get(install.tool, ())
    present = [
        n
        for n in names
        if app.project.has(app.rel(n)) and not app.model.ignore.excludes(app.rel(n))
    ]
    return present or None


def _with_flag(edit: Edit, old: str, new: str) -> Edit:
    return edit._replace(text=edit.text.replace(old, new, 1)) if old in edit.text else edit


def _replace_command(app: App, install: Install, text: str) -> Edit:
    """Swap the install command inside its physical line, keeping the rest of the RUN."""
    words = r"\s+".join(re.escape(w) for w in install.command.argv)
    pattern = re.compile(r"(?<![\w/-])" + words + r"(?![\w-])")
    ins = install.ins
    for number in range(ins.start, ins.end):
        line = app.df.lines[number].rstrip("\r\n")
        if pattern.search(line):
            return Edit(number, number + 1, pattern.sub(lambda _m: text, line, count=1))
    raise Refuse(f"cannot rewrite the install at line {ins.start + 1}: it spans lines oddly")


# --- interpreters that uv would fetch -------------------------------------------------------


def check_interpreter(app: App) -> None:
    """uv installs a Python of its own when the project asks for one the image lacks, and
    the venv then links to it under /root/.local/share/uv: refuse rather than half-copy it."""
    uv = [i for i in app.installs if i.tool in ("uv", "uv-pip")]
    if not uv or app.py is None:
        return
    env = app.model.state_at(uv[0].ins).env
    if env.get("UV_PYTHON_DOWNLOADS", "").lower() in ("never", "manual"):
        return
    wanted = _wanted_python(app, uv[0])
    have = app.py.minor
    if wanted is None:
        return
    spec, source = wanted
    if have is None and not re.search(r"[<=~]", spec.replace(">=", "")):
        return
    if have is not None and _satisfies(have, spec):
        return
    raise Refuse(
        f"uv would download its own Python ({source} asks for {spec}, the image has "
        f"{have or 'an unnamed 3.x'}) into /root/.local/share/uv/python, and the virtual "
        "environment links to it, so copying the venv alone would break: build FROM a "
        "python image that satisfies it, or set ENV UV_PYTHON_DOWNLOADS=never"
    )


def _wanted_python(app: App, install: Install) -> tuple[str, str] | None:
    flag = next((w.split("=", 1)[1] for w in install.words if w.startswith("--python=")), None)
    if flag is None and "--python" in install.words:
        i = install.words.index("--python")
        flag = install.words[i + 1] if i + 1 < len(install.words) else None
    if flag:
        return (f"=={flag}" if flag[0].isdigit() else flag), "--python"
    pinned = (app.project.text(app.rel(".python-version")) or "").strip().splitlines()
    if pinned and re.match(r"\d+\.\d+", pinned[0]):
        minor = ".".join(pinned[0].split(".")[:2])
        return f"=={minor}.*", ".python-version"
    py = manifest.read_pyproject(app.project, app.rel("pyproject.toml"))
    if py is not None and py.requires_python:
        return py.requires_python, "requires-python"
    return None


def _satisfies(minor: str, spec: str) -> bool:
    """Whether Python `minor` (e.g. "3.11") can satisfy a PEP 440 specifier set, compared
    on major.minor (a micro version in the spec counts as that minor)."""
    have = tuple(int(x) for x in minor.split("."))
    for clause in spec.split(","):
        m = re.fullmatch(r"\s*(>=|<=|==|!=|~=|>|<)\s*(\d+(?:\.\d+)*)(\.\*)?\s*", clause)
        if not m:
            continue
        op, version = m.group(1), tuple(int(x) for x in m.group(2).split("."))
        want = version[:2] if len(version) >= 2 else (version[0], 0)
        exact = len(version) > 2 and not m.group(3)
        if not _compare(op, have, want, exact, len(version) == 1):
            return False
    return True


def _compare(
    op: str, have: tuple[int, ...], want: tuple[int, ...], exact: bool, major: bool
) -> bool:
    if major:
        have = have[:1]
        want = want[:1]
    if op in (">=", "~="):
        return have >= want
    if op == ">":
        return have > want or (exact and have == want)
    if op == "<":
        return have < want or (exact and have == want)
    if op == "<=":
        return have <= want
    if op == "==":
        return have == want
    return not (op == "!=" and have == want and not exact)
