"""Peak memory of one char-LSTM step versus T: numpy baseline, engine default, engine lean.

    python -m benchmarks.bench_memory                  # T = 50, 100, 200, 400
    python -m benchmarks.bench_memory --steps 100 400

Every (contender, T) runs in its own fresh subprocess, so no measurement inherits
another's heap. The child builds the model and the batch, notes its memory, runs ONE
step (forward + full BPTT, B=32, V=60, D=H=128, float32) and reports:

- peak RSS growth: ru_maxrss after the step minus the resident size before it (what
  the operating system had to give the process);
- tracemalloc peak: the largest amount of Python + numpy memory alive at once during
  the step (numpy reports its arrays to tracemalloc), independent of the allocator.

The growth per time step is the least-squares slope of each figure over T. Engine modes:
default `loss.backward()` keeps every node's gradient (for viz and students); lean
`loss.backward(retain_graph=False)` frees saved arrays and intermediate gradients as it
goes. The graph's forward values stay alive until the loss is dropped in both.

Read next: README.md (the results).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tracemalloc

import numpy as np

MODES = ("numpy", "engine nn.LSTM", "engine nn.LSTM, lean")


def current_rss_mib() -> float:
    with open("/proc/self/statm") as f:
        resident_pages = int(f.read().split()[1])
    return resident_pages * resource.getpagesize() / 2**20


MEMORY_TITLE = "memory per time step of one char-LSTM step (B=32, V=60, D=H=128, float32)"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(mode: str, steps: int, trace: bool) -> dict:
    """Set up, then measure one step of `mode` at T=`steps` (runs in the subprocess)."""
    from benchmarks.bench_lstm import (
        BATCH,
        EMBED,
        HIDDEN,
        VOCAB,
        build_nn_model,
        engine_step,
        nn_lm_loss,
    )
    from benchmarks.numpy_lstm import init_params, lstm_lm_step, random_batch

    params = init_params(VOCAB, EMBED, HIDDEN, rng=0)
    inputs, targets = random_batch(BATCH, steps, VOCAB, rng=1)
    if mode == "numpy":

        def step():
            return lstm_lm_step(params, inputs, targets)[0]

    else:
        model = build_nn_model(params)
        leaves = list(model.parameters())
        lean = mode.endswith("lean")

        def step():
            return engine_step(nn_lm_loss, leaves, model, inputs, targets, retain_graph=not lean)

    if trace:
        tracemalloc.start()
        step()
        _, peak = tracemalloc.get_traced_memory()
        return {"tracemalloc_peak_mib": peak / 2**20}
    before = max(current_rss_mib(), peak_rss_mib())
    step()
    return {"rss_growth_mib": peak_rss_mib() - before}


def measure(mode: str, steps: int) -> dict:
    """Run the child twice in fresh interpreters: once for RSS, once under tracemalloc."""
    result = {}
    for trace in (False, True):
        command = [sys.executable, "-m", "benchmarks.bench_memory", "--child", mode, str(steps)]
        if trace:
            command.append("--trace")
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        result.update(json.loads(output.strip().splitlines()[-1]))
    return result


def slope(xs, ys) -> float:
    """Least-squares slope of ys over xs."""
    return float(np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="*", default=[50, 100, 200, 400])
    parser.add_argument("--child", nargs=2, metavar=("MODE", "T"), help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--record", action="store_true", help="also store the result in benchmarks/results.json"
    )
    args = parser.parse_args()
    if args.child:
        mode, steps = args.child
        print(json.dumps(child(mode, int(steps), args.trace)))
        return
    from benchmarks.common import print_machine

    print_machine()
    print("\npeak memory of one char-LSTM step (B=32, V=60, D=H=128, float32), MiB")
    print(f"  {'contender':<24}" + "".join(f"{'T=' + str(t):>16}" for t in args.steps))
    slopes = {}
    for mode in MODES:
        rows = [measure(mode, t) for t in args.steps]
        rss = [r["rss_growth_mib"] for r in rows]
        traced = [r["tracemalloc_peak_mib"] for r in rows]
        cells = "".join(f"{a:>8.1f} /{b:>6.1f}" for a, b in zip(rss, traced))
        print(f"  {mode:<24}{cells}")
        slopes[mode] = (slope(args.steps, rss), slope(args.steps, traced))
    print("  (each cell: peak RSS growth / tracemalloc peak)")
    print("\ngrowth per time step, MiB/step (ratio to numpy)")
    base_rss, base_traced = slopes["numpy"]
    rows = {}
    for mode, (rss, traced) in slopes.items():
        print(
            f"  {mode:<24} RSS {rss:6.3f} ({rss / base_rss:4.2f}x)   "
            f"tracemalloc {traced:6.3f} ({traced / base_traced:4.2f}x)"
        )
        rows[mode] = {
            "rss_mib_per_step": round(rss, 4),
            "rss_ratio": round(rss / base_rss, 4),
            "tracemalloc_mib_per_step": round(traced, 4),
            "tracemalloc_ratio": round(traced / base_traced, 4),
        }
    if args.record:
        from benchmarks.common import machine_summary
        from benchmarks.results import record

        steps = ", ".join(str(t) for t in args.steps)
        record(MEMORY_TITLE, f"least squares over T = {steps}", rows, machine_summary())


if __name__ == "__main__":
    main()
