"""The JRE image a Java build runs on: the project's Java version (else the builder JDK's), in
the builder's family."""

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
    """An eclipse-temurin JRE tag for the project's Java version, in the builder's family."""
    version = project_java or builder_java(builder_image)
    why = (
        "the project's Java version"
        if project_java
        else "the builder image's JDK version"
        if version
        else "no Java version found: the default"
    )
    version = version or DEFAULT_JAVA
    alpine = images.classify(builder_image).family == "alpine"
    return f"eclipse-temurin:{version}-jre{'-alpine' if alpine else ''}", why
