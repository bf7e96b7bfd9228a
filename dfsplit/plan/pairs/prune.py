"""--prune: the merged pair's build file is deleted, and its script becomes the one
`docker build` it still needs, when building the pair is all the script did.

Only shell scripts are rewritten; a Makefile, or a script that does more (pushes, tests,
other images), is left as it is, and the report says which lines are now unused.
"""

from __future__ import annotations

import re

from dfsplit.model import FileChange, Findings
from dfsplit.plan.pairs.given import PairInput
from dfsplit.plan.pairs.script import Line, Other, sh_steps

_MAKEFILE = re.compile(r"(^|/)(GNUmakefile|[Mm]akefile|[^/]*\.mk)$")
# Commands that change nothing a build depends on.
_HARMLESS = {"set", "echo", "printf", "true", ":", "cd", "exit", "shopt", "trap"}
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_]\w*)=\S*\s*$")


def prune(given: PairInput, findings: Findings) -> tuple[Findings, tuple[FileChange, ...]]:
    pair = findings.pair
    assert pair is not None
    changes = [FileChange(given.build_rel, given.build.dockerfile, None)]
    pruned = [f"{given.build_rel} deleted"]
    not_pruned: list[str] = []
    script, rel = given.pair.script, given.script_rel
    if script is not None and rel is not None and given.script is not None:
        new, why = simplified(script, given.script, given)
        if new is None:
            unused = "; ".join(line.cite() for line in given.pair.leftovers)
            not_pruned.append(f"{script} not simplified ({why}); now unused: {unused}")
        else:
            changes.append(FileChange(rel, given.script, new))
            pruned.append(f"{script} builds the merged file with one docker build")
    pair = pair._replace(pruned=tuple(pruned), not_pruned=tuple(not_pruned))
    return findings._replace(pair=pair), tuple(changes)


def simplified(name: str, raw: bytes, given: PairInput) -> tuple[bytes | None, str]:
    """The script without the build file's lines, or None and why it stays as it is."""
    if _MAKEFILE.search(name):
        return None, "dfsplit rewrites shell scripts only"
    if given.pair.build_args:
        return None, "the build file's build passed --build-arg values"
    text = raw.decode("utf-8", errors="surrogateescape")
    leftovers = set(given.pair.leftovers)
    runtime = given.pair.runtime_build
    for step in sh_steps(name, text, "."):
        if step.line in leftovers or (runtime is not None and step.line == runtime.line):
            continue
        if isinstance(step, Other) and step.argv[:1] and step.argv[0] in _HARMLESS:
            continue
        what = " ".join(step.argv) if isinstance(step, Other) else "docker " + " ".join(step.argv)
        return None, f"it also runs `{what}` (line {step.line.number})"
    return _without(text, given.pair.leftovers).encode("utf-8", errors="surrogateescape"), ""


def _span(line: Line) -> range:
    return range(line.number, line.number + line.text.count("\n") + 1)


def _without(text: str, leftovers: tuple[Line, ...]) -> str:
    """The text without the leftover lines, the comments right above them, and assignments
    nothing uses any more."""
    physical = text.splitlines(keepends=True)
    dropped = {n for line in leftovers for n in _span(line)}
    for n in sorted(dropped):
        above = n - 1
        while (
            above >= 1
            and above not in dropped
            and physical[above - 1].lstrip().startswith("#")
            and not physical[above - 1].startswith("#!")
        ):
            dropped.add(above)
            above -= 1
    kept = [line for n, line in enumerate(physical, 1) if n not in dropped]
    rest = "".join(kept)
    out: list[str] = []
    for line in kept:
        match = _ASSIGNMENT.match(line)
        if match and not re.search(r"\$\{?" + match.group(1) + r"\b", rest):
            continue
        if not line.strip() and (not out or not out[-1].strip()):
            continue  # a removal must not leave a double blank line
        out.append(line)
    return "".join(out)
