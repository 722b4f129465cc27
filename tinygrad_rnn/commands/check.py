"""`tinygrad-rnn check`: check an exercise against the engine and say what differs.

    tinygrad-rnn check --list                      # the exercises, in teaching order
    tinygrad-rnn check 6                           # examples/exercises/06_lstm_cell.py
                                                   # (or ./06_lstm_cell.py, see default_file)
    tinygrad-rnn check lstm_cell my_lstm.py        # any file with a lstm_cell function
    tinygrad-rnn check all examples/exercises/solutions     # every exercise in a folder
    tinygrad-rnn check 3 --timeout 30              # each case may take 30 s (default 10)

Exit status 0 only if every case passed. The student's file runs in a process of its own
(classroom/runner.py): whatever it does, it cannot change the verdict. The checking itself lives in
tinygrad_rnn/classroom (engine-side, no viz); this module parses the arguments and prints.

Read next: tinygrad_rnn/classroom/__init__.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import CommandError, positive_float

DEFAULT_FOLDER = Path("examples") / "exercises"


def add_command(subparsers) -> None:
    command = subparsers.add_parser(
        "check",
        help="check your solution of an exercise (examples/exercises/) against the engine",
        description=(
            "Import your function from an exercise file and check it against the engine's "
            "own implementation on seeded random cases (several shapes, edge cases, "
            "gradients and a finite-difference gradcheck where gradients are involved). "
            "Each case prints PASS, or what differed, where, and a hint. Your file runs in "
            "a separate process, and each case has a time limit. Exit status 0 only if "
            "all cases pass."
        ),
        epilog="examples: tinygrad-rnn check --list;  tinygrad-rnn check 6;  "
        "tinygrad-rnn check lstm_cell my_lstm.py;  tinygrad-rnn check all",
    )
    command.add_argument(
        "exercise",
        nargs="?",
        help="the exercise: a number (6), a name (lstm_cell) or 'all' (every exercise)",
    )
    command.add_argument(
        "file",
        nargs="?",
        help="the file to check (default: examples/exercises/NN_name.py under the current "
        "folder, else NN_name.py in it); with 'all', a folder holding NN_name.py files "
        "(default: examples/exercises, else the current folder)",
    )
    command.add_argument("--list", action="store_true", help="list the exercises and exit")
    command.add_argument(
        "--timeout",
        type=positive_float,
        default=None,
        metavar="SECONDS",
        help="time limit per case: a case that takes longer is stopped and reported (default: 10)",
    )
    command.set_defaults(run=run_check)


def run_check(args: argparse.Namespace) -> int:
    from tinygrad_rnn import classroom

    if args.list:
        print(exercise_list(classroom.EXERCISES))
        return 0
    if not args.exercise:
        raise CommandError(
            "check: name an exercise (a number or a name), 'all', or --list to see them"
        )
    timeout = args.timeout if args.timeout is not None else classroom.DEFAULT_TIMEOUT
    if args.exercise == "all":
        return check_all(classroom, Path(args.file) if args.file else default_folder(), timeout)
    exercise = classroom.find_exercise(args.exercise)
    if exercise is None:
        raise CommandError(unknown_exercise(args.exercise, classroom.EXERCISES))
    path = Path(args.file) if args.file else default_file(exercise)
    if not path.is_file():
        raise CommandError(missing_file(path, exercise, given=args.file is not None))
    command = f"tinygrad-rnn check {args.exercise}" + (f" {args.file}" if args.file else "")
    report = classroom.check_file(exercise, path, command=command, timeout=timeout)
    print(report.format())
    if report.passed:
        print(f"Now compare with the engine's version: {exercise.engine}")
    return 0 if report.passed else 1


def default_file(exercise) -> Path:
    """The file `tinygrad-rnn check 6` checks when given none: the stub in the project
    folder (examples/exercises/06_lstm_cell.py), or else 06_lstm_cell.py in the current
    folder - a student's own folder made by `tinygrad-rnn exercises init DIR`."""
    in_checkout = DEFAULT_FOLDER / exercise.filename
    here = Path(exercise.filename)
    if not in_checkout.is_file() and here.is_file():
        return here
    return in_checkout


def default_folder() -> Path:
    """The folder `tinygrad-rnn check all` grades when given none: examples/exercises in
    the project folder, or else the current folder if it holds exercise files."""
    if not DEFAULT_FOLDER.is_dir() and any(Path.cwd().glob("[0-9][0-9]_*.py")):
        return Path(".")
    return DEFAULT_FOLDER


def exercise_list(exercises) -> str:
    lines = ["Exercises, in teaching order (stubs in examples/exercises/):", ""]
    for exercise in exercises:
        lines.append(f"  {exercise.number:>2}  {exercise.name:<17} {exercise.title}")
    lines += [
        "",
        "Check one:   tinygrad-rnn check 6        (the stub examples/exercises/06_lstm_cell.py)",
        "             tinygrad-rnn check lstm_cell my_lstm.py",
        "Check all:   tinygrad-rnn check all [FOLDER]",
    ]
    return "\n".join(lines)


def unknown_exercise(key: str, exercises) -> str:
    names = ", ".join(exercise.name for exercise in exercises)
    return (
        f"check: no exercise {key!r}; use a number 1-{len(exercises)} or a name: {names} "
        "(tinygrad-rnn check --list)"
    )


def missing_file(path: Path, exercise, given: bool) -> str:
    if given:
        return f"check: no file {path}"
    return (
        f"check: no file {path} or {exercise.filename} under {Path.cwd()}; run from the "
        f"project folder, or give the path: tinygrad-rnn check {exercise.number} "
        f"path/to/{exercise.filename} (no stubs yet? tinygrad-rnn exercises init DIR)"
    )


def check_all(classroom, folder: Path, timeout: float) -> int:
    """One line per exercise found in `folder`; status 0 only if all of them pass."""
    if not folder.is_dir():
        hint = (
            "" if folder != DEFAULT_FOLDER else " (get the stubs: tinygrad-rnn exercises init DIR)"
        )
        raise CommandError(f"check all: no folder {folder}{hint}")
    rows = []
    all_passed = True
    for exercise in classroom.EXERCISES:
        path = folder / exercise.filename
        if not path.is_file():
            rows.append(f"  {exercise.number:>2}  {exercise.name:<17} no file {path.name}")
            all_passed = False
            continue
        report = classroom.check_file(exercise, path, timeout=timeout)
        all_passed = all_passed and report.passed
        rows.append(f"  {exercise.number:>2}  {exercise.name:<17} {status_words(report)}")
    print(f"Checking every exercise in {folder}:")
    print("\n".join(rows))
    if not all_passed:
        print(f"Details: tinygrad-rnn check NUMBER {folder}/NN_name.py")
    return 0 if all_passed else 1


def status_words(report) -> str:
    if report.problem:
        return "cannot be checked: " + report.problem.splitlines()[0]
    if report.not_implemented:
        return "not implemented yet"
    passed = report.count("pass")
    total = len(report.results)
    return f"{passed}/{total} cases passed" + ("" if passed < total else " ✓")
