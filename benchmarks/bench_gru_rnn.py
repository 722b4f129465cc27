"""GRU and vanilla-RNN language-model steps: engine (nn.GRU / nn.RNN) against numpy.

    python -m benchmarks.bench_gru_rnn                  # B=32, T=40, V=60, D=H=128
    python -m benchmarks.bench_gru_rnn --steps 40 400 --clock cpu --blas-threads 1

The same step as bench_lstm.py (embedding, recurrent layer, vocabulary projection after
the loop, mean cross-entropy, forward + full BPTT, float32, no optimizer) with the
recurrent layer swapped; baselines in numpy_gru_rnn.py.

Read next: bench_scalar.py.
"""

from __future__ import annotations

import argparse

import numpy as np

from benchmarks.bench_lstm import (
    BATCH,
    EMBED,
    HIDDEN,
    VOCAB,
    build_nn_model,
    engine_step,
    nn_lm_loss,
)
from benchmarks.common import add_common_args, apply_common_args, compare, print_table
from benchmarks.numpy_gru_rnn import gru_lm_step, rnn_lm_step
from benchmarks.numpy_lstm import init_params, random_batch

CELLS = {"GRU": (gru_lm_step, 3), "RNN": (rnn_lm_step, 1)}


def contenders(cell: str, steps: int, dtype=np.float32, seed: int = 0) -> dict:
    """{name: step function} for the numpy baseline and nn.<cell>, default and lean."""
    baseline, gates = CELLS[cell]
    params = init_params(VOCAB, EMBED, HIDDEN, rng=seed, dtype=dtype, gates=gates)
    inputs, targets = random_batch(BATCH, steps, VOCAB, rng=seed + 1)
    model = build_nn_model(params, cell)
    leaves = list(model.parameters())
    return {
        f"numpy {cell} (hand-written BPTT)": lambda: baseline(params, inputs, targets),
        f"engine nn.{cell}": lambda: engine_step(nn_lm_loss, leaves, model, inputs, targets),
        f"engine nn.{cell}, lean": lambda: engine_step(
            nn_lm_loss, leaves, model, inputs, targets, retain_graph=False
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="*", default=[40], help="values of T")
    parser.add_argument("--cells", nargs="*", default=sorted(CELLS), choices=sorted(CELLS))
    add_common_args(parser)
    args = parser.parse_args()
    apply_common_args(args)
    for cell in args.cells:
        for steps in args.steps:
            runs = contenders(cell, steps)
            times = compare(runs, repeats=args.repeats)
            title = f"char-{cell} step, B={BATCH}, T={steps}, V={VOCAB}, D=H={HIDDEN}, float32"
            print_table(title, times, baseline=next(iter(runs)))


if __name__ == "__main__":
    main()
