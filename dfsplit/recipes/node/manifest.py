"""Node projects read statically: package.json, the lock file, framework config files.

Everything here is pure: it reads `Project.contents` and never the disk. When a value (an
output directory, the package manager) cannot be known with confidence, it raises Refuse
with the reason instead of guessing.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Mapping
from typing import NamedTuple

from dfsplit.dockerfile import shell
from dfsplit.model import EMPTY, Project, Refuse

# The npm default that means "there are no tests".
NO_TEST_SCRIPT = 'echo "Error: no test specified" && exit 1'

# Dependencies that make an app a server even when it also builds a front end with vite.
SERVER_DEPS = frozenset(
    {
        "express",
        "fastify",
        "koa",
        "@hapi/hapi",
        "hapi",
        "next",
        "nuxt",
        "@nestjs/core",
        "@sveltejs/kit",
        "@remix-run/node",
        "@remix-run/serve",
        "@astrojs/node",
        "@angular/ssr",
        "@nguniversal/express-engine",
        "socket.io",
        "apollo-server",
        "@apollo/server",
    }
)


class Package(NamedTuple):
    """The fields of one package.json that decide the plan."""

    rel: str  # context path of package.json
    name: str = ""
    deps: Mapping[str, str] = EMPTY
    dev_deps: Mapping[str, str] = EMPTY
    scripts: Mapping[str, str] = EMPTY
    main: str | None = None
    engines_node: str | None = None
    package_manager: str | None = None

    @property
    def dir(self) -> str:
        """The package's directory relative to the context ("" at the root)."""
        return posixpath.dirname(self.rel)

    def path(self, name: str) -> str:
        return posixpath.join(self.dir, name) if self.dir else name

    def uses(self, name: str) -> bool:
        return name in self.deps or name in self.dev_deps


def load_json(text: str, rel: str, tool: str) -> object:
    """A manifest's JSON, or Refuse naming the file: not JSON, or nested deeper than the
    decoder's recursion limit (about 1,000 levels; no real manifest comes close)."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise Refuse(
            f"{rel} is not valid JSON ({exc}), so {tool} could not read it either"
        ) from exc
    except RecursionError:
        raise Refuse(f"{rel} is nested too deeply to read") from None


def read_package(project: Project, rel: str) -> Package | None:
    """package.json at rel, or None when the context has none; Refuse when it is not JSON."""
    text = project.text(rel)
    if text is None:
        return None
    data = load_json(text, rel, "npm")
    if not isinstance(data, dict):
        raise Refuse(f"{rel} is not a JSON object, so npm could not read it either")
    engines = data.get("engines") if isinstance(data.get("engines"), dict) else {}
    return Package(
        rel=rel,
        name=_str(data.get("name")) or "",
        deps=_str_map(data.get("dependencies")),
        dev_deps=_str_map(data.get("devDependencies")),
        scripts=_str_map(data.get("scripts")),
        main=_str(data.get("main")),
        engines_node=_str(engines.get("node")) if engines else None,
        package_manager=_str(data.get("packageManager")),
    )


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _str_map(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def candidate_package(project: Project) -> Package | None:
    """The package.json next to the Dockerfile, else the context's only one."""
    here = posixpath.dirname(project.dockerfile_name)
    rel = posixpath.join(here, "package.json") if here else "package.json"
    if project.has(rel):
        return read_package(project, rel)
    found = sorted(p for p in project.context_files if posixpath.basename(p) == "package.json")
    return read_package(project, found[0]) if len(found) == 1 else None


def has_test(pkg: Package) -> bool:
    script = pkg.scripts.get("test", "").strip()
    return bool(script) and script != NO_TEST_SCRIPT


# --- the package manager -------------------------------------------------------------------


class Manager(NamedTuple):
    """How this project installs, runs scripts and drops devDependencies."""

    name: str  # npm | yarn | yarn-berry | pnpm | bun
    lock: str | None  # lock file name in the package directory, None without one
    install: str  # reproducible install of everything
    prune: str  # leaves production dependencies only, run where the install ran
    run: str  # prefix that runs a package.json script

    def script(self, name: str) -> str:
        if name == "test" and self.name != "bun":
            return f"{self.run.split()[0]} test"
        return f"{self.run} {name}"


LOCK_FILES = (
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lockb",
    "bun.lock",
)


def manager(project: Project, pkg: Package) -> Manager:
    """The package manager the lock file implies; npm without a lock file."""
    locks = [name for name in LOCK_FILES if project.has(pkg.path(name))]
    lock = locks[0] if locks else None
    if lock in ("package-lock.json", "npm-shrinkwrap.json"):
        return Manager("npm", lock, "npm ci", "npm prune --omit=dev", "npm run")
    if lock == "yarn.lock":
        if _yarn_berry(project, pkg):
            return Manager(
                "yarn-berry",
                lock,
                "yarn install --immutable",
                "yarn workspaces focus --all --production",
                "yarn run",
            )
        return Manager(
            "yarn",
            lock,
            "yarn install --frozen-lockfile",
            "yarn install --frozen-lockfile --production",
            "yarn run",
        )
    if lock == "pnpm-lock.yaml":
        return Manager(
            "pnpm", lock, "pnpm install --frozen-lockfile", "pnpm prune --prod", "pnpm run"
        )
    if lock is not None:
        return Manager(
            "bun",
            lock,
            "bun install --frozen-lockfile",
            "bun install --frozen-lockfile --production",
            "bun run",
        )
    return Manager("npm", None, "npm install", "npm prune --omit=dev", "npm run")


def _yarn_berry(project: Project, pkg: Package) -> bool:
    """Yarn 2+ writes `__metadata:` into yarn.lock and reads .yarnrc.yml."""
    declared = pkg.package_manager or ""
    if declared.startswith("yarn@"):
        return not declared.startswith("yarn@1.")
    text = project.text(pkg.path("yarn.lock"))
    if text is not None:
        return "__metadata:" in text
    return project.has(pkg.path(".yarnrc.yml"))


# --- static front ends ---------------------------------------------------------------------


def static_framework(project: Project, pkg: Package) -> str | None:
    """The static front-end framework, or None when the app serves itself."""
    if any(pkg.uses(dep) for dep in SERVER_DEPS):
        return None
    if pkg.uses("@angular/core") and project.has(pkg.path("angular.json")):
        return "angular"
    if pkg.uses("@vue/cli-service"):
        return "vue-cli"
    if pkg.uses("react-scripts"):
        return "cra"
    if pkg.uses("astro"):
        return None if _astro_server(project, pkg) else "astro"
    if pkg.uses("vite"):
        return "vite"
    return None


def _astro_server(project: Project, pkg: Package) -> bool:
    if any(dep.startswith("@astrojs/") and dep in _ADAPTERS for dep in (*pkg.deps, *pkg.dev_deps)):
        return True
    text = _first_text(project, pkg, _config_names("astro.config")) or ""
    return bool(re.search(r"""\boutput\s*:\s*['"](server|hybrid)['"]""", text))


_ADAPTERS = {"@astrojs/node", "@astrojs/vercel", "@astrojs/netlify", "@astrojs/cloudflare"}


def _config_names(stem: str) -> tuple[str, ...]:
    return tuple(f"{stem}.{ext}" for ext in ("js", "mjs", "cjs", "ts", "mts", "cts"))


def _first_text(project: Project, pkg: Package, names: tuple[str, ...]) -> str | None:
    for name in names:
        text = project.text(pkg.path(name))
        if text is not None:
            return text
    return None


def _first_name(project: Project, pkg: Package, names: tuple[str, ...]) -> str | None:
    return next((n for n in names if project.has(pkg.path(n))), None)


def static_output(project: Project, pkg: Package, framework: str) -> tuple[str, str]:
    """(output dir relative to the package, why) for a static framework; Refuse when unsure."""
    build = pkg.scripts.get("build", "")
    if framework == "cra":
        env = _script_env(build).get("BUILD_PATH")
        if env:
            return env, "BUILD_PATH in the build script"
        return "build", "react-scripts builds to build/"
    if framework == "vite":
        flag = _flag(build, ("--outDir",))
        if flag:
            return flag, "`--outDir` in the build script"
        return _from_config(project, pkg, "vite.config", "outDir", "dist", ("root",))
    if framework == "vue-cli":
        flag = _flag(build, ("--dest",))
        if flag:
            return flag, "`--dest` in the build script"
        return _from_config(project, pkg, "vue.config", "outputDir", "dist", ())
    if framework == "astro":
        return _from_config(project, pkg, "astro.config", "outDir", "dist", ("root",))
    return angular_output(project.text(pkg.path("angular.json")) or "{}")


def _script_env(script: str) -> dict[str, str]:
    commands = shell.commands(script, "the build script")
    return dict(commands[0].env) if commands else {}


def _flag(script: str, names: tuple[str, ...]) -> str | None:
    """The value of `--name value` / `--name=value` in a script's commands."""
    for command in shell.commands(script, "the build script"):
        argv = command.argv
        for i, word in enumerate(argv):
            key, eq, value = word.partition("=")
            if key in names:
                return value if eq else (argv[i + 1] if i + 1 < len(argv) else None)
    return None


_LITERAL = r"""\s*:\s*(['"`])([^'"`$\\\n]+)\1\s*(?=[,}\n\r]|$)"""


# A JS string or template literal (kept whole), or a comment (dropped).
_JS_TOKEN = re.compile(
    r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`|//[^\n]*|/\*.*?\*/""",
    re.DOTALL,
)


def strip_js_comments(text: str) -> str:
    """The config's code without its comments: `// output: 'standalone'` sets nothing."""

    def keep(m: re.Match[str]) -> str:
        token = m.group(0)
        if token.startswith("//"):
            return ""
        return "\n" * token.count("\n") if token.startswith("/*") else token

    return _JS_TOKEN.sub(keep, text)


def config_literal(text: str, key: str) -> tuple[int, set[str]]:
    """How often key is mentioned in a config file's code, and its literal string values."""
    text = strip_js_comments(text)
    mentions = len(re.findall(rf"(?<![\w$.]){re.escape(key)}\b", text))
    values = {m.group(2) for m in re.finditer(rf"(?<![\w$.]){re.escape(key)}{_LITERAL}", text)}
    literal_count = len(re.findall(rf"(?<![\w$.]){re.escape(key)}{_LITERAL}", text))
    return mentions - literal_count, values


def _from_config(
    project: Project, pkg: Package, stem: str, key: str, default: str, unsupported: tuple[str, ...]
) -> tuple[str, str]:
    name = _first_name(project, pkg, _config_names(stem))
    if name is None:
        return default, f"no {stem}.*: the default {default}/"
    text = project.text(pkg.path(name))
    if text is None:
        raise Refuse(
            f"{name} is too large or not readable, and dfsplit reads it to find the output "
            "directory nginx serves"
        )
    for option in unsupported:
        if config_literal(text, option) != (0, set()):
            raise Refuse(
                f"{name} sets `{option}`, which moves the output directory in a way dfsplit "
                "does not follow: set the output directory with the build's own option"
            )
    others, values = config_literal(text, key)
    if others or len(values) > 1:
        raise Refuse(
            f"{name} computes `{key}` (it is no single string literal), so dfsplit cannot "
            f"tell which directory nginx must serve: write `{key}` as a string literal"
        )
    if values:
        value = values.pop()
        return value, f"`{key}: {value!r}` in {name}"
    return default, f"{name} does not set `{key}`: the default {default}/"


APPLICATION_BUILDERS = ("@angular-devkit/build-angular:application", "@angular/build:application")
BROWSER_BUILDERS = (
    "@angular-devkit/build-angular:browser",
    "@angular-devkit/build-angular:browser-esbuild",
)


def angular_output(text: str) -> tuple[str, str]:
    """The browser output dir from angular.json (Angular 17+ application builder adds /browser)."""
    data = load_json(text, "angular.json", "ng")
    name, project = _angular_project(data)
    targets = project.get("architect") or project.get("targets") or {}
    build = targets.get("build") if isinstance(targets, dict) else None
    if not isinstance(build, dict):
        raise Refuse(
            f"angular.json: the project {name} has no build target, so nothing makes the files "
            "nginx would serve: add a build target"
        )
    builder = build.get("builder")
    raw = build.get("options")
    options: dict[str, object] = raw if isinstance(raw, dict) else {}
    out = options.get("outputPath", f"dist/{name}")
    if builder in BROWSER_BUILDERS and isinstance(out, str):
        return out, f"angular.json outputPath of the browser builder ({builder})"
    if builder not in APPLICATION_BUILDERS:
        raise Refuse(
            f"angular.json: the project {name} builds with {builder!r}, a builder whose output "
            "directory dfsplit does not know; it knows Angular's browser and application builders"
        )
    if options.get("ssr") or options.get("server"):
        raise Refuse(
            f"angular.json: the project {name} renders on the server (ssr), so it needs a node "
            "server, not nginx; dfsplit splits Angular apps served as static files"
        )
    if isinstance(out, str):
        return posixpath.join(out, "browser"), "application builder: <outputPath>/browser"
    if isinstance(out, dict) and isinstance(out.get("base"), str):
        browser = out.get("browser", "browser")
        if not isinstance(browser, str):
            raise Refuse(
                "angular.json: outputPath.browser is not a string, so dfsplit cannot tell "
                "which directory nginx must serve"
            )
        path = posixpath.join(out["base"], browser) if browser else out["base"]
        return path, "application builder: outputPath {base, browser}"
    raise Refuse(
        "angular.json: outputPath is neither a string nor {base, browser}, so dfsplit cannot "
        "tell which directory nginx must serve"
    )


def _angular_project(data: object) -> tuple[str, dict[str, object]]:
    if not isinstance(data, dict):
        raise Refuse("angular.json is not a JSON object, so ng could not read it either")
    projects = data.get("projects")
    if not isinstance(projects, dict) or not projects:
        raise Refuse("angular.json lists no projects, so there is no app to serve")
    default = data.get("defaultProject")
    apps = [
        k
        for k, v in projects.items()
        if isinstance(v, dict) and v.get("projectType", "application") == "application"
    ]
    name = default if isinstance(default, str) and default in projects else None
    if name is None and len(apps) == 1:
        name = apps[0]
    if name is None and not apps:
        raise Refuse("angular.json has no application project (only libraries) to serve")
    if name is None:
        raise Refuse(
            f"angular.json has several applications ({', '.join(sorted(apps))}) and no "
            'defaultProject, so dfsplit cannot tell which one to serve: set "defaultProject"'
        )
    project = projects[name]
    if not isinstance(project, dict):
        raise Refuse(f"angular.json: the project {name} is not a JSON object")
    return name, project


# --- servers -------------------------------------------------------------------------------


def server_framework(project: Project, pkg: Package) -> str | None:
    """next / next-standalone / nuxt / nest, or None for a plain node server."""
    if pkg.uses("next"):
        return "next-standalone" if _next_standalone(project, pkg) else "next"
    if pkg.uses("nuxt"):
        return "nuxt"
    if pkg.uses("@nestjs/core"):
        return "nest"
    return None


def _next_standalone(project: Project, pkg: Package) -> bool:
    names = ("next.config.js", "next.config.mjs", "next.config.ts", "next.config.cjs")
    text = _first_text(project, pkg, names)
    if text is None:
        return False
    if config_literal(text, "distDir") != (0, set()):
        raise Refuse(
            "next.config sets `distDir`, which moves the build output from .next, and dfsplit "
            "copies .next into the runtime: remove distDir or keep it .next"
        )
    others, values = config_literal(text, "output")
    if others or len(values) > 1:
        raise Refuse(
            "next.config computes `output`, so dfsplit cannot tell whether the build is "
            "standalone, which decides what the runtime copies: write output as a literal"
        )
    return values == {"standalone"}


# Scripts that produce the build output.
BUILD_TOOLS = frozenset(
    {
        "vite",
        "ng",
        "react-scripts",
        "vue-cli-service",
        "astro",
        "next",
        "nuxt",
        "nest",
        "tsc",
        "webpack",
        "rollup",
        "tsup",
    }
)


def script_words(command: list[str]) -> tuple[str, list[str]] | None:
    """`npm start` / `yarn run dev` / `pnpm build` -> (script name, extra args), else None."""
    prog, rest = (command[0] if command else ""), command[1:]
    found: tuple[str, list[str]] | None = None
    if prog == "npm" and rest[:1] in (["start"], ["test"]):
        found = rest[0], rest[1:]
    elif prog in ("npm", "bun") and rest[:1] in (["run"], ["run-script"]) and len(rest) > 1:
        found = rest[1], rest[2:]
    elif prog in ("yarn", "pnpm") and rest:
        if rest[0] == "run" and len(rest) > 1:
            found = rest[1], rest[2:]
        elif rest[0] not in ("install", "add", "remove", "dlx", "exec", "prune", "i"):
            found = rest[0], rest[1:]
    if found and found[1][:1] == ["--"] and prog in ("npm", "bun", "yarn"):
        return found[0], found[1][1:]  # `npm start -- -p 80` passes `-p 80` to the script
    return found


def listen_port(words: list[str]) -> int | None:
    """The port a `serve`, `vite`, `http-server` or `next` command line listens on."""
    for i, word in enumerate(words):
        key, eq, value = word.partition("=")
        if key not in ("-l", "--listen", "-p", "--port"):
            continue
        value = value if eq else (words[i + 1] if i + 1 < len(words) else "")
        m = re.search(r"(\d+)$", value)
        if m:
            return int(m.group(1))
    return None
