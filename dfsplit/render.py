"""Plan -> Dockerfile text through the recipe's jinja2 template (and the files a plan adds).

It reads only dfsplit's own templates, shipped with the code (and an organisation's template
directory when a policy names one, in jinja2's sandbox).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from dfsplit.dockerfile import edits, parser
from dfsplit.model import Dockerfile, NewFile, Plan

if TYPE_CHECKING:
    import jinja2


def template_dir() -> Path:
    """Templates ship inside the wheel (dfsplit/templates); a source checkout keeps them at the
    top level. A path beside this file, not importlib.resources: dfsplit is never zipped, and
    that import costs a few ms of every start."""
    here = Path(__file__).resolve().parent
    packaged = here / "templates"
    return packaged if packaged.is_dir() else here.parent / "templates"


_bytecode_dir: str | None = None


def cache_compiled_templates(directory: str | None) -> None:
    """Let jinja2 keep compiled templates in directory (set by the CLI, the IO edge): compiling
    them is most of a single-file run's time."""
    global _bytecode_dir
    _bytecode_dir = directory
    environment.cache_clear()


@lru_cache(maxsize=8)
def environment(custom: str | None = None) -> jinja2.Environment:
    """Built-in templates; an organisation's directory may override any of them, and its
    templates run in jinja2's sandbox because they are not ours."""
    import jinja2

    builtin = jinja2.FileSystemLoader(str(template_dir()))
    if custom is None:
        env = jinja2.Environment(loader=builtin)
    else:
        import jinja2.sandbox

        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(custom), builtin])
        env = jinja2.sandbox.SandboxedEnvironment(loader=loader)
    if _bytecode_dir is not None and custom is None:
        env.bytecode_cache = jinja2.FileSystemBytecodeCache(_bytecode_dir)
    env.auto_reload = False  # templates do not change during a run: no stat per render
    env.undefined = jinja2.StrictUndefined
    env.keep_trailing_newline = True
    env.autoescape = False
    env.trim_blocks = True
    env.lstrip_blocks = True
    return env


class CustomTemplateError(Exception):
    """An organisation's own template failed: its fault, not a dfsplit bug."""


def render(df: Dockerfile, plan: Plan, custom_templates: str | None = None) -> str:
    """The whole new Dockerfile as text (no BOM): the original's lines keep their own line
    endings (a CRLF heredoc body in an LF file stays CRLF), the lines dfsplit writes get the
    file's dominant one."""
    head = _terminated(edits.apply(df, plan.edits, len(df.lines)), df)
    tail = _render_template(plan, custom_templates)
    tail = re.sub(r"\n{3,}", "\n\n", tail).strip("\n") + "\n"
    if all(i.lowercase for i in df.instructions):
        tail = _lowercase_keywords(tail, df.escape)
    return "".join(head) + ("\n" + tail).replace("\n", df.newline)


def new_files(plan: Plan, custom_templates: str | None = None) -> tuple[NewFile, ...]:
    """The files the plan adds beside the Dockerfile (an nginx config), rendered."""
    return tuple(
        NewFile(new.rel, _render(new.template, custom_templates, dict(new.values)))
        for new in plan.new_files
    )


def _render_template(plan: Plan, custom: str | None) -> str:
    values = {"plan": plan, "runtime": plan.runtime, "tester": plan.tester, "extra": plan.extra}
    return _render(plan.template, custom, values)


def _render(name: str, custom: str | None, values: Mapping[str, object]) -> str:
    import jinja2

    try:
        return environment(custom).get_template(name).render(**values)
    except jinja2.TemplateError as exc:
        if custom is None:
            raise
        kind = type(exc).__name__
        what = "unsafe" if kind == "SecurityError" else "broken"
        raise CustomTemplateError(f"custom template in {custom} is {what} ({kind}: {exc})") from exc


def _terminated(lines: list[str], df: Dockerfile) -> list[str]:
    """The builder's lines, ended so that nothing after them joins them: no trailing blank
    lines, a line ending on the last one, and no dangling continuation on the last line
    BuildKit reads (comment lines after it do not end it), which would swallow the next
    stage. The one rule for a continuation is the parser's."""
    while lines and not lines[-1].strip():
        lines.pop()
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += df.newline
    last = next((i for i in range(len(lines) - 1, -1, -1) if not parser.skipped(lines[i])), None)
    if last is not None and parser.continues(lines[last], df.escape):
        body, ending = edits.split_ending(lines[last])
        lines[last] = body.rstrip(" \t")[:-1].rstrip() + ending
    return lines


_KEYWORD = re.compile(r"^([A-Z]+)(?=\s)", re.MULTILINE)
_AS = re.compile(r"^(from\s+\S+\s+)AS(\s)", re.MULTILINE)


def _lowercase_keywords(text: str, escape: str) -> str:
    """Match a file written in lower case (BuildKit's ConsistentInstructionCasing)."""
    continued = False
    out = []
    for line in text.split("\n"):
        if not continued and not line.lstrip().startswith("#"):
            line = _KEYWORD.sub(lambda m: m.group(1).lower(), line, count=1)
            line = _AS.sub(r"\1as\2", line)
        continued = parser.continues(line, escape)
        out.append(line)
    return "\n".join(out)
