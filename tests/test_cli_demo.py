"""`tinygrad-rnn demo`: the hello models reach 100 %, and the pictures are real files."""

import re
import sys
import xml.etree.ElementTree as ET

import pytest
from helpers import run_cli

from tinygrad_rnn.commands import demo
from viz import backend

needs_renderer = pytest.mark.skipif(
    backend.find_renderer() is None, reason="no Graphviz renderer (pip install graphviz-pure)"
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GRAPHS = ["rnn_bptt.svg", "rnn_bptt.png", "lstm_cell_state.svg", "lstm_cell_state.png"]


def svg_texts(path) -> list[str]:
    return ["".join(element.itertext()) for element in ET.parse(path).getroot().iter()]


@needs_renderer
def test_demo_learns_ello_and_writes_its_pictures(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out_dir = tmp_path / "pictures"
    status, out, err = run_cli(["demo", "--out", str(out_dir), "--flow-steps", "6"], capsys)
    assert status == 0, err
    accuracies = re.findall(r"next-character accuracy: (\d+)% \((\d)/4\), predicted '(\w+)'", out)
    assert accuracies == [("100", "4", "ello"), ("100", "4", "ello")]  # RNN, then LSTM
    rows = re.findall(r"^\s+(\d)  '(\w)'\s+'(\w)'\s+'(\w)' ok((?:\s+[01]\.\d\d){4})$", out, re.M)
    assert len(rows) == 8
    for t, read, target, guess, probabilities in rows:
        assert "hell"[int(t) - 1] == read and "ello"[int(t) - 1] == target == guess
        values = [float(v) for v in probabilities.split()]
        assert abs(sum(values) - 1) < 0.03 and max(values) == values["helo".index(guess)]
    losses = [float(v) for v in re.findall(r"(\d\.\d\d) \(step \d+\)", out)]
    assert losses[4] < 0.1 < losses[0] and losses[9] < 0.1 < losses[5]  # each curve goes down

    for name in GRAPHS + ["gradient_flow.png"]:
        assert str(out_dir / name) in out, name
    for name in GRAPHS:
        if name.endswith(".png"):
            assert (out_dir / name).read_bytes()[:8] == PNG_SIGNATURE
    rnn = svg_texts(out_dir / "rnn_bptt.svg")
    assert {"h_1", "h_4", "U", "W", "V", "b", "c", "t = 4"} <= set(rnn)
    lstm = svg_texts(out_dir / "lstm_cell_state.svg")
    assert {"c_0", "LSTM cell", "t = 4", "h_4 · 15 ops"} <= set(lstm)  # at detail cells
    assert any("cell state c_0 -> c_4 highlighted" in text for text in lstm)
    assert (out_dir / "gradient_flow.png").read_bytes()[:8] == PNG_SIGNATURE


@needs_renderer
def test_without_matplotlib_only_the_plot_is_skipped(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    status, out, err = run_cli(["demo", "--out", str(tmp_path), "--flow-steps", "4"], capsys)
    assert status == 0, err
    skipped = [line for line in out.splitlines() if "gradient_flow.png" in line]
    assert len(skipped) == 1 and "matplotlib is not installed" in skipped[0]
    assert not (tmp_path / "gradient_flow.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(GRAPHS)


def test_a_model_that_cannot_learn_in_time_fails_with_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(demo, "write_graph", lambda *args: None)  # no pictures needed here
    monkeypatch.setattr(demo, "write_gradient_flow", lambda *args: None)
    status, out, err = run_cli(["demo", "--out", str(tmp_path), "--max-steps", "2"], capsys)
    assert status == 1
    assert "did not reach" in out
    assert err.count("\n") == 1 and "--max-steps" in err


def test_sparkline_and_summary():
    assert demo.sparkline([3.0, 2.0, 1.0, 0.0]) == "█▆▃▁"
    assert demo.sparkline([1.0, 1.0]) == "▁▁"
    assert len(demo.sparkline(list(range(1000)), width=40)) == 40
    summary = demo.loss_summary([1.5, 1.0, 0.5, 0.25, 0.05])
    assert summary == (
        "1.50 (step 0) -> 1.00 (step 1) -> 0.50 (step 2) -> 0.25 (step 3) -> 0.05 (step 4)"
    )


def test_bad_flags_are_one_line_usage_errors(capsys):
    for args in (["demo", "--hidden", "0"], ["demo", "--max-steps", "x"]):
        status, _, err = run_cli(args, capsys)
        assert status == 2 and err.count("\n") == 1 and "error" in err
    status, _, err = run_cli(["demo", "--lr", "-1"], capsys)
    assert status == 1 and err.strip() == "tinygrad-rnn: error: --lr -1.0 must be a number > 0"


def test_help_lists_the_demo(capsys):
    status, out, _ = run_cli(["--help"], capsys)
    assert status == 0 and "demo" in out
    status, out, _ = run_cli(["demo", "--help"], capsys)
    assert status == 0 and "--out" in out and "ello" in out
