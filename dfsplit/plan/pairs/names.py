"""Pairs told by names alone: `Dockerfile.build` (or `.builder`, `build.Dockerfile`) beside
`Dockerfile` (or `.prod`, `.runtime`), when exactly one thing the build file writes is what
the runtime file copies from the host.

What the build file writes: an output flag's path (`go build -o`), Maven's target/ and
Gradle's build/libs/ of the directory they run in, and the artifact its recipe names. A host
path matches when it is that path below the directory the build copied the context to, or
has its name. Anything but one build file, one runtime file and one candidate per copied
path is refused with the candidates: names are a hint, never a reason to guess.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Mapping, Sequence

from dfsplit.dockerfile import parser
from dfsplit.dockerfile.globs import Dockerignore, is_glob, path_match
from dfsplit.model import Dockerfile, Options, Project, Refuse
from dfsplit.plan import detect
from dfsplit.plan.pairs.docker import Run
from dfsplit.plan.pairs.find import (
    Found,
    Link,
    Pair,
    Problem,
    host_copies,
    single_stage,
    within,
)
from dfsplit.plan.pairs.outputs import written_paths
from dfsplit.plan.pairs.script import Call, Line
from dfsplit.plan.stage import StageModel, base_image, run_commands

BUILD_NAMES = re.compile(r"^(Dockerfile\.build(er)?|build(er)?\.Dockerfile)$", re.I)
RUNTIME_NAMES = re.compile(
    r"^(Dockerfile|Dockerfile\.(prod|production|runtime)|(prod|runtime)\.Dockerfile)$", re.I
)
# A CMD that builds: `docker run IMAGE` of such a file made the artifact.
# Only the artifact's name is read: no tester, and no cache-mount decision to make.
_NAMING = Options(tester=False, cache_mounts=False)
_BUILD_TOOLS = {"mvn", "mvnw", "gradle", "gradlew", "go", "cargo", "make", "npm", "yarn", "pnpm"}


def is_build_name(name: str) -> bool:
    return bool(BUILD_NAMES.match(name))


def is_runtime_name(name: str) -> bool:
    return bool(RUNTIME_NAMES.match(name))


def _outputs(df: Dockerfile, project: Project, cmd_runs: bool) -> list[str]:
    """Absolute builder paths the build file writes (directories for Maven and Gradle)."""
    model = StageModel(df, df.stages()[0], project, base_image(df))
    out = written_paths(model)
    for ins in model.stage:
        if ins.keyword not in ("RUN", "CMD") or (ins.keyword == "CMD" and not cmd_runs):
            continue
        workdir = model.state_at(ins).workdir if ins.keyword == "RUN" else model.final.workdir
        for command in run_commands(ins):
            tool = posixpath.basename(command.program)
            if tool in ("mvn", "mvnw") and {"package", "install", "verify"} & set(command.argv):
                out.append(posixpath.join(workdir, "target"))
            if tool in ("gradle", "gradlew") and {"build", "assemble", "bootJar", "jar"} & set(
                command.argv
            ):
                out.append(posixpath.join(workdir, "build/libs"))
    artifact = _recipe_artifact(project)
    if artifact:
        out.append(artifact)
    return list(dict.fromkeys(out))


def _recipe_artifact(project: Project) -> str | None:
    """The artifact the build file's recipe names when it plans the file as it is (a static
    site's output directory needs no start command)."""
    try:
        df = parser.parse(project.dockerfile)
        recipe, detection = detect.detect(project)
        return recipe.plan(df, project, detection, _NAMING).findings.artifact
    except Refuse:
        return None
    except Exception:  # a recipe that cannot plan a builder-only file names nothing
        return None


def _cmd_is_build(df: Dockerfile) -> bool:
    cmds = [i for i in df.stages()[0] if i.keyword in ("CMD", "ENTRYPOINT")]
    if not cmds:
        return False
    commands = run_commands(cmds[-1])
    return any(posixpath.basename(c.program) in _BUILD_TOOLS for c in commands)


def _root_dest(df: Dockerfile, project: Project) -> str | None:
    model = StageModel(df, df.stages()[0], project, base_image(df))
    root = model.root_copy()
    return root.dest if root is not None else None


def _candidates(
    source_host: str, outputs: Sequence[str], root: str | None, dirs: Collection[str]
) -> list[str]:
    """Builder paths that could be the host path `source_host`."""
    found = []
    mirror = posixpath.normpath(posixpath.join(root, source_host)) if root else None
    for out in outputs:
        if mirror and (
            mirror == out
            or within(mirror, out)
            or (is_glob(mirror) and within(posixpath.dirname(mirror), out))
        ):
            found.append(mirror)
        elif (mirror and is_glob(mirror) and path_match(mirror, out)) or (
            posixpath.basename(out) == posixpath.basename(source_host) and out not in dirs
        ):
            found.append(out)
    return list(dict.fromkeys(found))


def _absent(host: str, files: Collection[str]) -> bool:
    """Not in the repository: something must make it before the runtime build."""
    prefix = host.rstrip("/") + "/"
    return host not in files and not any(f.startswith(prefix) for f in files)


def name_pairs(directory: str, dockerfiles: Mapping[str, Project], files: Collection[str]) -> Found:
    """The pair the names in one directory tell, if exactly one; a refusal if several."""
    builds = sorted(n for n in dockerfiles if is_build_name(posixpath.basename(n)))
    runtimes = sorted(n for n in dockerfiles if is_runtime_name(posixpath.basename(n)))
    if not builds or not runtimes:
        return Found()
    merged = _merged(builds, runtimes, dockerfiles)
    if merged:
        return Found(builders=tuple(merged))
    matches: list[tuple[str, str, str, list[str]]] = []  # (build, runtime, host, candidates)
    for build in builds:
        project = dockerfiles[build]
        df = parser.parse(project.dockerfile)
        cmd_runs = _cmd_is_build(df)
        outputs = _outputs(df, project, cmd_runs)
        root = _root_dest(df, project)
        dirs = StageModel(df, df.stages()[0], project, base_image(df)).dirs
        for runtime in runtimes:
            ignore = Dockerignore(dockerfiles[runtime].text(".dockerignore") or "")
            for copy in host_copies(dockerfiles[runtime].dockerfile, directory):
                rel = posixpath.relpath(copy.host, directory)
                if not _absent(copy.host, files) or ignore.excludes(rel):
                    continue
                found = _candidates(rel, outputs, root, dirs)
                if found:
                    matches.append((build, runtime, copy.host, found))
    return _decide(directory, matches, dockerfiles)


def _merged(
    builds: list[str], runtimes: list[str], dockerfiles: Mapping[str, Project]
) -> list[tuple[str, str]]:
    """Build files whose steps are a sibling's builder stage already (a merge happened and
    the build file was kept): never rewritten on their own."""
    out = []
    for build in builds:
        steps = _steps(dockerfiles[build].dockerfile)
        for runtime in runtimes:
            stages = _stages(dockerfiles[runtime].dockerfile)
            builder = stages.get("builder", [])
            # The recipe may have edited a RUN (npm ci): one kept as written is enough, and
            # the cost of a wrong match is only a file left as it is.
            if (
                steps
                and builder[:1] == steps[:1]
                and (len(steps) == 1 or set(steps[1:]) & set(builder))
            ):
                out.append((build, f"its build steps are the builder stage of {runtime} already"))
                break
    return out


def _steps(raw: bytes) -> list[str]:
    """The FROM image, then the RUN lines, of a single-stage file."""
    df = single_stage(raw)
    if df is None:
        return []
    stage = df.stages()[0]
    return [stage[0].args.split()[0], *(i.args for i in stage if i.keyword == "RUN")]


def _stages(raw: bytes) -> dict[str, list[str]]:
    """Named stages -> [FROM image, RUN lines...]."""
    try:
        df = parser.parse(raw)
    except Refuse:
        return {}
    out = {}
    for stage in df.stages():
        head = stage[0].args.split()
        if len(head) >= 3 and head[1].lower() == "as":
            out[head[2].lower()] = [head[0], *(i.args for i in stage if i.keyword == "RUN")]
    return out


def _decide(
    directory: str,
    matches: list[tuple[str, str, str, list[str]]],
    dockerfiles: Mapping[str, Project],
) -> Found:
    if not matches:
        return Found()
    pairs = sorted({(b, r) for b, r, _, _ in matches})
    several = [m for m in matches if len(m[3]) > 1]
    if len(pairs) > 1 or several:
        shown = "; ".join(f"{r} copies {h} from {b} ({' or '.join(c)})" for b, r, h, c in matches)
        files = tuple(sorted({f for p in pairs for f in p}))
        reason = (
            f"ambiguous builder-pattern pair: {shown}; dfsplit does not guess: a build "
            "script that says which (docker build -f, docker cp) would tell"
        )
        return Found(problems=(Problem(files, reason),))
    build, runtime = pairs[0]
    df = parser.parse(dockerfiles[build].dockerfile)
    run = _own_run(build, df) if _cmd_is_build(df) else None
    told = f"{build} and {runtime}: builder-pattern names"
    links = tuple(
        Link(
            host,
            cands[0],
            f"{told}; {runtime} copies {host}, which {build} writes at {cands[0]}",
            run,
        )
        for _, _, host, cands in matches
    )
    why = tuple(link.why for link in links)
    pair = Pair(build, runtime, directory, directory, links, why)
    return Found(pairs=(pair,), builders=((build, why[0]),))


def _own_run(build: str, df: Dockerfile) -> Run:
    """The build file's own CMD as the step that made the artifact (`docker run IMAGE`)."""
    cmd = [i for i in df.stages()[0] if i.keyword in ("CMD", "ENTRYPOINT")][-1]
    line = Line(build, cmd.start + 1, "".join(df.lines[cmd.start : cmd.end]).rstrip("\n"))
    return Run(Call(line, (), "."), "", (), None, None, (), ())
