"""Memory over 1 000 training steps in a row: does anything pile up between steps?

    python -m benchmarks.bench_memory_training                 # 1000 steps, both modes
    python -m benchmarks.bench_memory_training --steps 3000 --every 500
    python -m benchmarks.bench_memory_training --speed       # time only, both modes alternating

A char-LM training loop as the lessons write it - Embedding -> LSTM -> Linear,
cross-entropy, truncated BPTT (the state carried over with `detach_state`), gradient
clipping, Adam - runs `--steps` times on random tokens (V=50, E=32, H=64, B=16, T=32,
float32). Each engine mode runs in its own fresh subprocess:

- default: `loss.backward()` keeps every node's gradient until the graph is dropped;
- lean: `loss.backward(retain_graph=False)` frees saved arrays and gradients as it goes.

The modes run one after the other, so their times are only a rough guide on a shared
machine (another job slowing one run shows up as a difference between the modes); the
CPU time per step is steadier than the wall clock. For a speed comparison of the modes
`--speed`, which trains both modes in one process, alternating blocks of steps on the
CPU clock (lean mode keeps no intermediate gradient and frees each step's arrays as
backward passes them, so it should be a little faster, never slower).

Every `--every` steps the child records its resident set size (RSS, from
/proc/self/statm) and, in a second run under tracemalloc, the Python + numpy memory
alive. The report gives both at every checkpoint and the growth per 1 000 steps after
the first checkpoint (least-squares slope over the checkpoints): a graph kept by mistake would cost
hundreds of KiB per step, so it would show up as hundreds of MiB per 1 000 steps.

Read next: tests/test_long_and_deep.py (the same property asserted loosely, in the suite).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np

MODES = ("default", "lean")
VOCAB, EMBED, HIDDEN, BATCH, SEQ_LEN = 50, 32, 64, 16, 32


def current_rss_mib() -> float:
    """Resident memory of this process now (Linux), else the peak so far."""
    try:
        with open("/proc/self/statm") as f:
            resident_pages = int(f.read().split()[1])
        return resident_pages * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_training(lean: bool):
    """The model, its optimizer and a `train_step()` that runs one step in place."""
    import tinygrad_rnn as tg
    from tinygrad_rnn import functional as F
    from tinygrad_rnn import nn, optim

    tg.set_default_dtype(np.float32)
    tg.manual_seed(0)

    class CharLM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(VOCAB, EMBED)
            self.lstm = nn.LSTM(EMBED, HIDDEN)
            self.fc = nn.Linear(HIDDEN, VOCAB)

        def forward(self, tokens, state=None):
            output, state = self.lstm(self.embed(tokens), state)  # (T, B, H)
            return self.fc(output), state  # (T, B, V)

    model = CharLM()
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    rng = np.random.default_rng(0)
    text = rng.integers(0, VOCAB, size=(SEQ_LEN * 64 + 1, BATCH))  # (N, B) token stream
    carried = {"state": None, "position": 0}

    def train_step() -> float:
        start = carried["position"]
        if start + SEQ_LEN + 1 > len(text):
            start, carried["state"] = 0, None
        chunk = text[start : start + SEQ_LEN + 1]  # (T + 1, B)
        carried["position"] = start + SEQ_LEN
        state = nn.utils.detach_state(carried["state"])
        logits, carried["state"] = model(chunk[:-1], state)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), chunk[1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward(retain_graph=not lean)
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        return loss.item()

    return train_step


def child(mode: str, steps: int, every: int, trace: bool) -> dict:
    """Train `steps` steps, recording memory every `every` steps (runs in the subprocess)."""
    train_step = build_training(lean=mode == "lean")
    train_step()  # step 0: builds the optimizer state, warms numpy's caches
    if trace:
        tracemalloc.start()
    marks, losses = {}, []
    start, cpu_start = time.perf_counter(), time.process_time()
    for step in range(1, steps + 1):
        losses.append(train_step())
        if step % every == 0:
            if trace:
                marks[step] = tracemalloc.get_traced_memory()[0] / 2**20
            else:
                marks[step] = current_rss_mib()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    return {
        "marks": marks,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "first_loss": losses[0],
        "last_loss": losses[-1],
    }


def measure(mode: str, steps: int, every: int) -> dict:
    """Run the child in fresh interpreters: once for RSS, once under tracemalloc."""
    result = {}
    for trace in (False, True):
        command = [
            sys.executable,
            "-m",
            "benchmarks.bench_memory_training",
            "--child",
            mode,
            "--steps",
            str(steps),
            "--every",
            str(every),
        ]
        if trace:
            command.append("--trace")
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        run = json.loads(output.strip().splitlines()[-1])
        run["marks"] = {int(step): value for step, value in run["marks"].items()}  # JSON: str keys
        result["traced" if trace else "rss"] = run
    return result


def growth_per_1000(marks: dict[int, float]) -> float:
    """Least-squares slope of memory over the checkpoints, per 1000 steps."""
    steps = sorted(marks)
    if len(steps) < 2:
        return float("nan")
    values = [marks[step] for step in steps]
    return 1000.0 * float(np.polyfit(np.array(steps, float), np.array(values, float), 1)[0])


def compare_speed(rounds: int = 15, block: int = 20) -> dict[str, float]:
    """Median CPU ms per training step of each mode, both trained in this process in
    alternating blocks of `block` steps (after a warm-up), so that a busy minute on a
    shared machine slows both alike."""
    steps = {mode: build_training(lean=mode == "lean") for mode in MODES}
    for train_step in steps.values():
        for _ in range(block):
            train_step()
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    for _ in range(rounds):
        for mode, train_step in steps.items():
            start = time.process_time()
            for _ in range(block):
                train_step()
            times[mode].append(1000 * (time.process_time() - start) / block)
    return {mode: float(np.median(values)) for mode, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000, help="training steps (1000)")
    parser.add_argument("--every", type=int, default=100, help="steps between checkpoints")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--speed", action="store_true", help="only compare the modes' speed, alternating"
    )
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.steps, args.every, args.trace)))
        return
    from benchmarks.common import print_machine

    print_machine()
    if args.speed:
        try:  # one BLAS thread: the CPU clock would otherwise add up both threads' spinning
            from threadpoolctl import threadpool_limits

            limiter = threadpool_limits(limits=1, user_api="blas")
        except ImportError:
            limiter = None
        speeds = compare_speed()
        del limiter
        print("\nCPU ms per training step, modes alternating in one process (median):")
        for mode, ms in speeds.items():
            print(f"  {mode:<8} {ms:6.2f}  ({ms / speeds['default']:.2f}x the default)")
        return
    print(
        f"\nmemory over {args.steps} training steps (char-LM: V={VOCAB}, E={EMBED}, "
        f"H={HIDDEN}, B={BATCH}, T={SEQ_LEN}, float32, Adam, clipping, truncated BPTT)"
    )
    for mode in MODES:
        result = measure(mode, args.steps, args.every)
        rss, traced = result["rss"], result["traced"]
        per_step = 1000 * rss["seconds"] / args.steps
        cpu_per_step = 1000 * rss["cpu_seconds"] / args.steps
        print(
            f"\n  {mode}: {rss['seconds']:.1f} s ({per_step:.1f} ms/step wall, "
            f"{cpu_per_step:.1f} ms/step CPU), "
            f"loss {rss['first_loss']:.3f} -> {rss['last_loss']:.3f}"
        )
        print(f"  {'step':>8} {'RSS MiB':>10} {'tracemalloc MiB':>16}")
        for step in sorted(rss["marks"]):
            print(f"  {step:>8} {rss['marks'][step]:>10.2f} {traced['marks'][step]:>16.3f}")
        print(
            f"  growth per 1000 steps: RSS {growth_per_1000(rss['marks']):+.3f} MiB, "
            f"tracemalloc {growth_per_1000(traced['marks']):+.4f} MiB"
        )


if __name__ == "__main__":
    main()
