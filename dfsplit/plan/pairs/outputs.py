"""What a build file's RUN lines say they write: the value of an output flag (`go build -o`,
`tsc --outDir`, `cargo build --out-dir`, ...), as an absolute path in the builder.
"""

from __future__ import annotations

import posixpath

from dfsplit.dockerfile import paths, words
from dfsplit.plan.stage import StageModel, overlay, run_commands

OUTPUT_FLAGS = frozenset({"-o", "--output", "--out", "--out-dir", "--outDir", "--outdir"})
# Compilers and bundlers: `curl -o` or `wget -O` download, they build nothing.
BUILDERS = frozenset(
    [
        "go",
        "cargo",
        "rustc",
        "tsc",
        "gcc",
        "g++",
        "cc",
        "c++",
        "clang",
        "clang++",
        "esbuild",
        "ncc",
        "pkg",
        "bun",
        "deno",
        "zig",
        "swiftc",
    ]
)


def written_paths(model: StageModel) -> list[str]:
    """Absolute paths the stage's RUN commands name as their output, in order."""
    out: list[str] = []
    for ins in model.stage:
        if ins.keyword != "RUN":
            continue
        state = model.state_at(ins)
        for command in run_commands(ins):
            if posixpath.basename(command.program) not in BUILDERS:
                continue
            for value in _flag_values(command.argv):
                path = words.expand(value, overlay(state.env, command.env))
                if path and "$" not in path:
                    out.append(paths.join(state.workdir, path))
    return list(dict.fromkeys(out))


def _flag_values(argv: tuple[str, ...]) -> list[str]:
    values = []
    for i, word in enumerate(argv[1:], 1):
        name, eq, value = word.partition("=")
        if name in OUTPUT_FLAGS:
            if eq:
                values.append(value)
            elif i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                values.append(argv[i + 1])
    return values
