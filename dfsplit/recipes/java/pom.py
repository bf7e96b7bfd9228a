"""pom.xml read statically: coordinates, properties (with the parent's), the jar name,
Spring Boot and the Java version. defusedxml; nothing is resolved from a repository.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from dfsplit.model import (
    Refuse,
)

_PROPERTY = re.compile(r"\$\{([^}]+)\}")


class Pom(NamedTuple):
    """What dfsplit needs from one pom.xml, with ${...} references still unresolved."""

    group_id: str | None
    artifact_id: str | None
    version: str | None
    packaging: str
    final_name: str | None
    properties: Mapping[str, str]
    parent: Mapping[str, str]  # groupId, artifactId, version, relativePath
    plugins: Mapping[str, Mapping[str, str]]  # artifactId -> version and flat configuration
    modules: tuple[str, ...] = ()
    dependencies: tuple[tuple[str, str], ...] = ()  # (artifactId, scope)
    managed_boot: str | None = None  # spring-boot-dependencies version in dependencyManagement
    # maven-dependency-plugin copy-dependencies executions: (outputDirectory, phase), unresolved
    copied_dependencies: tuple[tuple[str | None, str | None], ...] = ()


def _local(tag: Any) -> str:
    """`{namespace}name` -> `name`: poms come with and without the POM namespace."""
    return str(tag).rsplit("}", 1)[-1]


def _child(node: Any, *path: str) -> Any:
    for name in path:
        if node is None:
            return None
        node = next((c for c in node if _local(c.tag) == name), None)
    return node


def _children(node: Any, *path: str) -> list[Any]:
    """Child elements at path (an Element with no children is falsy, so never `or []` it)."""
    found = _child(node, *path)
    return [] if found is None else list(found)


def _text(node: Any, *path: str) -> str | None:
    found = _child(node, *path)
    if found is None or found.text is None:
        return None
    return str(found.text).strip() or None


def parse_pom(text: str) -> Pom:
    """Parse pom.xml safely (no entities, no external DTDs); refuse what is not a pom."""
    try:
        root = ElementTree.fromstring(text)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise Refuse(
            f"pom.xml is not valid XML, or uses entities dfsplit does not read ({exc})"
        ) from None
    if _local(root.tag) != "project":
        raise Refuse("pom.xml has no <project> root element, so it is no Maven build file")
    return Pom(
        group_id=_text(root, "groupId"),
        artifact_id=_text(root, "artifactId"),
        version=_text(root, "version"),
        packaging=_text(root, "packaging") or "jar",
        final_name=_text(root, "build", "finalName"),
        properties={_local(p.tag): (p.text or "").strip() for p in _children(root, "properties")},
        parent={_local(c.tag): (c.text or "").strip() for c in _children(root, "parent")},
        plugins=_plugins(root),
        modules=tuple((m.text or "").strip() for m in _children(root, "modules")),
        dependencies=_dependencies(root),
        managed_boot=_managed_boot(root),
        copied_dependencies=_copied_dependencies(root),
    )


def _plugins(root: Any) -> dict[str, dict[str, str]]:
    """Build plugins: their version and every configuration leaf, flattened by local name."""
    out: dict[str, dict[str, str]] = {}
    for plugin in _children(root, "build", "plugins"):
        name = _text(plugin, "artifactId")
        if not name:
            continue
        values = {"version": _text(plugin, "version") or ""}
        for holder in (plugin, *_children(plugin, "executions")):
            for item in _children(holder, "configuration"):
                for leaf in item.iter():
                    if len(leaf) == 0 and leaf.text and leaf.text.strip():
                        values.setdefault(_local(leaf.tag), leaf.text.strip())
        out[name] = values
    return out


def _dependencies(root: Any) -> tuple[tuple[str, str], ...]:
    deps = _children(root, "dependencies")
    return tuple((_text(d, "artifactId") or "", _text(d, "scope") or "compile") for d in deps)


def _copied_dependencies(root: Any) -> tuple[tuple[str | None, str | None], ...]:
    """Where maven-dependency-plugin's copy-dependencies executions put the jars, and when."""
    out = []
    for plugin in _children(root, "build", "plugins"):
        if _text(plugin, "artifactId") != "maven-dependency-plugin":
            continue
        shared = _text(plugin, "configuration", "outputDirectory")
        for execution in _children(plugin, "executions"):
            goals = {(g.text or "").strip() for g in _children(execution, "goals")}
            if "copy-dependencies" in goals:
                directory = _text(execution, "configuration", "outputDirectory") or shared
                out.append((directory, _text(execution, "phase")))
    return tuple(out)


def _managed_boot(root: Any) -> str | None:
    for dep in _children(root, "dependencyManagement", "dependencies"):
        if _text(dep, "artifactId") == "spring-boot-dependencies":
            return _text(dep, "version")
    return None


def parent_pom_path(pom: Pom, pom_rel: str) -> str | None:
    """Context path of the parent pom that <relativePath> (default ../pom.xml) points at."""
    if not pom.parent:
        return None
    rel = pom.parent.get("relativePath", "../pom.xml")
    if not rel:  # an empty <relativePath/> means: look the parent up in a repository only
        return None
    base = posixpath.dirname(pom_rel)
    path = posixpath.normpath(posixpath.join(base, rel))
    if not path.endswith(".xml"):
        path = posixpath.join(path, "pom.xml")
    return None if path.startswith("..") else path


def pom_properties(pom: Pom, parent: Pom | None, cli: Mapping[str, str]) -> dict[str, str]:
    """Every property Maven would know statically, command-line -D values winning."""
    props: dict[str, str] = {}
    if parent is not None:
        props.update(parent.properties)
        props["project.parent.version"] = parent.version or ""
    props.update(pom.properties)
    version = pom.version or pom.parent.get("version") or (parent.version if parent else None)
    if pom.parent.get("version"):
        props["project.parent.version"] = pom.parent["version"]
    for key, value in (
        ("artifactId", pom.artifact_id),
        ("version", version),
        ("groupId", pom.group_id or pom.parent.get("groupId")),
    ):
        if value is not None:
            props[f"project.{key}"] = value
            props[f"pom.{key}"] = value
    props.update(cli)
    return props


def resolve(value: str | None, props: Mapping[str, str]) -> str | None:
    """Substitute ${...} repeatedly; None when a reference stays unknown."""
    if value is None:
        return None
    for _ in range(10):
        if "${" not in value:
            return value
        value = _PROPERTY.sub(lambda m: props.get(m.group(1), m.group(0)), value)
        if all(m not in props for m in _PROPERTY.findall(value)):
            break
    return None if "${" in value else value


class MavenFacts(NamedTuple):
    """The resolved facts that decide the jar and the runtime."""

    jar: str | None  # file name in target/, None when it cannot be known statically
    java: str | None
    boot: str | None  # Spring Boot version, "" when Boot is used with an unknown version
    shade: bool
    why: tuple[str, ...] = ()
    java_release: bool = False  # `java` is a --release, not only -source/-target


def maven_facts(pom: Pom, parent: Pom | None, cli: Mapping[str, str]) -> MavenFacts:
    props = pom_properties(pom, parent, cli)
    boot = _boot_version(pom, props)
    shade = "maven-shade-plugin" in pom.plugins
    jar, why = _maven_jar(pom, props, shade, boot is not None)
    java, release = _java_version(pom, props)
    return MavenFacts(jar, java, boot, shade, why, release)


def _maven_jar(
    pom: Pom, props: Mapping[str, str], shade: bool, boot: bool
) -> tuple[str | None, tuple[str, ...]]:
    base = resolve(pom.final_name, props) if pom.final_name else None
    if base is None:
        artifact, version = (
            resolve(pom.artifact_id, props),
            resolve(props.get("project.version"), props),
        )
        if not artifact or not version:
            return None, ("the artifactId or version of pom.xml cannot be resolved statically",)
        base = f"{artifact}-{version}"
    if shade:
        cfg = pom.plugins["maven-shade-plugin"]
        if cfg.get("finalName"):
            named = resolve(cfg["finalName"], props)
            return (f"{named}.jar" if named else None), ("maven-shade-plugin <finalName>",)
        if cfg.get("shadedArtifactAttached") == "true":
            return f"{base}-{cfg.get('shadedClassifierName', 'shaded')}.jar", (
                "shaded jar attached",
            )
    if boot and pom.plugins.get("spring-boot-maven-plugin", {}).get("classifier"):
        classifier = pom.plugins["spring-boot-maven-plugin"]["classifier"]
        return f"{base}-{classifier}.jar", ("spring-boot repackage <classifier>",)
    return f"{base}.jar", ()


def _boot_version(pom: Pom, props: Mapping[str, str]) -> str | None:
    if "spring-boot-maven-plugin" not in pom.plugins and pom.parent.get("artifactId") != (
        "spring-boot-starter-parent"
    ):
        return None
    for raw in (
        pom.parent.get("version")
        if pom.parent.get("artifactId") == "spring-boot-starter-parent"
        else None,
        pom.managed_boot,
        pom.plugins.get("spring-boot-maven-plugin", {}).get("version"),
    ):
        value = resolve(raw, props) if raw else None
        if value:
            return value
    return ""


def _java_version(pom: Pom, props: Mapping[str, str]) -> tuple[str | None, bool]:
    """The project's Java major, and whether it is a `release` (javac then compiles against
    that version's API, not against the building JDK's)."""
    compiler = pom.plugins.get("maven-compiler-plugin", {})
    for raw, release in (
        (props.get("maven.compiler.release"), True),
        (compiler.get("release"), True),
        (props.get("maven.compiler.target"), False),
        (compiler.get("target"), False),
        (props.get("maven.compiler.source"), False),
        (compiler.get("source"), False),
        (props.get("java.version"), False),
    ):
        value = resolve(raw, props) if raw else None
        if value:
            return java_major(value), release
    return None, False


def java_major(value: str) -> str | None:
    """`1.8` -> `8`, `17` -> `17`, `VERSION_21` -> `21`."""
    m = re.search(r"(?:^|_|\b)(1[._])?(\d+)", value.strip())
    if not m:
        return None
    return m.group(2)
