"""Saving a dict of arrays and numbers, as PyTorch programs use `torch.save` - without pickle.

    tg.save(model.state_dict(), "model.npz")
    model.load_state_dict(tg.load("model.npz"))
    tg.save({"epoch": 3, "model": model.state_dict(), "optimizer": optimizer.state_dict()},
            "checkpoint.npz")

The file is an ordinary .npz archive: every array (a numpy array, a Tensor, a numpy
scalar) is one entry "a0", "a1" ..., and the nesting - dicts (str or int keys), lists,
tuples, numbers, strings, True/False/None - is one JSON text in the entry
"__tinygrad_rnn__.structure". Each node of the JSON is tagged with what it was:

    {"dict": [[key, node], ...]}   {"list": [node, ...]}   {"tuple": [node, ...]}
    {"array": "a0"}   {"tensor": "a1", "requires_grad": false}   {"scalar": "a2"}
    {"value": 3}      (an int, float, str, bool or None)

So loading builds only those kinds of objects: it never runs code (allow_pickle=False,
as for a model checkpoint). Anything else (a Module, an optimizer object, a function)
is refused when saving, with the path to it ("['model']['fc']"). Both walks use an
explicit stack, like the backward pass: no recursion however deep the nesting.

Read next: checkpoint.py (tg.save / tg.load, which call these for anything but a model).
"""

from __future__ import annotations

import json

import numpy as np

from .errors import CheckpointError
from .tensor import Tensor

STRUCTURE_KEY = "__tinygrad_rnn__.structure"
MAX_STRUCTURE_BYTES = 16 * 2**20  # the JSON of a large optimizer state is well below
JSON_VALUES = (str, int, float, bool, type(None))


def encode(obj, caller: str = "save") -> tuple[str, dict[str, np.ndarray]]:
    """(JSON text of the structure, {entry name: array}) for a nest of dicts, lists,
    tuples, arrays, Tensors and numbers. Raises CheckpointError for anything else."""
    arrays: dict[str, np.ndarray] = {}
    root: dict = {}
    seen: set[int] = set()
    stack = [(obj, root, "")]
    while stack:
        value, node, path = stack.pop()
        if isinstance(value, (dict, list, tuple)):
            if id(value) in seen:
                raise CheckpointError(
                    f"{caller}: the container at {path or 'the top'} appears twice (or "
                    f"contains itself); save a copy"
                )
            seen.add(id(value))
        if isinstance(value, dict):
            node["dict"] = []
            for key, item in value.items():
                _check_key(key, path, caller)
                child: dict = {}
                node["dict"].append([key, child])
                stack.append((item, child, f"{path}[{key!r}]"))
        elif isinstance(value, (list, tuple)):
            children = [{} for _ in value]
            node["list" if isinstance(value, list) else "tuple"] = children
            for index, (item, child) in enumerate(zip(value, children)):
                stack.append((item, child, f"{path}[{index}]"))
        elif isinstance(value, (np.ndarray, np.generic, Tensor)):
            _encode_array(value, node, arrays, path, caller)
        elif isinstance(value, JSON_VALUES):
            node["value"] = value
        else:
            raise CheckpointError(
                f"{caller}: cannot store a {type(value).__name__} at {path or 'the top'}: a "
                f"checkpoint holds dicts, lists, tuples, arrays, Tensors and numbers (for "
                f"a model or an optimizer, save its .state_dict())"
            )
    return json.dumps(root), arrays


def _check_key(key, path: str, caller: str) -> None:
    """Dict keys must survive JSON with their type: str, int (optimizer state), float,
    bool or None."""
    if not isinstance(key, JSON_VALUES):
        raise CheckpointError(
            f"{caller}: a dict key at {path or 'the top'} is a {type(key).__name__}; keys "
            f"must be strings or numbers"
        )


def _encode_array(value, node: dict, arrays: dict, path: str, caller: str) -> None:
    """Store one array entry and tag the node with what it was."""
    array = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
    if array.dtype.kind not in "fiub":
        raise CheckpointError(
            f"{caller}: the array at {path or 'the top'} has dtype {array.dtype}; a "
            f"checkpoint holds numeric arrays only"
        )
    name = f"a{len(arrays)}"
    arrays[name] = array
    if isinstance(value, Tensor):
        node["tensor"] = name
        node["requires_grad"] = bool(value.requires_grad)
    elif isinstance(value, np.generic):
        node["scalar"] = name
    else:
        node["array"] = name


def decode(text: str, arrays: dict[str, np.ndarray], source: str) -> object:
    """Rebuild the object from the JSON structure and the arrays read from the file.

    Nodes are listed parents first (an explicit stack), then built in reverse order, so
    every container's children exist before the container is made (tuples need that)."""
    try:
        root = json.loads(text)
    except ValueError as error:
        raise CheckpointError(f"load: {source} has a corrupt structure entry ({error})") from None
    order = []
    stack = [root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(_children(node, source))
    built: dict[int, object] = {}
    for node in reversed(order):
        built[id(node)] = _build(node, built, arrays, source)
    return built[id(root)]


def _children(node, source: str) -> list:
    """The child nodes of one JSON node (checked to be a tagged node)."""
    if not isinstance(node, dict) or len(node) not in (1, 2):
        raise CheckpointError(f"load: {source} has a corrupt structure entry")
    if "dict" in node:
        return [pair[1] for pair in node["dict"]]
    if "list" in node or "tuple" in node:
        return list(node.get("list", node.get("tuple")))
    return []


def _build(node: dict, built: dict, arrays: dict, source: str) -> object:
    """One object from its node, its children already built."""
    if "dict" in node:
        return {key: built[id(child)] for key, child in node["dict"]}
    if "list" in node:
        return [built[id(child)] for child in node["list"]]
    if "tuple" in node:
        return tuple(built[id(child)] for child in node["tuple"])
    if "value" in node:
        return node["value"]
    for kind in ("array", "tensor", "scalar"):
        if kind in node:
            array = arrays.get(node[kind])
            if array is None:
                raise CheckpointError(f"load: {source} has no entry {node[kind]!r}")
            if kind == "array":
                return array
            if kind == "scalar":
                return array[()]
            return Tensor(array, requires_grad=bool(node.get("requires_grad", False)))
    raise CheckpointError(f"load: {source} has a corrupt structure entry")
