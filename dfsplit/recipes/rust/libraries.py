"""C libraries a Rust binary links at run time, read from Cargo.lock, and the OS packages
that provide them on the runtime's distribution.

The crate -> library rows say how each `-sys` crate links by default (its build script),
and which of its dependencies in Cargo.lock shows that it builds the library in instead
(the optional dependency its `bundled`/`vendored` feature turns on). Libraries are named as
the linker names them (`rustc-link-lib=ssl`); the package that ships each one, per Debian
release and on Alpine, comes from the shared table (plan/libraries.py).
"""

from __future__ import annotations

from typing import NamedTuple

from dfsplit.model import Refuse
from dfsplit.plan import libraries
from dfsplit.plan.images import ImageKind

# Not a library: the system's CA store, which TLS crates read at run time.
CA_STORE = "ca-certificates"


class Linked(NamedTuple):
    """A library the binary needs at run time, and the Cargo.lock entry that says so."""

    library: str  # a linker name ("ssl", "sqlite3", "pq", ...) or CA_STORE
    why: str

    @property
    def label(self) -> str:
        return self.library if self.library == CA_STORE else f"lib{self.library}"


# crate -> (library, dependency whose presence means the library is compiled in).
SYSTEM_LINKED: dict[str, tuple[str, str | None]] = {
    "openssl-sys": ("ssl", "openssl-src"),  # openssl's `vendored` feature
    "libsqlite3-sys": ("sqlite3", "cc"),  # `bundled` = ["cc", ...]; cc is optional otherwise
    "pq-sys": ("pq", "pq-src"),  # pq-sys's `bundled` feature
    "mysqlclient-sys": ("mysqlclient", "mysqlclient-src"),
    "libz-sys": ("z", None),  # links the system zlib when pkg-config finds it
    "curl-sys": ("curl", None),  # the rust image has libcurl's headers: it links them
    "lzma-sys": ("lzma", None),
    "bzip2-sys": ("bz2", None),
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
            out.append(Linked(CA_STORE, f"Cargo.lock has {crate}"))
    if any(link.library == "ssl" for link in out):
        out.append(Linked(CA_STORE, "OpenSSL checks peers against the system CA store"))
    return list({link.library: link for link in out}.values())


def packages(links: list[Linked], kind: ImageKind) -> list[str]:
    """The OS packages that give the binary its libraries on an image of `kind`."""
    return [_package(link, kind) for link in links]


def libgcc(kind: ImageKind) -> str:
    """The package of Rust's unwinder (libgcc_s), which a musl binary linked dynamically needs
    and an Alpine image does not have."""
    return _package(Linked("gcc_s", "Rust's unwinder"), kind)


def _package(link: Linked, kind: ImageKind) -> str:
    if link.library == CA_STORE:
        return CA_STORE
    package = libraries.library_package(link.library, kind)
    if package is None:
        where = f"{kind.family} {kind.release or ''}".strip()
        raise Refuse(
            f"{link.why}, which needs {link.label}, and dfsplit does not know its package on "
            f"{where}; pass --runtime with an image that has it, or keep the single-stage image"
        )
    return package


def differs_between(links: list[Linked], releases: tuple[str, ...]) -> list[str]:
    """The libraries whose package (and so soname) is not the same on all those releases."""
    return [
        link.label
        for link in links
        if len({_package(link, ImageKind("debian", r, True, "glibc")) for r in releases}) > 1
    ]
