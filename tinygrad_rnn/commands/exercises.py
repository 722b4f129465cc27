"""`tinygrad-rnn exercises init DIR`: copy the exercise stubs into a folder of your own.

    tinygrad-rnn exercises init my-exercises          # 10 stubs + README.md
    cd my-exercises && tinygrad-rnn check 6           # grade 06_lstm_cell.py
    tinygrad-rnn check all my-exercises               # grade them all

What is copied: examples/exercises/NN_name.py (the task, the formula and `raise
NotImplementedError`) and examples/exercises/README.md - never the teachers' solutions,
which the wheel does not ship (the checker compares with the engine, not with them).
An existing file is left alone unless --force; then nothing is written at all.

Read next: check.py (the grading).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tinygrad_rnn.files import atomic_write

from .common import CommandError, examples_folder


def add_command(subparsers) -> None:
    command = subparsers.add_parser(
        "exercises",
        help="copy the exercise stubs into a folder: tinygrad-rnn exercises init DIR",
        description=(
            "Hand out the exercises: `init DIR` writes the ten exercise stubs and their "
            "README into DIR (created if missing). Then edit a stub and grade it with "
            "`tinygrad-rnn check NUMBER DIR/NN_name.py` or `tinygrad-rnn check all DIR`."
        ),
    )
    actions = command.add_subparsers(title="actions", metavar="ACTION")
    init = actions.add_parser(
        "init",
        help="write the exercise stubs and their README into DIR",
        description="Write the exercise stubs (NN_name.py) and README.md into DIR.",
    )
    init.add_argument("folder", metavar="DIR", help="the folder to write them into")
    init.add_argument(
        "--force", action="store_true", help="overwrite files that already exist in DIR"
    )
    init.set_defaults(run=run_init)
    command.set_defaults(run=run_without_action)


def run_without_action(args: argparse.Namespace) -> int:
    """`tinygrad-rnn exercises` alone: say what it can do."""
    raise CommandError("exercises: say what to do: tinygrad-rnn exercises init DIR")


def exercise_files(folder: Path) -> list[Path]:
    """The stubs and the README in an examples/exercises folder (not solutions/)."""
    files = sorted(folder.glob("[0-9][0-9]_*.py"))
    readme = folder / "README.md"
    if readme.is_file():
        files.append(readme)
    return files


def run_init(args: argparse.Namespace) -> int:
    sources = exercise_files(examples_folder() / "exercises")
    target = Path(args.folder)
    if target.exists() and not target.is_dir():
        raise CommandError(f"exercises init: {target} is a file, not a folder")
    existing = [target / source.name for source in sources if (target / source.name).exists()]
    if existing and not args.force:
        more = f" and {len(existing) - 1} more" if len(existing) > 1 else ""
        raise CommandError(
            f"exercises init: {existing[0]} already exists{more}; nothing was written "
            "(add --force to overwrite them)"
        )
    target.mkdir(parents=True, exist_ok=True)
    for source in sources:
        destination = target / source.name
        with atomic_write(destination) as file:
            file.write(source.read_bytes())
        print(f"wrote {destination}")
    print(
        f"Start with {target / sources[0].name}: replace `raise NotImplementedError`, then "
        f"tinygrad-rnn check 1 {target / sources[0].name}  (all: tinygrad-rnn check all {target})"
    )
    return 0
