"""The layering DESIGN.md promises: the engine knows no picture."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "tinygrad_rnn"

# The engine files that tensor.py, ops.py and functional.py were split into (one job each;
# the three old modules re-export every name).
ENGINE_PARTS = {"defaults", "tensor_base", "tensor_args", "tensor_functions"}
ENGINE_PARTS |= {"ops_base", "ops_matmul", "ops_reduce", "ops_shape"}
ENGINE_PARTS |= {"functional_checks", "functional_activations", "functional_targets"}
ENGINE_PARTS |= {"functional_losses", "functional_attention"}
ENGINE_PARTS |= {"ops_conv", "functional_conv", "functional_transformer", "special"}
ENGINE_PARTS |= {"dtypes", "devices", "tensor_pytorch", "tensor_factories"}
ENGINE_PARTS |= {
    "tensor_pytorch_functions",
    "tensor_einsum",
    "generator",
    "arrays",
    "tensor_inplace",
}
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
    core += [f"{name}.py" for name in ENGINE_PARTS]  # the files tensor, ops, functional became
    for name in core:
        third_party = {
            module.split(".")[0]
            for module in imported_modules(PACKAGE / name)
            if module.split(".")[0] not in {"numpy", "__future__"}
        }
        stdlib = {"os", "sys", "itertools", "math", "numbers", "contextlib", "collections"}
        stdlib |= {"threading", "warnings", "operator", "types", "secrets", "ctypes"}
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
ENGINE |= {"gradients", "sources", "context", "roles", "gradcheck"}
ENGINE |= ENGINE_PARTS
# the top-level modules that are tools on top of the engine; every other one is engine
OUTER_MODULES = {"__init__", "__main__", "cli", "bptt", "checkpoint", "checkpoint_archive"}
OUTER_MODULES |= {"checkpoint_objects"}
OUTER_MODULES |= {"files", "lesson_kit", "notebooks", "word2vec"}


def test_every_top_level_module_is_engine_or_named_outer():
    """A new top-level file is held to the engine's rules unless it is named a tool here."""
    top_level = {path.stem for path in PACKAGE.glob("*.py")}
    assert ENGINE <= top_level
    engine = top_level - OUTER_MODULES
    for name in sorted(engine - ENGINE):
        imported = {part_of(module) for module in absolute_imports(PACKAGE / f"{name}.py")}
        imported = {part for part in imported if part in LAYERS_ABOVE_ENGINE | {"viz"}}
        assert not imported, f"{name}.py (engine) imports {sorted(imported)}"


LAYERS_ABOVE_ENGINE = {"nn", "optim", "data", "utils", "classroom", "commands", "cli", "__main__"}
LAYERS_ABOVE_ENGINE |= {"vision"}


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


# --------------------------------------------------------------------------------------
# One op protocol: the backward loop never asks which engine a node belongs to
# --------------------------------------------------------------------------------------
ENGINE_TYPES = {"type", "float", "Value", "Tensor", "TensorBase", "ScalarOp", "Op"}


def engine_type_switches(function: ast.AST) -> list[str]:
    """`isinstance(x, type)`, `isinstance(x, Value)`, `type(x) is float` ... in `function`:
    the checks that would make the loop branch on the engine instead of asking the node."""
    found = []
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance":
            names = {getattr(n, "id", None) for n in ast.walk(node.args[1])}
            if names & ENGINE_TYPES:
                found.append(ast.unparse(node))
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Call):
            if getattr(node.left.func, "id", None) == "type":
                found.append(ast.unparse(node))
    return found


def test_the_backward_loop_has_no_engine_type_switches():
    """backward_steps, local_gradients and PendingGradients treat a Value and a Tensor
    alike: each node answers `_vjp` and `_checked_gradient` itself (graph.Node)."""
    wanted = {
        "graph.py": {"backward_steps", "_local_backward", "local_gradients", "_keep_gradient"},
        "gradients.py": {"PendingGradients"},
    }
    for filename, names in wanted.items():
        tree = ast.parse((PACKAGE / filename).read_text())
        defined = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        assert names <= set(defined), f"{filename} lacks {names - set(defined)}"
        for name in names:
            switches = engine_type_switches(defined[name])
            assert not switches, f"{filename}: {name} switches on the engine: {switches}"


def test_the_switch_finder_finds_the_old_switches():
    """The checks the loop had before the op protocol are what the test above looks for."""
    old = ast.parse(
        "def f(node, total, g):\n"
        "    if isinstance(node._ctx, type): pass\n"
        "    if type(total) is float: pass\n"
        "    if type(g) is not float: pass\n"
    )
    assert len(engine_type_switches(old)) == 3


def test_every_file_has_one_job_and_short_functions():
    """The issue's measure, for the package and viz: no file over 500 lines, no function
    over 50 (the lessons in examples/ are scripts and not held to it)."""
    paths = sorted(PACKAGE.rglob("*.py")) + sorted((ROOT / "viz").rglob("*.py"))
    assert len(paths) > 60
    for path in paths:
        name = path.relative_to(ROOT)
        text = path.read_text(encoding="utf-8")
        assert text.count("\n") <= 500, f"{name} has {text.count(chr(10))} lines"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                assert length <= 50, f"{name}: {node.name} is {length} lines long"


def test_the_split_modules_still_export_every_name():
    """The old paths keep working after the split (tensor.py, ops.py, functional.py)."""
    import importlib

    import tinygrad_rnn as tg
    from tinygrad_rnn import functional as F
    from tinygrad_rnn import ops

    tensor = importlib.import_module("tinygrad_rnn.tensor")  # (tg.tensor is the function)

    for name in ("Tensor", "apply", "_constant", "_lift", "addmm", "cat", "concat", "stack"):
        assert hasattr(tensor, name), name
    for name in ("where", "maximum", "minimum", "gather", "zeros", "randn", "default_rng"):
        assert hasattr(tensor, name), name
    assert tensor.manual_seed is tg.manual_seed and tensor.Tensor is tg.Tensor
    for name in ("Op", "unbroadcast", "IndexedGrad", "is_basic_index", "matmul_grads"):
        assert hasattr(ops, name), name
    primitives = {"add", "mul", "tanh", "matmul", "addmm", "sum", "max", "getitem", "where"}
    assert primitives <= set(ops.PRIMITIVES)
    assert ops.PRIMITIVES["tanh"] is ops.Tanh and ops.PRIMITIVES["matmul"] is ops.MatMul
    for name in ("softmax", "log_softmax", "cross_entropy", "nll_loss", "mse_loss", "dropout"):
        assert callable(getattr(F, name)), name
    for name in ("attention", "attend", "masked_softmax", "_attend", "MASKED_SCORE"):
        assert hasattr(F, name), name
