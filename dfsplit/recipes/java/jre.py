"""The JRE image a Java build runs on: the builder JDK's major version, which compiled and
tested the code (else the project's Java version, else a default), in the builder's family.

A project version above the builder's wins: only a Gradle (or Maven) toolchain can build
such a project, and then that toolchain's JDK compiled and tested it. A lower one never
does: a pom's `<source>8</source>` built by JDK 17 was tested on 17."""

from __future__ import annotations

import re

from dfsplit.plan import images

DEFAULT_JAVA = "17"


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


def jre_image(builder_image: str, project_java: str | None) -> tuple[str, str]:
    """An eclipse-temurin JRE tag for the builder's JDK version (the pom's or the Gradle
    toolchain's when the image name does not tell), in the builder's family."""
    builder = builder_java(builder_image)
    version = builder or project_java or DEFAULT_JAVA
    if builder and project_java and int(project_java) > int(builder):
        version = project_java
        why = f"the project's toolchain, Java {project_java}, above the builder image's JDK"
    elif builder:
        why = f"the builder image's JDK {builder}, which compiled and tested the code"
    elif project_java:
        why = "the project's Java version (the builder image does not name its JDK)"
    else:
        why = "no Java version found: the default"
    alpine = images.classify(builder_image).family == "alpine"
    return f"eclipse-temurin:{version}-jre{'-alpine' if alpine else ''}", why
