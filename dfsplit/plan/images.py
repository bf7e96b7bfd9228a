"""What an image reference tells us: its libc family, Debian release, shell, and CA bundle;
and, for the builder images dfsplit knows, what they set before a Dockerfile's first
instruction (WORKDIR, USER, ENV), from their published Dockerfiles.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

DEBIAN_RELEASES = ("buster", "bullseye", "bookworm", "trixie")
DISTROLESS_SUFFIX = {"bullseye": "debian11", "bookworm": "debian12", "trixie": "debian13"}


class ImageKind(NamedTuple):
    """Capabilities that decide whether a runtime image can run an app."""

    family: str  # "debian" | "alpine" | "static" | "unknown"
    release: str | None  # Debian codename or Alpine version
    shell: bool
    libc: str | None  # "glibc" | "musl" | None (no libc at all)


def repository(ref: str) -> str:
    """`registry/name:tag@digest` -> `registry/name`."""
    ref = ref.split("@", 1)[0]
    head, _, tail = ref.rpartition(":")
    return head if head and "/" not in tail else ref


def tag(ref: str) -> str:
    ref = ref.split("@", 1)[0]
    head, _, tail = ref.rpartition(":")
    return tail if head and "/" not in tail else "latest"


def classify(ref: str, default_release: str | None = None) -> ImageKind:
    """Classify a base or runtime image by name (no registry lookups); `default_release` is
    the Debian release of an image whose tag names none (a recipe knows its own images)."""
    repo, version = repository(ref).lower(), tag(ref).lower()
    name = repo.rsplit("/", 1)[-1]
    if repo == "scratch" or "distroless/static" in repo:
        return ImageKind("static", "bookworm" if "distroless" in repo else None, False, None)
    if "distroless" in repo:
        codename = next((r for r, s in DISTROLESS_SUFFIX.items() if s in repo), "bookworm")
        return ImageKind("debian", codename, "debug" in version, "glibc")
    if name == "alpine" or "alpine" in version:
        m = re.search(r"(\d+\.\d+)", version if name == "alpine" else version.split("alpine")[1])
        return ImageKind("alpine", m.group(1) if m else None, True, "musl")
    release = next((r for r in DEBIAN_RELEASES if r in version), None)
    if name in {"debian", "ubuntu"} or release or name in _DEBIAN_BASED:
        release = release or default_release or _debian_release(name, version)
        return ImageKind("debian", release, True, "glibc")
    return ImageKind("unknown", None, True, None)


# Official images whose default variant is Debian-based.
_DEBIAN_BASED = {
    "golang",
    "node",
    "python",
    "maven",
    "eclipse-temurin",
    "openjdk",
    "gradle",
    "rust",
    "ruby",
    "php",
    "buildpack-deps",
    "nginx",
    "amazoncorretto",
}


def _debian_release(name: str, version: str) -> str | None:
    """The release of a `debian:<number>` image."""
    if name == "debian":
        numbers = {"10": "buster", "11": "bullseye", "12": "bookworm", "13": "trixie"}
        return numbers.get(version.split(".")[0].split("-")[0])
    return None


def slim_image(kind: ImageKind) -> str | None:
    """A small image with a shell and the same libc family and release, or None."""
    if kind.family == "alpine":
        return f"alpine:{kind.release or '3.19'}"
    if kind.family == "debian" and kind.release:
        return f"debian:{kind.release}-slim"
    return None


def distroless(flavour: str, kind: ImageKind) -> str | None:
    """`gcr.io/distroless/<flavour>-debianNN` matching the builder's release."""
    suffix = DISTROLESS_SUFFIX.get(kind.release or "bookworm")
    return f"gcr.io/distroless/{flavour}-{suffix}:nonroot" if suffix else None


# --- base images' defaults -----------------------------------------------------------------

# The PATH of an image that sets none (Docker's default), and of most official images.
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class Defaults(NamedTuple):
    """What an image sets before the first instruction of a stage built on it."""

    workdir: str
    user: str | None  # None: root
    env: Mapping[str, str | None]  # None: set, to a value that depends on the tag
    source: str  # the published Dockerfile the row was read from


class _Row(NamedTuple):
    repository: str
    tag_has: str  # "" matches every tag; else a part the tag must contain
    defaults: Defaults


def _row(repo: str, tag_has: str, workdir: str, env: Mapping[str, str | None], src: str) -> _Row:
    return _Row(repo, tag_has, Defaults(workdir, None, MappingProxyType(dict(env)), src))


_TEMURIN_ENV: dict[str, str | None] = {
    "JAVA_HOME": "/opt/java/openjdk",
    "PATH": "/opt/java/openjdk/bin:" + DEFAULT_PATH,
    "LANG": "en_US.UTF-8",
    "LANGUAGE": "en_US:en",
    "LC_ALL": "en_US.UTF-8",
    "JAVA_VERSION": None,
}
# Other JDK vendors (openjdk, corretto, graalvm, ...) put Java at a tag-dependent path.
_OTHER_JDK_ENV: dict[str, str | None] = {
    "JAVA_HOME": None,
    "PATH": None,
    "LANG": None,
    "JAVA_VERSION": None,
}
_MAVEN_ENV: dict[str, str | None] = {"MAVEN_HOME": "/usr/share/maven", "MAVEN_CONFIG": "/root/.m2"}
_GRADLE_ENV: dict[str, str | None] = {"GRADLE_HOME": "/opt/gradle", "GRADLE_VERSION": None}
_MAVEN = "https://github.com/carlossg/docker-maven (Dockerfile of each variant)"
_GRADLE = "https://github.com/keeganwitt/docker-gradle (Dockerfile of each variant)"
_OS = {"PATH": DEFAULT_PATH}
_DISTROLESS = MappingProxyType(
    {"PATH": DEFAULT_PATH, "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"}
)
_DL = "https://github.com/GoogleContainerTools/distroless (base/distro.bzl: env, user, workdir)"

# First match wins: the rows of one repository go from the most to the least specific tag.
_ROWS = (
    _row(
        "golang",
        "",
        "/go",
        {
            "GOLANG_VERSION": None,
            "GOTOOLCHAIN": None,  # "local" from Go 1.21 on
            "GOPATH": "/go",
            "PATH": "/go/bin:/usr/local/go/bin:" + DEFAULT_PATH,
        },
        "https://github.com/docker-library/golang (Dockerfile-linux.template)",
    ),
    _row(
        "node",
        "",
        "/",
        {"NODE_VERSION": None, "YARN_VERSION": None, "PATH": DEFAULT_PATH},
        "https://github.com/nodejs/docker-node (Dockerfile-debian.template, -alpine)",
    ),
    _row(
        "python",
        "",
        "/",
        {
            "PATH": "/usr/local/bin:" + DEFAULT_PATH,
            "LANG": None,  # C.UTF-8 before Python 3.13
            "GPG_KEY": None,
            "PYTHON_VERSION": None,
            "PYTHON_SHA256": None,
            "PYTHON_PIP_VERSION": None,
        },
        "https://github.com/docker-library/python (Dockerfile-linux.template)",
    ),
    _row(
        "rust",
        "",
        "/",
        {
            "RUSTUP_HOME": "/usr/local/rustup",
            "CARGO_HOME": "/usr/local/cargo",
            "PATH": "/usr/local/cargo/bin:" + DEFAULT_PATH,
            "RUST_VERSION": None,
        },
        "https://github.com/rust-lang/docker-rust (Dockerfile-debian.template, -slim, -alpine)",
    ),
    _row("maven", "temurin", "/", {**_TEMURIN_ENV, **_MAVEN_ENV}, _MAVEN),
    _row("maven", "", "/", {**_OTHER_JDK_ENV, **_MAVEN_ENV}, _MAVEN),
    _row("gradle", "corretto", "/home/gradle", {**_OTHER_JDK_ENV, **_GRADLE_ENV}, _GRADLE),
    _row("gradle", "graal", "/home/gradle", {**_OTHER_JDK_ENV, **_GRADLE_ENV}, _GRADLE),
    _row("gradle", "ubi", "/home/gradle", {**_OTHER_JDK_ENV, **_GRADLE_ENV}, _GRADLE),
    _row("gradle", "", "/home/gradle", {**_TEMURIN_ENV, **_GRADLE_ENV}, _GRADLE),
    _row(
        "eclipse-temurin",
        "",
        "/",
        _TEMURIN_ENV,
        "https://github.com/adoptium/containers (Dockerfile of each version and OS)",
    ),
    _row("openjdk", "", "/", _OTHER_JDK_ENV, "https://github.com/docker-library/openjdk"),
    _row("debian", "", "/", _OS, "https://github.com/debuerreotype/docker-debian-artifacts"),
    _row("ubuntu", "", "/", _OS, "https://git.launchpad.net/cloud-images/+oci/ubuntu-base"),
    _row("alpine", "", "/", _OS, "https://github.com/alpinelinux/docker-alpine"),
    _row("scratch", "", "/", {}, "https://docs.docker.com/build/building/base-images/"),
    _row(
        "nginx",
        "",
        "/",
        {"PATH": DEFAULT_PATH, "NGINX_VERSION": None, "NJS_VERSION": None, "PKG_RELEASE": None},
        "https://github.com/nginxinc/docker-nginx (mainline/debian/Dockerfile, alpine)",
    ),
    # The distroless images (static, base, cc, ...): the :nonroot tags run as 65532 in
    # /home/nonroot, the others as root in /.
    _Row("gcr.io/distroless/*", "nonroot", Defaults("/home/nonroot", "65532", _DISTROLESS, _DL)),
    _Row("gcr.io/distroless/*", "", Defaults("/", None, _DISTROLESS, _DL)),
)
_HUB_PREFIXES = ("docker.io/library/", "index.docker.io/library/", "docker.io/", "library/")


def defaults(ref: str) -> Defaults | None:
    """The WORKDIR, USER and ENV an official image starts a stage with; None for an image
    dfsplit does not know (then nothing may be assumed about them)."""
    repo, version = repository(ref).lower(), tag(ref).lower()
    for prefix in _HUB_PREFIXES:
        repo = repo.removeprefix(prefix)
    for row in _ROWS:
        name = row.repository
        same = repo.startswith(name[:-1]) if name.endswith("*") else repo == name
        if same and row.tag_has in version:
            return row.defaults
    return None
