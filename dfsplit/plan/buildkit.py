"""Whether the rewrite adds BuildKit cache mounts (`RUN --mount=type=cache`) by default.

BuildKit (docker build since Engine 23, buildx) and Buildah/Podman 4+ accept them; the legacy
builder, Google's Kaniko and Podman 3 fail the build on them. Where the builder keeps its cache
(a developer's machine, a persistent builder) they make a rebuild after a one-line change much
faster (Go: 10x). Where every build starts empty (hosted CI runners, with the layer cache
exported by `--cache-to`, which does not carry cache mounts) they hold nothing, and the
dependencies they take out of the cached dependency layer (Go modules, ~/.m2, ~/.gradle) are
downloaded again on every run. So the default follows what the repository shows:
- on when the Dockerfile already uses cache mounts, or its CI persists them
  (buildkit-cache-dance);
- off otherwise, with a note when BuildKit is in use (a BuildKit-only feature in the
  Dockerfile, buildx or build-push-action in CI) that `--cache-mounts` would add them;
- off when the CI names Kaniko or sets DOCKER_BUILDKIT=0.
`--cache-mounts`/`--no-cache-mounts` and the `cache-mounts` config key decide instead.
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
_PERSISTED_MOUNTS_CI = re.compile(r"buildkit-cache-dance")
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
    used = _cache_mount_line(df)
    if used:
        return True, f"BuildKit cache mounts added: the Dockerfile uses them already ({used})"
    against = _ci_match(project, _NOT_BUILDKIT_CI)
    if against:
        return False, f"no cache mounts: {against}, which rejects RUN --mount"
    persisted = _ci_match(project, _PERSISTED_MOUNTS_CI)
    if persisted:
        return True, f"BuildKit cache mounts added: {persisted}, which keeps them between builds"
    found = dockerfile_feature(df) or _ci_match(project, _BUILDKIT_CI)
    if found:
        return False, (
            f"{found}: --cache-mounts would add BuildKit cache mounts (off by default: "
            "builds that start with an empty cache would download the dependencies again)"
        )
    return False, ""


def _cache_mount_line(df: Dockerfile) -> str | None:
    for ins in df.instructions:
        if ins.keyword == "RUN" and any(
            f.startswith("--mount=") and "type=cache" in f for f in ins.flags
        ):
            return f"line {ins.start + 1}"
    return None


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


def _ci_match(project: Project, pattern: re.Pattern[str]) -> str | None:
    for rel, text in _ci_files(project):
        m = pattern.search(text)
        if m:
            return f"{rel} builds with {m.group(0)}"
    return None
