"""`tinygrad-rnn lesson`: list the lessons, or run one of them with its own flags.

    tinygrad-rnn lesson --list               # number, title, how long it runs
    tinygrad-rnn lesson 5 --steps 50         # examples/05_char_lstm.py --steps 50
    tinygrad-rnn lesson 5 --help             # the lesson's own flags
    tinygrad-rnn lesson char_lstm            # by name works too

The lessons are the scripts in examples/ (in an installed wheel: the same files, shipped
as tinygrad_rnn/_examples; see common.examples_folder). Everything after the lesson's
number goes to the lesson untouched: it runs as `python examples/05_char_lstm.py
--steps 50` would - as __main__, with sys.argv set to its flags - in this process, so its
output files land in the current folder. The title and the running time that --list
shows come from the lesson's own docstring: its first line, and the comment on the line
that shows how to run it with the defaults (`python examples/05_char_lstm.py  # about a
minute`).

`import_lesson(2)` gives a lesson as a module without running it, for a command that
reuses the lesson's code (the demo draws lesson 2's models).

Read next: exercises.py (the other command that hands out files from examples/).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import re
import runpy
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from .. import lesson_kit
from .common import CommandError, examples_folder

PLOT_EXTRA = "pip install 'tinygrad-rnn[plot]'"


@dataclass
class Lesson:
    """One lesson script: examples/05_char_lstm.py is number 5, name "char_lstm"."""

    number: int
    name: str
    path: Path


def add_command(subparsers) -> None:
    command = subparsers.add_parser(
        "lesson",
        help="list the lessons, or run one: tinygrad-rnn lesson 5 --steps 50",
        description=(
            "Run one of the lessons (the scripts in examples/) with its own flags, exactly "
            "as `python examples/NN_name.py FLAGS` would; it writes its output into the "
            "current folder. `tinygrad-rnn lesson N --help` shows lesson N's flags."
        ),
        epilog="examples: tinygrad-rnn lesson --list;  tinygrad-rnn lesson 5 --steps 50;  "
        "tinygrad-rnn lesson 5 --help",
    )
    command.add_argument("--list", action="store_true", help="list the lessons and exit")
    command.add_argument("lesson", nargs="?", help="the lesson: its number (5) or name (char_lstm)")
    command.add_argument(
        "flags",
        nargs=argparse.REMAINDER,
        help="the lesson's own flags, passed on untouched (see tinygrad-rnn lesson N --help)",
    )
    command.set_defaults(run=run_lesson_command)


def run_lesson_command(args: argparse.Namespace) -> int:
    lessons = find_lessons(examples_folder())
    if args.list or args.lesson is None:
        print(lesson_list(lessons))
        return 0
    lesson = pick_lesson(lessons, args.lesson)
    return run_lesson(lesson, args.flags)


# --------------------------------------------------------------------------------------
# Finding the lessons and what their docstrings say
# --------------------------------------------------------------------------------------
def find_lessons(folder: Path) -> list[Lesson]:
    """Every NN_name.py in `folder`, by number."""
    lessons = []
    for path in sorted(folder.glob("[0-9][0-9]_*.py")):
        number, _, name = path.stem.partition("_")
        lessons.append(Lesson(int(number), name, path))
    return lessons


def pick_lesson(lessons: list[Lesson], key: str) -> Lesson:
    """The lesson `key` names: a number ("5", "05"), a name ("char_lstm") or a file name
    ("05_char_lstm.py"). A key that names none is a one-line error."""
    stem = key[:-3] if key.endswith(".py") else key
    for lesson in lessons:
        if stem.isdigit() and int(stem) == lesson.number:
            return lesson
        if stem in (lesson.name, lesson.path.stem):
            return lesson
    numbers = f"{lessons[0].number}-{lessons[-1].number}" if lessons else "none installed"
    raise CommandError(
        f"lesson: no lesson {key!r}; the lessons are {numbers} (tinygrad-rnn lesson --list)"
    )


def lesson_docstring(path: Path) -> str:
    """The lesson's module docstring, read without running the lesson ("" if none)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return ast.get_docstring(tree) or ""


def lesson_title(docstring: str) -> str:
    """The docstring's first line without its "Lesson 5 - " / "Lesson 5: " prefix."""
    first = docstring.strip().splitlines()[0] if docstring.strip() else ""
    title = re.sub(r"^Lesson\s+\d+\s*[-:—]\s*", "", first).rstrip(".")
    return title[:1].upper() + title[1:]


def lesson_duration(docstring: str, lesson: Lesson) -> str:
    """How long the lesson runs with its defaults, as its docstring says on the line that
    runs it without flags (`python examples/05_char_lstm.py   # about a minute`); ""
    when the docstring does not say."""
    runs_it = (
        rf"(python\s+\S*{re.escape(lesson.path.name)}|tinygrad-rnn\s+lesson\s+{lesson.number})"
    )
    pattern = re.compile(rf"^\s*{runs_it}\s+#\s*(?P<duration>.+?)\s*$")
    for line in docstring.splitlines():
        found = pattern.match(line)
        if found:
            return found.group("duration")
    return ""


def lesson_list(lessons: list[Lesson]) -> str:
    """The table `tinygrad-rnn lesson --list` prints."""
    lines = [
        "Lessons (run one: tinygrad-rnn lesson N; its flags: tinygrad-rnn lesson N --help)",
        "",
    ]
    for lesson in lessons:
        docstring = lesson_docstring(lesson.path)
        line = f"  {lesson.number:>2}  {lesson_title(docstring)}"
        duration = lesson_duration(docstring, lesson)
        if duration:
            line += f"  [{duration}]"
        lines.append(line)
    lines += ["", f"The lessons' source: {lessons[0].path.parent}" if lessons else ""]
    return "\n".join(lines).rstrip()


# --------------------------------------------------------------------------------------
# Running one
# --------------------------------------------------------------------------------------
def run_lesson(lesson: Lesson, flags: list[str]) -> int:
    """Run the lesson as __main__ with `flags` as its command line; 0 when it finishes
    (a lesson that calls sys.exit, e.g. after --help, exits with its own status)."""
    try:
        with lesson_command_line(lesson.path, flags, f"tinygrad-rnn lesson {lesson.number}"):
            runpy.run_path(str(lesson.path), run_name="__main__")
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] == "matplotlib":  # the plot extra is missing
            raise CommandError(
                f"lesson {lesson.number} draws its plots with matplotlib, which is not "
                f"installed: {PLOT_EXTRA}"
            ) from None
        raise
    return 0


@contextmanager
def lesson_command_line(path: Path, flags: list[str], shown_as: str | None = None):
    """While the block runs, the process looks as if `python LESSON FLAGS` had started it:
    sys.argv is [LESSON, *flags] and the lesson's folder comes first on sys.path, as for
    any script. `shown_as` is what its usage line names ("tinygrad-rnn lesson 5")."""
    saved_argv, saved_path, saved_prog = sys.argv[:], sys.path[:], lesson_kit.shown_as
    sys.argv = [str(path), *flags]
    sys.path.insert(0, str(path.parent))
    lesson_kit.shown_as = shown_as
    try:
        yield
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
        lesson_kit.shown_as = saved_prog


def import_lesson(key: str) -> ModuleType:
    """The lesson `key` names (pick_lesson) as a module, its functions and classes ready
    to use; its `if __name__ == "__main__":` block does not run. Imported once, then
    taken from sys.modules (as lesson_02_hello for examples/02_hello.py)."""
    lesson = pick_lesson(find_lessons(examples_folder()), key)
    name = f"lesson_{lesson.path.stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, lesson.path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
