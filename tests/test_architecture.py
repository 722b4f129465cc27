"""The layering DESIGN.md promises: the engine knows no picture."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "tinygrad_rnn"
OUTER_FACE = {"cli.py", "__main__.py"}  # and everything in commands/


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def engine_files():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "commands" or str(relative) in OUTER_FACE:
            continue
        yield path


def test_the_engine_never_imports_viz_or_plotting_libraries():
    offenders = {}
    for path in engine_files():
        bad = {
            name
            for name in imported_modules(path)
            if name.split(".")[0] in {"viz", "graphviz", "matplotlib", "tqdm"}
        }
        if bad:
            offenders[str(path.relative_to(PACKAGE))] = sorted(bad)
    assert not offenders, f"engine modules importing viz/plotting: {offenders}"


def test_the_engine_core_depends_on_numpy_alone():
    core = ["graph.py", "scalar.py", "ops.py", "tensor.py", "gradcheck.py", "errors.py"]
    core.append("checks.py")  # the argument checks gradcheck, functional, nn/ and data/ share
    core += ["gradients.py", "sources.py"]  # the backward loop's gradient sums, node.source
    for name in core:
        third_party = {
            module.split(".")[0]
            for module in imported_modules(PACKAGE / name)
            if module.split(".")[0] not in {"numpy", "__future__"}
        }
        stdlib = {"os", "sys", "itertools", "math", "numbers", "contextlib", "collections"}
        stdlib |= {"threading", "warnings", "operator"}
        assert third_party <= stdlib, f"{name} imports {third_party - stdlib}"


def test_the_shared_checks_sit_below_everything_but_errors_and_graph():
    """tinygrad_rnn/checks.py is imported by gradcheck.py, bptt.py, functional.py, nn/ and
    data/, so of the package it may import only errors.py and graph.py."""
    tree = ast.parse((PACKAGE / "checks.py").read_text())
    own = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            own.add(node.module)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tinygrad_rnn"):
            own.add(node.module.removeprefix("tinygrad_rnn."))
    assert own <= {"errors", "graph"}, f"checks.py imports {own - {'errors', 'graph'}}"


# --------------------------------------------------------------------------------------
# Layering, relative imports included: which part may import which
# --------------------------------------------------------------------------------------
ROOT = PACKAGE.parent
ENGINE = {"graph", "ops", "tensor", "scalar", "functional", "numpy_protocol", "checks", "errors"}
ENGINE |= {"gradients", "sources"}
LAYERS_ABOVE_ENGINE = {"nn", "optim", "data", "commands", "cli", "__main__"}


def module_name(path: Path) -> str:
    """'tinygrad_rnn.nn.cells' for tinygrad_rnn/nn/cells.py ('...nn' for its __init__)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def absolute_imports(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved (`from ..graph import x` in
    tinygrad_rnn/nn/cells.py is tinygrad_rnn.graph; `from . import ops` is tinygrad_rnn.ops),
    plus module.name for each imported name, which may be a submodule."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            if node.module:
                names.add(module)
            # an imported name may be a submodule: `from tinygrad_rnn import nn`
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def imports_of(top: str):
    """(module name, the tinygrad_rnn/viz modules it imports) for every file under `top`."""
    for path in sorted((ROOT / top).rglob("*.py")):
        own = {name for name in absolute_imports(path) if name.split(".")[0] in (top, "viz")}
        own |= {name for name in absolute_imports(path) if name.startswith("tinygrad_rnn")}
        yield module_name(path), own


def part_of(module: str) -> str:
    """'nn' for tinygrad_rnn.nn.cells, 'graph' for tinygrad_rnn.graph, 'viz' for viz.x."""
    parts = module.split(".")
    if parts[0] == "viz":
        return "viz"
    return parts[1] if len(parts) > 1 else ""


def test_the_import_resolver_reads_relative_imports():
    cells = absolute_imports(PACKAGE / "nn" / "cells.py")
    assert "tinygrad_rnn.graph" in cells or "tinygrad_rnn.tensor" in cells
    assert "tinygrad_rnn.nn" in absolute_imports(PACKAGE / "commands" / "vanishing.py")
    assert part_of("tinygrad_rnn.nn.cells") == "nn" and part_of("viz.extract") == "viz"


def imports_across_layers(top: str, importers, banned: set[str]) -> dict:
    """{module: the banned parts it imports} for the modules under `top` whose part is in
    `importers` (None: every module under `top`)."""
    offenders = {}
    for module, imported in imports_of(top):
        if importers is not None and part_of(module) not in importers:
            continue
        bad = {name for name in imported if part_of(name) in banned}
        if bad:
            offenders[module] = sorted(bad)
    return offenders


def test_the_engine_imports_neither_nn_optim_data_viz_nor_the_cli():
    offenders = imports_across_layers("tinygrad_rnn", ENGINE, LAYERS_ABOVE_ENGINE | {"viz"})
    assert not offenders, f"engine modules importing the layers above them: {offenders}"


def test_nn_never_imports_viz_or_the_cli():
    offenders = imports_across_layers("tinygrad_rnn", {"nn"}, {"viz", "commands", "cli"})
    assert not offenders, f"nn modules importing viz or the CLI: {offenders}"


def test_viz_never_imports_nn_or_the_cli():
    offenders = imports_across_layers("viz", None, {"commands", "cli", "nn"})
    assert not offenders, f"viz modules importing nn or the CLI: {offenders}"


# What graph.py, gradients.py and sources.py may import of the package: the graph sits
# below the primitives (ops.py imports IndexedGrad from gradients.py, not the reverse).
GRAPH_CORE = {
    "graph": {"context", "errors", "gradients", "roles", "sources"},
    "context": set(),
    "errors": {"sources"},
    "gradients": set(),
    "roles": {"context"},
    "sources": set(),
}


def test_graph_imports_no_op():
    """graph.py, and the helpers its backward loop uses, import neither ops.py nor the
    engines above them (tensor.py, scalar.py): the loop knows nodes, not primitives."""
    for name, allowed in GRAPH_CORE.items():
        imported = absolute_imports(PACKAGE / f"{name}.py")
        own = {module.split(".")[1] for module in imported if module.startswith("tinygrad_rnn.")}
        assert own <= allowed, f"{name}.py imports {sorted(own - allowed)}"
        assert "ops" not in own
