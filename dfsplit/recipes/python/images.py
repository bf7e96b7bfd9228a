"""The official python images: what they set before the first instruction, their variants, and
the slim runtime that matches a builder (https://github.com/docker-library/python, the
Dockerfiles generated from Dockerfile-linux.template, e.g. 3.11/slim-bookworm/Dockerfile).

Every Linux variant builds CPython from source into /usr/local: the interpreter is
/usr/local/bin/python3 (with a `python` symlink), pip installs as root land in
/usr/local/lib/pythonX.Y/site-packages and console scripts in /usr/local/bin. They set
`ENV PATH /usr/local/bin:$PATH`, `LANG C.UTF-8`, GPG_KEY and PYTHON_VERSION, no WORKDIR and no
USER; the slim variants keep ca-certificates, netbase and tzdata, and the run-time libraries
of Python's own modules (OpenSSL, libffi, SQLite, zlib, bz2, lzma, readline, ncurses, uuid,
gdbm, db), which the source build marks as manual before purging its build dependencies.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from dfsplit.plan import images
from dfsplit.plan.stage import DEFAULT_PATH

INTERPRETER = "/usr/local/bin/python"
BIN_DIR = "/usr/local/bin"
PYTHON_PATH = "/usr/local/bin:" + DEFAULT_PATH

# -dev packages whose run-time library every python image already has (Python's own modules
# link them), named as on Debian and on Alpine.
PROVIDED_LIBRARIES = frozenset(
    {
        "libssl-dev",
        "libffi-dev",
        "libsqlite3-dev",
        "zlib1g-dev",
        "libbz2-dev",
        "liblzma-dev",
        "libreadline-dev",
        "libncursesw5-dev",
        "libncurses-dev",
        "uuid-dev",
        "libgdbm-dev",
        "libdb-dev",
        "openssl-dev",
        "zlib-dev",
        "sqlite-dev",
        "bzip2-dev",
        "xz-dev",
        "readline-dev",
        "ncurses-dev",
        "util-linux-dev",
        "gdbm-dev",
    }
)
_DEBIAN_VARIANTS = ("bookworm", "bullseye", "buster", "trixie", "forky")


class Python(NamedTuple):
    """A tagged official python image, read from its reference."""

    repository: str  # "python", "docker.io/library/python", a mirror's ".../python"
    version: str  # "3.11", "3.11.4", "3", "" (latest)
    slim: bool
    alpine: str | None  # "" for a plain -alpine tag, "3.19" for -alpine3.19, None otherwise
    release: str | None  # Debian codename the tag names, if any

    @property
    def minor(self) -> str | None:
        """ "3.11" for 3.11 and 3.11.4; None when the tag names no minor version."""
        m = re.match(r"(\d+)\.(\d+)", self.version)
        return f"{m.group(1)}.{m.group(2)}" if m else None


def is_python(image: str) -> bool:
    return images.repository(image).rsplit("/", 1)[-1] == "python"


def read_image(image: str) -> Python | None:
    """The official python image a reference names, or None (another image, a digest, a
    Windows variant, or a tag dfsplit cannot read)."""
    if not is_python(image) or "@" in image:
        return None
    tag = images.tag(image).lower()
    m = re.fullmatch(r"(\d+(?:\.\d+){0,2}(?:(?:a|b|rc)\d+)?)?(?:-)?(.*)", tag)
    if tag == "latest":
        return Python(images.repository(image), "", False, None, None)
    if m is None:
        return None
    version, rest = m.group(1) or "", m.group(2)
    words = [w for w in rest.split("-") if w]
    slim = "slim" in words
    alpine = next((w[len("alpine") :] for w in words if w.startswith("alpine")), None)
    release = next((w for w in words if w in _DEBIAN_VARIANTS), None)
    known = {"slim", *_DEBIAN_VARIANTS}
    if any(w not in known and not w.startswith("alpine") for w in words):
        return None  # windowsservercore, nanoserver, onbuild, rc-...: not a variant we map
    return Python(images.repository(image), version, slim, alpine, release)


def runtime_image(builder: Python) -> str:
    """The slim variant of the builder's tag: same version, same Debian release (or the same
    Alpine). A tag without a release maps to one without: python:3.11 and python:3.11-slim
    move to a new Debian release together."""
    if builder.slim or builder.alpine is not None:
        return _ref(builder, _tag(builder))
    tag = "-".join(p for p in (builder.version, "slim", builder.release) if p)
    return _ref(builder, tag)


def _tag(py: Python) -> str:
    parts = [py.version] if py.version else []
    if py.alpine is not None:
        parts.append(f"alpine{py.alpine}")
    else:
        parts += [p for p in ("slim" if py.slim else "", py.release or "") if p]
    return "-".join(parts) or "latest"


def _ref(py: Python, tag: str) -> str:
    return f"{py.repository}:{tag}"


def classify(py: Python) -> images.ImageKind:
    """Family and release; a tag without a codename is on the release its version defaults
    to (trixie since August 2025 for the versions still built, bookworm for older ones)."""
    if py.alpine is not None:
        return images.ImageKind("alpine", py.alpine or None, True, "musl")
    return images.ImageKind("debian", py.release or _default_release(py), True, "glibc")


def _default_release(py: Python) -> str:
    m = re.match(r"(\d+)\.(\d+)", py.version)
    if m and (int(m.group(1)), int(m.group(2))) < (3, 9):
        return "bookworm"
    return "trixie"


def site_packages(minor: str) -> str:
    return f"/usr/local/lib/python{minor}/site-packages"


def user_site(home: str, minor: str) -> str:
    return f"{home}/.local/lib/python{minor}/site-packages"
