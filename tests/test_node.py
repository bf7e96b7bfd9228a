"""Table tests of the Node detection and planning functions (no Docker, no disk)."""

from __future__ import annotations

import json
import re

import pytest

from dfsplit.model import Options, Project, Refuse, Status
from dfsplit.plan import pipeline
from dfsplit.recipes.node import builder, manifest
from dfsplit.recipes.node import server as node_server
from dfsplit.recipes.node import static as node_static


def project(files: dict[str, str], dockerfile: str = "FROM node:20\n") -> Project:
    return Project(
        path="Dockerfile",
        dockerfile=dockerfile.encode(),
        context_files=frozenset(files) | {"Dockerfile"},
        contents={k: v.encode() for k, v in files.items()},
    )


def package(**fields: object) -> str:
    return json.dumps({"name": "app", **fields})


def pkg_of(files: dict[str, str]) -> manifest.Package:
    found = manifest.read_package(project(files), "package.json")
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("files", "name", "install", "prune"),
    [
        ({"package-lock.json": "{}"}, "npm", "npm ci", "npm prune --omit=dev"),
        ({"npm-shrinkwrap.json": "{}"}, "npm", "npm ci", "npm prune --omit=dev"),
        (
            {"yarn.lock": "# yarn lockfile v1\n"},
            "yarn",
            "yarn install --frozen-lockfile",
            "yarn install --frozen-lockfile --production",
        ),
        (
            {"yarn.lock": "__metadata:\n  version: 8\n"},
            "yarn-berry",
            "yarn install --immutable",
            "yarn workspaces focus --all --production",
        ),
        (
            {"yarn.lock": "x", ".yarnrc.yml": ""},
            "yarn",
            "yarn install --frozen-lockfile",
            "yarn install --frozen-lockfile --production",
        ),
        (
            {"pnpm-lock.yaml": "lockfileVersion: '9.0'\n"},
            "pnpm",
            "pnpm install --frozen-lockfile",
            "pnpm prune --prod",
        ),
        (
            {"bun.lockb": ""},
            "bun",
            "bun install --frozen-lockfile",
            "bun install --frozen-lockfile --production",
        ),
        ({}, "npm", "npm install", "npm prune --omit=dev"),
    ],
)
def test_manager_follows_the_lock_file(
    files: dict[str, str], name: str, install: str, prune: str
) -> None:
    files = {"package.json": package(), **files}
    pm = manifest.manager(project(files), pkg_of(files))
    assert (pm.name, pm.install, pm.prune) == (name, install, prune)


def test_yarn_berry_from_package_manager_field() -> None:
    files = {"package.json": package(packageManager="yarn@4.1.0"), "yarn.lock": "x"}
    assert manifest.manager(project(files), pkg_of(files)).name == "yarn-berry"


@pytest.mark.parametrize(
    ("scripts", "expected"),
    [
        ({"test": "jest"}, True),
        ({"test": 'echo "Error: no test specified" && exit 1'}, False),
        ({}, False),
    ],
)
def test_has_test(scripts: dict[str, str], expected: bool) -> None:
    assert manifest.has_test(pkg_of({"package.json": package(scripts=scripts)})) is expected


@pytest.mark.parametrize(
    ("deps", "extra", "framework"),
    [
        ({"react-scripts": "5"}, {}, "cra"),
        ({"vite": "5"}, {}, "vite"),
        ({"vite": "5", "express": "4"}, {}, None),
        ({"@vue/cli-service": "5"}, {}, "vue-cli"),
        ({"@angular/core": "17"}, {"angular.json": "{}"}, "angular"),
        ({"@angular/core": "17"}, {}, None),
        ({"astro": "4"}, {}, "astro"),
        ({"astro": "4", "@astrojs/node": "8"}, {}, None),
        ({"astro": "4"}, {"astro.config.mjs": "export default { output: 'server' }"}, None),
        ({"next": "14"}, {}, None),
    ],
)
def test_static_framework(
    deps: dict[str, str], extra: dict[str, str], framework: str | None
) -> None:
    files = {"package.json": package(devDependencies=deps), **extra}
    assert manifest.static_framework(project(files), pkg_of(files)) == framework


VITE = {"vite": "5"}


@pytest.mark.parametrize(
    ("framework", "build", "extra", "out"),
    [
        ("vite", "vite build", {}, "dist"),
        ("vite", "vite build --outDir public_html", {}, "public_html"),
        ("vite", "vite build --outDir=out", {}, "out"),
        ("vite", "vite build", {"vite.config.ts": "export default {build:{outDir:'www'}}"}, "www"),
        ("vite", "vite build", {"vite.config.js": "export default { plugins: [] }"}, "dist"),
        ("cra", "react-scripts build", {}, "build"),
        ("cra", "BUILD_PATH=out react-scripts build", {}, "out"),
        (
            "vue-cli",
            "vue-cli-service build",
            {"vue.config.js": "exports = {outputDir: 'site'}"},
            "site",
        ),
        ("vue-cli", "vue-cli-service build --dest x", {}, "x"),
        ("astro", "astro build", {}, "dist"),
        # a commented-out option sets nothing (real-world next.config/vite.config files)
        (
            "vite",
            "vite build",
            {"vite.config.ts": "export default {build:{outDir:'a'}} // outDir: 'b'"},
            "a",
        ),
        (
            "vite",
            "vite build",
            {"vite.config.js": "export default {\n  /* build: {outDir: 'x'} */\n}"},
            "dist",
        ),
        (
            "vite",
            "vite build",
            {"vite.config.js": "const u = 'http://a//b'; export default {build:{outDir:'c'}}"},
            "c",
        ),
    ],
)
def test_static_output(framework: str, build: str, extra: dict[str, str], out: str) -> None:
    files = {"package.json": package(scripts={"build": build}), **extra}
    assert manifest.static_output(project(files), pkg_of(files), framework)[0] == out


@pytest.mark.parametrize(
    "config",
    [
        "export default { build: { outDir: `dist-${target}` } }",
        "const outDir = 'x'; export default { build: { outDir } }",
        "export default { build: { outDir: path.resolve(__dirname, 'x') } }",
        "export default { root: 'src', build: { outDir: 'x' } }",
    ],
)
def test_vite_output_refuses_when_computed(config: str) -> None:
    files = {"package.json": package(scripts={"build": "vite build"}), "vite.config.ts": config}
    with pytest.raises(Refuse):
        manifest.static_output(project(files), pkg_of(files), "vite")


def angular(build: dict[str, object], name: str = "shop") -> str:
    return json.dumps(
        {"projects": {name: {"projectType": "application", "architect": {"build": build}}}}
    )


APP = "@angular-devkit/build-angular:application"


@pytest.mark.parametrize(
    ("build", "out"),
    [
        ({"builder": APP, "options": {"outputPath": "dist/shop"}}, "dist/shop/browser"),
        ({"builder": APP, "options": {}}, "dist/shop/browser"),
        ({"builder": "@angular/build:application", "options": {}}, "dist/shop/browser"),
        ({"builder": APP, "options": {"outputPath": {"base": "out"}}}, "out/browser"),
        ({"builder": APP, "options": {"outputPath": {"base": "out", "browser": ""}}}, "out"),
        ({"builder": APP, "options": {"outputPath": {"base": "o", "browser": "b"}}}, "o/b"),
        (
            {
                "builder": "@angular-devkit/build-angular:browser",
                "options": {"outputPath": "dist/x"},
            },
            "dist/x",
        ),
    ],
)
def test_angular_output(build: dict[str, object], out: str) -> None:
    assert manifest.angular_output(angular(build))[0] == out


@pytest.mark.parametrize(
    "text",
    [
        angular({"builder": "@custom/builder:x"}),
        angular({"builder": APP, "options": {"ssr": {"entry": "server.ts"}}}),
        json.dumps({"projects": {"a": {"architect": {}}, "b": {"architect": {}}}}),
        "not json",
    ],
)
def test_angular_output_refuses(text: str) -> None:
    with pytest.raises(Refuse):
        manifest.angular_output(text)


@pytest.mark.parametrize(
    ("deps", "extra", "framework"),
    [
        ({"express": "4"}, {}, None),
        ({"@nestjs/core": "10"}, {}, "nest"),
        ({"nuxt": "3"}, {}, "nuxt"),
        ({"next": "14"}, {}, "next"),
        (
            {"next": "14"},
            {"next.config.js": "module.exports = { output: 'standalone' }"},
            "next-standalone",
        ),
        (
            {"next": "14"},
            {"next.config.ts": 'const c = { output: "standalone" }; export default c'},
            "next-standalone",
        ),
        ({"next": "14"}, {"next.config.mjs": "export default { output: 'export' }"}, "next"),
        # sisfo-baznas's next.config.js: standalone is commented out, .next/standalone never built
        (
            {"next": "13"},
            {"next.config.js": "const c = {\n  /* output: 'standalone', */\n}\nmodule.exports = c"},
            "next",
        ),
        ({"next": "14"}, {"next.config.js": "module.exports = {} // output: 'standalone'"}, "next"),
    ],
)
def test_server_framework(
    deps: dict[str, str], extra: dict[str, str], framework: str | None
) -> None:
    files = {"package.json": package(dependencies=deps), **extra}
    assert manifest.server_framework(project(files), pkg_of(files)) == framework


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["npm", "start"], ("start", [])),
        (["npm", "run", "dev", "--", "-x"], ("dev", ["-x"])),  # npm drops the `--`
        (["yarn", "start"], ("start", [])),
        (["yarn", "run", "serve"], ("serve", [])),
        (["pnpm", "preview"], ("preview", [])),
        (["yarn", "install"], None),
        (["node", "server.js"], None),
    ],
)
def test_script_words(argv: list[str], expected: tuple[str, list[str]] | None) -> None:
    assert manifest.script_words(argv) == expected


@pytest.mark.parametrize(
    ("words", "port"),
    [
        (["serve", "-s", "build", "-l", "3000"], 3000),
        (["serve", "-s", "build", "--listen", "tcp://0.0.0.0:5000"], 5000),
        (["vite", "preview", "--port=4173"], 4173),
        (["http-server", "dist", "-p", "8081"], 8081),
        (["serve", "-s", "build"], None),
    ],
)
def test_listen_port(words: list[str], port: int | None) -> None:
    assert manifest.listen_port(words) == port


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("npm", "install"), True),
        (("npm", "ci", "--omit=dev"), True),
        (("npm", "i"), True),
        (("npm", "install", "-g", "serve"), False),
        (("npm", "install", "express"), False),
        (("yarn",), True),
        (("yarn", "install", "--frozen-lockfile"), True),
        (("yarn", "add", "x"), False),
        (("pnpm", "install"), True),
        (("npm", "run", "build"), False),
    ],
)
def test_is_install(argv: tuple[str, ...], expected: bool) -> None:
    assert builder.is_install(argv) is expected


@pytest.mark.parametrize(
    ("builder", "runtime"),
    [
        ("node:20", "node:20-slim"),
        ("node:20-alpine", "node:20-alpine"),
        ("node:20-bookworm", "node:20-bookworm-slim"),
        ("node:20.11.1-slim", "node:20.11.1-slim"),
        ("node", "node:slim"),
        ("registry.example/library/node:22", "registry.example/library/node:22-slim"),
    ],
)
def test_node_runtime_image(builder: str, runtime: str) -> None:
    assert node_server.node_runtime_image(builder) == runtime


@pytest.mark.parametrize("builder", ["ubuntu:22.04", "node@sha256:" + "a" * 64])
def test_node_runtime_image_refuses(builder: str) -> None:
    with pytest.raises(Refuse):
        node_server.node_runtime_image(builder)


@pytest.mark.parametrize(
    ("builder", "image"),
    [
        ("node:20-alpine", "nginx:1.25-alpine"),
        ("node:20", "nginx:1.25"),
        ("node:20-slim", "nginx:1.25"),
    ],
)
def test_nginx_image_follows_the_builder_family(builder: str, image: str) -> None:
    assert node_static.nginx_image(builder, Options()) == image


# --- whole plans through pipeline.split ------------------------------------------------------

SPA = {
    "package.json": package(scripts={"build": "vite build"}, devDependencies=VITE),
    "package-lock.json": "{}",
    "index.html": "<h1>x</h1>",
}
SPA_DOCKERFILE = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\nRUN npm run build\n"


def split(files: dict[str, str], dockerfile: str) -> tuple[Status, str, dict[str, str], str]:
    outcome = pipeline.split(project(files, dockerfile), Options())
    new_files = {f.rel: f.text for f in outcome.new_files}
    return outcome.status, outcome.new.decode(), new_files, outcome.reason


def test_spa_port_from_expose_and_nginx_config() -> None:
    cmd = "EXPOSE 5000\nCMD npx serve -s dist -l 5000\n"
    status, text, new, _ = split(SPA, SPA_DOCKERFILE + cmd)
    assert status is Status.CHANGED
    assert re.findall(r"listen (\d+);", new["nginx-spa.conf"]) == ["5000"]
    assert "try_files $uri $uri/ /index.html;" in new["nginx-spa.conf"]
    assert "COPY --from=builder /app/dist /usr/share/nginx/html" in text
    assert "EXPOSE 5000\n" in text and "USER 101" in text


@pytest.mark.parametrize(
    ("start", "env", "ports"),
    [
        # Each server's default where the command names no port (vite 5 from VITE).
        ("CMD npx serve -s dist", "", ["3000"]),
        ("CMD npx vite preview --host", "", ["4173"]),
        ('CMD ["npx", "vite", "--host", "0.0.0.0"]', "", ["5173"]),
        ("CMD npx http-server dist", "", ["8080"]),
        # serve and http-server read $PORT; vite does not.
        ("CMD npx serve -s dist", "ENV PORT=4000\n", ["4000"]),
        ("CMD npx vite preview --host", "ENV PORT=4000\n", ["4173"]),
        # A port the server listened on and another one EXPOSEd: nginx listens on both.
        ("EXPOSE 8000\nCMD npx vite preview --host", "", ["4173", "8000"]),
        # The naive image started no server: nginx-unprivileged's port.
        ("", "", ["8080"]),
    ],
)
def test_spa_listens_where_the_original_served(start: str, env: str, ports: list[str]) -> None:
    status, text, new, reason = split(
        SPA, SPA_DOCKERFILE.replace("WORKDIR", env + "WORKDIR") + start + "\n"
    )
    assert status is Status.CHANGED, reason
    assert re.findall(r"listen (\d+);", new["nginx-spa.conf"]) == ports
    assert f"EXPOSE {' '.join(ports)}\n" in text


def test_spa_port_follows_vite_2s_defaults() -> None:
    files = {
        **SPA,
        "package.json": package(
            scripts={"build": "vite build"}, devDependencies={"vite": "^2.9.0"}
        ),
    }
    _, _, new, _ = split(files, SPA_DOCKERFILE + "CMD npx vite preview --host\n")
    assert "listen 5000;" in new["nginx-spa.conf"]


def test_spa_refuses_when_the_servers_port_is_unknown() -> None:
    # vite.config sets a port dfsplit does not evaluate, and no EXPOSE says which.
    files = {**SPA, "vite.config.js": "export default { preview: { port: 3333 } }\n"}
    status, _, _, reason = split(files, SPA_DOCKERFILE + "CMD npx vite preview --host\n")
    assert status is Status.REFUSED
    assert "vite.config.js sets a port" in reason and "add EXPOSE" in reason
    # With an EXPOSE, nginx listens there.
    status, _, new, _ = split(files, SPA_DOCKERFILE + "EXPOSE 3333\nCMD npx vite preview --host\n")
    assert status is Status.CHANGED and "listen 3333;" in new["nginx-spa.conf"]
    # An unknown server without EXPOSE.
    status, _, _, reason = split(SPA, SPA_DOCKERFILE + "CMD ./serve-it.sh\n")
    assert status is Status.REFUSED and "does not know which port" in reason


def test_spa_below_1024_keeps_the_port_with_a_root_master() -> None:
    cmd = "EXPOSE 80\nCMD npx serve -s dist -l 80\n"
    status, text, new, _ = split(SPA, SPA_DOCKERFILE + cmd)
    assert status is Status.CHANGED
    runtime = text.split("AS runtime")[1]
    assert "listen 80;" in new["nginx-spa.conf"] and "EXPOSE 80\n" in runtime
    assert "USER 101" not in runtime and "master process runs as root" in new["nginx-spa.conf"]
    # An original non-root user is kept, as the user that bound the port.
    status, text, _, _ = split(SPA, SPA_DOCKERFILE + "USER 1000\n" + cmd)
    assert "USER 1000" in text.split("AS runtime")[1]


def test_spa_refuses_to_overwrite_a_different_nginx_config() -> None:
    files = {**SPA, "nginx-spa.conf": "server {}\n"}
    status, _, _, reason = split(files, SPA_DOCKERFILE + "CMD npx serve -s dist\n")
    assert status is Status.REFUSED
    assert "already has a different nginx-spa.conf" in reason


def test_node_env_before_install_moves_to_runtime() -> None:
    files = {
        "package.json": package(
            main="dist/index.js",
            scripts={"build": "tsc", "start": "node dist/index.js"},
            devDependencies={"typescript": "5"},
        ),
        "package-lock.json": "{}",
        "src/index.ts": "",
    }
    dockerfile = (
        "FROM node:20\nENV NODE_ENV=production PORT=3000\nWORKDIR /app\nCOPY . .\n"
        'RUN npm ci\nRUN npm run build\nCMD ["npm", "start"]\n'
    )
    status, text, _, _ = split(files, dockerfile)
    builder, _, runtime = text.partition("FROM node:20-slim AS runtime")
    assert status is Status.CHANGED
    assert "ENV PORT=3000\n" in builder and "NODE_ENV" not in builder
    assert "ENV NODE_ENV=production" in runtime
    assert 'CMD ["node", "dist/index.js"]' in runtime


def test_start_script_that_does_more_is_kept_with_a_warning() -> None:
    files = {
        "package.json": package(
            scripts={"start": "prisma migrate deploy && node app.js"},
            dependencies={"express": "4"},
            devDependencies={"prisma": "5"},
        ),
        "package-lock.json": "{}",
        "app.js": "",
    }
    dockerfile = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["npm", "start"]\n'
    outcome = pipeline.split(project(files, dockerfile), Options())
    assert outcome.status is Status.CHANGED and outcome.findings is not None
    assert 'CMD ["npm", "start"]' in outcome.new.decode()
    assert "prod-deps" not in outcome.new.decode()  # prisma is a devDependency the start needs
    assert any("SIGTERM" in w for w in outcome.findings.warnings)


def test_no_install_is_refused() -> None:
    files = {"package.json": package(main="app.js"), "app.js": ""}
    status, _, _, reason = split(files, "FROM node:20\nWORKDIR /app\nCOPY . .\nCMD node app.js\n")
    assert status is Status.REFUSED
    assert "installs no dependencies" in reason


def test_node_image_from_a_global_arg_gets_the_slim_image_of_its_default() -> None:
    files = {
        "package.json": package(dependencies={"express": "4"}),
        "package-lock.json": "{}",
        "app.js": "",
    }
    dockerfile = (
        "ARG NODE_VERSION=20\nFROM node:${NODE_VERSION}\nWORKDIR /app\nCOPY . .\n"
        'RUN npm ci\nCMD ["node", "app.js"]\n'
    )
    status, text, _, reason = split(files, dockerfile)
    assert status is Status.CHANGED, reason
    assert "FROM node:${NODE_VERSION} AS builder" in text  # the builder keeps its build-arg
    assert "FROM node:20-slim AS runtime" in text


# --- dev servers nginx cannot replace ------------------------------------------------------


DEV_DOCKERFILE = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["npm", "start"]\n'


def _front_end(scripts: dict[str, str], deps: dict[str, str], **extra: str) -> dict[str, str]:
    return {
        "package.json": json.dumps({"scripts": scripts, "devDependencies": deps}),
        "package-lock.json": "{}",
        **extra,
    }


@pytest.mark.parametrize(
    ("files", "why"),
    [
        pytest.param(
            _front_end(
                {"start": "react-scripts start", "build": "react-scripts build"},
                {"react-scripts": "5"},
                **{"src/setupProxy.js": "module.exports = () => {};"},
            ),
            "setupProxy.js",
            id="cra-setup-proxy",
        ),
        pytest.param(
            _front_end(
                {"start": "vite", "build": "vite build"},
                {"vite": "5"},
                **{"vite.config.js": "export default { server: { proxy: { '/api': 'x' } } }"},
            ),
            "vite.config.js sets a dev-server `proxy`",
            id="vite-proxy",
        ),
        pytest.param(
            _front_end(
                {"start": "vue-cli-service serve", "build": "vue-cli-service build"},
                {"@vue/cli-service": "5"},
                **{".env.development": "VUE_APP_API=http://localhost:3000\n"},
            ),
            "VUE_APP_API",
            id="vue-env-development",
        ),
    ],
)
def test_dev_server_features_nginx_lacks_are_refused(files: dict[str, str], why: str) -> None:
    status, _, _, reason = split(files, DEV_DOCKERFILE)
    assert status is Status.REFUSED
    assert why in reason


def test_same_env_in_both_modes_is_fine() -> None:
    files = _front_end(
        {"start": "vite", "build": "vite build"},
        {"vite": "5"},
        **{".env.development": "VITE_A=1\n", ".env.production": "VITE_A=1\n"},
    )
    status, *_ = split(files, DEV_DOCKERFILE)
    assert status is Status.CHANGED


def test_a_built_site_served_by_serve_keeps_nginx_despite_a_proxy_field() -> None:
    files = _front_end(
        {"start": "serve -s build", "build": "react-scripts build"}, {"react-scripts": "5"}
    )
    data = json.loads(files["package.json"])
    data["proxy"] = "http://api"
    files["package.json"] = json.dumps(data)
    status, *_ = split(files, DEV_DOCKERFILE.replace("RUN npm ci", "RUN npm ci && npm run build"))
    assert status is Status.CHANGED
