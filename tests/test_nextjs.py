"""Next.js without standalone output: the runtime's `next start` keeps the original's flags and
env files, and a custom server or a dev server with other settings is not replaced."""

from __future__ import annotations

import json

import pytest

from dfsplit.model import Options, Project, Status
from dfsplit.plan import pipeline

DOCKERFILE = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\n"


def split(scripts: dict[str, str], cmd: str, extra: dict[str, str] | None = None) -> tuple:
    files = {
        "package.json": json.dumps(
            {
                "name": "app",
                "scripts": {"build": "next build", **scripts},
                "dependencies": {"next": "14"},
            }
        ),
        "package-lock.json": "{}",
        "pages/index.js": "",
        **(extra or {}),
    }
    project = Project(
        path="Dockerfile",
        dockerfile=(DOCKERFILE + cmd).encode(),
        context_files=frozenset(files) | {"Dockerfile"},
        contents={k: v.encode() for k, v in files.items()},
    )
    outcome = pipeline.split(project, Options())
    text = outcome.new.decode()
    return outcome.status, text.split("AS runtime")[-1], outcome.reason


@pytest.mark.parametrize(
    ("scripts", "cmd", "argv"),
    [
        ({"start": "next start"}, 'CMD ["npm", "start"]\n', '"start"]'),
        (
            {"start": "next start -p 8080 -H 0.0.0.0"},
            'CMD ["npm", "start"]\n',
            '"start", "-p", "8080", "-H", "0.0.0.0"]',
        ),
        (
            {"start": "next start"},
            'CMD ["npm", "start", "--", "-p", "4000"]\n',
            '"start", "-p", "4000"]',
        ),
        ({}, 'CMD ["npx", "next", "start", "--port=5000"]\n', '"start", "--port=5000"]'),
        # `next dev` after `next build`: the production server with the same port.
        ({"dev": "next dev -p 3001"}, 'CMD ["npm", "run", "dev"]\n', '"start", "-p", "3001"]'),
    ],
)
def test_next_start_keeps_the_originals_flags(scripts: dict[str, str], cmd: str, argv: str) -> None:
    status, runtime, reason = split(scripts, cmd)
    assert status is Status.CHANGED, reason
    assert f'CMD ["node", "node_modules/next/dist/bin/next", {argv}' in runtime


def test_next_dev_with_other_development_values_is_refused() -> None:
    env = {".env": "SECRET=prod\n", ".env.development": "SECRET=dev\n# OTHER=x\n"}
    status, _, reason = split({"dev": "next dev"}, 'CMD ["npm", "run", "dev"]\n', env)
    assert status is Status.REFUSED
    assert "`next dev`" in reason and "SECRET" in reason and "OTHER" not in reason
    # The same values in both modes: nothing changes but the server.
    env[".env.development"] = "SECRET=prod\n"
    status, runtime, reason = split({"dev": "next dev"}, 'CMD ["npm", "run", "dev"]\n', env)
    assert status is Status.CHANGED, reason
    assert 'node_modules/next/dist/bin/next", "start"]' in runtime


def test_next_dev_flag_next_start_does_not_take_is_refused() -> None:
    status, _, reason = split({"dev": "next dev --turbo"}, 'CMD ["npm", "run", "dev"]\n')
    assert status is Status.REFUSED and "--turbo" in reason


def test_env_files_next_start_reads_reach_the_runtime() -> None:
    env = {".env": "A=1\n", ".env.production": "B=2\n", ".env.development": "C=3\n"}
    extra = {**env, ".dockerignore": ".env.production\n"}
    status, runtime, reason = split({"start": "next start"}, 'CMD ["npm", "start"]\n', extra)
    assert status is Status.CHANGED, reason
    assert "COPY --from=builder /app/.env /app/.env\n" in runtime
    # Not in the builder (.dockerignore), not read by next start (.env.development).
    assert ".env.production" not in runtime and ".env.development" not in runtime


def test_a_custom_server_is_kept_not_replaced_by_next_start() -> None:
    extra = {"server.js": "const next = require('next')\n"}
    status, runtime, reason = split({"start": "node server.js"}, 'CMD ["npm", "start"]\n', extra)
    assert status is Status.CHANGED, reason
    assert 'CMD ["node", "server.js"]' in runtime and "next start" not in runtime
    assert "COPY --from=app /app /app" in runtime
