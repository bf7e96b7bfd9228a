"""How a Rust binary links (glibc, static musl, dynamic musl), what it needs at run time
(C libraries, CA certificates, a shell, OS packages it runs) and the smallest runtime image
that gives it: distroless/cc, a Debian slim image of the same release, distroless/static,
or Alpine."""

from __future__ import annotations

from collections.abc import Mapping

from dfsplit.model import Options, Refuse
from dfsplit.plan import images, packages
from dfsplit.plan.stage import StageModel
from dfsplit.recipes.rust import images as rust_images
from dfsplit.recipes.rust import libraries
from dfsplit.recipes.rust.builds import Build

DISTROLESS_CC = "gcr.io/distroless/cc-debian12:nonroot"
DISTROLESS_STATIC = "gcr.io/distroless/static-debian12:nonroot"
# Build tools of Rust projects that the shared list does not know (perl and the openssl CLI
# build a vendored OpenSSL).
BUILD_ONLY = frozenset(
    {"musl-tools", "lld", "mold", "llvm", "libclang-dev", "perl", "openssl", "sccache"}
)


class Needs:
    """What the runtime must give the binary; each list holds reasons or names."""

    __slots__ = ("libc", "links", "packages", "release", "setup", "shell", "static")

    def __init__(self, libc: str, static: bool, release: str | None) -> None:
        self.libc = libc  # "glibc" | "musl"
        self.static = static  # no libc needed at all (static musl)
        self.release = release  # the builder's Debian release, for glibc
        self.links: list[libraries.Linked] = []
        self.packages: list[str] = []  # OS packages the app runs (carried from the builder)
        self.setup: list[str] = []  # the commands that set them up again (fc-cache -f)
        self.shell: list[str] = []


def linking(
    build: Build, builder_image: str, kind: images.ImageKind, env: Mapping[str, str]
) -> Needs:
    """How the shipped binary links: from --target, then the builder's own toolchain."""
    triple = build.triple
    flags_ = " ".join(v for k, v in {**env, **build.assignments}.items() if k == "RUSTFLAGS")
    if triple and "linux" not in triple:
        raise Refuse(f"the build targets {triple}, not Linux: there is no image to run it on")
    crt_off = "-crt-static" in flags_.replace(" ", "").replace("target-feature=", "")
    if (triple and "musl" in triple) or (not triple and kind.family == "alpine"):
        static = not crt_off and (triple is not None or rust_images.uses_rustup_musl(builder_image))
        return Needs("musl", static, None)
    if triple and not triple.startswith("x86_64"):
        raise Refuse(f"the build cross-compiles for {triple}: dfsplit picks runtimes for x86_64")
    if kind.family != "debian" or kind.libc != "glibc":
        raise Refuse(
            f"the builder image {builder_image} is not a known Debian or Alpine image, so the "
            "libc the binary links is unknown; pass --runtime with an image of the same libc"
        )
    return Needs("glibc", False, kind.release)


def os_packages(
    model: StageModel,
    called: set[str],
    needs: Needs,
    findings: tuple[list[str], list[str]],
) -> None:
    """OS packages of the builder's that the runtime keeps (plan/packages.py's rule); a
    program the app runs that no install provides is refused: a minimal runtime lacks it."""
    kept = packages.runtime_packages(model, called, "apt-get", build_only=BUILD_ONLY)
    needs.packages = list(kept.specs)
    needs.setup = list(kept.setup)
    findings[0].extend(kept.notes)
    findings[1].extend(kept.warnings)
    if kept.missing:
        raise Refuse(
            f"the app runs {', '.join(kept.missing)}, which no package installed in the "
            "Dockerfile provides and a minimal runtime would not have; install it in the "
            "Dockerfile, or keep it single-stage"
        )


def choose(
    builder_image: str, needs: Needs, options: Options, notes: list[str]
) -> tuple[str, images.ImageKind, list[str]]:
    """The runtime image, its kind, and the OS packages to install on it."""
    if options.runtime_image:
        return _forced(options.runtime_image, builder_image, needs, notes)
    if needs.libc == "musl" and needs.static:
        if not needs.shell and not needs.packages:
            notes.append(
                f"runtime {DISTROLESS_STATIC}: a static musl binary needs no libc; it has CA "
                "certificates, tzdata and /tmp"
            )
            return DISTROLESS_STATIC, images.classify(DISTROLESS_STATIC), []
        family = rust_images.classify(builder_image)
        if family.family == "debian":
            return _debian(needs, family.release, notes)
        return _alpine(builder_image, needs, notes)
    if needs.libc == "musl":
        return _alpine(builder_image, needs, notes)
    return _glibc(needs, notes)


def _glibc(needs: Needs, notes: list[str]) -> tuple[str, images.ImageKind, list[str]]:
    release = needs.release
    if release is None:
        raise Refuse(
            "the builder's Debian release is unknown (an old or unofficial image), and a glibc "
            "binary needs the same release to run; name it in the tag (rust:1.80-bookworm) "
            "or pass --runtime"
        )
    wanted = libraries.packages(needs.links, _debian_kind(release))
    if (
        release == "bookworm"
        and not needs.shell
        and not needs.packages
        and set(wanted) <= libraries.DISTROLESS_CC
    ):
        extra = f" (it has {', '.join(wanted)})" if wanted else ""
        notes.append(f"runtime {DISTROLESS_CC}: glibc from a bookworm builder{extra}")
        return DISTROLESS_CC, images.classify(DISTROLESS_CC), []
    return _debian(needs, release, notes)


def _debian(
    needs: Needs, release: str | None, notes: list[str]
) -> tuple[str, images.ImageKind, list[str]]:
    if release is None:
        raise Refuse("the builder's Debian release is unknown; pass --runtime")
    image = f"debian:{release}-slim"
    links = run_time_links(needs)
    kind = images.classify(image)
    install = [*libraries.packages(links, kind), *needs.packages]
    why = [
        *needs.shell,
        *(f"{link.why}, which needs {link.label}" for link in links),
        "OS packages the app runs" if needs.packages else "",
    ]
    notes.append(
        f"runtime {image}: the builder's release (glibc and library sonames match); "
        + "; ".join(w for w in why if w)
    )
    return image, kind, list(dict.fromkeys(install))


def _alpine(
    builder_image: str, needs: Needs, notes: list[str]
) -> tuple[str, images.ImageKind, list[str]]:
    version = rust_images.alpine_version(builder_image) or "3.20"
    image = f"alpine:{version}"
    kind = images.classify(image)
    install = [] if needs.static else [libraries.libgcc(kind)]
    install += [*libraries.packages(run_time_links(needs), kind), *needs.packages]
    what = (
        "static musl binary"
        if needs.static
        else "musl binary linked dynamically (libgcc, its C libraries)"
    )
    notes.append(f"runtime {image}: a {what} from an Alpine builder")
    return image, kind, list(dict.fromkeys(install))


def _forced(
    image: str, builder_image: str, needs: Needs, notes: list[str]
) -> tuple[str, images.ImageKind, list[str]]:
    kind = images.classify(image)
    if needs.libc == "glibc" and kind.libc != "glibc":
        raise Refuse(f"--runtime {image} has no glibc, but the binary is linked against glibc")
    if needs.libc == "musl" and not needs.static and kind.family != "alpine":
        raise Refuse(f"--runtime {image} is not Alpine, but the binary links musl dynamically")
    if needs.libc == "glibc" and kind.release and needs.release and kind.release != needs.release:
        raise Refuse(
            f"--runtime {image} is Debian {kind.release}, but the builder is {needs.release}: "
            "glibc and library sonames differ between releases"
        )
    if needs.shell and not kind.shell:
        raise Refuse(f"--runtime {image} has no shell, but {needs.shell[0]}")
    links = run_time_links(needs)
    install: list[str] = []
    if kind.family == "alpine":
        install = [*libraries.packages(links, kind), *needs.packages]
        install = ([] if needs.static else [libraries.libgcc(kind)]) + install
    elif kind.family == "debian" and kind.shell:
        release = kind.release or needs.release or "bookworm"
        install = [*libraries.packages(links, _debian_kind(release)), *needs.packages]
    else:
        release = kind.release or needs.release or "bookworm"
        provided = set(libraries.DISTROLESS_CC) if kind.libc or "distroless" in image else set()
        if "distroless" in image:
            provided.add(libraries.CA_STORE)
        wanted = libraries.packages(links, _debian_kind(release))
        missing = [p for p in wanted if p not in provided]
        if missing or needs.packages:
            what = ", ".join([*missing, *needs.packages])
            raise Refuse(
                f"--runtime {image} lacks what the binary needs at run time ({what}), and "
                "dfsplit cannot install packages there"
            )
    notes.append(f"runtime {image} was chosen with --runtime")
    return image, kind, list(dict.fromkeys(install))


def run_time_links(needs: Needs) -> list[libraries.Linked]:
    """A static binary has its C libraries compiled in: only the CA store stays outside."""
    if not needs.static:
        return needs.links
    return [link for link in needs.links if link.library == libraries.CA_STORE]


def _debian_kind(release: str) -> images.ImageKind:
    return images.ImageKind("debian", release, True, "glibc")


def install_command(kind: images.ImageKind, specs: list[str], needs: Needs) -> tuple[str, ...]:
    """The runtime's RUN: the packages, then the setup commands of those the app runs."""
    manager = "apk" if kind.family == "alpine" else "apt-get"
    return packages.RuntimePackages(manager, tuple(specs), tuple(needs.setup)).commands()
