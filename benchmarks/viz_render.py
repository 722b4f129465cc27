"""How long viz takes to draw an unrolled LSTM: extract, DOT, SVG, per detail level.

    python -m benchmarks.viz_render                    # T = 10 and 100, every detail
    python -m benchmarks.viz_render --steps 100 --detail cells --repeats 5

The graph (nn.LSTM, D=4, H=8, B=2, L = Σ h_T, one backward pass) is built once per T;
then each detail level is drawn `repeats` times and the median of each stage printed:

    extract   viz.extract: walk the graph, group boxes, one VJP per arrow for its gradient
    dot       viz.to_digraph: the graphviz.Digraph and its DOT text
    svg       the renderer (system `dot`, else graphviz-pure) writing SVG

The target: T = 100 at detail="cells" end to end in under 5 s. max_nodes is raised so
that every detail is timed (nn.LSTM at T = 100, detail="ops" has about 1 600 boxes, just
under the default limit of 2 000; a longer unroll would be refused with advice).

Read next: viz/extract.py.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import tinygrad_rnn as tg
import viz
from tinygrad_rnn import nn


def build_lstm_loss(steps: int, seed: int = 0):
    """One forward + backward pass of a small nn.LSTM over `steps` steps; returns L."""
    tg.manual_seed(seed)
    lstm = nn.LSTM(4, 8)
    x = tg.tensor(np.random.default_rng(seed).normal(size=(steps, 2, 4)))
    output, _ = lstm(x)
    loss = output[-1].sum()
    loss.backward()
    return loss


def time_stages(loss, detail: str) -> dict[str, float]:
    """Seconds of each stage of one drawing, and the box/arrow counts."""
    start = time.perf_counter()
    data = viz.extract(loss, detail=detail, grads=True, max_nodes=1_000_000)
    extracted = time.perf_counter()
    source = viz.to_digraph(data).source
    drawn = time.perf_counter()
    svg = viz.render_source(source, "svg")
    rendered = time.perf_counter()
    return {
        "extract": extracted - start,
        "dot": drawn - extracted,
        "svg": rendered - drawn,
        "total": rendered - start,
        "boxes": len(data.boxes),
        "arrows": len(data.arrows),
        "svg_kb": len(svg) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--detail", nargs="+", default=list(viz.DETAILS), choices=viz.DETAILS)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    renderer = viz.find_renderer()
    if renderer is None:
        raise SystemExit("no Graphviz renderer: pip install graphviz-pure")
    print(f"renderer: {renderer.kind} ({renderer.path}); median of {args.repeats} runs")
    header = f"{'T':>4} {'detail':>6} {'boxes':>6} {'arrows':>6}"
    header += f" {'extract':>8} {'dot':>8} {'svg':>8} {'total':>8} {'SVG KB':>7}"
    print(header)
    for steps in args.steps:
        start = time.perf_counter()
        loss = build_lstm_loss(steps)
        built = time.perf_counter() - start
        for detail in args.detail:
            runs = [time_stages(loss, detail) for _ in range(args.repeats)]
            median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
            print(
                f"{steps:>4} {detail:>6} {median['boxes']:>6.0f} {median['arrows']:>6.0f}"
                f" {median['extract']:>7.3f}s {median['dot']:>7.3f}s {median['svg']:>7.3f}s"
                f" {median['total']:>7.3f}s {median['svg_kb']:>7.0f}"
            )
        print(f"     (building the T = {steps} graph + backward: {built:.3f}s, not counted)")


if __name__ == "__main__":
    main()
