"""Node: static front ends to nginx, servers to a slim node image with production dependencies
(layers.py: dependencies in a layer of their own, the app's files last).

Modules here import only shared modules (dfsplit.model, dfsplit.dockerfile, dfsplit.plan).
"""

from dfsplit.plan.recipe import Recipe

_WANTS = (
    "**/package.json",
    "**/yarn.lock",
    "**/.yarnrc.yml",
    "**/angular.json",
    "**/vite.config.*",
    "**/vue.config.*",
    "**/astro.config.*",
    "**/next.config.*",
    "**/nginx-spa.conf",
    "**/tsconfig*.json",
    "**/.env",
    "**/.env.*",
    "**/nest-cli.json",
    # The app's own sources, for the files it reads at run time (node_modules is never read).
    "**/*.js",
    "**/*.mjs",
    "**/*.cjs",
    "**/*.ts",
    "**/*.mts",
    "**/*.cts",
)

RECIPES = (
    # The static recipe first: a front end has a package.json too.
    Recipe("node_static", "node", _WANTS, "dfsplit.recipes.node.static", "package.json"),
    Recipe("node_server", "node", _WANTS, "dfsplit.recipes.node.server", "package.json"),
)
