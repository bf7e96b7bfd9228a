"""Run-time packages of shared libraries, per distribution: what a slim runtime must install
for a binary or a compiled extension that the builder linked against a `-dev` package.

Two questions, one table per distribution and release:
- `runtime_package("libpq-dev", kind)`: the package whose library a `-dev` package links to;
- `library_package("pq", kind)`: the package that ships `libpq.so.*` (a linker name, as in
  `-lpq` or cargo's `rustc-link-lib=pq`).
Both return None when the table does not know the name: the caller keeps what the original
had, or refuses, instead of guessing.

Sources (package names as the distributions publish them):
- Debian bookworm: `apt-cache depends` of each -dev package on a bookworm machine (the
  Depends: line of packages.debian.org/bookworm), e.g. libpq-dev -> libpq5, libffi-dev -> libffi8,
  libssl-dev -> libssl3; transitional names followed (libjpeg-dev -> libjpeg62-turbo-dev,
  default-libmysqlclient-dev -> libmariadb-dev-compat -> libmariadb-dev -> libmariadb3).
- Debian trixie: the package list of a Debian 13 image (/work/.library/env/packages/
  installed-python-debian13.txt), which shows the 64-bit time_t renames (libssl3t64,
  libmagic1t64, libpng16-16t64, libcurl4t64) beside the names that stayed (libpq5, libffi8).
- Debian bullseye and buster: the Binary: lines of their source packages (libffi 3.3-6 in
  bullseye builds libffi7, libffi 3.2.1-9 in buster builds libffi6; openssl 1.1.1 builds
  libssl1.1 in both) and packages.debian.org/bullseye, /buster.
- Alpine (3.17 and later): pkgs.alpinelinux.org, where the -dev package's library is its
  origin's main package (postgresql-dev -> libpq, openssl-dev -> libssl3, sqlite-dev ->
  sqlite-libs), and python:*-alpine Dockerfiles that install `libpq` beside `postgresql-dev`;
  libgcc is the package that holds /usr/lib/libgcc_s.so.1.
"""

from __future__ import annotations

from collections.abc import Mapping

from dfsplit.plan.images import ImageKind

# The names every Debian release shares; each release's table adds or overrides.
_DEBIAN_COMMON: dict[str, str] = {
    "libpq-dev": "libpq5",
    "libmariadb-dev": "libmariadb3",
    "libmariadb-dev-compat": "libmariadb3",
    "default-libmysqlclient-dev": "libmariadb3",
    "libjpeg-dev": "libjpeg62-turbo",
    "libjpeg62-turbo-dev": "libjpeg62-turbo",
    "libxml2-dev": "libxml2",
    "libxslt1-dev": "libxslt1.1",
    "libxslt-dev": "libxslt1.1",
    "zlib1g-dev": "zlib1g",
    "libsqlite3-dev": "libsqlite3-0",
    "libyaml-dev": "libyaml-0-2",
    "libfreetype-dev": "libfreetype6",
    "libfreetype6-dev": "libfreetype6",
    "liblcms2-dev": "liblcms2-2",
    "libopenjp2-7-dev": "libopenjp2-7",
    "libzstd-dev": "libzstd1",
    "libbz2-dev": "libbz2-1.0",
    "liblzma-dev": "liblzma5",
    "libsasl2-dev": "libsasl2-2",
    "libsodium-dev": "libsodium23",
    "libzmq3-dev": "libzmq5",
    "libev-dev": "libev4",
    "libuv1-dev": "libuv1",
    "libgmp-dev": "libgmp10",
    "liblapack-dev": "liblapack3",
    "libopenblas-dev": "libopenblas0",
    "unixodbc-dev": "libodbc2",
    "libxrender-dev": "libxrender1",
    "libcairo2-dev": "libcairo2",
    "libpango1.0-dev": "libpango-1.0-0",
    "libgeos-dev": "libgeos-c1v5",
    "libcap-dev": "libcap2",
    "libacl1-dev": "libacl1",
    "libaio-dev": "libaio1",
}

DEBIAN: dict[str, dict[str, str]] = {
    "bookworm": {
        **_DEBIAN_COMMON,
        "libffi-dev": "libffi8",
        "libssl-dev": "libssl3",
        "libmagic-dev": "libmagic1",
        "libpng-dev": "libpng16-16",
        "libtiff-dev": "libtiff6",
        "libwebp-dev": "libwebp7",
        "libcurl4-openssl-dev": "libcurl4",
        "libldap2-dev": "libldap-2.5-0",
        "libldap-dev": "libldap-2.5-0",
        "libxmlsec1-dev": "libxmlsec1",
        "libgdbm-dev": "libgdbm6",
        "libreadline-dev": "libreadline8",
        "libncursesw5-dev": "libncursesw6",
        "libncurses-dev": "libncursesw6",
    },
    "trixie": {
        **_DEBIAN_COMMON,
        "libffi-dev": "libffi8",
        "libssl-dev": "libssl3t64",
        "libmagic-dev": "libmagic1t64",
        "libpng-dev": "libpng16-16t64",
        "libtiff-dev": "libtiff6",
        "libwebp-dev": "libwebp7",
        "libcurl4-openssl-dev": "libcurl4t64",
        "libldap2-dev": "libldap2",
        "libldap-dev": "libldap2",
        "libxmlsec1-dev": "libxmlsec1t64",
        "libgdbm-dev": "libgdbm6t64",
        "libreadline-dev": "libreadline8t64",
        "libncursesw5-dev": "libncursesw6",
        "libncurses-dev": "libncursesw6",
        "libgeos-dev": "libgeos-c1t64",
    },
    "bullseye": {
        **_DEBIAN_COMMON,
        "libffi-dev": "libffi7",
        "libssl-dev": "libssl1.1",
        "libmagic-dev": "libmagic1",
        "libpng-dev": "libpng16-16",
        "libtiff-dev": "libtiff5",
        "libwebp-dev": "libwebp6",
        "libcurl4-openssl-dev": "libcurl4",
        "libldap2-dev": "libldap-2.4-2",
        "libgdbm-dev": "libgdbm6",
        "libreadline-dev": "libreadline8",
        "libncursesw5-dev": "libncursesw6",
    },
    "buster": {
        **_DEBIAN_COMMON,
        "libffi-dev": "libffi6",
        "libssl-dev": "libssl1.1",
        "libmagic-dev": "libmagic1",
        "libpng-dev": "libpng16-16",
        "libtiff-dev": "libtiff5",
        "libwebp-dev": "libwebp6",
        "libcurl4-openssl-dev": "libcurl4",
        "libldap2-dev": "libldap-2.4-2",
        "libgdbm-dev": "libgdbm6",
        "libreadline-dev": "libreadline7",
        "libncursesw5-dev": "libncursesw6",
    },
}

ALPINE: dict[str, str] = {
    "postgresql-dev": "libpq",
    "libpq-dev": "libpq",
    "mariadb-dev": "mariadb-connector-c",
    "mariadb-connector-c-dev": "mariadb-connector-c",
    "jpeg-dev": "libjpeg-turbo",
    "libjpeg-turbo-dev": "libjpeg-turbo",
    "libxml2-dev": "libxml2",
    "libxslt-dev": "libxslt",
    "libffi-dev": "libffi",
    "openssl-dev": "libssl3",
    "zlib-dev": "zlib",
    "sqlite-dev": "sqlite-libs",
    "yaml-dev": "yaml",
    "libpng-dev": "libpng",
    "freetype-dev": "freetype",
    "tiff-dev": "tiff",
    "libwebp-dev": "libwebp",
    "lcms2-dev": "lcms2",
    "openjpeg-dev": "openjpeg",
    "zstd-dev": "zstd-libs",
    "curl-dev": "libcurl",
    "libsodium-dev": "libsodium",
    "geos-dev": "geos",
    "cairo-dev": "cairo",
    "pango-dev": "pango",
    "file-dev": "libmagic",
    "openldap-dev": "libldap",
    "unixodbc-dev": "unixodbc",
    "gmp-dev": "gmp",
    "bzip2-dev": "libbz2",
    "xz-dev": "xz-libs",
}

# Linker name (`-l<name>`) -> the -dev package that provides it, per family; the run-time
# package then comes from the release's table above.
_LINKED_DEBIAN: dict[str, str] = {
    "pq": "libpq-dev",
    "mariadb": "libmariadb-dev",
    "mysqlclient": "default-libmysqlclient-dev",
    "jpeg": "libjpeg62-turbo-dev",
    "xml2": "libxml2-dev",
    "xslt": "libxslt1-dev",
    "exslt": "libxslt1-dev",
    "ffi": "libffi-dev",
    "ssl": "libssl-dev",
    "crypto": "libssl-dev",
    "z": "zlib1g-dev",
    "sqlite3": "libsqlite3-dev",
    "yaml": "libyaml-dev",
    "yaml-0": "libyaml-dev",
    "magic": "libmagic-dev",
    "png16": "libpng-dev",
    "png": "libpng-dev",
    "freetype": "libfreetype-dev",
    "tiff": "libtiff-dev",
    "webp": "libwebp-dev",
    "lcms2": "liblcms2-dev",
    "openjp2": "libopenjp2-7-dev",
    "zstd": "libzstd-dev",
    "bz2": "libbz2-dev",
    "lzma": "liblzma-dev",
    "curl": "libcurl4-openssl-dev",
    "ldap": "libldap2-dev",
    "sasl2": "libsasl2-dev",
    "sodium": "libsodium-dev",
    "zmq": "libzmq3-dev",
    "gmp": "libgmp-dev",
    "odbc": "unixodbc-dev",
    "cairo": "libcairo2-dev",
    "pango-1.0": "libpango1.0-dev",
    "geos_c": "libgeos-dev",
    "xmlsec1": "libxmlsec1-dev",
}
_LINKED_ALPINE: dict[str, str] = {
    "pq": "postgresql-dev",
    "mariadb": "mariadb-dev",
    "mysqlclient": "mariadb-dev",
    "jpeg": "jpeg-dev",
    "xml2": "libxml2-dev",
    "xslt": "libxslt-dev",
    "exslt": "libxslt-dev",
    "ffi": "libffi-dev",
    "ssl": "openssl-dev",
    "z": "zlib-dev",
    "sqlite3": "sqlite-dev",
    "yaml": "yaml-dev",
    "magic": "file-dev",
    "png16": "libpng-dev",
    "png": "libpng-dev",
    "freetype": "freetype-dev",
    "tiff": "tiff-dev",
    "webp": "libwebp-dev",
    "lcms2": "lcms2-dev",
    "openjp2": "openjpeg-dev",
    "zstd": "zstd-dev",
    "bz2": "bzip2-dev",
    "lzma": "xz-dev",
    "curl": "curl-dev",
    "ldap": "openldap-dev",
    "sodium": "libsodium-dev",
    "gmp": "gmp-dev",
    "odbc": "unixodbc-dev",
    "cairo": "cairo-dev",
    "pango-1.0": "pango-dev",
    "geos_c": "geos-dev",
}
# Alpine ships libcrypto apart from libssl, and libgcc_s (GCC's unwinder, which Rust's
# musl binaries link dynamically) on its own, not with a -dev package.
_ALPINE_LIBRARIES = {"crypto": "libcrypto3", "gcc_s": "libgcc"}


def _table(kind: ImageKind) -> Mapping[str, str] | None:
    if kind.family == "alpine":
        return ALPINE
    if kind.family == "debian" and kind.release:
        return DEBIAN.get(kind.release)
    return None


def runtime_package(dev_package: str, kind: ImageKind) -> str | None:
    """The package that holds the shared library `dev_package` links against, on the
    distribution and release of `kind`; None when unknown (or the image has no package
    manager dfsplit knows)."""
    table = _table(kind)
    return table.get(dev_package) if table is not None else None


def library_package(name: str, kind: ImageKind) -> str | None:
    """The package that ships `lib<name>.so.*` (name as given to the linker: "ssl", "pq",
    "sqlite3", "crypto", ...) on the distribution and release of `kind`; None when unknown."""
    if kind.family == "alpine":
        if name in _ALPINE_LIBRARIES:
            return _ALPINE_LIBRARIES[name]
        dev = _LINKED_ALPINE.get(name)
    else:
        dev = _LINKED_DEBIAN.get(name)
    return runtime_package(dev, kind) if dev else None
