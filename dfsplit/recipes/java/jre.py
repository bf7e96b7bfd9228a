"""The JRE image a Java build runs on: the builder JDK's major version, which compiled and
tested the code (else the project's release or toolchain; else refused), in the builder's family.

A project version above the builder's wins: only a Gradle (or Maven) toolchain can build
such a project, and then that toolchain's JDK compiled and tested it. A lower one never
does: a pom's `<source>8</source>` built by JDK 17 was tested on 17."""

from __future__ import annotations

import re

from dfsplit.model import Refuse
from dfsplit.plan import images


def builder_java(image: str) -> str | None:
    """The JDK major version a builder image name states (maven:3.9-eclipse-temurin-17 -> 17)."""
    tag = images.tag(image)
    repo = images.repository(image).rsplit("/", 1)[-1]
    m = re.search(r"(?:temurin|openjdk|jdk|corretto|java|zulu|graalvm)-?(\d+)", tag)
    if m:
        return m.group(1)
    if repo in {"eclipse-temurin", "openjdk", "amazoncorretto"}:
        m = re.match(r"(\d+)", tag)
        return m.group(1) if m else None
    return None


def jre_image(builder_image: str, project_java: str | None, release: bool) -> tuple[str, str]:
    """An eclipse-temurin JRE tag for the builder's JDK version (the project's `release` or
    Gradle toolchain when the image name does not tell), in the builder's family. Refused when
    neither tells: a `-source`/`-target` build links against the building JDK's library, and
    may not run on that older JRE (ByteBuffer.flip() from JDK 9+ on Java 8)."""
    builder = builder_java(builder_image)
    version = builder or project_java
    if builder and project_java and int(project_java) > int(builder):
        version = project_java
        why = f"the project's toolchain, Java {project_java}, above the builder image's JDK"
    elif builder:
        why = f"the builder image's JDK {builder}, which compiled and tested the code"
    elif project_java and release:
        why = f"the project's Java {project_java} release (the builder image does not name its JDK)"
    else:
        said = (
            f"the project sets Java {project_java} only as source/target"
            if project_java
            else ("the project names no Java version")
        )
        raise Refuse(
            f"the builder image {builder_image} does not name its JDK and {said}, so dfsplit "
            "cannot tell which JRE runs the classes it compiled: name the JDK in the builder's "
            "tag (as in maven:3.9-eclipse-temurin-17), or set the Java release"
        )
    alpine = images.classify(builder_image).family == "alpine"
    return f"eclipse-temurin:{version}-jre{'-alpine' if alpine else ''}", why
