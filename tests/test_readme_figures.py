"""Figures the README states outside the lessons table come from the runs that make them
(the lessons table has tests/test_results_readme.py)."""

import re

from helpers import ROOT

from tinygrad_rnn.commands.vanishing import demo_flows


def test_the_vanishing_gradient_picture_caption():
    """The caption of docs/images/gradient_flow.png: ‖∂L/∂h_1‖ of the forget-bias LSTM and
    of the RNN, as `tinygrad-rnn vanishing` computes them with its defaults."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"decays far less \((\S+) at t = 1, against (\S+) for the RNN\)", readme)
    assert match, "the README's gradient-flow caption changed: update this test"
    flows = demo_flows(steps=50, hidden=32, seed=0, forget_bias=1.0)
    lstm_open = flows["LSTM, forget bias 1"].rows[0][1]
    rnn = flows["RNN"].rows[0][1]
    assert match.group(1) == f"{lstm_open:.0e}".replace("e-0", "e-")
    assert match.group(2) == f"{rnn:.0e}".replace("e-0", "e-")
