"""Turn values into Dockerfile tokens that cannot inject instructions.

Every string a template receives passes through one of these functions first.
"""

from __future__ import annotations

import json
import re

from dfsplit.dockerfile import paths, words
from dfsplit.model import CopyStep, Refuse

_PLAIN_PATH = re.compile(r"^[A-Za-z0-9_./@+=:,-]+$")
_ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_IMAGE = re.compile(r"^[a-z0-9][a-z0-9._/:@-]*$")


def single_line(value: str, what: str) -> str:
    """Reject a value that would break out of its instruction."""
    if "\n" in value or "\r" in value:
        raise Refuse(f"the {what} {value!r} holds a line break, which a Dockerfile line cannot")
    return value


def exec_form(argv: list[str] | tuple[str, ...]) -> str:
    """`["a", "b"]` as BuildKit parses it: a JSON array of strings."""
    if not argv:
        raise Refuse("the start command is an empty list, so the image would start nothing")
    return json.dumps([single_line(a, "command argument") for a in argv])


def command(form: list[str] | str | None) -> str | None:
    """A CMD/ENTRYPOINT: exec form (a list) as JSON, shell form (text) on one line."""
    if form is None:
        return None
    return exec_form(form) if isinstance(form, list) else single_line(form, "command")


def abs_path(path: str) -> str:
    """A normalised absolute path; refuses anything that is not one."""
    single_line(path, "path")
    if not path.startswith("/"):
        raise Refuse(f"expected an absolute path, got {path!r}")
    return paths.clean(path)


def copy_args(src: str, dest: str) -> str:
    """Source and destination of a COPY; JSON form when a path needs quoting."""
    src, dest = abs_path(src), abs_path(dest)
    if _PLAIN_PATH.match(src) and _PLAIN_PATH.match(dest):
        return f"{src} {dest}"
    return json.dumps([src, dest])


def copy_step(stage: str, src: str, dest: str, chown: str | None = None) -> CopyStep:
    """`COPY --from=stage src dest` for the runtime stage, its paths already tokens."""
    return CopyStep(stage, abs_path(src), abs_path(dest), copy_args(src, dest), chown)


def image(name: str) -> str:
    """An image reference: lower-case repository, tag or digest, no spaces."""
    single_line(name, "image")
    if name != "scratch" and not _IMAGE.match(name.lower()):
        raise Refuse(
            f"{name!r} is not a valid image reference: check --runtime, and the `runtime` "
            "and `registry` keys of the config"
        )
    return name


def env_pair(key: str, value: str, escape: str = "\\") -> str:
    """`KEY=value` that BuildKit reads back as exactly `value` (quoted as needed, `$` kept
    literal), under the file's escape character."""
    single_line(value, f"value of {key}")
    if not _ENV_KEY.match(key):
        raise Refuse(f"not a valid variable name: {key!r}")
    return f"{key}={words.quote(value, escape)}"


def user(spec: str) -> str:
    """A numeric `uid[:gid]` USER value."""
    if not re.match(r"^[0-9]+(:[0-9]+)?$", spec):
        raise Refuse(f"the runtime user {spec!r} is not numeric (uid or uid:gid)")
    return spec
