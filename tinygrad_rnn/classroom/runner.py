"""Checking a student's file: run an exercise's cases on it and report every outcome.

    report = check_file(exercise, "examples/exercises/06_lstm_cell.py", timeout=10)
    print(report.format());  report.passed

The student's file is imported and run in a worker process of its own
(student_process.py), never in this one: whatever it does - sys.exit(), os._exit(), a
crash, an endless loop, printing, closing stdout, changing the working directory,
replacing numpy or tinygrad_rnn functions - it cannot change the engine's reference
answers, the comparison, or the verdict here. The cases (check_*.py) run here and call
the student's functions through `StudentProcess.module`.

Every case is run even after a failure, and each has `timeout` seconds: a case that takes
longer is stopped and reported ("took longer than 10 s"), the worker is started again,
and the remaining cases go on. A case whose code raises NotImplementedError is "not
implemented yet"; any other exception (SystemExit and KeyboardInterrupt too) is reported
with the line of the student's file where it happened.

Read next: exercises.py (the list of exercises and their cases).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ArgumentError
from ..graph import format_source, user_source
from .compare import CaseFailure
from .report import ERROR, FAIL, PASS, TODO, CaseResult, Report
from .signatures import signature_problem
from .student_process import (
    BACKWARD,
    BETWEEN,
    IMPORTING,
    STARTING,
    LostContact,
    StudentProblem,
    StudentProcess,
    StudentRaised,
    StudentTimedOut,
)
from .wire import clean_text

DEFAULT_TIMEOUT = 10.0  # seconds per case (tinygrad-rnn check --timeout)

RECURSION_HINT = (
    "Python allows about 1000 nested calls; a recursive walk over a long graph exceeds "
    "that. Use a loop with an explicit stack (a list you append to and pop)."
)
EXIT_HINT = (
    "sys.exit(), exit() and quit() end the whole program: a function gives its answer with `return`"
)
IMPORT_HINT = (
    "the code at the top level of the file runs when the checker imports it: put the "
    'lines that try out your functions under `if __name__ == "__main__":`'
)
TIMEOUT_HINT = (
    "is there a loop that never ends (a `while` whose condition stays true, a stack that "
    "is never emptied, a node that is visited again and again)? The limit is per case; "
    "tinygrad-rnn check --timeout SECONDS changes it"
)
ENDED_HINT = (
    "os._exit() ends the process at once, and a crash (ctypes, running out of memory) "
    "takes it down with it; a function should `return` its answer. The checker started "
    "a new process for the remaining cases"
)
LOST_HINT = (
    "did your code write to, read from or close file descriptors it did not open "
    "(os.write, os.close, os.dup2)? The checker talks to your code through them"
)


@dataclass
class Case:
    """One check: `run(module, **params)` returns None when the answer is right and
    raises CaseFailure (or lets the student's exception through) when it is not.
    `module` stands for the student's module (its functions run in the worker)."""

    description: str
    run: object
    params: dict = field(default_factory=dict)
    hint: str = ""  # shown when the student's code raises an exception in this case


def check_file(
    exercise, path, command: str | None = None, timeout: float = DEFAULT_TIMEOUT
) -> Report:
    """Run every case of `exercise` on the functions defined in the file at `path`,
    each case within `timeout` seconds of the student's code's time."""
    timeout = checked_timeout(timeout)
    path = Path(path)
    command = command or f"tinygrad-rnn check {exercise.number} {path}"
    report = Report(exercise.number, exercise.title, str(path), exercise.functions, command)
    if not path.is_file():
        report.problem = f"There is no file {path}."
        return report
    with StudentProcess(path, timeout) as student:
        report.problem = import_problem(student, path)
        report.printed = student.printed.take()
        if report.problem:
            return report
        missing = [
            name for name in exercise.functions if getattr(student.module, name, None) is None
        ]
        if missing:
            report.problem = (
                f"{path.name} defines no function {', '.join(missing)}. Keep the names (and "
                "arguments) of the stub: the checker calls them."
            )
            return report
        report.problem = signature_problem(
            exercise.functions, student.signatures, exercise.filename
        )
        if report.problem:
            return report
        for number, case in enumerate(exercise.cases(), start=1):
            report.results.append(run_case(number, case, student, path))
    return report


def checked_timeout(timeout) -> float:
    """The time limit as a float; ArgumentError unless it is a number > 0."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise ArgumentError(
            f"check_file: timeout must be a number of seconds > 0, got {timeout!r} "
            f"({type(timeout).__name__})"
        )
    if not (math.isfinite(timeout) and timeout > 0):
        raise ArgumentError(
            f"check_file: timeout must be a number of seconds > 0, got {timeout!r} "
            f"— at {format_source(user_source())}"
        )
    return float(timeout)


def import_problem(student: StudentProcess, path: Path) -> str:
    """'' once the worker has imported the file, else why it could not."""
    try:
        answer = student.start()
    except StudentProblem as problem:
        what, hint = problem_words(problem, path)
        return what + (f"\nhint: {hint}" if hint else "")
    syntax = answer.get("syntax")
    if isinstance(syntax, dict):
        return (
            f"{path.name} has a syntax error at line {syntax.get('line')}: "
            f"{clean_text(syntax.get('message'))}\n    {clean_text(syntax.get('text')).strip()}"
        )
    return ""


def run_case(number: int, case: Case, student: StudentProcess, path: Path) -> CaseResult:
    """Run one case; turn every outcome into a CaseResult."""
    result = CaseResult(number, case.description, PASS)
    try:
        student.begin_case()
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # overflow in a mistake's formula, in numpy
            case.run(student.module, **case.params)
    except CaseFailure as failure:
        result.status = FAIL
        result.what = failure.what
        result.hint = failure.hint
    except StudentRaised as error:
        todo = error.kind == "todo" and error.during != IMPORTING
        result.status = TODO if todo else ERROR
        result.what, result.hint = problem_words(error, path)
        result.hint = result.hint or case.hint
    except StudentProblem as problem:
        result.status = ERROR
        result.what, result.hint = problem_words(problem, path)
    except Exception as error:  # the check itself stopped on what the student returned
        result.status = ERROR
        message = str(error).strip()
        result.what = f"checking this case stopped: {type(error).__name__}: {message}"
        result.hint = case.hint
    result.printed = student.printed.take()
    return result


def problem_words(problem: StudentProblem, path: Path) -> tuple[str, str]:
    """(what happened, hint) for a report line; hint '' means "use the case's hint"."""
    if isinstance(problem, StudentRaised):
        return raised_words(problem, path)
    if problem.during == STARTING:
        return f"the checker could not start a Python process for {path.name}: {problem.detail}", ""
    doing = doing_words(problem, path)
    importing = problem.during == IMPORTING
    if isinstance(problem, StudentTimedOut):
        hint = IMPORT_HINT if importing else TIMEOUT_HINT
        return f"{doing} took longer than {problem.seconds:g} s and was stopped", hint
    if isinstance(problem, LostContact):
        return f"the checker lost contact with {doing}: {problem.detail}", LOST_HINT
    hint = IMPORT_HINT if importing else ENDED_HINT
    return f"{doing} ended the process that ran it ({problem.detail})", hint


def raised_words(error: StudentRaised, path: Path) -> tuple[str, str]:
    if error.during == IMPORTING:
        missing_module = error.detail.startswith(("ModuleNotFoundError", "ImportError"))
        return (
            f"importing {path.name} failed: {error.detail}",
            "" if missing_module else IMPORT_HINT,
        )
    if error.kind == "todo":
        return f"{error.raised_in or error.function or 'your function'} is not implemented yet", ""
    if error.kind == "recursion":
        return error.detail, RECURSION_HINT
    hint = EXIT_HINT if error.kind == "exit" else ""
    return f"your code raised {error.detail}", hint


def doing_words(problem: StudentProblem, path: Path) -> str:
    """'importing 06_lstm_cell.py', 'lstm_cell', 'the backward pass through lstm_cell's
    result': what was running."""
    if problem.during == IMPORTING:
        return f"importing {path.name}"
    if problem.during == BETWEEN or not problem.function:
        return f"the code {path.name} left running between two cases"
    if problem.during == BACKWARD:
        return f"the backward pass through what {problem.function} returned"
    return problem.function
