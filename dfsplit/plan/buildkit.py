"""Whether the rewrite may use BuildKit cache mounts (`RUN --mount=type=cache`).

BuildKit (docker build since Engine 23, buildx) and Buildah/Podman 4+ accept them; the legacy
builder, Google's Kaniko and Podman 3 fail the build on them. A cache mount speeds up a
rebuild (a Go rebuild after a one-line change: 10x), but only where the builder keeps its
cache between builds, and only if the build runs at all. So the default follows the evidence:
on when the Dockerfile or the repository's CI already relies on BuildKit, off otherwise (and
off when the CI names Kaniko or turns BuildKit off). `--cache-mounts`/`--no-cache-mounts` and
the `cache-mounts` config key decide instead. The README has the sources.
"""

from __future__ import annotations

import re

from dfsplit.dockerfile.globs import globs_regex
from dfsplit.model import Dockerfile, Project

# CI and build files of the build context that say which builder runs the build.
CI_FILES = (
    ".github/workflows/*.yml",
    ".github/workflows/*.yaml",
    ".gitlab-ci.yml",
    ".circleci/config.yml",
    "bitbucket-pipelines.yml",
    "azure-pipelines.yml",
    ".buildkite/pipeline.yml",
    "cloudbuild.yaml",
    "cloudbuild.yml",
    "Jenkinsfile",
    "docker-bake.hcl",
    "docker-bake.json",
    "Makefile",
)
_BUILDKIT_CI = re.compile(
    r"docker/(?:build-push|setup-buildx|bake)-action|depot/build-push-action"
    r"|\bbuildx\b|\bbuildctl\b|DOCKER_BUILDKIT\s*[=:]\s*[\"']?1"
)
_NOT_BUILDKIT_CI = re.compile(r"kaniko|DOCKER_BUILDKIT\s*[=:]\s*[\"']?0", re.IGNORECASE)
# Flags only BuildKit's Dockerfile frontend accepts, per instruction.
_BUILDKIT_FLAGS = {
    "RUN": ("--mount", "--network", "--security"),
    "COPY": ("--link", "--chmod", "--parents", "--exclude"),
    "ADD": ("--link", "--chmod", "--checksum", "--keep-git-dir", "--exclude"),
}
_BUILD_PLATFORM = re.compile(r"\$\{?(?:BUILDPLATFORM|TARGETPLATFORM)\b")


def cache_mounts(df: Dockerfile, project: Project, asked: bool | None) -> tuple[bool, str]:
    """The decision, and why (empty when nothing pointed either way)."""
    if asked is not None:
        return asked, ""
    against = _ci_against(project)
    if against:
        return False, f"no cache mounts: {against}, which rejects RUN --mount"
    found = dockerfile_feature(df) or _ci_buildkit(project)
    if found:
        return True, f"BuildKit cache mounts added: {found} (--no-cache-mounts leaves them out)"
    return False, ""


def dockerfile_feature(df: Dockerfile) -> str | None:
    """The first BuildKit-only feature the Dockerfile uses, described."""
    for name, value in df.directives:
        if name == "syntax":
            return f"the Dockerfile names the BuildKit frontend {value}"
    for ins in df.instructions:
        if ins.heredocs:
            return f"the Dockerfile uses a heredoc (line {ins.start + 1})"
        for flag in ins.flags:
            word = flag.split("=", 1)[0].lower()
            if word in _BUILDKIT_FLAGS.get(ins.keyword, ()):
                return f"the Dockerfile uses {ins.keyword} {word} (line {ins.start + 1})"
        if ins.keyword == "FROM" and any(_BUILD_PLATFORM.search(f) for f in ins.flags):
            return f"the Dockerfile uses $BUILDPLATFORM (line {ins.start + 1})"
    return None


def _ci_files(project: Project) -> list[tuple[str, str]]:
    wanted = globs_regex(CI_FILES)
    out = []
    for rel in sorted(project.contents):
        if wanted.match(rel):
            out.append((rel, project.text(rel) or ""))
    return out


def _ci_buildkit(project: Project) -> str | None:
    for rel, text in _ci_files(project):
        m = _BUILDKIT_CI.search(text)
        if m:
            return f"{rel} builds with BuildKit ({m.group(0)})"
    return None


def _ci_against(project: Project) -> str | None:
    for rel, text in _ci_files(project):
        m = _NOT_BUILDKIT_CI.search(text)
        if m:
            return f"{rel} builds with {m.group(0)}"
    return None
