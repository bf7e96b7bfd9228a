"""The official golang images: their Debian release and what they ship
(https://github.com/docker-library/golang, Dockerfile-linux.template). Their WORKDIR and ENV
are in the shared table, plan/images.py.
"""

from __future__ import annotations

import re

from dfsplit.plan import images


def is_golang(image: str) -> bool:
    return images.repository(image).endswith("golang")


def classify(image: str) -> images.ImageKind:
    """The image's family and release, golang's default variants included."""
    return images.classify(image, _golang_release(image))


def _golang_release(image: str) -> str | None:
    """golang moved its default variant to trixie from 1.24; older tags stay on bookworm."""
    if not is_golang(image):
        return None
    m = re.match(r"(\d+)\.(\d+)", images.tag(image).lower())
    if m and (int(m.group(1)), int(m.group(2))) < (1, 24):
        return "bookworm"
    return "trixie"


def ships_ca_bundle(image: str) -> bool:
    """Official golang images install ca-certificates, so the bundle can be copied out."""
    return images.repository(image) in {"golang", "library/golang", "docker.io/library/golang"}


def gopath_by_default(image: str) -> bool:
    """Before Go 1.16, a build outside any module ran in GOPATH mode on its own."""
    if not is_golang(image):
        return False
    m = re.match(r"(\d+)\.(\d+)", images.tag(image))
    return m is not None and (int(m.group(1)), int(m.group(2))) < (1, 16)
