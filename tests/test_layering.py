"""The package's import graph has no circle, function-local imports included.

Every `import` anywhere in a module (at the top or inside a function) is an edge to the ganzoo
module it names; the graph must be acyclic, so each layer imports only the layers below it:
config and data know nothing of models; families know the core, not the CLI; eval and export
read runs through ganzoo.runs and ganzoo.build. `ganzoo/__init__.py` is the public facade on top
and may import anything; nothing inside the package imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ganzoo"


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules():
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imported(tree, known):
    """The ganzoo modules a module's import statements name."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            base = node.module
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                     for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in known)
    return found


def graph():
    known = modules()
    return {name: imported(ast.parse(path.read_text()), known) - {name}
            for name, path in known.items()}


def test_nothing_in_the_package_imports_the_facade():
    users = sorted(name for name, targets in graph().items() if "ganzoo" in targets)
    assert users == [], users


def test_the_import_graph_has_no_circle():
    edges = {name: targets - {"ganzoo"} for name, targets in graph().items() if name != "ganzoo"}
    state, path = {}, []

    def visit(node):
        state[node] = "open"
        path.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == "open":
                circle = path[path.index(target):] + [target]
                raise AssertionError("import circle: " + " -> ".join(circle))
            if target not in state:
                visit(target)
        path.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node)


def test_the_recipe_loader_and_registry_import_no_tensorflow():
    from ganzoo import registry

    # The families' recipe rules run when a recipe is loaded: their modules are light too.
    rules = {rule.check.partition(":")[0] for rule in registry.FAMILY_RULES.values() if rule.check}
    for name in ("ganzoo.config", "ganzoo.recipe", "ganzoo.registry", "ganzoo.errors",
                 "ganzoo.families", *sorted(rules)):
        tree = ast.parse(modules()[name].read_text())
        names = {alias.name.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, (ast.Import, ast.ImportFrom))
                 for alias in (node.names if isinstance(node, ast.Import) else
                               [ast.alias(node.module or "")])}
        assert not names & {"tensorflow", "keras"}, name
