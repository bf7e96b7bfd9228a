"""A Spring Boot jar's layers in the runtime: dependencies, loader, snapshot dependencies and
the application, one COPY each, so that a code change ships only the application layer.

Boot's jar mode extracts the layers in a `layers` stage; the extraction command and the
launcher class depend on the Boot version (sources in DOMAIN.md §4.5):
- 2.3 (with layers enabled), 2.4 - 3.2: `-Djarmode=layertools -jar app.jar extract`;
  3.3 and later: `-Djarmode=tools -jar app.jar extract --layers --launcher` (the same layout);
- the launcher is `org.springframework.boot.loader.JarLauncher` before 3.2 and
  `org.springframework.boot.loader.launch.JarLauncher` from 3.2.
`java -cp <dir> <launcher>` starts the app from the extracted directory as `java -jar` did.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from dfsplit.dockerfile import tokens
from dfsplit.model import CopyStep
from dfsplit.recipes.java.start import StartPlan

LAYERS_STAGE = "layers"
BOOT_LAYERS = ("dependencies", "spring-boot-loader", "snapshot-dependencies", "application")
OLD_LAUNCHER = "org.springframework.boot.loader.JarLauncher"
LAUNCHER = "org.springframework.boot.loader.launch.JarLauncher"
# Build settings that make the default layers unusable: layering or the jar mode switched off,
# custom layers (other directory names), a launch script (the tools mode cannot extract it).
_MAVEN_OFF = {"enabled": "false", "includeLayerTools": "false", "includeTools": "false"}


class Layers(NamedTuple):
    """The extraction stage, the runtime's copies and its start command."""

    extract: str  # the RUN command of the layers stage
    source_stage: str  # the stage the layers stage starts from: builder, or tester (gated)
    directory: str  # where the layers are, in the layers stage and in the runtime
    copies: tuple[CopyStep, ...]
    start: list[str] | str  # the start command with `-jar <jar>` replaced
    note: str


def version_tuple(version: str) -> tuple[int, int] | None:
    m = re.match(r"(\d+)\.(\d+)", version)
    return (int(m.group(1)), int(m.group(2))) if m else None


def why_not_layered(boot: str, explicit_layers: bool) -> str | None:
    """Why this Boot version cannot be extracted into its layers, or None when it can."""
    version = version_tuple(boot)
    if version is None:
        return "the Spring Boot version is not known statically"
    if version < (2, 3) or (version < (2, 4) and not explicit_layers):
        return f"Spring Boot {boot} has no layered jar by default (2.4 and later have)"
    return None


def maven_opt_out(plugin: Mapping[str, str]) -> str | None:
    """A spring-boot-maven-plugin setting that rules the default layers out."""
    for key, value in _MAVEN_OFF.items():
        if plugin.get(key) == value:
            return f"spring-boot-maven-plugin sets {key} to {value}"
    if plugin.get("configuration"):
        return "spring-boot-maven-plugin names its own layers configuration"
    if plugin.get("executable") == "true":
        return "the jar is fully executable (a launch script the jar mode cannot extract)"
    return None


def plan_layers(boot: str, jar: str, start: list[str] | str, stage: str) -> Layers | None:
    """The layered runtime for the jar, or None when the start command cannot be rewritten."""
    version = version_tuple(boot) or (0, 0)
    directory = posixpath.join(posixpath.dirname(jar), "extracted")
    launcher = LAUNCHER if version >= (3, 2) else OLD_LAUNCHER
    new_start = _launcher_start(start, directory, launcher)
    if new_start is None:
        return None
    mode = (
        "-Djarmode=tools -jar {jar} extract --layers --launcher --destination {dest}"
        if version >= (3, 3)
        else "-Djarmode=layertools -jar {jar} extract --destination {dest}"
    )
    extract = "java " + mode.format(jar=shlex.quote(jar), dest=shlex.quote(directory))
    copies = tuple(
        tokens.copy_step(LAYERS_STAGE, posixpath.join(directory, layer), directory)
        for layer in BOOT_LAYERS
    )
    note = (
        f"Spring Boot {boot}: the jar is extracted into its layers ({', '.join(BOOT_LAYERS)}) "
        f"and started with {launcher}, so a code change ships only the application layer"
    )
    return Layers(tokens.single_line(extract, "RUN"), stage, directory, copies, new_start, note)


_JAR_WORDS = re.compile(r"-jar\s+(\"[^\"]*\"|'[^']*'|\S+)")


def _launcher_start(
    start: list[str] | str, directory: str, launcher: str
) -> list[str] | str | None:
    """`java [opts] -jar X [args]` -> `java [opts] -cp <directory> <launcher> [args]`."""
    if isinstance(start, list) and not _shell_form(start):
        if "-jar" not in start or start.index("-jar") + 1 >= len(start):
            return None
        i = start.index("-jar")
        return [*start[:i], "-cp", directory, launcher, *start[i + 2 :]]
    text = start[2] if isinstance(start, list) else start
    new, count = _JAR_WORDS.subn(f"-cp {shlex.quote(directory)} {launcher}", text, count=1)
    if count != 1:
        return None
    return [*start[:2], new, *start[3:]] if isinstance(start, list) else new


def _shell_form(start: list[str]) -> bool:
    """`["sh", "-c", "java ... -jar x"]`: the command is the shell text."""
    return (
        len(start) >= 3
        and posixpath.basename(start[0]) in {"sh", "bash", "ash"}
        and (start[1] == "-c")
    )


class JarRuntime(NamedTuple):
    """How the runtime gets and starts the jar: whole, with its lib/ directories, or layered."""

    copies: tuple[CopyStep, ...]
    entrypoint: str | None
    cmd: str | None
    artifact_stage: str
    artifact: str  # the source of the artifact's COPY
    required: str  # the runtime path the start command needs
    layers: Layers | None = None


def jar_runtime(
    start: StartPlan,
    stage: str,
    boot: str | None,
    not_layered: str | None,
    libs: Sequence[str],
    notes: list[str],
) -> JarRuntime:
    """Layered for a Spring Boot jar that can be extracted; else the jar, after its lib/ dirs
    (what changes rarely first). `not_layered`: why the build rules the layers out."""
    jar = start.artifact
    whole = JarRuntime(
        (*(tokens.copy_step(stage, d, d) for d in libs), tokens.copy_step(stage, jar, jar)),
        start.entrypoint,
        start.cmd,
        stage,
        jar,
        jar,
    )
    if libs:
        notes.append(f"{', '.join(libs)}: the jar's dependencies, copied in a layer before the jar")
    if boot is None:
        return whole
    layers = None if not_layered else _relaunched(start, boot, stage)
    if layers is None:
        why = not_layered or "the start command's `-jar` cannot be rewritten"
        notes.append(f"Spring Boot: the jar is copied whole ({why})")
        return whole
    notes.append(layers.note)
    starts = {"entrypoint": start.entrypoint, "cmd": start.cmd, layers.which: layers.command}
    application = layers.layers.copies[-1].src
    return JarRuntime(
        layers.layers.copies,
        starts["entrypoint"],
        starts["cmd"],
        LAYERS_STAGE,
        application,
        layers.layers.directory,
        layers.layers,
    )


class _Relaunch(NamedTuple):
    layers: Layers
    which: str  # "entrypoint" or "cmd": the instruction that ran the jar
    command: str  # its new token
    note: str


def _relaunched(start: StartPlan, boot: str, stage: str) -> _Relaunch | None:
    for which, token in (("entrypoint", start.entrypoint), ("cmd", start.cmd)):
        if token is None or "-jar" not in token:
            continue
        form: list[str] | str = json.loads(token) if token.startswith("[") else token
        layers = plan_layers(boot, start.artifact, form, stage)
        if layers is None:
            return None
        command = tokens.command(layers.start)
        assert command is not None
        return _Relaunch(layers, which, command, layers.note)
    return None
