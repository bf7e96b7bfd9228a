"""BuildKit's own parser (the `dockerfile` package) as the tests' oracle for dfsplit's output."""

from __future__ import annotations

import dockerfile as buildkit

from dfsplit.plan import check


def stages(text: str) -> list[check.Stage]:
    """The stages of `text` as BuildKit parses them, for dfsplit's one stage-graph check."""
    out: list[check.Stage] = []
    refs: list[str] = []
    name = ""
    for command in buildkit.parse_string(text):
        if command.cmd.upper() == "FROM":
            if out or name or refs:
                out.append(check.Stage(name, tuple(refs)))
            words = command.value
            name = words[2].lower() if len(words) == 3 and words[1].lower() == "as" else ""
            refs = []
            continue
        refs += [f.split("=", 1)[1] for f in command.flags if f.startswith("--from=")]
    out.append(check.Stage(name, tuple(refs)))
    return out


def stage_problem(text: str) -> str | None:
    """What dfsplit's stage-graph check finds wrong in BuildKit's reading of `text`."""
    return check.stage_graph(stages(text))
