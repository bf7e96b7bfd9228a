"""What an image reference tells us: its libc family, Debian release, shell, and CA bundle."""

from __future__ import annotations

import re
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
