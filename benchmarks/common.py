"""The timing harness every benchmark uses: one process, alternating, median of many.

    results = compare({"numpy": run_numpy, "engine": run_engine}, repeats=9)
    print_table("char-LSTM step, T=40", results, baseline="numpy")

Each function takes no arguments and does one complete unit of work (one training step).
All of them run in the same process, interleaved round by round (numpy, engine, numpy,
engine ...) after a warm-up, so a slow minute on a shared machine hits every contender
alike; each figure is the median of `repeats` rounds, and the ratio is median / median
of the baseline. Python's garbage collector stays on (it is part of what a user pays).

`machine_summary()` gives the lines every results table starts with: CPU, cores, numpy
and its BLAS, the BLAS thread count and kernel, and the OPENBLAS_* variables in force.

Read next: numpy_lstm.py (the baseline), bench_lstm.py (the headline benchmark).
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
_clock = time.perf_counter
_record_as: str | None = None  # the settings text, when tables go into results.json


def set_clock(name: str) -> None:
    """Time with "wall" (perf_counter, the default) or "cpu" (process_time: CPU seconds of
    this process, steadier when other programs share the cores; use it with one BLAS
    thread, since it adds up the time of every thread)."""
    global _clock
    _clock = CLOCKS[name]


def time_once(fn: Callable[[], object]) -> float:
    """Seconds of one call on the chosen clock."""
    start = _clock()
    fn()
    return _clock() - start


def compare(
    contenders: dict[str, Callable[[], object]], repeats: int = 9, warmup: int = 2
) -> dict[str, list[float]]:
    """Time every contender `repeats` times, round-robin, after `warmup` untimed rounds.

    Returns {name: [seconds of each round]} in the order given.
    """
    if repeats < 7:
        raise ValueError(f"compare: use at least 7 repeats for a median, got {repeats}")
    for _ in range(warmup):
        for fn in contenders.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    faults.clear()
    for _ in range(repeats):
        for name, fn in contenders.items():
            before = minor_faults()
            times[name].append(time_once(fn))
            faults.setdefault(name, []).append(minor_faults() - before)
    return times


faults: dict[str, list[int]] = {}  # the last compare(): page faults of each round


def minor_faults() -> int:
    """Page faults of this process so far that needed no disk (first touches of fresh
    memory): what glibc returning freed memory to the kernel costs (see allocator.py)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def median_ms(seconds: list[float]) -> float:
    return 1000.0 * statistics.median(seconds)


def print_table(title: str, times: dict[str, list[float]], baseline: str) -> dict[str, float]:
    """Print median, spread, ratio to `baseline` and page faults (median per round) per
    contender; return {name: ratio}."""
    base = median_ms(times[baseline])
    print(f"\n{title}  (median of {len(times[baseline])} alternating rounds)")
    print(
        f"  {'contender':<34} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'ratio':>7}"
        f" {'faults':>7}"
    )
    ratios = {}
    rows = {}
    for name, seconds in times.items():
        med = median_ms(seconds)
        ratios[name] = med / base
        low, high = 1000.0 * min(seconds), 1000.0 * max(seconds)
        paged = int(statistics.median(faults.get(name, [0])))
        line = f"  {name:<34} {med:>10.2f} {low:>8.2f} {high:>8.2f} {ratios[name]:>6.2f}x"
        print(f"{line} {paged:>7}")
        rows[name] = {"median_ms": round(med, 3), "ratio": round(ratios[name], 4)}
        rows[name]["page_faults"] = paged
    record_table(title, rows)
    return ratios


def record_table(title: str, rows: dict, settings: str | None = None) -> None:
    """Store the table in benchmarks/results.json when the script runs with --record,
    under `settings` (default: the clock, threads and malloc of the command line)."""
    if _record_as is not None:
        from benchmarks.results import record

        record(title, settings or _record_as, rows, machine_summary())


def blas_info() -> str:
    """'openblas 0.3.x, 2 threads, kernel SkylakeX' (threadpoolctl if installed)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS details need threadpoolctl (pip install threadpoolctl)"
    parts = []
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            parts.append(
                f"{pool.get('internal_api')} {pool.get('version')}, "
                f"{pool.get('num_threads')} threads, kernel {pool.get('architecture')}"
            )
    return "; ".join(parts) or "no BLAS pool found"


def machine_summary() -> list[str]:
    """Lines describing the machine, numpy, BLAS and the environment that affect timing."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    env = {
        name: os.environ.get(name, "unset")
        for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")
    }
    return [
        f"machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}",
        f"numpy {np.__version__}; BLAS: {blas_info()}",
        "env: " + ", ".join(f"{k}={v}" for k, v in env.items()),
    ]


def print_machine() -> None:
    for line in machine_summary():
        print(line)


# glibc malloc settings under which freed memory is kept for reuse instead of being
# handed back to the operating system after every step (see README, "page faults").
STEADY_MALLOC = {
    "MALLOC_MMAP_THRESHOLD_": str(2**30),
    "MALLOC_TRIM_THRESHOLD_": str(2**31 - 1),
    "MALLOC_TOP_PAD_": str(2**28),
}


def add_common_args(parser) -> None:
    """--repeats, --clock, --blas-threads, --malloc, --source-tracking and --record."""
    parser.add_argument("--repeats", type=int, default=9, help="timed rounds (>= 7)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall")
    parser.add_argument(
        "--blas-threads", type=int, default=None, help="limit BLAS threads (threadpoolctl)"
    )
    parser.add_argument(
        "--malloc",
        choices=["engine", "glibc", "steady"],
        default="engine",
        help="engine: as tinygrad_rnn sets it on import (keeps freed memory); glibc: "
        "tg.set_keep_freed_memory(False); steady: rerun with glibc's MALLOC_* variables",
    )
    parser.add_argument("--source-tracking", choices=["on", "off"], default="on")
    parser.add_argument(
        "--record", action="store_true", help="also store the tables in benchmarks/results.json"
    )


def malloc_mode() -> str:
    """'steady (...)' when this process runs with STEADY_MALLOC, else what the engine set."""
    import tinygrad_rnn as tg

    if all(os.environ.get(k) == v for k, v in STEADY_MALLOC.items()):
        return "steady (" + ", ".join(f"{k}={v}" for k, v in STEADY_MALLOC.items()) + ")"
    if tg.keeps_freed_memory():
        return "engine (tg.set_keep_freed_memory(True), the default)"
    return "glibc's defaults (tg.set_keep_freed_memory(False))"


def start_recording(args) -> None:
    """From now on, print_table also stores each table under these settings."""
    from benchmarks.results import settings_text

    global _record_as
    malloc = "steady" if malloc_mode().startswith("steady") else args.malloc
    _record_as = settings_text(args.clock, args.blas_threads, malloc)
    if args.source_tracking == "off":
        _record_as += ", source tracking off"


def apply_common_args(args) -> None:
    """Set the clock, the BLAS thread limit and source tracking; print the setup."""
    import tinygrad_rnn as tg

    if args.malloc == "steady" and not malloc_mode().startswith("steady"):
        os.execve(sys.executable, sys.orig_argv, {**os.environ, **STEADY_MALLOC})
    if args.malloc == "glibc":
        tg.set_keep_freed_memory(False)
    set_clock(args.clock)
    if args.record:
        start_recording(args)
    tg.set_source_tracking(args.source_tracking == "on")
    if args.blas_threads is not None:
        from threadpoolctl import threadpool_limits

        # kept alive for the whole run: the limit lasts as long as this object
        apply_common_args.limiter = threadpool_limits(limits=args.blas_threads, user_api="blas")
    print_machine()
    print(f"clock: {args.clock}, malloc: {malloc_mode()}")
    print(f"node source tracking: {args.source_tracking}")
