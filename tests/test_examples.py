"""The examples run end to end (small settings) and reach what they promise."""

import re
from pathlib import Path

from helpers import run_example, run_script

ROOT = Path(__file__).resolve().parent.parent


def test_hello_rnn_and_lstm_learn_ello():
    out = run_example("02_hello.py", "--steps", "150")
    assert out.count("predicted 'ello' for 'hell': next-character accuracy 100%") == 2
    rnn, lstm = out.split("2. LSTM")
    for part in (rnn, lstm):  # one line per step: what it read and what it predicts
        steps = re.findall(r"t=(\d)  input '(\w)' -> predicts '(\w)'", part)
        assert steps == [("1", "h", "e"), ("2", "e", "l"), ("3", "l", "l"), ("4", "l", "o")]
        losses = [float(v) for v in re.findall(r"J = (\d+\.\d+)", part)]
        assert losses[-1] < 0.5 < losses[0]


def test_char_lstm_trains_saves_reloads_and_samples(tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("to be or not to be, that is the question.\n" * 40, encoding="utf-8")
    out_dir = tmp_path / "out"
    tiny = ["--hidden", "16", "--embedding", "8", "--batch-size", "4", "--seq-len", "8"]
    common = ["--data", str(text), "--out", str(out_dir), "--eval-every", "10"]
    out = run_example("05_char_lstm.py", *common, *tiny, "--steps", "20", "--sample-length", "30")
    assert "validation loss after 20 steps:" in out
    first = float(re.search(r"step\s+10 .* validation J (\d\.\d+) nats/char", out).group(1))
    last = float(re.search(r"after 20 steps: (\d\.\d+) nats/char", out).group(1))
    assert last < first
    assert "reloaded it at step 20" in out and "(the same)" in out
    samples = (out_dir / "samples.txt").read_text(encoding="utf-8")
    assert samples.count("--- temperature") == 3
    resumed = run_example("05_char_lstm.py", *common, "--steps", "30", "--resume")
    assert "resuming" in resumed and "after 30 steps" in resumed


def test_char_lstm_says_what_each_loss_is_and_fails_in_one_line(tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("to be or not to be, that is the question.\n" * 40, encoding="utf-8")
    tiny = ["--hidden", "8", "--embedding", "4", "--batch-size", "2", "--seq-len", "5"]
    out = run_example(
        "05_char_lstm.py", "--data", text, "--out", tmp_path, *tiny, "--steps", "4",
        "--eval-every", "2", "--sample-length", "5",
    )  # fmt: skip
    assert "the bar shows J of the latest batch" in out
    assert re.search(r"step\s+4  training J \d\.\d+ \(mean of the last 2 steps\)", out)
    for flags in (["--data", tmp_path / "missing.txt"], ["--resume", "--out", tmp_path / "no"]):
        failed = run_script("05_char_lstm.py", *flags, check=False)
        assert failed.returncode == 1 and "Traceback" not in failed.stderr
        assert failed.stderr.count("\n") == 1 and failed.stderr.startswith("error: ")
