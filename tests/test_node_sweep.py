"""Node rewrites that exited 0 yet would not have behaved like the original, found on public
Dockerfiles (sweep 3): each test fails on the code before the fix."""

from __future__ import annotations

import json

from test_node import split
from test_node_layers import EXPRESS, rewrite, rewritten

from dfsplit.model import Status

HEAD = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"


def _with(**changes: object) -> dict[str, str]:
    pkg = json.loads(EXPRESS["package.json"])
    pkg.update(changes)
    return {**EXPRESS, "package.json": json.dumps(pkg)}


def test_a_preload_from_devdependencies_keeps_them() -> None:
    files = _with(devDependencies={"dotenv": "16"})
    stages = rewrite(
        HEAD + 'CMD ["node", "-r", "dotenv/config", "server.js"]\n',
        files,
    )
    assert "COPY --from=builder /app/node_modules /app/node_modules" in stages["runtime"]
    assert "prod-deps" not in stages


def test_an_app_that_writes_beside_its_files_keeps_root() -> None:
    files = {**EXPRESS, "server.js": "const fs = require('fs')\nfs.mkdirSync('uploads')\n"}
    stages = rewrite(
        'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "server.js"]\n', files
    )
    assert "USER 0" in stages["runtime"]
    stages = rewrite(
        'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "server.js"]\n'
    )
    assert "USER 1000:1000" in stages["runtime"]


def test_the_install_does_not_move_above_the_workdir_it_ran_in() -> None:
    text = rewritten(
        'FROM node:20\nCOPY . /app\nWORKDIR /app\nRUN npm ci\nCMD ["node", "server.js"]\n'
    )
    builder = text.split(" AS tester")[0]
    # The install stays after WORKDIR /app, where package.json is.
    assert builder.index("WORKDIR /app") < builder.index("RUN npm ci")
    assert "FROM builder AS prod-deps" in text


def test_no_lock_file_install_where_the_lock_is_not_copied() -> None:
    dockerfile = (
        "FROM node:20\nCOPY package.json /tmp/package.json\nRUN cd /tmp && npm install\n"
        'WORKDIR /app\nCOPY . .\nRUN cp -a /tmp/node_modules /app/\nCMD ["node", "server.js"]\n'
    )
    text = rewritten(dockerfile)
    assert "RUN cd /tmp && npm install\n" in text and "npm ci" not in text
    # The install ran in /tmp: prod-deps prunes the builder's /app, not a replay of the head.
    assert "FROM builder AS prod-deps" in text


def test_a_build_tool_called_by_path_is_a_build() -> None:
    files = _with(scripts={"start": "node server.js", "build": "ng build --prod"})
    text = rewritten(
        HEAD + 'RUN node_modules/.bin/ng build\nCMD ["node", "server.js"]\n',
        files,
    )
    assert "npm run build" not in text


def test_vite_preview_with_a_proxy_is_refused() -> None:
    files = {
        "package.json": json.dumps(
            {
                "name": "app",
                "scripts": {"build": "vite build", "preview": "vite preview"},
                "devDependencies": {"vite": "5"},
            }
        ),
        "package-lock.json": "{}",
        "index.html": "",
        "vite.config.js": "export default { server: { proxy: { '/api': 'http://api:8080' } } }\n",
    }
    dockerfile = (
        HEAD.replace("npm ci", "npm ci && npm run build") + 'CMD ["npm", "run", "preview"]\n'
    )
    status, _, _, reason = split(files, dockerfile)
    assert status is Status.REFUSED
    assert "preview server" in reason and "proxy" in reason
