"""What can go wrong in the student's worker process, as exceptions that name the
student's function (student_process.py raises them, runner.py turns them into lines of
the report):

    StudentRaised        the student's code raised (kind "todo", "recursion", "exit", "error")
    StudentTimedOut      no answer within the time limit: the worker was stopped
    StudentProcessEnded  the worker ended (os._exit, a crash)
    LostContact          the worker sent something that is not the answer

`during` says what the worker was doing: STARTING (the worker itself, before the file),
IMPORTING, CALLING, BACKWARD (the backward pass through what the function returned) or
BETWEEN (between cases).

Read next: sent_graph.py (the nodes a call sends to the worker).
"""

from __future__ import annotations

from ..errors import ExerciseError
from . import wire

STARTING, IMPORTING, CALLING, BACKWARD = "start", "import", "call", "backward"
BETWEEN = "between cases"  # the worker forgets the last case; only the student's threads run


class StudentProblem(ExerciseError):
    """The student's code did something other than return an answer.

    function  the student's function that was running ('' while importing the file)
    during    STARTING (the worker itself, before the file), IMPORTING, CALLING,
              BACKWARD (the backward pass through what the function returned) or BETWEEN
    """

    def __init__(self, function: str, during: str, detail: str) -> None:
        super().__init__(detail)
        self.function = function
        self.during = during
        self.detail = detail


class StudentRaised(StudentProblem):
    """An exception in the student's code. kind: "todo" (NotImplementedError),
    "recursion", "exit" (SystemExit) or "error"; detail: 'ValueError: ... (f.py:3 in f)';
    raised_in: the student's function whose line raised (may differ from `function`)."""

    def __init__(self, function: str, during: str, detail: str, kind: str, raised_in: str):
        super().__init__(function, during, detail)
        self.kind = kind
        self.raised_in = raised_in


class StudentTimedOut(StudentProblem):
    """No answer within the time limit (`seconds`); the worker has been stopped."""

    def __init__(self, function: str, during: str, seconds: float) -> None:
        super().__init__(function, during, f"took longer than {seconds:g} s")
        self.seconds = seconds


class StudentProcessEnded(StudentProblem):
    """The worker ended (os._exit, a crash); detail says how."""


class LostContact(StudentProblem):
    """The worker sent something that is not the answer; it has been stopped."""


def raised(message, function: str, during: str) -> StudentRaised:
    """The StudentRaised of an {"error": ...} answer."""
    if not isinstance(message, dict):
        message = {}
    kind = message.get("kind")
    if kind not in ("todo", "recursion", "exit", "error"):
        kind = "error"
    text = wire.clean_text(message.get("text", "an exception"))
    raised_in = wire.clean_text(message.get("function", ""), 80)
    return StudentRaised(function, during, text, kind, raised_in)
