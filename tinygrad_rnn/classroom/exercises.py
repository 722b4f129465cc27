"""The exercises, in teaching order: number, name, the functions the student writes, and
the cases that check them.

    find_exercise("6"), find_exercise("lstm_cell"), find_exercise("06_lstm_cell.py")

Each exercise has a stub in examples/exercises/NN_name.py (the task, the formula and
`raise NotImplementedError`) and a solution in examples/exercises/solutions/NN_name.py.

Read next: check_ops.py (the first three exercises' cases).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import check_attention, check_cells, check_ops, check_rnn


@dataclass(frozen=True)
class Exercise:
    """One exercise. `cases()` builds its checks (fresh random inputs, fixed seeds)."""

    number: int
    name: str
    title: str
    functions: tuple
    cases: object
    engine: str  # where the engine does the same thing: read it afterwards

    @property
    def filename(self) -> str:
        """'06_lstm_cell.py': the stub's (and the solution's) file name."""
        return f"{self.number:02d}_{self.name}.py"


EXERCISES = (
    Exercise(
        1,
        "backward",
        "the backward of a primitive: tanh and sigmoid",
        ("tanh_backward", "sigmoid_forward", "sigmoid_backward"),
        check_ops.backward_cases,
        "tinygrad_rnn/ops.py: class Tanh, class Sigmoid",
    ),
    Exercise(
        2,
        "unbroadcast",
        "unbroadcast: the gradient of NumPy broadcasting",
        ("unbroadcast",),
        check_ops.unbroadcast_cases,
        "tinygrad_rnn/ops_base.py: unbroadcast",
    ),
    Exercise(
        3,
        "topological_sort",
        "the iterative topological sort",
        ("topological_order",),
        check_ops.topological_sort_cases,
        "tinygrad_rnn/graph.py: topological_order",
    ),
    Exercise(
        4,
        "rnn_step",
        "one step of the vanilla RNN (U, W, V, b, c)",
        ("rnn_step",),
        check_rnn.rnn_step_cases,
        "tinygrad_rnn/nn/lessons.py: ElmanRNN.forward",
    ),
    Exercise(
        5,
        "bptt",
        "backpropagation through time by hand",
        ("bptt",),
        check_rnn.bptt_cases,
        "tinygrad_rnn/bptt.py: rnn_backward",
    ),
    Exercise(
        6,
        "lstm_cell",
        "the LSTM cell from primitives (gates i, f, g, o)",
        ("lstm_cell",),
        check_cells.lstm_cell_cases,
        "tinygrad_rnn/nn/cells.py: lstm_step",
    ),
    Exercise(
        7,
        "lstm_backward",
        "the backward of one LSTM step, by hand",
        ("lstm_cell_backward",),
        check_cells.lstm_backward_cases,
        "tinygrad_rnn/nn/cells.py: lstm_step (the engine differentiates it op by op)",
    ),
    Exercise(
        8,
        "gru_cell",
        "the GRU cell from primitives (gates r, z, n)",
        ("gru_cell",),
        check_cells.gru_cell_cases,
        "tinygrad_rnn/nn/cells.py: gru_step",
    ),
    Exercise(
        9,
        "attention",
        "dot-product attention",
        ("attention",),
        check_attention.attention_cases,
        "tinygrad_rnn/functional_attention.py: attention",
    ),
    Exercise(
        10,
        "clip_grad_norm",
        "gradient clipping by the global norm",
        ("clip_grad_norm",),
        check_attention.clip_cases,
        "tinygrad_rnn/nn/utils/clip_grad.py: clip_grad_norm_",
    ),
)


def find_exercise(key) -> Exercise | None:
    """The exercise named by a number ("6", "06"), a name ("lstm_cell", "lstm-cell") or a
    file name ("06_lstm_cell.py", a path to one); None if there is none."""
    text = str(key).strip()
    stem = Path(text).stem if text.endswith(".py") else text
    for exercise in EXERCISES:
        if stem == exercise.filename[:-3]:
            return exercise
    if stem.isdigit():
        return next((e for e in EXERCISES if e.number == int(stem)), None)
    name = stem.lower().replace("-", "_")
    return next((e for e in EXERCISES if e.name == name), None)
