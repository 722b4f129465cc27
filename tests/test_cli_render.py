"""`tinygrad-rnn render`: writes a picture of a small model; mistakes are one-line errors."""

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import viz_graphs as vg
from helpers import run_cli

from viz import backend

needs_renderer = pytest.mark.skipif(
    backend.find_renderer() is None, reason="no Graphviz renderer (pip install graphviz-pure)"
)


@needs_renderer
def test_render_lstm_svg(tmp_path, capsys):
    target = tmp_path / "lstm.svg"
    args = ["render", "lstm", "--steps", "3", "--grads", "--highlight", "cell_state"]
    status, out, err = run_cli(args + ["-o", str(target)], capsys)
    assert status == 0
    # nothing on stderr but the slide check's advice (issue 18: too small for a slide)
    assert err == "" or (err.startswith("warning: at detail=ops") and "detail=cells fits" in err)
    assert "wrote" in out and str(target) in out
    texts = ["".join(e.itertext()) for e in ET.parse(target).getroot().iter()]
    assert "c_3" in texts and "t = 3" in texts


@needs_renderer
def test_render_rnn_png_at_detail_cells(tmp_path, capsys):
    target = tmp_path / "rnn.png"
    status, _, _ = run_cli(
        ["render", "rnn", "--steps", "12", "--detail", "cells", "-o", str(target)], capsys
    )
    assert status == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_render_dot_has_the_steps_and_layers(tmp_path, capsys):
    target = tmp_path / "gru.dot"
    args = ["render", "gru", "--steps", "5", "--layers", "2", "--detail", "cells"]
    status, _, _ = run_cli(args + ["-o", str(target)], capsys)
    assert status == 0
    dot = vg.read_dot(target.read_text())
    steps = [c for c in dot.clusters.values() if c["attrs"]["label"].startswith("<b>t = ")]
    assert len(steps) == 10  # 5 steps in each of 2 layers


def test_render_the_lessons_rnn_with_U_W_V(tmp_path, capsys):
    target = tmp_path / "elman.dot"
    status, _, _ = run_cli(
        ["render", "elman", "--steps", "3", "--loss", "all", "-o", str(target)], capsys
    )
    assert status == 0
    dot = vg.read_dot(target.read_text())
    labels = {dot.label_of(name) for name in dot.nodes}
    assert {"U", "W", "V", "b", "c", "h_3", "o_3", "L"} <= labels


@pytest.mark.parametrize(
    "args, words",
    [
        (["render", "lstm", "--steps", "0"], "--steps: 0 must be at least 1"),
        (["render", "lstm", "--steps", "many"], "not a whole number"),
        (["render", "transformer"], "invalid choice"),
        (["render", "rnn", "--detail", "gates"], "invalid choice"),
        (["render", "rnn", "--colour"], "unrecognized arguments"),
        (["fly"], "invalid choice"),
    ],
)
def test_bad_flags_are_one_line_usage_errors(args, words, capsys):
    status, out, err = run_cli(args, capsys)
    assert status == 2
    assert err.count("\n") == 1 and words in err and "Traceback" not in err


@pytest.mark.parametrize(
    "args, words",
    [
        (["render", "gru", "--highlight", "cell_state"], "only an LSTM has a cell state"),
        (["render", "rnn", "-o", "/no/such/folder/rnn.svg"], "does not exist"),
        (["render", "lstm", "--steps", "40", "--max-nodes", "50"], "detail='cells'"),
        (["render", "rnn", "-o", "picture.bmp"], "cannot tell the format"),
    ],
)
def test_problems_are_one_line_errors(args, words, capsys):
    status, out, err = run_cli(args, capsys)
    assert status == 1
    assert err.count("\n") == 1 and words in err and err.startswith("tinygrad-rnn: error:")


def test_attention_is_explained_until_it_exists(tmp_path, capsys):
    from tinygrad_rnn import functional

    status, _, err = run_cli(["render", "attention", "-o", str(tmp_path / "a.dot")], capsys)
    if hasattr(functional, "attention"):
        assert status == 0
    else:
        assert status == 1 and "not available yet" in err


def test_help_and_module_entry_point():
    finished = subprocess.run(
        [sys.executable, "-m", "tinygrad_rnn", "--help"], capture_output=True, text=True
    )
    assert finished.returncode == 0 and "render" in finished.stdout
    finished = subprocess.run(
        [sys.executable, "-m", "tinygrad_rnn", "render", "--help"], capture_output=True, text=True
    )
    assert finished.returncode == 0 and "--highlight" in finished.stdout


def test_render_player_at_detail_cells_steps_cell_by_cell(tmp_path, capsys):
    target = tmp_path / "cells.html"
    args = ["render", "lstm", "--steps", "3", "--detail", "cells", "--player", "-o", str(target)]
    status, out, _ = run_cli(args, capsys)
    assert status == 0 and "detail = cells" in out
    page = target.read_text(encoding="utf-8")
    assert '"detail": "cells"' in page
    for t in (1, 2, 3):  # one box per LSTM cell, each a step of the page
        assert f"c_{t}" in page
