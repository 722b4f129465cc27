"""The vanishing-gradient picture: ‖∂L/∂h_t‖ over t for nn.RNN, nn.GRU and nn.LSTM.

    python -m viz.vanishing -o docs/images/gradient_flow.png      # T = 50, H = 32

It needs matplotlib (`pip install 'tinygrad-rnn[plot]'`); without it, it says so in one
line before computing anything.

Every model reads the same random inputs, L = Σ h_T (so all gradient enters at the last
step), one backward pass, then `viz.gradient_flow` per model and `viz.plot_gradient_flow`
on a log scale. A fourth curve is an LSTM whose forget gates start open (bias 1 on the f
rows): its cell state carries the gradient back with far less decay.

Read next: flow.py (the table and the plot this uses).
"""

from __future__ import annotations

import argparse
import importlib.util

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn import nn

from .errors import RenderError, VizError
from .flow import GradientFlow, gradient_flow, plot_gradient_flow

PLOT_EXTRA = "pip install 'tinygrad-rnn[plot]'"  # the extra that brings matplotlib


def demo_flows(steps: int, hidden: int, seed: int, forget_bias: float) -> dict[str, GradientFlow]:
    """Same inputs through nn.RNN, nn.GRU, nn.LSTM (PyTorch's initialisation) and an
    nn.LSTM whose forget gates start open (bias `forget_bias` on the f rows, the usual
    trick, Jozefowicz et al. 2015). L = Σ h_T: every gradient enters at t = T."""
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m viz.vanishing",
        description="Plot ‖∂L/∂h_t‖ over t for nn.RNN, nn.GRU and nn.LSTM (L = Σ h_T).",
    )
    parser.add_argument("--steps", type=int, default=50, help="time steps T (50)")
    parser.add_argument("--hidden", type=int, default=32, help="hidden size H (32)")
    parser.add_argument("--forget-bias", type=float, default=1.0, help="of the 2nd LSTM (1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", default="gradient_flow.png", help=".png/.svg/.pdf")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("matplotlib") is None:
        parser.exit(1, f"{parser.prog}: error: the plot needs matplotlib: {PLOT_EXTRA}\n")
    flows = demo_flows(args.steps, args.hidden, args.seed, args.forget_bias)
    for name, flow in flows.items():
        first, last = flow.rows[0], flow.rows[-1]
        print(f"{name:22s} ‖∂L/∂h_1‖ = {first[1]:.3e}   ‖∂L/∂h_{last[0]}‖ = {last[1]:.3e}")
    title = f"Gradient reaching each time step (T = {args.steps}, H = {args.hidden}, L = Σ h_T)"
    try:
        path = plot_gradient_flow(flows, args.output, title=title)
    except (VizError, RenderError, OSError) as error:  # a bad -o path, a folder missing ...
        parser.exit(1, f"{parser.prog}: error: {error}\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
