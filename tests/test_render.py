"""Rendering details that the golden files do not show."""

from __future__ import annotations

from pathlib import Path

from test_go import SIMPLE, split

from dfsplit import render


def test_compiled_template_cache_gives_the_same_output(tmp_path: Path) -> None:
    plain = split(SIMPLE).new
    render.cache_compiled_templates(str(tmp_path))
    try:
        first = split(SIMPLE).new
        again = split(SIMPLE).new
    finally:
        render.cache_compiled_templates(None)
    assert plain == first == again
    assert any(p.name.startswith("__jinja2_") for p in tmp_path.iterdir())


def test_templates_ship_inside_the_package_or_the_checkout() -> None:
    assert (render.template_dir() / "go.Dockerfile.j2").is_file()
    assert (render.template_dir() / "_stages.j2").is_file()
