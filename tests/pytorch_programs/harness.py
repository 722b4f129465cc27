"""Run the PyTorch-style programs in this folder on either engine.

Each program is written as a PyTorch user writes it, with only its imports pointing at
tinygrad_rnn. `torch_source` switches exactly those import lines back, so the same text
runs on PyTorch. Each program's `main(weights)` starts from given initial weights
(PyTorch's own initialisation draws different random numbers), and returns
(numbers, model): losses, predictions and samples to compare between the engines.

    python tests/pytorch_programs/record_reference.py   # needs torch: writes reference.*
"""

from __future__ import annotations

import re
import types
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
PROGRAMS = ("names_classifier", "rnn_from_scratch", "lstm_classifier", "seq2seq_attention")
REFERENCE_WEIGHTS = HERE / "reference_weights.npz"
REFERENCE_RESULTS = HERE / "reference_results.json"

# tinygrad_rnn import line -> the PyTorch line it stands for (the only lines that differ)
IMPORTS = {
    r"import tinygrad_rnn as torch": "import torch",
    r"import tinygrad_rnn\.nn as nn": "import torch.nn as nn",
    r"import tinygrad_rnn\.nn\.functional as F": "import torch.nn.functional as F",
    r"import tinygrad_rnn\.optim as optim": "import torch.optim as optim",
    r"from tinygrad_rnn import optim": "from torch import optim",
    r"from tinygrad_rnn\.utils\.data import (.*)": r"from torch.utils.data import \1",
}


def source(name: str) -> str:
    return (HERE / f"{name}.py").read_text(encoding="utf-8")


def torch_source(text: str) -> str:
    """The program with its tinygrad_rnn import lines switched back to torch, and nothing
    else changed (checked: every other line is the same)."""
    lines = text.splitlines()
    out = []
    for line in lines:
        for ours, theirs in IMPORTS.items():
            if re.fullmatch(ours, line):
                line = re.sub(ours, theirs, line)
                break
        out.append(line)
    assert "tinygrad_rnn" not in "\n".join(out).replace("tinygrad_rnn.", ""), "an import left"
    return "\n".join(out) + "\n"


def load(name: str, engine: str) -> types.ModuleType:
    """The program as a module, on "tinygrad_rnn" or "torch"."""
    text = source(name)
    if engine == "torch":
        text = torch_source(text)
    module = types.ModuleType(f"{name}_{engine}")
    module.__file__ = str(HERE / f"{name}.py")
    exec(compile(text, module.__file__, "exec"), module.__dict__)
    return module


def weights_of(model) -> dict[str, np.ndarray]:
    """A program's model as flat numpy arrays: state_dict keys, or params.0 ... for a
    model that is a list of tensors, or 0.key, 1.key for a pair of modules."""
    if isinstance(model, tuple):
        return {
            f"{k}.{key}": value
            for k, part in enumerate(model)
            for key, value in weights_of(part).items()
        }
    if hasattr(model, "state_dict"):
        return {key: _numpy(value) for key, value in model.state_dict().items()}
    return {f"params.{k}": _numpy(p) for k, p in enumerate(model.params)}


def weights_argument(program: types.ModuleType, name: str, weights: dict[str, np.ndarray]):
    """The `main(...)` argument that starts a program from these weights, as tensors of
    the program's engine."""
    weights = {key: program.torch.tensor(value) for key, value in weights.items()}
    if name == "rnn_from_scratch":
        return [weights[f"params.{k}"] for k in range(len(weights))]
    if name == "seq2seq_attention":
        return tuple(
            {key[2:]: value for key, value in weights.items() if key.startswith(f"{k}.")}
            for k in (0, 1)
        )
    return dict(weights)


def _numpy(value) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach()
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.array(value, dtype=np.float64)
