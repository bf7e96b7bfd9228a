"""Python: pip, uv, Poetry and Pipenv projects to the slim variant of their python image.

Modules here import only shared modules (dfsplit.model, dfsplit.dockerfile, dfsplit.plan).
"""

from dfsplit.plan.recipe import Recipe

RECIPES = (
    Recipe(
        "python",
        "python",
        (
            "**/requirements*.txt",
            "**/requirements/*.txt",
            "**/pyproject.toml",
            "**/poetry.lock",
            "**/uv.lock",
            "**/.python-version",
            "**/Pipfile",
            "**/Pipfile.lock",
            "**/setup.py",
            "**/setup.cfg",
            "**/manage.py",
            "**/*.py",
        ),
        "dfsplit.recipes.python.plan",
        manifest="requirements.txt",
    ),
)
