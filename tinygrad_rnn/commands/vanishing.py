"""`tinygrad-rnn vanishing`: the vanishing-gradient picture, ‖∂L/∂h_t‖ over t for
nn.RNN, nn.GRU and nn.LSTM.

    tinygrad-rnn vanishing -o docs/images/gradient_flow.png      # T = 50, H = 32

It needs matplotlib (`pip install 'tinygrad-rnn[plot]'`); without it, it says so in one
line before computing anything.

Every model reads the same random inputs, L = Σ h_T (so all gradient enters at the last
step), one backward pass, then `viz.gradient_flow` per model and `viz.plot_gradient_flow`
on a log scale. A fourth curve is an LSTM whose forget gates start open (bias 1 on the f
rows): its cell state carries the gradient back with far less decay. `tinygrad-rnn demo`
prints the same comparison (`demo_flows`).

Read next: viz/flow.py (the table and the plot this uses).
"""

from __future__ import annotations

import argparse
import importlib.util
from typing import TYPE_CHECKING

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn import nn

from .common import CommandError, nonnegative_int, positive_int

if TYPE_CHECKING:
    from viz import GradientFlow

PLOT_EXTRA = "pip install 'tinygrad-rnn[plot]'"  # the extra that brings matplotlib


def add_command(subparsers) -> None:
    command = subparsers.add_parser(
        "vanishing",
        help="plot ‖∂L/∂h_t‖ over t for nn.RNN, nn.GRU and nn.LSTM (needs matplotlib)",
        description="Plot ‖∂L/∂h_t‖ over t for nn.RNN, nn.GRU and nn.LSTM (L = Σ h_T).",
    )
    command.add_argument("--steps", type=positive_int, default=50, help="time steps T (50)")
    command.add_argument("--hidden", type=positive_int, default=32, help="hidden size H (32)")
    command.add_argument("--forget-bias", type=float, default=1.0, help="of the 2nd LSTM (1)")
    command.add_argument("--seed", type=nonnegative_int, default=0)
    command.add_argument("-o", "--output", default="gradient_flow.png", help=".png/.svg/.pdf")
    command.set_defaults(run=run_vanishing)


def demo_flows(steps: int, hidden: int, seed: int, forget_bias: float) -> dict[str, GradientFlow]:
    """Same inputs through nn.RNN, nn.GRU, nn.LSTM (PyTorch's initialisation) and an
    nn.LSTM whose forget gates start open (bias `forget_bias` on the f rows, the usual
    trick, Jozefowicz et al. 2015). L = Σ h_T: every gradient enters at t = T."""
    from viz import gradient_flow

    x = np.random.default_rng(seed).normal(size=(steps, 4, 8))  # (T, B, D)
    models = [("RNN", nn.RNN, None), ("GRU", nn.GRU, None), ("LSTM", nn.LSTM, None)]
    models.append((f"LSTM, forget bias {forget_bias:g}", nn.LSTM, forget_bias))
    flows = {}
    for name, layer_class, bias in models:
        tg.manual_seed(seed)
        layer = layer_class(8, hidden)
        if bias is not None:
            layer.bias_ih_l0.data[hidden : 2 * hidden] = bias  # rows i, f, g, o: f
            layer.bias_hh_l0.data[hidden : 2 * hidden] = 0.0
        output, _ = layer(tg.tensor(x))
        loss = output[-1].sum()
        loss.backward()
        flows[name] = gradient_flow(loss)
    return flows


def run_vanishing(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("matplotlib") is None:
        raise CommandError(f"the plot needs matplotlib: {PLOT_EXTRA}")
    import viz

    flows = demo_flows(args.steps, args.hidden, args.seed, args.forget_bias)
    for name, flow in flows.items():
        first, last = flow.rows[0], flow.rows[-1]
        print(f"{name:22s} ‖∂L/∂h_1‖ = {first[1]:.3e}   ‖∂L/∂h_{last[0]}‖ = {last[1]:.3e}")
    title = f"Gradient reaching each time step (T = {args.steps}, H = {args.hidden}, L = Σ h_T)"
    try:
        path = viz.plot_gradient_flow(flows, args.output, title=title)
    except (viz.VizError, viz.RenderError, OSError) as error:  # a bad -o path, no folder ...
        raise CommandError(str(error)) from None
    print(f"wrote {path}")
    return 0
