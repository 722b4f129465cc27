"""Loading a student's file and running an exercise's cases on it.

    report = check_file(exercise, "examples/exercises/06_lstm_cell.py")
    print(report.format());  report.passed

The file is imported fresh each time (never cached in sys.modules), so an edited file is
checked as it is now. Every case is run even after a failure; a case that raises
NotImplementedError is "not implemented yet", one that raises anything else is reported
with the line of the student's file where it happened.

Read next: exercises.py (the list of exercises and their cases).
"""

from __future__ import annotations

import importlib.util
import os
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .compare import CaseFailure
from .report import ERROR, FAIL, PASS, TODO, CaseResult, Report


@dataclass
class Case:
    """One check: `run(module, **params)` returns None when the answer is right and
    raises CaseFailure (or lets the student's exception through) when it is not."""

    description: str
    run: object
    params: dict = field(default_factory=dict)
    hint: str = ""  # shown when the student's code raises an exception in this case


def check_file(exercise, path, command: str | None = None) -> Report:
    """Run every case of `exercise` on the functions defined in the file at `path`."""
    path = Path(path)
    command = command or f"tinygrad-rnn check {exercise.number} {path}"
    report = Report(exercise.number, exercise.title, str(path), exercise.functions, command)
    if not path.is_file():
        report.problem = f"There is no file {path}."
        return report
    module, problem = load_module(path)
    if problem:
        report.problem = problem
        return report
    missing = [name for name in exercise.functions if not callable(getattr(module, name, None))]
    if missing:
        report.problem = (
            f"{path.name} defines no function {', '.join(missing)}. Keep the names (and "
            "arguments) of the stub: the checker calls them."
        )
        return report
    for number, case in enumerate(exercise.cases(), start=1):
        report.results.append(run_case(number, case, module, path))
    return report


def load_module(path: Path):
    """(module, '') for a file that imports, or (None, what went wrong)."""
    name = "student_" + "".join(ch if ch.isalnum() else "_" for ch in path.stem)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return None, f"{path} is not a Python file that can be imported."
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        return None, (
            f"{path.name} has a syntax error at line {error.lineno}: {error.msg}\n"
            f"    {(error.text or '').strip()}"
        )
    except Exception as error:  # the student's top-level code failed
        return None, f"importing {path.name} failed: {exception_text(error, path)}"
    return module, ""


def run_case(number: int, case: Case, module, path: Path) -> CaseResult:
    """Run one case; turn every outcome into a CaseResult."""
    result = CaseResult(number, case.description, PASS)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # overflow in a student's exp shows up as nan
            case.run(module, **case.params)
    except CaseFailure as failure:
        result.status = FAIL
        result.what = failure.what
        result.hint = failure.hint
    except NotImplementedError as error:
        result.status = TODO
        result.what = f"{function_in(error, path) or 'your function'} is not implemented yet"
    except RecursionError as error:
        result.status = ERROR
        result.what = f"RecursionError: {error} ({where_in(error, path)})"
        result.hint = (
            "Python allows about 1000 nested calls; a recursive walk over a long graph "
            "exceeds that. Use a loop with an explicit stack (a list you append to and pop)."
        )
    except Exception as error:  # anything the student's code raised
        result.status = ERROR
        result.what = f"your code raised {exception_text(error, path)}"
        result.hint = case.hint
    return result


def exception_text(error: BaseException, path: Path) -> str:
    """'ValueError: shapes ... (06_lstm_cell.py:23 in lstm_cell)'."""
    message = str(error).strip()
    text = type(error).__name__ + (f": {message}" if message else "")
    where = where_in(error, path)
    return f"{text} ({where})" if where else text


def student_frames(error: BaseException, path: Path) -> list:
    """The traceback frames that are in the student's file, outermost first."""
    target = os.path.realpath(path)
    frames = traceback.extract_tb(error.__traceback__)
    return [frame for frame in frames if os.path.realpath(frame.filename) == target]


def where_in(error: BaseException, path: Path) -> str:
    """'06_lstm_cell.py:23 in lstm_cell' for the innermost frame in the student's file."""
    frames = student_frames(error, path)
    if not frames:
        return ""
    frame = frames[-1]
    return f"{path.name}:{frame.lineno} in {frame.name}"


def function_in(error: BaseException, path: Path) -> str:
    """The name of the student's function that raised, or ''."""
    frames = student_frames(error, path)
    return frames[-1].name if frames else ""
