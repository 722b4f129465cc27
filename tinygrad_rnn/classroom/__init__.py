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

The student's file is imported and run in a separate worker process, one per file, with
a time limit per case (`check_file(..., timeout=10)`): an exit, a crash, an endless loop,
printing, or changing numpy or tinygrad_rnn there cannot reach the reference answers or
the verdict, which are computed here.

Files: exercises.py (the list), runner.py (running the cases), compare.py (what differs,
and why it might), report.py (the text), check_*.py (the cases); student_process.py,
problems.py, sent_graph.py, pipes.py, worker.py and wire.py (the worker process, what
can go wrong there, and what the two processes send each other).
No viz, no tqdm here: this is engine-side code; the `check` command prints the report.

Read next: exercises.py.
"""

from .compare import CaseFailure, compare
from .exercises import EXERCISES, Exercise, find_exercise
from .report import CaseResult, Report
from .runner import DEFAULT_TIMEOUT, Case, check_file

__all__ = [
    "DEFAULT_TIMEOUT",
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
