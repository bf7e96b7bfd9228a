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
from dfsplit.recipes.node import devserver, manifest, ports
from dfsplit.recipes.node.builder import App, ensure_build, prepare, start_words, tester

NGINX_UID = "101"  # the `nginx` user of the official image
HTML_DIR = "/usr/share/nginx/html"
CONF_NAME = "nginx-spa.conf"
DEFAULT_PORT = 8080  # where the naive image served nothing: nginx-unprivileged's port
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
    listen = static_ports(app)
    user, root = _runtime_user(app, listen, options)
    conf = _conf_file(app, listen, root)
    image = nginx_image(app.builder_image, options)
    artifact = app.abs(out_rel)
    # nginx replaces the start command, and the site's ENV was for the build only: the
    # runtime keeps the user and the metadata, with the config and nginx's port.
    exposed = f"EXPOSE {' '.join(map(str, listen))}"
    carried = [f"COPY {conf.rel} /etc/nginx/nginx.conf", *_carried(app), exposed]
    kept = Carried(user=user, instructions=carried)
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


def static_ports(app: App) -> list[int]:
    """Every port the naive image may have served on: its server's (from the command line, the
    server's $PORT or its default) and the EXPOSEd ones, so a deploy's port mapping still works."""
    heard = ports.listened(app)
    found = list(dict.fromkeys(p for p in (heard.port, *_exposed(app)) if p is not None))
    if not found and start_words(app.kept) is not None:
        raise Refuse(
            f"{heard.why}, and the naive image exposes no port, so dfsplit cannot tell which "
            "port nginx must listen on: add EXPOSE with the port it serves on"
        )
    if not found:
        app.notes.append(f"nginx listens on {DEFAULT_PORT}: {heard.why}")
        return [DEFAULT_PORT]
    why = heard.why if heard.port is not None else "the naive image exposed it"
    if heard.port is not None and len(found) > 1:
        why += f", and the naive image exposed {', '.join(map(str, found[1:]))}"
    app.notes.append(f"nginx listens on {', '.join(map(str, found))}: {why}")
    return found


def _runtime_user(app: App, listen: list[int], options: Options) -> tuple[str, bool]:
    """nginx's user, and whether its master runs as root: a port below 1024 needs root where
    unprivileged ports start at 1024 (Kubernetes' default), and the original had it."""
    name = app.model.final.user
    was_root = name is None or name.split(":")[0] in {"root", "0"}
    low = min(listen)
    if low >= 1024 or options.uid or not was_root:
        return app.kept.user, False
    app.notes.append(
        f"nginx's master runs as root to bind port {low} like the original; its workers run "
        "as the nginx user (serve on a port of 1024 or more to run it all as uid 101)"
    )
    return "0", True


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


def _conf_file(app: App, listen: list[int], root: bool) -> FileTemplate:
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
    return FileTemplate(rel, "nginx-spa.conf.j2", {"ports": listen, "root": root})
