"""What a Go binary needs at run time (cgo, a shell, OS packages, time zones) and the smallest
runtime image that gives it: scratch, distroless, or a slim image of the builder's family.
"""

from __future__ import annotations

import posixpath

from dfsplit.dockerfile import tokens
from dfsplit.model import CopyStep, Options, Refuse
from dfsplit.plan import carry, images, packages
from dfsplit.plan.reasons import choose_runtime
from dfsplit.plan.stage import StageModel
from dfsplit.recipes.go import images as go_images
from dfsplit.recipes.go.builds import Build
from dfsplit.recipes.go.module import Module
from dfsplit.recipes.go.source import Source, cgo_modules
from dfsplit.recipes.go.start import Start

CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


class Needs:
    """Why the runtime cannot be scratch; each list holds the reasons (filled in as planning
    finds them)."""

    __slots__ = ("cgo", "package_manager", "packages", "setup", "shell", "static_extras")

    def __init__(self, package_manager: str) -> None:
        self.shell: list[str] = []
        self.cgo: list[str] = []
        self.static_extras: list[str] = []  # tz data, /tmp
        self.packages: list[str] = []  # package specs to install
        self.setup: list[str] = []  # commands that set them up (fc-cache -f)
        self.package_manager = package_manager


def needs_of(
    model: StageModel,
    kept: carry.Carried,
    start: Start,
    shipped: list[Build],
    module: Module,
    source: Source,
    builder_kind: images.ImageKind,
) -> Needs:
    needs = Needs(package_manager="apk" if builder_kind.family == "alpine" else "apt-get")
    for form, what in ((start.entrypoint, "ENTRYPOINT"), (start.cmd, "CMD")):
        if form is not None and not form.startswith("["):
            needs.shell.append(f"the {what} uses shell features: {form}")
    for build in shipped:
        _cgo_needs(needs, build, module, source)
    needs.cgo = list(dict.fromkeys(needs.cgo))
    if source.needs_tz:
        needs.static_extras.append("the app loads time zones (time.LoadLocation)")
    if source.needs_tmp:
        needs.static_extras.append("the app writes temporary files (needs /tmp)")
    if "TZ" in model.final.env or any(p.name == "tzdata" for p in packages.installed(model)):
        needs.static_extras.append("the image sets a time zone (ENV TZ or tzdata installed)")
    _package_needs(needs, model, kept, source, {posixpath.basename(b.output) for b in shipped})
    return needs


def _cgo_needs(needs: Needs, build: Build, module: Module, source: Source) -> None:
    if build.cgo == "1":
        needs.cgo.append("the build sets CGO_ENABLED=1")
    elif build.race:
        needs.cgo.append("the build uses -race, which needs cgo")
    elif build.cgo != "0":
        if source.uses_cgo:
            needs.cgo.append('the source imports "C"')
        for mod in cgo_modules(module.requires):
            needs.cgo.append(f"go.mod requires {mod}, which only works with cgo")


def _package_needs(
    needs: Needs, model: StageModel, kept: carry.Carried, source: Source, shipped: set[str]
) -> None:
    """The OS packages the runtime keeps; a program the app runs that no install provides is
    refused (the builder image had it, as golang has tar and git; a minimal runtime does not),
    except its own binaries, and a shell, which is a need of its own."""
    health, in_shell = packages.healthcheck_programs(kept.healthcheck)
    if in_shell:
        needs.shell.append("the HEALTHCHECK runs a shell command")
    runs = {posixpath.basename(p) for p in source.executes} - shipped
    if runs & {"sh", "bash"}:
        needs.shell.append("the app runs a shell")
    found = packages.runtime_packages(model, {*(runs - {"sh"}), *health}, needs.package_manager)
    if found.missing:
        raise Refuse(
            f"the app runs {', '.join(found.missing)} (os/exec), which no package installed in "
            "the Dockerfile provides and a minimal runtime would not have: install it in the "
            "Dockerfile, or keep it single-stage"
        )
    needs.packages = list(found.specs)
    needs.setup = list(found.setup)
    needs.package_manager = found.manager
    kept.warnings.extend(found.warnings)


def runtime_image(
    builder_image: str,
    builder_kind: images.ImageKind,
    needs: Needs,
    options: Options,
    notes: list[str],
) -> tuple[str, images.ImageKind]:
    if options.runtime_image:
        kind = images.classify(options.runtime_image)
        _check_forced(options.runtime_image, kind, builder_kind, needs)
        notes.append(f"runtime {options.runtime_image} was chosen with --runtime")
        return options.runtime_image, kind
    if needs.shell or needs.packages:
        image = images.slim_image(builder_kind)
        why = [*needs.shell, f"OS packages used at run time: {' '.join(needs.packages)}"][0]
        if image is None:
            need = "a shell" if needs.shell else "OS packages"
            raise Refuse(
                f"{why}, so the runtime needs {need}, and {_unknown(builder_image)} is no "
                f"Debian or Alpine image dfsplit knows a slim runtime for: "
                f"{choose_runtime('go')} with {need}"
            )
        notes.append(f"runtime {image}: {why}")
        return image, images.classify(image)
    if needs.cgo:
        image = (
            images.slim_image(builder_kind)
            if builder_kind.family == "alpine"
            else images.distroless("base", builder_kind)
        )
        if image is None or builder_kind.family == "unknown":
            raise Refuse(
                f"{needs.cgo[0]}, so the binary needs the builder's C library, and dfsplit "
                f"does not know which one {_unknown(builder_image)} has: "
                f"{choose_runtime('go')} of the builder's distribution"
            )
        notes.append(f"runtime {image}: cgo stays on because {needs.cgo[0]}")
        return image, images.classify(image)
    if needs.static_extras or not go_images.ships_ca_bundle(builder_image):
        image = "gcr.io/distroless/static-debian12:nonroot"
        why = needs.static_extras[0] if needs.static_extras else "the builder may lack a CA bundle"
        notes.append(f"runtime {image}: {why}; it has CA certificates, tzdata and /tmp")
        return image, images.classify(image)
    notes.append("runtime scratch: a static binary needs nothing else but the CA bundle")
    return "scratch", images.classify("scratch")


def _unknown(builder_image: str) -> str:
    """The builder image as a reason names it: one that comes from an ARG without a default
    is not unknown to the user, only to dfsplit."""
    if "$" in builder_image:
        return f"the builder image {builder_image} (an ARG without a default)"
    return f"the builder image {builder_image}"


def _check_forced(
    image: str, kind: images.ImageKind, builder: images.ImageKind, needs: Needs
) -> None:
    if (needs.shell or needs.packages) and not kind.shell:
        why = [*needs.shell, "the app needs OS packages"][0]
        raise Refuse(
            f"the runtime image {image} (--runtime or the config) has no shell, but {why}: "
            "choose an image with a shell, such as a slim Debian or Alpine one"
        )
    if needs.cgo and kind.libc != builder.libc:
        raise Refuse(
            f"the runtime image {image} (--runtime or the config) has another C library than "
            f"the builder, but {needs.cgo[0]}: choose an image of the builder's distribution"
        )
    if needs.packages and kind.family not in {"debian", "alpine"}:
        raise Refuse(
            f"the app needs OS packages ({' '.join(needs.packages)}), and dfsplit installs "
            f"them only on Debian and Alpine images, not on the runtime image {image} "
            "(--runtime or the config): choose a Debian or Alpine image"
        )


def copies(
    image: str,
    kind: images.ImageKind,
    builder_image: str,
    binaries: list[str],
    files: tuple[CopyStep, ...],
    stage_name: str,
) -> tuple[CopyStep, ...]:
    steps = []
    has_bundle = "distroless" in image or kind.family == "alpine"
    if not has_bundle and go_images.ships_ca_bundle(builder_image):
        steps.append(tokens.copy_step("builder", CA_BUNDLE, CA_BUNDLE))
    steps += [tokens.copy_step(stage_name, binary, binary) for binary in binaries]
    return (*steps, *files)


def install(needs: Needs, kind: images.ImageKind) -> tuple[str, ...]:
    if not kind.shell:
        return ()
    found = packages.RuntimePackages(
        needs.package_manager, tuple(needs.packages), tuple(needs.setup)
    )
    return found.commands()
