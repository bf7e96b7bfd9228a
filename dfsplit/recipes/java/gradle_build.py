"""Gradle build files read statically: plugins, the jar's naming properties, the toolchain's
Java version, and the root project's name from settings.gradle.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from dfsplit.recipes.java.pom import java_major


class GradleFacts(NamedTuple):
    plugins: frozenset[str]  # "java", "application", "spring-boot", ...
    version: str | None  # project version, None when unspecified
    base_name: str | None  # archiveBaseName / archivesBaseName
    archive_file: str | None  # bootJar/jar archiveFileName
    app_name: str | None  # application { applicationName }
    java: str | None
    boot: str | None
    dynamic: tuple[str, ...] = ()  # settings dfsplit saw but cannot evaluate
    # A bootJar setting that rules out its default layers (custom layers, layering or the jar
    # mode switched off, a launch script the tools mode cannot extract), as written.
    boot_layers_setting: str | None = None
    java_release: bool = False  # `java` is a toolchain's: that JDK compiled and tested the code


_G_STR = r"""["']([^"'$]*)["']"""


_GRADLE_PATTERNS = {
    "version": re.compile(r"^\s*version\s*=?\s*" + _G_STR, re.MULTILINE),
    "base_name": re.compile(r"archive(?:s)?BaseName(?:\.set\(|\s*=\s*|\s+)" + _G_STR),
    "archive_file": re.compile(r"archiveFileName(?:\.set\(|\s*=\s*|\s+)" + _G_STR),
    "app_name": re.compile(r"applicationName(?:\.set\(|\s*=\s*|\s+)" + _G_STR),
    "boot": re.compile(
        r"""org\.springframework\.boot["')]*\s*(?:version\s*\(?\s*)?["']([\d.A-Za-z-]+)"""
    ),
}


_NAMING = (
    "archiveBaseName",
    "archiveFileName",
    "archiveClassifier",
    "archiveVersion",
    "archiveAppendix",
)


_BOOT_LAYERS_SETTING = re.compile(r"\blayered\b|\blaunchScript\b|includeLayerTools|includeTools")

# Comments in Groovy and Kotlin build scripts.
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_GRADLE_JAVA = re.compile(
    r"(?:JavaLanguageVersion\.of\(\s*|JavaVersion\.VERSION_|(?:source|target)Compatibility\s*=\s*['\"]?)"
    r"(1[._]\d+|\d+)"
)


def gradle_facts(build: str, properties: str = "") -> GradleFacts:
    """Read the settings that name the jar from build.gradle(.kts) and gradle.properties."""
    code = _COMMENT.sub("", build)
    found = {
        key: (m.group(1) if (m := p.search(code)) else None) for key, p in _GRADLE_PATTERNS.items()
    }
    version = found["version"] or _properties(properties).get("version")
    java = _GRADLE_JAVA.search(code)
    # A naming setting dfsplit could not read as a plain string literal makes the name unknown.
    literal = {"archiveBaseName": found["base_name"], "archiveFileName": found["archive_file"]}
    dynamic = tuple(n for n in _NAMING if n in code and not literal.get(n))
    return GradleFacts(
        plugins=_gradle_plugins(code),
        version=version if version and version != "unspecified" else None,
        base_name=found["base_name"],
        archive_file=found["archive_file"],
        app_name=found["app_name"],
        java=java_major(java.group(1)) if java else None,
        java_release=bool(java and java.group(0).startswith("JavaLanguageVersion")),
        boot=found["boot"] if "org.springframework.boot" in code else None,
        dynamic=dynamic,
        boot_layers_setting=m.group(0) if (m := _BOOT_LAYERS_SETTING.search(code)) else None,
    )


def _gradle_plugins(code: str) -> frozenset[str]:
    plugins: set[str] = set()
    block = re.search(r"plugins\s*\{(.*?)\}", code, re.DOTALL)
    text = (
        (block.group(1) if block else "")
        + " "
        + " ".join(re.findall(r"apply\s*\(?\s*plugin\s*[:=]\s*['\"]([^'\"]+)", code))
    )
    for word in ("application", "java", "java-library", "war"):
        if re.search(rf"(?:^|[\s'\"`(]){re.escape(word)}(?:$|[\s'\"`)])", text):
            plugins.add(word)
    if "org.springframework.boot" in text:
        plugins.add("spring-boot")
    return frozenset(plugins)


def _properties(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.strip().startswith("#"):
            out[key.strip()] = value.strip()
    return out


def root_project_name(settings: str | None) -> str | None:
    if not settings:
        return None
    m = re.search(r"rootProject\.name\s*=\s*" + _G_STR, settings)
    return m.group(1) if m else None


def gradle_jar(facts: GradleFacts, project_name: str | None) -> str | None:
    """The file name of the runnable jar in build/libs (bootJar for Boot, never -plain)."""
    if facts.dynamic:
        return None
    if facts.archive_file:
        return facts.archive_file
    base = facts.base_name or project_name
    if not base:
        return None
    return f"{base}-{facts.version}.jar" if facts.version else f"{base}.jar"
