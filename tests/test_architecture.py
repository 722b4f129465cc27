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
