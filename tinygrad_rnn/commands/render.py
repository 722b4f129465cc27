"""`tinygrad-rnn render`: draw a small model's unrolled graph after one backward pass.

    tinygrad-rnn render lstm --steps 4 --grads --highlight cell_state -o lstm.svg
    tinygrad-rnn render rnn --steps 30 --detail cells --grads -o rnn30.png
    tinygrad-rnn render elman --steps 3 --player -o bptt.html   # step through backward
    tinygrad-rnn render lstm --steps 30 --detail cells --player -o cells.html   # cell by cell
    tinygrad-rnn render lstm --steps 20 --detail cells --theme slides -o talk.svg

A picture that does not fit a 1920×1080 slide legibly (aspect 4:3..21:9, text at least
12 px once scaled to the slide: viz/slides.py) is still written, and a warning on stderr
gives its measured size and the detail level that fits.

Read next: viz/__init__.py (what this command calls).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from .common import CommandError, nonnegative_int, positive_int

MODELS = ("rnn", "lstm", "gru", "elman", "attention")


def add_command(subparsers) -> None:
    command = subparsers.add_parser(
        "render",
        help="draw the unrolled graph of a small RNN/LSTM/GRU after one backward pass",
        description=(
            "Build a small recurrent model, run one forward and backward pass on random "
            "inputs, and draw its unrolled computation graph (time steps left to right). "
            "The format comes from the extension of -o: .svg, .png, .pdf (needs the "
            "system Graphviz), .dot."
        ),
    )
    command.add_argument(
        "model",
        choices=MODELS,
        help="nn.RNN, nn.LSTM, nn.GRU, the lessons' RNN with U, W, V, b, c (nn.ElmanRNN), "
        "or a GRU encoder with dot-product attention",
    )
    command.add_argument("--steps", type=positive_int, default=4, help="time steps T (4)")
    command.add_argument("--hidden", type=positive_int, default=3, help="hidden size H (3)")
    command.add_argument("--input-size", type=positive_int, default=2, help="input size D (2)")
    command.add_argument("--batch", type=positive_int, default=1, help="batch size B (1)")
    command.add_argument("--layers", type=positive_int, default=1, help="stacked layers (1)")
    command.add_argument("--seed", type=nonnegative_int, default=0, help="random seed (0)")
    add_picture_options(command)
    command.add_argument(
        "-o", "--output", help="file to write (default: MODEL.svg, or MODEL.html with --player)"
    )
    command.set_defaults(run=run_render)


def add_picture_options(command) -> None:
    """Where the gradients enter and how the graph is drawn."""
    command.add_argument(
        "--loss",
        choices=("last", "all"),
        default="last",
        help="L = sum of the last output h_T (default: gradients enter at t = T only), "
        "or of all outputs",
    )
    command.add_argument(
        "--detail",
        choices=("ops", "cells", "steps"),
        default="ops",
        help="every primitive, one box per cell step, or one box per time step (ops)",
    )
    command.add_argument(
        "--grads",
        action="store_true",
        help="colour and thicken each arrow by the gradient norm flowing back along it",
    )
    command.add_argument(
        "--highlight",
        choices=("cell_state", "hidden_state"),
        help="draw the chain c_0 -> ... -> c_T (LSTM) or h_0 -> ... -> h_T as one bold line",
    )
    command.add_argument(
        "--shared-arrows",
        choices=("on", "off"),
        help="arrows between the steps and what they share - weights, the input "
        "projection, the stack of outputs (default: on at --detail ops only)",
    )
    command.add_argument(
        "--theme",
        choices=("default", "slides"),
        default="default",
        help="slides: larger type and no arrow tooltips, for a talk (default)",
    )
    command.add_argument(
        "--max-nodes", type=positive_int, default=2000, help="refuse bigger graphs (2000)"
    )
    command.add_argument(
        "--player",
        action="store_true",
        help="write an interactive HTML page that steps through the backward pass one node "
        "at a time (slider, buttons, arrow keys; every primitive drawn)",
    )


def build_loss(args: argparse.Namespace):
    """One forward + backward pass of the chosen model on random inputs; returns L."""
    import tinygrad_rnn as tg
    from tinygrad_rnn import nn

    tg.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x = tg.tensor(rng.normal(size=(args.steps, args.batch, args.input_size)), label="x")
    if args.model == "attention":
        return attention_loss(args, x)
    if args.model == "elman":
        if args.layers != 1:
            raise CommandError("render elman: the lessons' RNN has one layer; drop --layers")
        model = nn.ElmanRNN(args.input_size, args.hidden, args.input_size)
        scores, _ = model(x)  # o_t for every step, (T, B, K)
        picked = scores[-1] if args.loss == "last" else scores
        loss = picked.sum().named("L")
        loss.backward()
        return loss
    layer = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[args.model]
    model = layer(args.input_size, args.hidden, num_layers=args.layers)
    output, _ = model(x)  # (T, B, H)
    picked = output[-1] if args.loss == "last" else output
    loss = picked.sum().named("L")
    loss.backward()
    return loss


def attention_loss(args: argparse.Namespace, x):
    """A GRU encoder and dot-product attention of its last state over all its states."""
    from tinygrad_rnn import functional as F
    from tinygrad_rnn import nn

    if not hasattr(F, "attention"):
        raise CommandError(
            "render attention: not available yet - tinygrad_rnn.functional.attention is not "
            "part of this version; render rnn, lstm or gru"
        )
    encoder = nn.GRU(args.input_size, args.hidden, num_layers=args.layers)
    states, _ = encoder(x)  # (T, B, H)
    keys = states.transpose(0, 1)  # (B, T, H)
    context, _ = F.attention(states[-1], keys, keys)  # (B, H)
    loss = context.sum().named("L")
    loss.backward()
    return loss


def run_render(args: argparse.Namespace) -> int:
    try:
        import viz
    except ImportError as error:
        raise CommandError(
            f"render needs the viz package and graphviz ({error}); "
            "pip install graphviz graphviz-pure"
        ) from None
    if args.highlight == "cell_state" and args.model != "lstm":
        raise CommandError(
            f"--highlight cell_state: only an LSTM has a cell state; for {args.model} use "
            "--highlight hidden_state"
        )
    check_size(args)
    if args.player:
        return run_player(args)
    output = args.output or f"{args.model}.svg"
    if output.lower().endswith((".html", ".htm")):
        raise CommandError(f"render: {output} is a web page; add --player to write the player")
    loss = build_loss(args)
    shared_arrows = None if args.shared_arrows is None else args.shared_arrows == "on"
    options = dict(
        grads=args.grads,
        highlight=args.highlight,
        max_nodes=args.max_nodes,
        shared_arrows=shared_arrows,
        theme=args.theme,
    )
    graph = viz.draw(loss, detail=args.detail, **options)
    path = viz.render(graph, output)
    print(f"wrote {path} ({args.model}, T = {args.steps}, detail = {args.detail})")
    warn_if_not_slide_ready(loss, graph, path, args.detail, options)
    return 0


def warn_if_not_slide_ready(loss, graph, path, detail: str, options: dict) -> None:
    """On stderr: the picture's size and the detail level that fits, if it does not fit a
    1920×1080 slide legibly (viz.render.slide_warning). Silent if it cannot be measured."""
    from viz.render import measure_picture, slide_warning
    from viz.slides import measure_svg

    try:
        is_svg = str(path).lower().endswith(".svg")
        fit = measure_svg(path) if is_svg else measure_picture(graph.source)
        warning = slide_warning(loss, fit, detail, **options)
    except Exception:  # noqa: BLE001 - the picture is written; the check is advice only
        return
    if warning:
        print(f"warning: {warning}", file=sys.stderr)


def check_size(args: argparse.Namespace) -> None:
    """Refuse at once a graph that cannot fit --max-nodes: every detail level draws at
    least one box per time step and layer, and building 10^6 steps first would take long."""
    at_least = args.steps * args.layers
    if at_least > args.max_nodes:
        raise CommandError(
            f"render: --steps {args.steps} x --layers {args.layers} draws at least "
            f"{at_least:,} boxes, more than max_nodes={args.max_nodes}; use fewer --steps "
            "or raise --max-nodes"
        )


def run_player(args: argparse.Namespace) -> int:
    """`--player`: the step-through page of the backward pass (viz.player); with
    --detail cells (or steps) it steps box by box."""
    from viz.player import player

    output = args.output or f"{args.model}.html"
    loss = build_loss(args)
    path = player(
        loss, output, detail=args.detail, highlight=args.highlight, max_nodes=args.max_nodes
    )
    print(
        f"wrote {path} ({args.model}, T = {args.steps}, detail = {args.detail}): "
        "open it in a browser, press → to step"
    )
    return 0
