"""Java start commands: `java -jar` and its jar, a start through the build tool, and the
rewritten command that runs the exact jar the build makes.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from typing import NamedTuple

from dfsplit.dockerfile import shell, tokens, words
from dfsplit.dockerfile.globs import glob_escape, is_glob, path_match
from dfsplit.dockerfile.words import is_exec_form
from dfsplit.model import (
    Refuse,
)
from dfsplit.plan import carry
from dfsplit.plan.reasons import NO_START


class Start(NamedTuple):
    """How the original starts the app, with the jar word found in it."""

    form: list[str] | str  # exec form as a list, shell form as text
    jar_word: str | None  # the word after -jar
    tool: str | None = None  # "mvn spring-boot:run" style starts through the build tool
    shell_text: bool = False  # the jar word is inside shell text (shell form or sh -c)
    args: tuple[str, ...] = ()  # the app's arguments after the jar


_TOOL_STARTS = {
    ("spring-boot:run",),
    ("exec:java",),
    ("bootRun",),
    ("run",),
}


def read_start(form: list[str] | str) -> Start:
    """Find `java ... -jar X` or a build-tool start in exec form, shell form or `sh -c`."""
    if isinstance(form, list):
        if (
            len(form) >= 3
            and posixpath.basename(form[0]) in {"sh", "bash", "ash"}
            and form[1] == "-c"
        ):
            found = read_start(form[2])
            return Start(form, found.jar_word, found.tool, True, found.args)
        return _from_words(form, form, shell_text=False)
    words = shell.split_commands(form)
    if words is None:
        raise Refuse(
            f"dfsplit cannot read the shell syntax of the start command {form}: write it "
            'in exec form (CMD ["java", "-jar", "..."])'
        )
    for cmd in words:
        start = _from_words(list(cmd.argv), form, shell_text=True)
        if start.jar_word or start.tool:
            return start
    return Start(form, None, None, True)


def _from_words(words: list[str], form: list[str] | str, shell_text: bool) -> Start:
    if words[:1] == ["exec"]:
        words = words[1:]
    program = posixpath.basename(words[0]) if words else ""
    if program == "java" and "-jar" in words:
        i = words.index("-jar")
        if i + 1 < len(words):
            return Start(form, words[i + 1], None, shell_text, tuple(words[i + 2 :]))
    if program in {"mvn", "mvnw", "gradle", "gradlew"}:
        goals = [w for w in words[1:] if not w.startswith("-")]
        tool = next((g for g in goals if (g,) in _TOOL_STARTS or g.endswith(":run")), None)
        if tool:
            return Start(form, None, f"{program} {tool}", shell_text)
    return Start(form, None, None, shell_text)


def replace_jar(start: Start, jar: str) -> list[str] | str:
    """The start command with its jar word replaced by the exact jar path."""
    word = start.jar_word
    assert word is not None
    if isinstance(start.form, list) and not start.shell_text:
        i = start.form.index("-jar")
        return [*start.form[: i + 1], jar, *start.form[i + 2 :]]
    text = start.form[2] if isinstance(start.form, list) else start.form
    new = re.sub(
        r"(-jar\s+)" + re.escape(word) + r"(?=\s|$|[;&|)\"'])",
        lambda m: m.group(1) + jar,
        text,
        count=1,
    )
    if new == text:
        raise Refuse(
            f"cannot put the jar's exact path in place of {word} in the start command {text}: "
            'write it in exec form (CMD ["java", "-jar", "..."])'
        )
    return [*start.form[:2], new, *start.form[3:]] if isinstance(start.form, list) else new


def start_form(args: str) -> list[str] | str:
    argv = is_exec_form(args)
    return argv if argv is not None else args.strip()


class StartPlan(NamedTuple):
    """The runtime's start command and the file it runs."""

    entrypoint: str | None
    cmd: str | None
    artifact: str
    args: tuple[str, ...]
    notes: tuple[str, ...] = ()


def plan_start(
    kept: carry.Carried,
    workdir: str,
    env: Mapping[str, str],
    jar: str,
    trusted: set[str],
    tool_start: Callable[[Start], list[str]],
    jar_known: bool = True,
) -> StartPlan:
    """Point the start command at the exact jar; a start through the build tool runs the jar.

    When the jar's name is not known (jar is then the fixed path the build RUN copies it to),
    any glob in the jar's directory stands for it.
    """
    entry = start_form(kept.entrypoint.args) if kept.entrypoint else None
    cmd = start_form(kept.cmd.args) if kept.cmd else None
    if entry is None and cmd is None:
        raise Refuse(NO_START)
    for which, form in (("entrypoint", entry), ("cmd", cmd)):
        if form is None:
            continue
        start = read_start(form)
        if start.tool:
            new: list[str] | str = tool_start(start)
            note = f"`{start.tool}` builds and runs at every start: the runtime runs the jar"
            return _start_plan(which, new, entry, cmd, jar, (), note)
        if start.jar_word:
            artifact, new = _jar_start(start, workdir, env, jar, trusted, jar_known)
            return _start_plan(which, new, entry, cmd, artifact, start.args, "")
    raise Refuse(
        "the start command runs neither `java -jar` nor a build-tool goal, so dfsplit cannot "
        "tell which file the runtime needs: start the app with java -jar <the built jar>"
    )


def _start_plan(
    which: str,
    new: list[str] | str,
    entry: list[str] | str | None,
    cmd: list[str] | str | None,
    artifact: str,
    args: tuple[str, ...],
    note: str,
) -> StartPlan:
    if isinstance(new, str) and shell.plain_words(new) is not None:
        new = shell.plain_words(new) or []  # no shell syntax left: exec form is equivalent
    notes = (note,) if note else ()
    if which == "entrypoint":
        return StartPlan(tokens.command(new), tokens.command(cmd), artifact, args, notes)
    return StartPlan(tokens.command(entry), tokens.command(new), artifact, args, notes)


def _jar_start(
    start: Start, workdir: str, env: Mapping[str, str], jar: str, trusted: set[str], known: bool
) -> tuple[str, list[str] | str]:
    word = start.jar_word or ""
    expanded = words.expand(word, dict(env))
    if expanded is None:
        raise Refuse(
            f"the start command's jar {word} uses a variable with no value in the Dockerfile: "
            "give the ENV or ARG a default, or write the jar's path out"
        )
    path = posixpath.normpath(posixpath.join(workdir, expanded))
    if is_glob(expanded):
        # The shell expands only the word: the working directory's name is no pattern.
        pattern = posixpath.normpath(posixpath.join(glob_escape(workdir), expanded))
        same_dir = posixpath.dirname(path) == posixpath.dirname(jar)
        if not path_match(pattern, jar) and not (same_dir and not known):
            raise Refuse(
                f"the start command's glob {word} does not match {jar}, the jar the build "
                "makes: start that jar"
            )
        return jar, replace_jar(start, jar)
    if path == jar or path in trusted:
        return path, start.form
    if known:
        raise Refuse(f"the start command runs {path}, but the build makes {jar}: start that jar")
    raise Refuse(
        f"the start command runs {path}, and dfsplit cannot tell from the build files that the "
        "build makes it (the jar's name or version is not written out in them): write the "
        "name and version in the build files"
    )
