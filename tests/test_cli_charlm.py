"""`tinygrad-rnn train-charlm` and `tinygrad-rnn sample`: training, resuming (also after
Ctrl-C), sampling, and one-line errors for bad files and flags."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import run_cli

from tinygrad_rnn import charlm

ROOT = Path(__file__).resolve().parent.parent
TEXT = (
    "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
    "First Citizen:\nYou are all resolved rather to die than to famish?\n\nAll:\nResolved.\n\n"
) * 12
TINY = ["--hidden", "8", "--embedding", "4", "--batch-size", "2", "--seq-len", "5"]


def error_line(err: str) -> str:
    """The one line the command wrote on stderr (the progress bar excluded)."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def text_file(tmp_path) -> Path:
    path = tmp_path / "plays.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def train_args(text_file: Path, checkpoint: Path, steps: int, *extra) -> list:
    return ["train-charlm", "--data", text_file, "--checkpoint", checkpoint,
            "--steps", steps, *TINY, *extra]  # fmt: skip


def test_train_resume_and_sample(text_file, tmp_path, capsys):
    checkpoint = tmp_path / "out" / "lm.npz"
    status, out, err = run_cli(train_args(text_file, checkpoint, 6, "--eval-every", "3"), capsys)
    assert status == 0, err
    assert "step     3" in out and "nats/char" in out
    assert "validation loss after 6 steps:" in out
    assert charlm.load_checkpoint(checkpoint).step == 6

    status, out, err = run_cli(train_args(text_file, checkpoint, 9, "--resume"), capsys)
    assert status == 0, err
    assert "resuming at step 6, training until step 9" in out
    assert charlm.load_checkpoint(checkpoint).step == 9

    status, out, err = run_cli(train_args(text_file, checkpoint, 9, "--resume"), capsys)
    assert status == 0 and "nothing to train" in out

    sample = ["sample", "--checkpoint", checkpoint, "-n", "25", "--seed", "3"]
    status, out, err = run_cli(sample + ["-t", "0.5", "0"], capsys)
    assert status == 0, err
    assert "--- temperature 0.5 ---" in out and "--- temperature 0 ---" in out
    status, again, _ = run_cli(sample + ["-t", "0.5", "0"], capsys)
    assert again == out  # a fixed seed gives the same text


def test_resume_refuses_flags_that_change_the_run(text_file, tmp_path, capsys):
    checkpoint = tmp_path / "lm.npz"
    run_cli(train_args(text_file, checkpoint, 2, "--sample-length", "0"), capsys)
    args = train_args(text_file, checkpoint, 4, "--resume")
    args[args.index("--hidden") + 1] = "16"
    status, _, err = run_cli(args, capsys)
    assert status == 1
    assert "--hidden 16 differs from the checkpoint's 8" in error_line(err)


def test_data_file_errors_are_one_line(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    binary = tmp_path / "weights.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    short = tmp_path / "short.txt"
    short.write_text("To be.", encoding="utf-8")
    cases = {
        tmp_path / "missing.txt": "does not exist",
        empty: "is empty",
        binary: "binary",
        short: "too short",
        tmp_path: "is a folder",
    }
    for path, message in cases.items():
        status, out, err = run_cli(train_args(path, tmp_path / "lm.npz", 3), capsys)
        assert status == 1, (path, out, err)
        line = error_line(err)
        assert line.startswith("tinygrad-rnn: error:") and message in line, line
    assert not (tmp_path / "lm.npz").exists()


def test_checkpoint_errors_are_one_line(tmp_path, text_file, capsys):
    status, _, err = run_cli(["sample", "--checkpoint", tmp_path / "none.npz"], capsys)
    assert status == 1 and "no checkpoint file" in error_line(err)
    not_npz = tmp_path / "notes.npz"
    not_npz.write_text("hello", encoding="utf-8")
    status, _, err = run_cli(["sample", "--checkpoint", not_npz], capsys)
    assert status == 1 and "not an .npz checkpoint" in error_line(err)
    status, _, err = run_cli(train_args(text_file, tmp_path / "none.npz", 3, "--resume"), capsys)
    assert status == 1 and "--resume: no checkpoint" in error_line(err)


@pytest.mark.parametrize(
    "args, message",
    [
        (["sample", "-t", "-1"], "temperature -1 must be a number >= 0"),
        (["sample", "-t", "hot"], "temperature 'hot' is not a number"),
        (["sample", "-t", "nan"], "temperature nan must be a number >= 0"),
        (["sample", "-n", "0"], "0 must be at least 1"),
        (["train-charlm", "--steps", "0"], "0 must be at least 1"),
        (["train-charlm", "--lr", "-3"], "-3 must be a number > 0"),
        (["train-charlm", "--val-fraction", "1.5"], "1.5 must be between 0 and 1"),
        (["train-charlm", "--sample-length", "-2"], "-2 must be 0 or more"),
        (["train-charlm", "--unknown"], "unrecognized arguments: --unknown"),
    ],
)
def test_bad_flags_are_one_line_usage_errors(args, message, capsys):
    status, _, err = run_cli(args, capsys)
    assert status == 2
    assert message in error_line(err)


def test_help(capsys):
    for command, phrase in (("train-charlm", "--resume"), ("sample", "--temperature")):
        status, out, _ = run_cli([command, "--help"], capsys)
        assert status == 0 and phrase in out


def test_ctrl_c_saves_a_checkpoint_that_resumes_exactly(text_file, tmp_path, capsys):
    checkpoint = tmp_path / "lm.npz"
    args = train_args(text_file, checkpoint, 10**6, "--eval-every", 10**6)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "tinygrad_rnn", *[str(a) for a in args]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_lines = [process.stdout.readline() for _ in range(4)]
        assert "training until step 1000000" in first_lines[-1], first_lines
        time.sleep(1.5)  # some hundred steps
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert "interrupted: saved" in out and "--resume" in out
    assert "Traceback" not in err
    stopped_at = charlm.load_checkpoint(checkpoint).step
    assert stopped_at > 0

    # resume for 3 more steps = an uninterrupted run of stopped_at + 3 steps
    status, _, err = run_cli(train_args(text_file, checkpoint, stopped_at + 3, "--resume"), capsys)
    assert status == 0, err
    resumed = charlm.load_checkpoint(checkpoint)
    config = resumed.config
    corpus = charlm.prepare_corpus(TEXT, config)
    straight = charlm.new_run(corpus.vocab, config)
    for _ in charlm.train(straight, corpus.train, until_step=stopped_at + 3):
        pass
    assert resumed.step == straight.step == stopped_at + 3
    for name, array in straight.model.state_dict().items():
        assert np.array_equal(array, resumed.model.state_dict()[name]), name
