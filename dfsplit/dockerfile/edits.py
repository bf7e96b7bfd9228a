"""Minimal line edits on the original text, so the builder stays exactly as the user wrote it."""

from __future__ import annotations

import re

from dfsplit.model import Dockerfile, Edit, Instruction, InternalError, Refuse

_ALIAS = re.compile(r"\s+(as|AS|As|aS)\s+\S+\s*$")


def split_ending(line: str) -> tuple[str, str]:
    """Split a physical line into its text and its line ending."""
    if line.endswith("\r\n"):
        return line[:-2], "\r\n"
    if line.endswith("\n"):
        return line[:-1], "\n"
    return line, ""


def name_stage(df: Dockerfile, ins: Instruction, name: str) -> Edit:
    """`FROM image` -> `FROM image AS name` (replacing an existing alias)."""
    if ins.end - ins.start != 1:
        raise Refuse(
            f"the FROM at line {ins.start + 1} continues over several lines, and dfsplit names "
            "the builder stage on that line: write the FROM on one line"
        )
    text, _ = split_ending(df.lines[ins.start])
    text = _ALIAS.sub("", text.rstrip())
    keyword = "as" if ins.lowercase else "AS"
    return Edit(ins.start, ins.end, f"{text} {keyword} {name}")


def attached_comments(df: Dockerfile, ins: Instruction) -> int:
    """First line of the comment block directly above ins (no blank line between)."""
    start = ins.start
    floor = max(df.previous_end(ins), len(df.directives))
    while start > floor and df.lines[start - 1].lstrip().startswith("#"):
        start -= 1
    return start


def remove(df: Dockerfile, ins: Instruction) -> Edit:
    """Drop an instruction together with the comment lines directly above it."""
    return Edit(attached_comments(df, ins), ins.end, "")


def comment_text(df: Dockerfile, ins: Instruction) -> str:
    """The comment block directly above ins, without line endings."""
    lines = df.lines[attached_comments(df, ins) : ins.start]
    return "\n".join(split_ending(line)[0] for line in lines)


def source_text(df: Dockerfile, ins: Instruction) -> str:
    """The instruction exactly as written (continuations included), "\\n" line endings."""
    return "\n".join(split_ending(line)[0] for line in df.lines[ins.start : ins.end])


def insert_after(ins: Instruction, text: str) -> Edit:
    return Edit(ins.end, ins.end, text)


def add_run_flags(df: Dockerfile, ins: Instruction, flags: str) -> Edit:
    """`RUN cmd` -> `RUN <flags> cmd` on the instruction's first line."""
    text, _ = split_ending(df.lines[ins.start])
    m = re.match(r"^(\s*RUN\s+)", text, re.IGNORECASE)
    if not m:
        raise Refuse(
            f"the RUN at line {ins.start + 1} does not start its command on its first line, "
            "where --cache-mounts adds the mounts: join those lines, or drop --cache-mounts"
        )
    return Edit(ins.start, ins.start + 1, m.group(1) + flags + " " + text[m.end() :])


def with_run_flags(
    df: Dockerfile, ins: Instruction, flags: str, planned: list[Edit]
) -> list[Edit] | None:
    """`planned` plus `flags` on the RUN `ins`, also when a planned edit already rewrites its
    first line; None when another edit removes or splits it."""
    for index, edit in enumerate(planned):
        if edit.start == ins.start and edit.end > edit.start and edit.text:
            first, sep, rest = edit.text.partition("\n")
            m = re.match(r"^(\s*RUN\s+)", first, re.IGNORECASE)
            if not m:
                return None
            new = Edit(
                edit.start, edit.end, m.group(1) + flags + " " + first[m.end() :] + sep + rest
            )
            return [*planned[:index], new, *planned[index + 1 :]]
        if edit.start <= ins.start < edit.end:  # removed, or rewritten from an earlier line
            return None
    return [*planned, add_run_flags(df, ins, flags)]


def apply(df: Dockerfile, edits: list[Edit] | tuple[Edit, ...], upto: int) -> list[str]:
    """Lines [0, upto) with edits applied; inserted lines use the file's newline."""
    # Inserts at a line go before a replacement or removal that starts there.
    ordered = sorted(enumerate(edits), key=lambda p: (p[1].start, p[1].end > p[1].start, p[0]))
    out: list[str] = []
    removals: list[int] = []  # output positions where lines were taken out
    pos = 0
    for _, edit in ordered:
        if edit.start < pos:
            raise InternalError("two edits of the builder stage overlap")
        out.extend(df.lines[pos : edit.start])
        if edit.text:
            replaced = df.lines[edit.end - 1] if edit.end > edit.start else ""
            ending = split_ending(replaced)[1] or df.newline
            out.extend(line + ending for line in edit.text.split("\n"))
        elif edit.end > edit.start:
            removals.append(len(out))
        pos = max(pos, edit.end)
    out.extend(df.lines[pos:upto])
    # Only the file's last line may lack an ending; a line put after it must not join it.
    for i in range(len(out) - 1):
        if not out[i].endswith("\n"):
            out[i] += df.newline
    # A removal between two blank lines would leave a double blank line behind.
    for mark in sorted(set(removals), reverse=True):
        if 0 < mark < len(out) and not out[mark - 1].strip() and not out[mark].strip():
            del out[mark]
    return out


def keyword(df: Dockerfile, word: str) -> str:
    """An instruction keyword in the file's own casing (all lower case files stay so)."""
    return word.lower() if df.instructions and all(i.lowercase for i in df.instructions) else word
