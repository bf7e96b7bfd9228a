"""The official rust images: what they set before the first instruction and which Debian
release or Alpine version each tag is built on.

Sources: docker-library's rust templates (rust-lang/docker-rust, Dockerfile-debian.template,
Dockerfile-slim.template, Dockerfile-alpine.template) set `RUSTUP_HOME=/usr/local/rustup`,
`CARGO_HOME=/usr/local/cargo`, `PATH=/usr/local/cargo/bin:$PATH` and `RUST_VERSION`, and no
WORKDIR. The full image is `buildpack-deps:<suite>`, slim is `debian:<suite>-slim`, alpine is
`alpine:<version>`. The suite a bare version tag (`rust:1.75`) points at moved over time
(docker-library/official-images `library/rust`): buster from 1.37 (rust-lang/docker-rust#44),
bullseye around 1.55, bookworm from 1.72 (rust-lang/docker-rust#155: "1.71 works, 1.72 ...
the default base was moved to Debian Bookworm"), trixie from 1.89/1.90 (rust-lang/docker-rust
#246, 2025-08-19); `rust:1`, `rust:latest` and `rust:slim` follow the newest (trixie).
"""

from __future__ import annotations

import re

from dfsplit.plan import images

CARGO_HOME = "/usr/local/cargo"

# (first minor version, releases a bare `rust:1.<minor>` tag may have been built on). Two
# releases: the tag was rebuilt on the newer one around then, and which one a pull got
# depends on the day. Sorted by version.
_DEFAULT_SUITES: tuple[tuple[int, tuple[str, ...]], ...] = (
    (0, ()),  # jessie and stretch: releases dfsplit has no runtime images for
    (37, ("buster",)),
    (54, ("buster", "bullseye")),
    (57, ("bullseye",)),
    (70, ("bullseye", "bookworm")),
    (72, ("bookworm",)),
    (89, ("bookworm", "trixie")),
    (90, ("trixie",)),
)
NEWEST_SUITE = "trixie"


def is_rust(image: str) -> bool:
    return images.repository(image).rsplit("/", 1)[-1] == "rust"


def classify(image: str) -> images.ImageKind:
    """Family and release of a builder image; the release is the newest of the candidates
    `releases` gives (a binary built on the older one runs there too)."""
    candidates = releases(image)
    return images.classify(image, candidates[-1] if candidates else None)


def releases(image: str) -> tuple[str, ...]:
    """The Debian releases a rust image tag may be built on: one when the tag names it or
    the version pins it, two around a switch, none when unknown (or not a rust image)."""
    tag = images.tag(image).lower()
    named = next((r for r in images.DEBIAN_RELEASES if r in tag), None)
    if named:
        return (named,)
    if not is_rust(image) or "alpine" in tag:
        return ()
    m = re.match(r"(\d+)\.(\d+)", tag)
    if m is None:  # latest, 1, slim, 1-slim, nightly: the newest suite
        return (NEWEST_SUITE,) if re.fullmatch(r"(latest|1|slim|1-slim)", tag) else ()
    minor = int(m.group(2)) if m.group(1) == "1" else -1
    found: tuple[str, ...] = ()
    for first, suites in _DEFAULT_SUITES:
        if minor >= first:
            found = suites
    return found


def alpine_version(image: str) -> str | None:
    """`rust:1.75-alpine3.19` -> "3.19"; None when the tag names no Alpine version."""
    m = re.search(r"alpine(\d+\.\d+)", images.tag(image).lower())
    if m:
        return m.group(1)
    if images.repository(image).rsplit("/", 1)[-1] == "alpine":
        m = re.match(r"(\d+\.\d+)", images.tag(image))
        return m.group(1) if m else None
    return None


def uses_rustup_musl(image: str) -> bool:
    """rust:*-alpine installs rustup's musl toolchain, which links statically by default
    (crt-static); Alpine's own `rust` package turns crt-static off."""
    return is_rust(image) and "alpine" in images.tag(image).lower()
