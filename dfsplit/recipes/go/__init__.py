"""Go: go.mod and the `go build`/`go install` lines, to a static or minimal runtime.

Modules here import only shared modules (dfsplit.model, dfsplit.dockerfile, dfsplit.plan).
"""

from dfsplit.plan.recipe import Recipe

RECIPES = (
    Recipe(
        "go",
        "go",
        ("**/go.mod", "**/go.sum", "**/*.go", "go.work", "vendor/modules.txt"),
        "dfsplit.recipes.go.plan",
        manifest="go.mod",
    ),
)
