"""When the naive image ran a front end's dev server, nginx replaces it: refuse when the app
relies on what a dev server does and nginx does not: forwarding API requests (CRA's `proxy`,
setupProxy.js, Vite's and Vue CLI's `proxy`, Angular's proxyConfig) and the development mode's
environment (`.env.development` values the production build would not embed).
"""

from __future__ import annotations

import re

from dfsplit.model import Refuse
from dfsplit.recipes.node import manifest, ports
from dfsplit.recipes.node.builder import App, start_words

# Dev-server programs and the sub-command that starts one ("" when the bare command does).
DEV_SERVERS = {
    "react-scripts": "start",
    "craco": "start",
    "react-app-rewired": "start",
    "vite": "",
    "vue-cli-service": "serve",
    "ng": "serve",
    "astro": "dev",
    "webpack-dev-server": "",
    "webpack": "serve",
}
# The variables each framework embeds into the bundle.
_PREFIXES = {"cra": "REACT_APP_", "vite": "VITE_", "vue-cli": "VUE_APP_", "astro": "PUBLIC_"}
_PROXY = re.compile(r"(?<![\w$.])proxy\s*:")


def check(app: App, framework: str) -> None:
    """Refuse the nginx runtime when the original's dev or preview server did more than serve
    files. `vite preview` applies `preview.proxy`, which defaults to `server.proxy`."""
    words = _dev_server_command(app)
    if words is None:
        preview = _vite_preview(app)
        if preview and (reason := _proxy(app, framework, preview)):
            raise Refuse(
                f"the original runs the preview server (`{' '.join(preview)}`) and {reason}; "
                "keep the Node image, or give the nginx runtime the same behaviour"
            )
        return
    reason = _proxy(app, framework, words) or _development_env(app, framework)
    if reason:
        raise Refuse(
            f"the original runs the dev server (`{' '.join(words)}`) and {reason}; "
            "keep the Node image, or give the nginx runtime the same behaviour"
        )


def _start_argv(app: App) -> list[str]:
    return ports.start_argv(app, start_words(app.kept) or ["npm", "start"])


def _dev_server_command(app: App) -> list[str] | None:
    words = _start_argv(app)
    if not words or words[0] not in DEV_SERVERS:
        return None
    sub = DEV_SERVERS[words[0]]
    verb = next((w for w in words[1:] if not w.startswith("-")), "")
    # A bare `vite --host 0.0.0.0` serves: its first word may be a flag's value.
    starts = verb == sub if sub else verb not in {"build", "preview", "optimize"}
    return words if starts else None


def _vite_preview(app: App) -> list[str] | None:
    words = _start_argv(app)
    verb = next((w for w in words[1:] if not w.startswith("-")), "")
    return words if words[:1] == ["vite"] and verb == "preview" else None


def _proxy(app: App, framework: str, words: list[str]) -> str | None:
    project, pkg = app.project, app.pkg
    if framework == "cra":
        try:
            data = manifest.load_json(project.text(pkg.rel) or "{}", pkg.rel, "npm")
        except Refuse:
            data = {}
        if isinstance(data, dict) and data.get("proxy"):
            target = data["proxy"]
            return f"package.json sets `proxy` ({target}): it forwards API requests, nginx does not"
        if project.has(pkg.path("src/setupProxy.js")):
            return "src/setupProxy.js forwards requests, nginx does not"
    configs = {
        "cra": ("craco.config.js", "craco.config.ts"),
        "vite": tuple(f"vite.config.{e}" for e in ("js", "mjs", "cjs", "ts", "mts")),
        "vue-cli": ("vue.config.js", "vue.config.cjs", "vue.config.mjs"),
    }
    for name in configs.get(framework, ()):
        if _PROXY.search(manifest.strip_js_comments(project.text(pkg.path(name)) or "")):
            return f"{name} sets a dev-server `proxy`, which nginx does not do"
    if framework == "angular":
        if any(w.startswith("--proxy-config") for w in words):
            return "`--proxy-config` forwards requests, nginx does not"
        if '"proxyConfig"' in (project.text(pkg.path("angular.json")) or ""):
            return "angular.json sets `proxyConfig`: it forwards requests, nginx does not"
    return None


def _development_env(app: App, framework: str) -> str | None:
    """Values the dev server embeds (development mode) that the production build would not."""
    prefix = _PREFIXES.get(framework)
    differ = mode_env_differences(app, prefix) if prefix else []
    if differ:
        shown = ", ".join(differ[:3])
        return (
            f".env.development sets {shown}: the production build behind nginx embeds other values"
        )
    return None


def mode_env_differences(app: App, prefix: str = "") -> list[str]:
    """The variables (starting with prefix) whose value the development mode's env files
    (.env.development and .env.development.local over .env and .env.local) set otherwise
    than the production mode's; only the files the builder has count."""

    def read(name: str) -> dict[str, str]:
        rel = app.model.context_path(app.abs(name))
        return _env(app.project.text(rel) or "", prefix) if rel else {}

    development = {**read(".env"), **read(".env.local"), **read(".env.development")}
    development.update(read(".env.development.local"))
    production = {**read(".env"), **read(".env.local"), **read(".env.production")}
    production.update(read(".env.production.local"))
    return sorted(k for k, v in development.items() if production.get(k) != v)


def _env(text: str, prefix: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().removeprefix("export ").partition("=")
        if sep and key.strip().startswith(prefix) and not key.startswith("#"):
            out[key.strip()] = value.strip().strip("\"'")
    return out
