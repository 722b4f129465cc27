"""What a newcomer reads after a run: the CLI suggests a --steps it can still train to,
and the default output folders follow one convention (lessonNN-out/)."""

import re
from pathlib import Path

from helpers import run_cli

from tinygrad_rnn.commands import charlm as charlm_command

ROOT = Path(__file__).resolve().parent.parent
TEXT = "to be or not to be, that is the question.\n" * 30
TINY = ["--hidden", "8", "--embedding", "4", "--batch-size", "2", "--seq-len", "5"]


def test_train_charlm_suggests_a_higher_target_than_the_one_it_reached(tmp_path, capsys):
    text = tmp_path / "text.txt"
    text.write_text(TEXT, encoding="utf-8")
    checkpoint = tmp_path / "lm.npz"
    command = ["train-charlm", "--data", text, "--checkpoint", checkpoint, *TINY]
    status, out, err = run_cli([*command, "--steps", "4", "--sample-length", "0"], capsys)
    assert status == 0, err
    hint = re.search(r"train it further with: tinygrad-rnn train-charlm (.*)", out).group(1)
    assert "--resume --steps 4000 " in hint + " "
    status, out, err = run_cli([*command[:-8], "--steps", "4", "--resume"], capsys)
    assert status == 0 and "nothing to train; to train it further:" in out
    assert "--resume --steps 4000" in out
    assert charlm_command.further_steps(4000) == 8000


def test_every_lesson_and_train_charlm_write_into_lessonNN_out():
    defaults = {}
    for path in sorted((ROOT / "examples").glob("[0-9][0-9]_*.py")):
        match = re.search(r'"--out",\s*default="([^"]+)"', path.read_text(encoding="utf-8"))
        if match:
            defaults[path.name[:2]] = match.group(1)
    assert defaults, "no lesson has an --out flag"
    for number, folder in defaults.items():
        assert folder.rstrip("/").removeprefix("./") == f"lesson{number}-out", (number, folder)
    assert charlm_command.DEFAULT_CHECKPOINT == f"{defaults['05'].removeprefix('./')}/charlm.npz"
