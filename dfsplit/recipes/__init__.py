"""The ordered registry of recipes: the first whose `detect` claims a project plans it.

The recipe contract. A language is one package, `dfsplit/recipes/<language>/`, that holds
everything dfsplit knows about it (manifests, build commands, source scans, runtime images,
its rows of the shared tables), plus one template per recipe in `templates/`:
- its `__init__.py` exports `RECIPES`, a tuple of `dfsplit.plan.recipe.Recipe` values, and
  imports nothing else, so that listing the registry loads no recipe logic;
- the module a Recipe names defines `detect(project) -> Detection | None` and
  `plan(df, project, detection, options) -> Plan`, both pure (no disk, no terminal);
- every plan has a tester stage, made by `dfsplit.plan.tester.tester_stage` (None only with
  --no-tester): the project's tests, or without tests the strongest check its toolchain has,
  with `without_tests=` saying so (the stage's comment); `Recipe.manifest` names the file a
  user recognises the project by, for the reason dfsplit gives when no recipe claims one;
- a refusal (`Refuse`) says what dfsplit saw, what it would need and what the user can do
  (dfsplit.plan.reasons holds the shared parts);
- it may import `dfsplit.model`, `dfsplit.dockerfile.*` and the shared planning modules
  `dfsplit.plan.*` (not `plan.pipeline` or `plan.detect`, which call the recipes), and its own
  modules; never another recipe package, and nothing of the IO edges (files, fleet, verify),
  the reporting layer or the CLI.
A new language is a new package, its template, its fixtures and one line below.
"""

from dfsplit.plan.recipe import Recipe
from dfsplit.recipes import go, java, node, python, rust

# Order matters: within node, the static front end comes before the server (a front end has a
# package.json too). Python comes before node: a Django or Flask app often has a package.json
# for its assets, and Python claims a project only when a python image builds it (or a plain
# OS image pip-installs it), so a node image with a requirements.txt still goes to node.
REGISTRY: tuple[Recipe, ...] = (
    *go.RECIPES,
    *java.RECIPES,
    *python.RECIPES,
    *node.RECIPES,
    *rust.RECIPES,
)
