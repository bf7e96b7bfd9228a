"""Static front ends (Vite, Create React App, Vue CLI, Angular, Astro): keep the user's stage as
the builder, test with `<pm> test`, and serve the build output with an unprivileged nginx that
falls back to index.html for the client-side router's deep links.
"""

from __future__ import annotations

import posixpath
import re

from dfsplit.dockerfile import tokens
from dfsplit.model import (
    Detection,
    Dockerfile,
    FileTemplate,
    Findings,
    Options,
    Plan,
    Project,
    Refuse,
)
from dfsplit.plan import images
from dfsplit.plan.carry import Carried
from dfsplit.plan.runtime import runtime_stage
from dfsplit.recipes.node import devserver, manifest
from dfsplit.recipes.node.builder import App, ensure_build, prepare, start_words, tester

NGINX_UID = "101"  # the `nginx` user of the official image
HTML_DIR = "/usr/share/nginx/html"
CONF_NAME = "nginx-spa.conf"
DEFAULT_PORT = 8080  # nginx-unprivileged's port: a non-root master cannot bind below 1024
NGINX_CMD = '["nginx", "-g", "daemon off;"]'
_PLAIN = re.compile(r"^[A-Za-z0-9_./@+-]+$")


def detect(project: Project) -> Detection | None:
    pkg = manifest.candidate_package(project)
    framework = manifest.static_framework(project, pkg) if pkg else None
    if pkg is None or framework is None:
        return None
    return Detection(framework=framework, why=(f"{framework} in {pkg.rel}",))


def plan(df: Dockerfile, project: Project, detection: Detection, options: Options) -> Plan:
    app = prepare(df, project, options.uid or NGINX_UID, bool(options.cache_mounts))
    framework = manifest.static_framework(project, app.pkg)
    if framework is None:
        raise Refuse(
            f"the builder's WORKDIR holds {app.pkg.rel}, which is not the static front end "
            "dfsplit recognised in the build context: set WORKDIR to the front end's directory"
        )
    devserver.check(app, framework)
    out_rel, why = manifest.static_output(project, app.pkg, framework)
    app.notes.append(f"{framework} output {out_rel}/: {why}")
    if not ensure_build(app):
        raise Refuse(
            f"{app.pkg.rel} has no build script and the Dockerfile never builds, so nothing "
            f"makes the {out_rel}/ that nginx would serve: add a `build` script"
        )
    port = static_port(app)
    conf = _conf_file(app, port)
    image = nginx_image(app.builder_image, options)
    artifact = app.abs(out_rel)
    # nginx replaces the start command, and the site's ENV was for the build only: the
    # runtime keeps the user and the metadata, with the config and nginx's port.
    carried = [f"COPY {conf.rel} /etc/nginx/nginx.conf", *_carried(app), f"EXPOSE {port}"]
    kept = Carried(user=app.kept.user, instructions=carried)
    copies = (tokens.copy_step("builder", artifact, HTML_DIR),)
    runtime = runtime_stage(image, kept, copies, workdir=None, cmd=NGINX_CMD)
    test = tester(app, options)
    findings = Findings(
        recipe="node_static",
        language="node",
        framework=framework,
        builder_image=app.builder_image,
        artifact=artifact,
        runtime_artifact=HTML_DIR,
        runtime_image=image,
        test_command=test.commands[0] if test else None,
        runtime_files=(f"{HTML_DIR}/index.html", "/etc/nginx/nginx.conf"),
        notes=tuple(app.notes),
        warnings=tuple(app.warnings),
    )
    return Plan(
        findings=findings,
        template="node-static.Dockerfile.j2",
        edits=tuple(app.edits),
        runtime=runtime,
        tester=test,
        new_files=(conf,),
        required_paths=(HTML_DIR,),
    )


def nginx_image(builder: str, options: Options) -> str:
    """nginx of the builder's family: an alpine builder gets nginx:1.25-alpine."""
    if options.runtime_image:
        return options.runtime_image
    return "nginx:1.25-alpine" if images.classify(builder).family == "alpine" else "nginx:1.25"


def static_port(app: App) -> int:
    """The port the naive image served on: flags of its start command, else EXPOSE."""
    words = start_words(app.kept) or []
    script = manifest.script_words(words)
    if script is not None:
        words = [*app.pkg.scripts.get(script[0], "").split(), *script[1]]
    port = manifest.listen_port(words)
    why = f"`{' '.join(words)}` listened on it"
    if port is None:
        port = next((p for p in _exposed(app)), None)
        why = "the naive image exposed it"
    if port is None or port < 1024:
        was = f"port {port}" if port else "no known port"
        app.notes.append(
            f"nginx listens on {DEFAULT_PORT} (the naive image had {was}): "
            "a non-root nginx cannot bind below 1024"
        )
        return DEFAULT_PORT
    app.notes.append(f"nginx listens on {port}: {why}")
    return port


def _exposed(app: App) -> list[int]:
    out = []
    for text in app.kept.instructions:
        last = text.split("\n")[-1].split()
        if last and last[0].upper() == "EXPOSE":
            out += [int(m) for m in re.findall(r"(?<![\w$])(\d+)(?:/tcp)?\b", " ".join(last[1:]))]
    return out


def _carried(app: App) -> list[str]:
    """LABEL, STOPSIGNAL and friends stay; EXPOSE is re-emitted for nginx's port."""
    if app.kept.env:
        app.notes.append("ENV is build-time only for a static site: not set in the nginx runtime")
    return [
        t
        for t in app.kept.instructions
        if t.split("\n")[-1].split()[:1] != ["EXPOSE"]
        and t.split("\n")[-1].split()[:1] != ["expose"]
    ]


def _conf_file(app: App, port: int) -> FileTemplate:
    """The nginx config written next to the Dockerfile; never overwrite a different one."""
    here = posixpath.dirname(app.project.dockerfile_name)
    rel = posixpath.join(here, CONF_NAME) if here else CONF_NAME
    if not _PLAIN.match(rel):
        raise Refuse(
            f"the nginx config dfsplit adds would be {rel!r}, a path with characters a COPY "
            "cannot name safely: move the Dockerfile to a plainly named directory"
        )
    if app.model.ignore.excludes(rel):
        raise Refuse(
            f".dockerignore excludes {rel}, the nginx config dfsplit adds for the runtime: "
            f"add `!{rel}` to .dockerignore"
        )
    return FileTemplate(rel, "nginx-spa.conf.j2", {"port": port})
