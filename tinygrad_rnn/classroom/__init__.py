"""The classroom: exercises with automatic feedback, checked against the engine itself.

A student implements a piece of the engine - a primitive's backward, unbroadcast, the
topological sort, an RNN step, BPTT by hand, an LSTM or GRU cell, attention, gradient
clipping - in a stub from examples/exercises/, and

    tinygrad-rnn check 6                  # or: check lstm_cell path/to/my_lstm.py

imports the student's function and runs it on seeded random cases (several shapes, edge
cases), comparing with the engine's own implementation (ops.Tanh, ops.unbroadcast,
nn.LSTMCell, bptt.bptt, F.attention, nn.utils.clip_grad_norm_ ...), with gradients and a
finite-difference gradcheck where gradients are involved. Every case prints PASS or what
differed (where, expected and received numbers) with a hint.

    from tinygrad_rnn.classroom import EXERCISES, check_file, find_exercise
    report = check_file(find_exercise("lstm_cell"), "examples/exercises/06_lstm_cell.py")
    print(report.format()); report.passed

Files: exercises.py (the list), runner.py (loading and running), compare.py (what
differs, and why it might), report.py (the text), check_*.py (the cases).
No viz, no tqdm here: this is engine-side code; the `check` command prints the report.

Read next: exercises.py.
"""

from .compare import CaseFailure, compare
from .exercises import EXERCISES, Exercise, find_exercise
from .report import CaseResult, Report
from .runner import Case, check_file

__all__ = [
    "EXERCISES",
    "Case",
    "CaseFailure",
    "CaseResult",
    "Exercise",
    "Report",
    "check_file",
    "compare",
    "find_exercise",
]
