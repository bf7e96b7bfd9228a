"""Placeholder: being written."""

from __future__ import annotations

from dfsplit.model import Detection, Dockerfile, Options, Plan, Project, Recipe, Refuse


def detect(project: Project) -> Detection | None:
    return None


def plan(df: Dockerfile, project: Project, detection: Detection, options: Options) -> Plan:
    raise Refuse("not implemented")


RECIPE = Recipe(name="maven", language="", wants=(), detect=detect, plan=plan)
