"""The layers of a Node server's runtime (recipes/node/layers.py): production dependencies from
a stage that never sees the sources, copied before the app's own files."""

from __future__ import annotations

import json

import pytest

from dfsplit.model import Options, Project, Status
from dfsplit.plan import pipeline

EXPRESS = {
    "package.json": json.dumps(
        {
            "name": "app",
            "scripts": {"start": "node server.js", "test": "node --test"},
            "dependencies": {"express": "4"},
            "devDependencies": {"eslint": "9"},
        }
    ),
    "package-lock.json": "{}",
    "server.js": "",
}


def rewritten(dockerfile: str, files: dict[str, str] | None = None) -> str:
    files = EXPRESS if files is None else files
    project = Project(
        path="Dockerfile",
        dockerfile=dockerfile.encode(),
        context_files=frozenset(files) | {"Dockerfile"},
        contents={k: v.encode() for k, v in files.items()},
    )
    outcome = pipeline.split(project, Options())
    assert outcome.status is Status.CHANGED, outcome.reason
    return outcome.new.decode()


def rewrite(dockerfile: str, files: dict[str, str] | None = None) -> dict[str, list[str]]:
    """The rewrite's stages by name, each as its instruction lines (comments dropped)."""
    stages: dict[str, list[str]] = {}
    for line in rewritten(dockerfile, files).splitlines():
        if line.startswith("FROM "):
            name = line.split()[-1]
            stages[name] = []
        if line.strip() and not line.startswith("#"):
            stages[name].append(line)
    return stages


def test_prod_deps_repeat_the_steps_before_the_sources_and_the_app_is_the_last_layer() -> None:
    stages = rewrite(
        "FROM node:20\nARG NPM_TAG=latest\nWORKDIR /app\nCOPY package*.json ./\n"
        'RUN npm install\nCOPY . .\nCMD ["npm", "start"]\n'
    )
    assert stages["prod-deps"] == [
        "FROM node:20 AS prod-deps",
        "ARG NPM_TAG=latest",
        "WORKDIR /app",
        "COPY package*.json ./",
        "RUN npm ci",  # the builder's install, exactly: BuildKit runs it once for both
        "RUN npm prune --omit=dev",
    ]
    assert stages["app"] == ["FROM builder AS app", "RUN rm -rf /app/node_modules"]
    copies = [line for line in stages["runtime"] if line.startswith("COPY")]
    assert copies == [
        "COPY --from=prod-deps /app/node_modules /app/node_modules",
        "COPY --from=app /app /app",
    ]
    assert stages["tester"][0] == "FROM builder AS tester"  # every dependency, dev ones too


def test_an_install_moved_above_the_sources_is_what_prod_deps_repeats() -> None:
    stages = rewrite(
        'FROM node:20-slim\nWORKDIR /srv\nCOPY . .\nRUN npm ci\nCMD ["npm", "start"]\n'
    )
    assert stages["prod-deps"][1:] == [
        "WORKDIR /srv",
        "COPY package.json package-lock.json ./",
        "RUN npm ci",
        "RUN npm prune --omit=dev",
    ]
    assert stages["builder"][-1] == "COPY . ."


@pytest.mark.parametrize(
    ("dockerfile", "files"),
    [
        pytest.param(
            'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm test\nCMD ["npm", "start"]\n',
            EXPRESS,
            id="install-after-the-sources-in-a-longer-RUN",
        ),
        pytest.param(
            "FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n"
            'RUN npx prisma generate\nCMD ["npm", "start"]\n',
            {
                **EXPRESS,
                "package.json": json.dumps(
                    {
                        "name": "app",
                        "scripts": {"start": "node server.js"},
                        "dependencies": {"express": "4", "@prisma/client": "5"},
                        "devDependencies": {"eslint": "9"},
                    }
                ),
            },
            id="prisma-generates-into-node_modules",
        ),
    ],
)
def test_prod_deps_prune_the_builder_when_node_modules_depends_on_the_sources(
    dockerfile: str, files: dict[str, str]
) -> None:
    stages = rewrite(dockerfile, files)
    assert stages["prod-deps"] == ["FROM builder AS prod-deps", "RUN npm prune --omit=dev"]
    # Still two layers: node_modules is reused whenever its content did not change.
    copies = [line for line in stages["runtime"] if line.startswith("COPY")]
    assert copies == [
        "COPY --from=prod-deps /app/node_modules /app/node_modules",
        "COPY --from=app /app /app",
    ]


def test_a_non_root_builder_removes_node_modules_as_root() -> None:
    stages = rewrite(
        "FROM node:20\nWORKDIR /home/node/app\nCOPY package*.json ./\nRUN npm ci\n"
        'COPY . .\nUSER node\nRUN npm run lint || true\nCMD ["node", "server.js"]\n'
    )
    assert stages["app"] == [
        "FROM builder AS app",
        "USER root",
        "RUN rm -rf /home/node/app/node_modules",
    ]


def test_a_package_without_dependencies_copies_no_node_modules() -> None:
    files = {
        "package.json": json.dumps({"name": "app", "scripts": {"start": "node server.js"}}),
        "package-lock.json": "{}",
        "server.js": "",
    }
    stages = rewrite(
        'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["npm", "start"]\n', files
    )
    # Nothing to prune and nothing to keep apart: no prod-deps or app stage, one layer.
    copies = [line for line in stages["runtime"] if line.startswith("COPY")]
    assert copies == ["COPY --from=builder /app /app"]
    assert "prod-deps" not in stages and "app" not in stages


def test_comments_of_the_repeated_steps_stay_in_the_builder_only() -> None:
    text = rewritten(
        "FROM node:20\n# where the app lives\nWORKDIR /app\nCOPY package*.json ./\n"
        '# dependencies\nRUN npm ci\nCOPY . .\nCMD ["node", "server.js"]\n'
    )
    assert text.count("# where the app lives") == 1
    assert "FROM node:20 AS prod-deps\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\n" in text


@pytest.mark.parametrize("install", ["npm install", "yarn install"])
def test_without_a_lock_file_a_generated_one_stays_in_the_apps_layer(install: str) -> None:
    # npm before 5 (node 4 to 7) writes no lock file: a COPY of it would fail the build.
    files = {k: v for k, v in EXPRESS.items() if k != "package-lock.json"}
    stages = rewrite(
        f'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN {install}\nCMD ["node", "server.js"]\n', files
    )
    copies = [
        "COPY --from=prod-deps /app/node_modules /app/node_modules",
        "COPY --from=app /app /app",
    ]
    assert [line for line in stages["runtime"] if line.startswith("COPY")] == copies
