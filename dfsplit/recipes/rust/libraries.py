"""C libraries a Rust binary links at run time, read from Cargo.lock, and the OS packages
that provide them on each runtime family.

The crate -> library rows say how each `-sys` crate links by default (its build script),
and which of its dependencies in Cargo.lock shows that it builds the library in instead
(the optional dependency its `bundled`/`vendored` feature turns on). The package names are
packages.debian.org's per release (buster 10, bullseye 11, bookworm 12, trixie 13: OpenSSL
and curl got `t64` names in trixie) and pkgs.alpinelinux.org's. This table is meant to move
to a shared one (dfsplit/plan/libraries.py) once it exists: keep the library keys.
"""

from __future__ import annotations

from typing import NamedTuple

from dfsplit.model import Refuse


class Linked(NamedTuple):
    """A library the binary needs at run time, and the Cargo.lock entry that says so."""

    library: str  # a key of DEBIAN/ALPINE: "openssl", "sqlite", "ca-certificates", ...
    why: str


# crate -> (library, dependency whose presence means the library is compiled in).
SYSTEM_LINKED: dict[str, tuple[str, str | None]] = {
    "openssl-sys": ("openssl", "openssl-src"),  # openssl's `vendored` feature
    "libsqlite3-sys": ("sqlite", "cc"),  # `bundled` = ["cc", ...]; cc is optional otherwise
    "pq-sys": ("pq", "pq-src"),  # pq-sys's `bundled` feature
    "mysqlclient-sys": ("mysql", "mysqlclient-src"),
    "libz-sys": ("zlib", None),  # links the system zlib when pkg-config finds it
    "curl-sys": ("curl", None),  # the rust image has libcurl's headers: it links them
    "lzma-sys": ("lzma", None),
    "bzip2-sys": ("bzip2", None),
}
# Crates that read the system's CA store at run time.
SYSTEM_ROOTS = {"rustls-native-certs", "openssl-probe", "native-tls"}
# -sys crates that compile their C code in (or only exist off Linux): nothing at run time.
STATIC_SYS = {
    "linux-raw-sys",
    "windows-sys",
    "js-sys",
    "web-sys",
    "core-foundation-sys",
    "security-framework-sys",
    "io-kit-sys",
    "objc-sys",
    "android_system_properties",
    "zstd-sys",
    "lz4-sys",
    "tikv-jemalloc-sys",
    "jemalloc-sys",
    "libmimalloc-sys",
    "aws-lc-sys",
    "aws-lc-fips-sys",
    "boring-sys",
    "rdkafka-sys",
    "libnghttp2-sys",
    "libgit2-sys",
    "libssh2-sys",
    "snmalloc-sys",
    "ittapi-sys",
    "wasi",
    "pq-src",
    "openssl-src",
    "mysqlclient-src",
    "sqlite3-src",
    "libsqlite3-sys-src",
    "protobuf-src",
    "cmake",
    "ring",
    "psm",
    "stacker",
    "blake3",
    "ring-sys",
    "mimalloc-sys",
    "windows_x86_64_gnu",
    "windows_x86_64_msvc",
    "wasm-bindgen",
    "compiler_builtins",
}

# library -> package per Debian release.
DEBIAN: dict[str, dict[str, str]] = {
    "openssl": {
        "buster": "libssl1.1",
        "bullseye": "libssl1.1",
        "bookworm": "libssl3",
        "trixie": "libssl3t64",
    },
    "sqlite": dict.fromkeys(("buster", "bullseye", "bookworm", "trixie"), "libsqlite3-0"),
    "pq": dict.fromkeys(("buster", "bullseye", "bookworm", "trixie"), "libpq5"),
    "mysql": dict.fromkeys(("buster", "bullseye", "bookworm", "trixie"), "libmariadb3"),
    "zlib": dict.fromkeys(("buster", "bullseye", "bookworm", "trixie"), "zlib1g"),
    "curl": {
        "buster": "libcurl4",
        "bullseye": "libcurl4",
        "bookworm": "libcurl4",
        "trixie": "libcurl4t64",
    },
    "lzma": dict.fromkeys(("buster", "bullseye", "bookworm", "trixie"), "liblzma5"),
    "bzip2": dict.fromkeys(("buster", "bullseye", "bookworm", "trixie"), "libbz2-1.0"),
    "ca-certificates": dict.fromkeys(
        ("buster", "bullseye", "bookworm", "trixie"), "ca-certificates"
    ),
}
# library -> Alpine package (3.17 and newer: OpenSSL 3). libgcc: Rust's unwinder.
ALPINE: dict[str, str] = {
    "openssl": "libssl3",
    "sqlite": "sqlite-libs",
    "pq": "libpq",
    "mysql": "mariadb-connector-c",
    "zlib": "zlib",
    "curl": "libcurl",
    "lzma": "xz-libs",
    "bzip2": "libbz2",
    "ca-certificates": "ca-certificates",
    "gcc": "libgcc",
}
# What gcr.io/distroless/cc-debian12 already has (GoogleContainerTools/distroless base/ and
# cc/ READMEs: glibc, libssl, ca-certificates, tzdata, plus libgcc).
DISTROLESS_CC = {"libssl3", "ca-certificates"}


def linked(lock: dict[str, tuple[str, ...]]) -> list[Linked]:
    """What the locked crates link at run time; lock maps each crate to its dependencies.
    An unknown -sys crate is refused: it may link a library dfsplit cannot name."""
    out: list[Linked] = []
    for crate in sorted(lock):
        deps = lock[crate]
        if crate in SYSTEM_LINKED:
            library, built_in = SYSTEM_LINKED[crate]
            if built_in is None or built_in not in deps:
                out.append(Linked(library, f"Cargo.lock has {crate}"))
        elif crate.endswith("-sys") and crate not in STATIC_SYS:
            raise Refuse(
                f"Cargo.lock has {crate}, a crate that may link a C library at run time "
                "that dfsplit has no package for; pass --runtime with an image that has it, "
                "or keep the single-stage image"
            )
        if crate in SYSTEM_ROOTS:
            out.append(Linked("ca-certificates", f"Cargo.lock has {crate}"))
    if any(link.library == "openssl" for link in out):
        out.append(Linked("ca-certificates", "OpenSSL checks peers against the system CA store"))
    return list({link.library: link for link in out}.values())


def debian_packages(links: list[Linked], release: str) -> list[str]:
    return [DEBIAN[link.library][release] for link in links]


def alpine_packages(links: list[Linked]) -> list[str]:
    return [ALPINE[link.library] for link in links]


def differs_between(links: list[Linked], releases: tuple[str, ...]) -> list[str]:
    """The libraries whose package (and so soname) is not the same on all those releases."""
    return [link.library for link in links if len({DEBIAN[link.library][r] for r in releases}) > 1]
