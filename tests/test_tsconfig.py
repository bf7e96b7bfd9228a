"""recipes/node/tsconfig.py: the path tsc emits, by the rules of the tsconfig reference."""

from __future__ import annotations

import pytest

from dfsplit.model import Project, Refuse
from dfsplit.recipes.node import tsconfig

MAIN = "src/main.ts"


def project(files: dict[str, str]) -> Project:
    files = {MAIN: "export {};\n", **files}
    return Project("Dockerfile", b"", frozenset(files), {k: v.encode() for k, v in files.items()})


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {"tsconfig.json": '{"compilerOptions": {"outDir": "dist"}}'},
            "dist/main.js",
            id="common-root-is-src",
        ),
        pytest.param(
            {"tsconfig.json": '{"compilerOptions": {"outDir": "dist"}}', "ormconfig.ts": ""},
            "dist/src/main.js",
            id="a-root-level-input-moves-the-root",
        ),
        pytest.param(
            {"tsconfig.json": '{"compilerOptions": {"outDir": "dist"}}', "types.d.ts": ""},
            "dist/main.js",
            id="declarations-do-not-count",
        ),
        pytest.param(
            {"tsconfig.json": '{"compilerOptions": {"outDir": "dist", "rootDir": "."}}'},
            "dist/src/main.js",
            id="explicit-root-dir",
        ),
        pytest.param({"tsconfig.json": "{}"}, "src/main.js", id="no-out-dir"),
        pytest.param({"tsconfig.json": ""}, "src/main.js", id="empty-config"),
        pytest.param(
            {
                "tsconfig.json": '{"compilerOptions": {"outDir": "dist", "composite": true}}',
            },
            "dist/src/main.js",
            id="composite-roots-at-the-config",
        ),
        pytest.param(
            {
                "tsconfig.json": '{"compilerOptions": {"outDir": "dist"}, "include": ["src"]}',
                "scripts/seed.ts": "",
            },
            "dist/main.js",
            id="include-limits-the-inputs",
        ),
        pytest.param(
            {
                "tsconfig.json": '{"compilerOptions": {"outDir": "dist"}, "include": ["src"]}',
                "src/main.ts": "import { x } from '../config/x';\n",
                "config/x.ts": "",
            },
            "dist/src/main.js",
            id="imports-are-inputs-too",
        ),
        pytest.param(
            {
                "tsconfig.json": '{"compilerOptions": {"outDir": "dist"}, "exclude": ["tools"]}',
                "tools/gen.ts": "",
            },
            "dist/main.js",
            id="exclude",
        ),
        pytest.param(
            {
                "tsconfig.json": '{\n  // comment\n  "compilerOptions": {"outDir": "out",},\n}',
                "tsconfig.build.json": '{"extends": "./tsconfig.json", "include": ["src/**/*"]}',
                "e2e/a.ts": "",
            },
            "out/main.js",
            id="extends-and-jsonc",
        ),
    ],
)
def test_emitted(files: dict[str, str], expected: str) -> None:
    config = "tsconfig.build.json" if "tsconfig.build.json" in files else "tsconfig.json"
    assert tsconfig.emitted(project(files), config, MAIN) == expected


def test_base_paths_are_relative_to_the_base() -> None:
    files = {
        "config/base.json": '{"compilerOptions": {"outDir": "../build"}}',
        "tsconfig.json": '{"extends": "./config/base.json"}',
    }
    assert tsconfig.emitted(project(files), "tsconfig.json", MAIN) == "build/main.js"


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"tsconfig.json": '{"extends": "@tsconfig/node20/tsconfig.json"}'}, id="pkg"),
        pytest.param({"tsconfig.json": '{"include": ["lib"]}'}, id="not-an-input"),
        pytest.param({"tsconfig.json": '{"compilerOptions": {"rootDir": "lib"}}'}, id="outside"),
        pytest.param({"tsconfig.json": "{ not json"}, id="broken"),
    ],
)
def test_refuses_what_it_cannot_know(files: dict[str, str]) -> None:
    with pytest.raises(Refuse):
        tsconfig.emitted(project(files), "tsconfig.json", MAIN)
