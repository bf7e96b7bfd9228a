"""Markdown pieces shared by the pull-request body and `verify --format markdown`."""

from __future__ import annotations

from dfsplit.model import Findings


def cell(text: str) -> str:
    """One line inside a Markdown table cell or list item."""
    return " ".join(text.split()).replace("|", "\\|")


def label(text: str) -> str:
    """Mermaid labels are quoted; quotes and angle brackets need entity codes."""
    text = text if len(text) <= 60 else text[:57] + "..."
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def mermaid(findings: Findings, *, gated: bool) -> list[str]:
    """A flowchart of the stages: what each starts from and what flows between them
    (`gated`: the runtime copies from the tester)."""
    lines = [
        "flowchart LR",
        f'  base["{label(findings.builder_image or "base image")}"] --> builder',
    ]
    if findings.test_command:
        lines.append(f'  builder --> tester["tester: {label(findings.test_command)}"]')
    source = "tester" if gated and findings.test_command else "builder"
    artifact = label(findings.artifact or "artifact")
    runtime = label(findings.runtime_image or "?")
    lines.append(f'  {source} -->|"{artifact}"| runtime["runtime: {runtime}"]')
    return lines
