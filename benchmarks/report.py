"""Write the recorded figures (benchmarks/results.json) into the two READMEs.

    python -m benchmarks.report          # after `make bench` (which records every table)
    python -m benchmarks.report --check  # exit 1 if a README is not what results.json says

benchmarks/README.md gets every recorded table between its markers; the README's
"Correctness and speed" section gets its speed paragraph, whose figures come from the
headline tables (`HEADLINE`). tests/test_benchmarks_report.py runs `--check`'s comparison.

Read next: results.py (what is recorded), common.py (the harness that records).
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from pathlib import Path

from benchmarks.bench_memory import MEMORY_TITLE
from benchmarks.results import RESULTS, key_of, load, settings_text
from tinygrad_rnn.files import atomic_write

ROOT = Path(__file__).resolve().parent.parent
BENCH_README = ROOT / "benchmarks" / "README.md"
README = ROOT / "README.md"
BENCH_MARKERS = (
    "<!-- measured: written by `python -m benchmarks.report` from benchmarks/results.json -->",
    "<!-- end of measured -->",
)
README_MARKERS = (
    "<!-- speed: written by `python -m benchmarks.report` from benchmarks/results.json -->",
    "<!-- end of speed -->",
)

LSTM_40 = "char-LSTM step, B=32, T=40, V=60, D=H=128, float32"
DEFAULTS = settings_text("wall", None, "engine")
ONE_THREAD = settings_text("cpu", 1, "engine")
HEADLINE = {
    "lstm_defaults": key_of(LSTM_40, DEFAULTS),
    "lstm_one_thread": key_of(LSTM_40, ONE_THREAD),
    "memory": key_of(MEMORY_TITLE, "least squares over T = 50, 100, 200, 400"),
    "scalar": key_of(
        "scalar RNN build + backward, H=8, D=4, T=200: micrograd with the recursion limit "
        "raised (ratio to tinygrad_rnn)",
        settings_text("cpu", None, "engine"),
    ),
}


def headline(results: dict, name: str) -> dict:
    """The rows of one headline table; a clear error naming the command if it is missing."""
    key = HEADLINE[name]
    if key not in results:
        raise SystemExit(
            f"benchmarks/report: results.json has no table '{key}'; run `make bench` "
            "(or the benchmark with --record) first"
        )
    return results[key]["rows"]


def speed_paragraph(results: dict) -> str:
    """The README's paragraph on speed and memory, from the headline tables."""
    wall = headline(results, "lstm_defaults")
    cpu = headline(results, "lstm_one_thread")
    memory = headline(results, "memory")["engine nn.LSTM, lean"]
    scalar = headline(results, "scalar")["micrograd 0.1.0"]
    text = (
        "`make bench` compares a char-LSTM training step (B = 32, T = 40, H = 128, float32, "
        "forward + full BPTT) with a hand-written numpy forward + BPTT. With the machine's "
        f"defaults `nn.LSTM` takes {wall['engine nn.LSTM']['ratio']:.2f}× the numpy time "
        f"({wall['numpy (hand-written BPTT)']['median_ms']:.1f} ms), "
        f"{wall['engine nn.LSTM, lean']['ratio']:.2f}× in lean mode "
        "(`backward(retain_graph=False)`); on one BLAS thread (CPU clock) "
        f"{cpu['engine nn.LSTM']['ratio']:.2f}× and {cpu['engine nn.LSTM, lean']['ratio']:.2f}×. "
        f"Lean mode keeps {memory['rss_ratio']:.2f}× the baseline's memory per time step "
        f"({memory['tracemalloc_ratio']:.2f}× counting live arrays only). A scalar RNN of "
        f"50 000 `Value` nodes builds and backpropagates {scalar['ratio']:.1f}× faster than "
        "micrograd. `benchmarks/README.md` has the machine, every figure, where the time goes "
        "and which targets are not met."
    )
    return textwrap.fill(text, width=90, initial_indent="- ", subsequent_indent="  ") + "\n"


def step_title(cell: str, steps: int) -> str:
    return f"char-{cell} step, B=32, T={steps}, V=60, D=H=128, float32"


# issue 19's targets: (what, table key, row, figure, limit, "at most" or "at least")
TARGETS = [
    (f"nn.{cell}{mode}, T = {steps}, <= {limit}x numpy", key_of(step_title(cell, steps), DEFAULTS),
     f"engine nn.{cell}{mode}", "ratio", limit, "at most")
    for cell, steps, limit in (
        ("LSTM", 40, 1.0), ("LSTM", 400, 1.0), ("GRU", 40, 1.1), ("RNN", 40, 1.0)
    )
    for mode in ("", ", lean")
    if steps == 40 or cell == "LSTM"
] + [
    ("scalar RNN, T = 200, >= 10x faster than micrograd", HEADLINE["scalar"],
     "micrograd 0.1.0", "ratio", 10.0, "at least"),
    ("lean memory per time step <= 1.2x numpy (RSS)", HEADLINE["memory"],
     "engine nn.LSTM, lean", "rss_ratio", 1.2, "at most"),
    ("lean memory per time step <= 1.2x numpy (live arrays, tracemalloc)", HEADLINE["memory"],
     "engine nn.LSTM, lean", "tracemalloc_ratio", 1.2, "at most"),
]  # fmt: skip


def targets_table(results: dict) -> list[str]:
    """Issue 19's targets against the recorded figures (with the machine's defaults)."""
    lines = ["| target (issue 19; the machine's defaults) | measured | met |", "|---|---|---|"]
    for what, key, row, figure, limit, direction in TARGETS:
        if key not in results:
            lines.append(f"| {what} | not recorded | - |")
            continue
        value = results[key]["rows"][row][figure]
        met = value <= limit if direction == "at most" else value >= limit
        lines.append(f"| {what} | {value:.2f}x | {'yes' if met else 'no'} |")
    return lines + [""]


REPLAY_FLOOR = "char-LSTM step, B=32, T=40: the replay floor"
REPLAY = "replay of the recorded primitives"
BARE = "bare Value (relu; the floor: 4 fields, no features)"


def floors_table(results: dict) -> list[str]:
    """The best two designs that keep one node per op could reach (replay_floor.py,
    bare_value.py), next to the targets they bound."""
    lines = ["| the floor under a target (how it is measured) | reached | target |"]
    lines.append("|---|---|---|")
    for settings in (DEFAULTS, ONE_THREAD):
        key = key_of(REPLAY_FLOOR, settings)
        if key in results:
            ratio = results[key]["rows"][REPLAY]["ratio"]
            lines.append(
                f"| nn.LSTM, T = 40: its primitives replayed with no node at all "
                f"(`replay_floor.py`; {settings}) | {ratio:.2f}x numpy | <= 1.0x |"
            )
    scalar = results.get(HEADLINE["scalar"], {}).get("rows", {})
    if BARE in scalar:
        micrograd = scalar["micrograd 0.1.0"]["median_ms"]
        ratio = micrograd / scalar[BARE]["median_ms"]
        lines.append(
            "| scalar RNN, T = 200: a Value of four fields and no features "
            f"(`bare_value.py`) | {ratio:.1f}x faster than micrograd | >= 10x |"
        )
    return lines + [""]


def baseline_first(rows: dict) -> dict:
    """The rows with the baseline (ratio 1) first, the others in the order recorded."""
    first = {name: row for name, row in rows.items() if row.get("ratio") == 1.0}
    return {**first, **{name: row for name, row in rows.items() if name not in first}}


def table(entry: dict) -> list[str]:
    """One recorded table as markdown lines."""
    lines = [f"**{entry['title']}** ({entry['settings']}; {entry['date']})", ""]
    rows = baseline_first(entry["rows"])
    if entry["title"].endswith("(ms per step)"):  # a training loop: steps per second too
        lines += ["| contender | ms per step | steps per second | ratio |", "|---|---|---|---|"]
        lines += [
            f"| {n} | {r['median_ms']:.2f} | {1000 / r['median_ms']:.1f} | {r['ratio']:.2f}x |"
            for n, r in rows.items()
        ]
    elif all("median_ms" in row for row in rows.values()):
        lines += ["| contender | median ms | ratio | page faults |", "|---|---|---|---|"]
        lines += [
            f"| {n} | {r['median_ms']:.2f} | {r['ratio']:.2f}x | {r.get('page_faults', '-')} |"
            for n, r in rows.items()
        ]
    else:
        lines += ["| contender | RSS MiB/step | ratio | tracemalloc MiB/step | ratio |"]
        lines += ["|---|---|---|---|---|"]
        lines += [
            f"| {n} | {r['rss_mib_per_step']:.3f} | {r['rss_ratio']:.2f}x | "
            f"{r['tracemalloc_mib_per_step']:.3f} | {r['tracemalloc_ratio']:.2f}x |"
            for n, r in rows.items()
        ]
    return lines + [""]


def machine_line(summary: list[str]) -> str:
    """The machine and numpy/BLAS lines of `common.machine_summary()`, without the BLAS
    thread count (each table's settings say it)."""
    cpu = summary[0].removeprefix("machine: ")
    blas = re.sub(r", \d+ threads", "", summary[1])
    return f"{cpu}; {blas}"


def measured_tables(results: dict) -> str:
    """Every recorded table, by title then settings, after the machines they ran on."""
    machines = sorted({machine_line(entry["machine"]) for entry in results.values()})
    lines = [f"Machine: {machine}." for machine in machines] + [""]
    lines += targets_table(results)
    lines += floors_table(results)
    for key in sorted(results):
        lines += table(results[key])
    return "\n".join(lines)


def replaced(text: str, markers: tuple[str, str], block: str, where: Path) -> str:
    """`text` with what stands between the two markers replaced by `block`."""
    start, end = markers
    if start not in text or end not in text:
        raise SystemExit(f"benchmarks/report: {where} lacks the markers {start} … {end}")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{block}{end}{tail}"


def updated_readmes(results: dict) -> dict[Path, str]:
    """{path: its new text} for both READMEs."""
    bench = BENCH_README.read_text(encoding="utf-8")
    readme = README.read_text(encoding="utf-8")
    return {
        BENCH_README: replaced(bench, BENCH_MARKERS, measured_tables(results), BENCH_README),
        README: replaced(readme, README_MARKERS, speed_paragraph(results), README),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args()
    results = load(RESULTS)
    stale = []
    for path, text in updated_readmes(results).items():
        if path.read_text(encoding="utf-8") != text:
            stale.append(path)
            if not args.check:
                with atomic_write(path) as file:
                    file.write(text.encode("utf-8"))
    if args.check and stale:
        names = ", ".join(str(path.relative_to(ROOT)) for path in stale)
        sys.exit(f"benchmarks/report: {names} not what results.json says")
    print("written" if stale and not args.check else "up to date")


if __name__ == "__main__":
    main()
