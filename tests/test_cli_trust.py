"""`tinygrad-rnn` with the input a user really types: every mistake is one line on stderr
(no traceback) that says what to do, no run is lost at its first save, no file is
replaced that the user did not name, `| head` ends quietly and Ctrl-C is one line.

Sections: closed pipes and Ctrl-C; train-charlm's checkpoint checked before training;
--data files that are not text; sample; render; demo; negative numbers.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import run_cli

import tinygrad_rnn as tg
from tinygrad_rnn import charlm, cli, files, nn
from tinygrad_rnn import word2vec as w2v

ROOT = Path(__file__).resolve().parent.parent
TEXT = (
    "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
) * 12
TINY = ["--hidden", "6", "--embedding", "4", "--batch-size", "2", "--seq-len", "5"]
is_root = hasattr(os, "geteuid") and os.geteuid() == 0
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes and signals")


def error_line(err: str) -> str:
    """The one line on stderr (progress bars aside), checked to be a tinygrad-rnn error."""
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("train")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("tinygrad-rnn: error: "), lines[0]
    assert " — at " not in lines[0]  # a frame of runpy means nothing on the command line
    return lines[0]


def fails(args, capsys, *phrases, status: int = 1) -> str:
    """Run the command; it must fail with `status` and one line holding every phrase."""
    code, out, err = run_cli(args, capsys)
    assert code == status, (code, out, err)
    line = error_line(err) if status == 1 else err.strip()
    for phrase in phrases:
        assert phrase in line, f"{phrase!r} not in {line!r}"
    return out


@pytest.fixture
def text_file(tmp_path) -> Path:
    path = tmp_path / "plays.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.fixture
def checkpoint(tmp_path) -> Path:
    """A char-LM checkpoint of an untrained tiny run (sampling needs no training)."""
    config = charlm.CharLMConfig(embedding_dim=4, hidden_size=6, batch_size=2, seq_len=5)
    corpus = charlm.prepare_corpus(TEXT, config)
    run = charlm.new_run(corpus.vocab, config, corpus.fingerprint)
    return charlm.save_checkpoint(run, tmp_path / "lm.npz")


def train(text_file: Path, checkpoint: Path, *extra) -> list:
    return ["train-charlm", "--data", text_file, "--checkpoint", checkpoint, "--steps", "1",
            "--sample-length", "0", *TINY, *extra]  # fmt: skip


def python_m(*args: str, **popen) -> subprocess.Popen:
    """`python -m tinygrad_rnn ARGS` in a fresh process, unbuffered."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "tinygrad_rnn", *[str(a) for a in args]],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True, **popen,
    )  # fmt: skip


# --------------------------------------------------------------------------------------
# A closed pipe and Ctrl-C
# --------------------------------------------------------------------------------------
@posix_only
def test_sample_into_a_closed_pipe_ends_quietly_with_141(checkpoint):
    process = python_m("sample", "--checkpoint", checkpoint, "-n", "20", stdout=subprocess.PIPE)
    process.stdout.close()  # the reader has gone, as `| head` does after its lines
    _, err = process.communicate(timeout=120)
    assert process.returncode == cli.BROKEN_PIPE_STATUS == 141
    assert err == ""  # no "error: [Errno 32] Broken pipe", no "Exception ignored"


@posix_only
def test_head_of_the_help_text_is_quiet():
    reader, writer = os.pipe()
    os.close(reader)
    process = python_m("render", "--help", stdout=writer)
    os.close(writer)
    _, err = process.communicate(timeout=120)
    assert process.returncode in (0, 141) and err == ""  # argparse ignores the failed write


class ClosedPipe:
    """A stdout whose reader has gone: every write raises BrokenPipeError."""

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self):
        pass


@pytest.mark.parametrize(
    "args",
    [
        ["sample", "-n", "5"],
        ["render", "rnn", "--steps", "2", "-o", "graph.dot"],
        ["--help"],
        ["sample", "--help"],
    ],
)
def test_every_command_ends_quietly_on_a_broken_pipe(args, checkpoint, monkeypatch, capsys):
    monkeypatch.chdir(checkpoint.parent)
    if args[0] == "sample" and "--help" not in args:
        args = args + ["--checkpoint", checkpoint]
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    status = cli.main([str(a) for a in args])
    # argparse itself ignores a failed write of --help and exits with 0: quiet too
    assert status == (0 if "--help" in args else 141)
    assert capsys.readouterr().err == ""


def test_ctrl_c_outside_training_is_one_line(checkpoint, monkeypatch, capsys):
    def interrupted(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(charlm, "load_checkpoint", interrupted)
    status, out, err = run_cli(["sample", "--checkpoint", checkpoint], capsys)
    assert status == 130
    assert err == "tinygrad-rnn: interrupted\n"


@posix_only
def test_ctrl_c_while_sampling_is_one_line(checkpoint):
    process = python_m("sample", "--checkpoint", checkpoint, "-n", "100000",
                       stdout=subprocess.PIPE)  # fmt: skip
    try:
        assert "vocabulary of" in process.stdout.readline()
        time.sleep(0.5)  # sampling the first 100 000 characters
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert err == "tinygrad-rnn: interrupted\n"


# --------------------------------------------------------------------------------------
# train-charlm: the checkpoint is checked before training
# --------------------------------------------------------------------------------------
def assert_nothing_trained(out: str) -> None:
    assert "starting at step" not in out and "text:" not in out


def test_a_checkpoint_path_that_is_a_folder(text_file, tmp_path, capsys):
    (tmp_path / "runs").mkdir()
    out = fails(train(text_file, tmp_path / "runs"), capsys, "runs' is a folder",
                "give a file name inside it")  # fmt: skip
    assert_nothing_trained(out)
    assert sorted(os.listdir(tmp_path)) == ["plays.txt", "runs"]  # no runs.npz beside it


def test_a_checkpoint_path_under_a_file(text_file, tmp_path, capsys):
    out = fails(train(text_file, text_file / "lm.npz"), capsys, "cannot save the checkpoint",
                "plays.txt' is a file, not a folder")  # fmt: skip
    assert_nothing_trained(out)


def refuse_temp_files(monkeypatch) -> None:
    """Make every atomic write fail as in a folder that refuses new files (even as root)."""
    real_open = os.open

    def no_permission(path, flags, mode=0o777, **kwargs):
        if str(path).endswith(".tmp"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, mode, **kwargs)

    monkeypatch.setattr(files.os, "open", no_permission)


def test_a_folder_that_refuses_new_files(text_file, tmp_path, monkeypatch, capsys):
    refuse_temp_files(monkeypatch)
    out = fails(train(text_file, tmp_path / "ro" / "lm.npz"), capsys,
                "cannot save the checkpoint", "Permission denied")  # fmt: skip
    assert_nothing_trained(out)
    assert sorted(os.listdir(tmp_path)) == ["plays.txt"]  # no stray folder or probe file


@pytest.mark.skipif(is_root or sys.platform == "win32", reason="root may write anywhere")
def test_a_read_only_folder(text_file, tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o555)
    try:
        out = fails(train(text_file, folder / "lm.npz"), capsys, "Permission denied")
    finally:
        os.chmod(folder, 0o755)
    assert_nothing_trained(out)
    assert os.listdir(folder) == []


def test_an_existing_checkpoint_is_not_replaced_by_a_new_run(text_file, checkpoint, capsys):
    before = checkpoint.read_bytes()
    out = fails(train(text_file, checkpoint), capsys, "lm.npz already exists",
                "add --resume to continue it, --overwrite to replace it")  # fmt: skip
    assert_nothing_trained(out)
    assert checkpoint.read_bytes() == before
    without_suffix = checkpoint.with_suffix("")  # "lm" means lm.npz, as in tg.save
    fails(train(text_file, without_suffix), capsys, "lm.npz already exists")
    fails(train(text_file, checkpoint, "--resume", "--overwrite"), capsys, "pick one")
    assert checkpoint.read_bytes() == before


def test_a_file_that_is_not_a_checkpoint_is_not_replaced_either(text_file, tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    fails(train(text_file, notes), capsys, "notes.txt already exists")
    assert notes.read_text() == "my notes"


def test_overwrite_starts_a_new_run(text_file, checkpoint, capsys):
    status, out, err = run_cli(train(text_file, checkpoint, "--overwrite"), capsys)
    assert status == 0, err
    assert "starting at step 0" in out
    assert charlm.load_checkpoint(checkpoint).step == 1


def test_resume_from_a_folder_or_another_models_checkpoint(text_file, tmp_path, capsys):
    (tmp_path / "runs").mkdir()
    fails(train(text_file, tmp_path / "runs", "--resume"), capsys, "runs' is a folder")
    tg.save(nn.Linear(2, 2), tmp_path / "linear.npz")
    fails(train(text_file, tmp_path / "linear.npz", "--resume"), capsys,
          "linear.npz is a checkpoint of a Linear")  # fmt: skip


# --------------------------------------------------------------------------------------
# --data that is not a text file
# --------------------------------------------------------------------------------------
def sparse_file(path: Path, size: int) -> Path:
    with open(path, "wb") as file:
        file.truncate(size)
    return path


@pytest.mark.parametrize(
    "make, phrase",
    [
        (lambda tmp: Path("/dev/zero"), "is a device, not a regular file"),
        (lambda tmp: tmp, "is a folder, expected a text file"),
        (lambda tmp: tmp / "missing.txt", "does not exist"),
        (lambda tmp: sparse_file(tmp / "huge.txt", 300 * 2**20), "is 300 MB, more than the 200"),
        (lambda tmp: sparse_file(tmp / "zeros.txt", 1000), "looks binary"),
        (lambda tmp: tmp / "latin1.txt", "is not UTF-8 text"),
        (lambda tmp: tmp / "blank.txt", "is empty"),
    ],
)
def test_data_that_is_not_a_text_file_is_one_line(make, phrase, tmp_path, capsys):
    (tmp_path / "latin1.txt").write_bytes("café crème".encode("latin-1") * 50)
    (tmp_path / "blank.txt").write_text("\n\n  \n")
    if sys.platform == "win32" and "device" in phrase:
        pytest.skip("no /dev/zero")
    out = fails(train(make(tmp_path), tmp_path / "new.npz"), capsys, phrase)
    assert_nothing_trained(out)
    assert not (tmp_path / "new.npz").exists()


@posix_only
def test_data_from_a_named_pipe_does_not_wait_forever(tmp_path, capsys):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    fails(train(fifo, tmp_path / "new.npz"), capsys, "pipe.txt' is a named pipe (FIFO)")


# --------------------------------------------------------------------------------------
# sample
# --------------------------------------------------------------------------------------
def test_sample_without_any_checkpoint_says_how_to_make_one(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    fails(["sample"], capsys, "no checkpoint file at lesson05-out/charlm.npz",
          "train one first with `tinygrad-rnn train-charlm`")  # fmt: skip


def test_sample_from_files_that_are_not_char_lm_checkpoints(tmp_path, capsys):
    (tmp_path / "runs").mkdir()
    (tmp_path / "empty.npz").write_bytes(b"")
    (tmp_path / "notes.npz").write_text("hello")
    tg.save(nn.GRU(3, 4), tmp_path / "gru.npz")
    w2v.save_word_vectors(tmp_path / "vectors.npz", ["a"], np.ones((1, 2)))
    cases = {
        "runs": "runs is a directory, not a checkpoint file",
        "empty.npz": "empty.npz is empty (0 bytes)",
        "notes.npz": "notes.npz is not an .npz checkpoint",
        "gru.npz": "gru.npz is a checkpoint of a GRU (written by tg.save), not a char-LM run",
        "vectors.npz": "vectors.npz is not a char-LM checkpoint",
    }
    for name, phrase in cases.items():
        fails(["sample", "--checkpoint", tmp_path / name], capsys, phrase)


@posix_only
def test_sample_from_a_pipe_or_a_device(tmp_path, capsys):
    os.mkfifo(tmp_path / "pipe.npz")
    fails(["sample", "--checkpoint", tmp_path / "pipe.npz"], capsys, "is a named pipe (FIFO)")
    fails(["sample", "--checkpoint", "/dev/zero"], capsys, "/dev/zero is a device")


def test_sample_from_a_checkpoint_with_nan_weights(checkpoint, capsys):
    with np.load(checkpoint) as archive:
        arrays = dict(archive)
    arrays["model.fc.bias"] = np.full_like(arrays["model.fc.bias"], np.nan)
    np.savez(checkpoint, **arrays)
    fails(["sample", "--checkpoint", checkpoint], capsys,
          "parameter 'model.fc.bias' holds NaN or inf")  # fmt: skip


def test_a_prime_with_unknown_characters_is_not_silently_unk(checkpoint, capsys):
    status, out, err = run_cli(
        ["sample", "--checkpoint", checkpoint, "-n", "3", "--prime", "Zebra#"], capsys
    )
    assert status == 0
    assert "warning: --prime has characters the model's vocabulary does not hold: '#Zb'" in err


# --------------------------------------------------------------------------------------
# render
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "output, phrase",
    [
        ("missing/graph.dot", "folder 'missing' does not exist; create it first"),
        ("notes.txt/graph.dot", "'notes.txt' is a file, not a folder"),
        ("pictures", "cannot tell the format of 'pictures'"),
        ("pictures.dot", "'pictures.dot' is a folder; give a file name inside it"),
        ("graph.bmp", "cannot tell the format of 'graph.bmp'; use one of .svg"),
        ("graph.html", "is a web page; add --player"),
    ],
)
def test_render_to_places_it_cannot_write(output, phrase, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("notes.txt").write_text("x")
    Path("pictures").mkdir()
    Path("pictures.dot").mkdir()
    fails(["render", "rnn", "--steps", "2", "-o", output], capsys, phrase)
    assert sorted(os.listdir(tmp_path)) == ["notes.txt", "pictures", "pictures.dot"]


def test_render_player_to_a_picture_name(tmp_path, capsys):
    fails(["render", "rnn", "--player", "-o", tmp_path / "a.svg"], capsys,
          "writes an HTML page; give a path ending in .html")  # fmt: skip


def test_render_refuses_a_huge_unroll_at_once(tmp_path, capsys):
    started = time.perf_counter()
    fails(["render", "lstm", "--steps", "1000000", "-o", tmp_path / "g.dot"], capsys,
          "--steps 1000000 x --layers 1 draws at least 1,000,000 boxes",
          "more than max_nodes=2000")  # fmt: skip
    assert time.perf_counter() - started < 5  # refused before building the graph


def test_render_without_a_renderer_keeps_the_users_dot_file(tmp_path, monkeypatch, capsys):
    from viz import backend

    monkeypatch.setattr(backend, "find_renderer", lambda: None)
    (tmp_path / "fig.dot").write_text("my hand-made graph")
    fresh = tmp_path / "fig-1.dot"
    args = ["render", "rnn", "--steps", "2", "-o", tmp_path / "fig.svg"]
    fails(args, capsys, "no Graphviz renderer found", f"written as DOT to '{fresh}'")
    assert (tmp_path / "fig.dot").read_text() == "my hand-made graph"
    assert (tmp_path / "fig-1.dot").read_text().startswith("digraph")


# --------------------------------------------------------------------------------------
# demo
# --------------------------------------------------------------------------------------
def test_demo_out_is_a_file(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("x")
    fails(["demo", "--out", tmp_path / "notes.txt"], capsys,
          "notes.txt is a file; give a folder for the pictures")  # fmt: skip
    assert (tmp_path / "notes.txt").read_text() == "x"


def test_demo_out_where_nothing_can_be_written(tmp_path, monkeypatch, capsys):
    refuse_temp_files(monkeypatch)
    out = fails(["demo", "--out", tmp_path / "pics"], capsys,
                "cannot write pictures there", "Permission denied")  # fmt: skip
    assert "hello" not in out  # refused before training


# --------------------------------------------------------------------------------------
# Negative and zero numbers
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, phrase",
    [
        (["sample", "--seed", "-1"], "-1 must be 0 or more"),
        (["render", "rnn", "--seed", "-3"], "-3 must be 0 or more"),
        (["demo", "--seed", "-1"], "-1 must be 0 or more"),
        (["train-charlm", "--seed", "-1"], "-1 must be 0 or more"),
        (["train-charlm", "--eval-every", "0"], "0 must be at least 1"),
        (["train-charlm", "--hidden", "-4"], "-4 must be at least 1"),
        (["train-charlm", "--clip", "0"], "0 must be a number > 0"),
        (["render", "gru", "--layers", "0"], "0 must be at least 1"),
        (["render", "gru", "--max-nodes", "-1"], "-1 must be at least 1"),
        (["demo", "--flow-steps", "0"], "0 must be at least 1"),
    ],
)
def test_negative_and_zero_numbers_are_usage_errors(args, phrase, capsys):
    status, _, err = run_cli(args, capsys)
    assert status == 2
    assert err.count("\n") == 1 and phrase in err and "Traceback" not in err
