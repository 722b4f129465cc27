"""`make lessons`: run every lesson with its defaults over three seeds, and write what
they measured into docs/results.json, docs/results.md and the README's lessons table.

    python docs/make_results.py                  # every lesson, seeds 0 1 2 (~15 minutes)
    python docs/make_results.py --lessons 2 4    # only these; the others keep their figures
    python docs/make_results.py --readme-only    # README table and results.md from the json

How a figure gets from a lesson to the README:
1. The lesson calls `lesson_kit.report("LSTM held-out accuracy", 78.7, unit="%")`, which
   appends one JSON line to the file named by $TINYGRAD_RNN_RESULTS (when it is set).
2. This script runs `python examples/NN_name.py --seed S` for S = 0, 1, 2 - each in a
   fresh process, in an empty temporary folder (so the lessons' output folders land
   there), with one BLAS thread - sets that variable, and collects the lines.
3. It writes docs/results.json (every value of every seed, the wall times, the machine),
   docs/results.md (the same as tables) and the last two columns of the README's lessons
   table, between the markers `<!-- lessons table -->` and `<!-- end of lessons table -->`.
   The first three columns (lesson, command, what you will see) are prose, kept as written.

A figure shows the mean over the seeds and, when they differ, the range: "78.7 %
(77.9–79.5)". Details a lesson may pass to report(): `fmt` (a format spec, e.g. ".1f"),
`average="geometric"` (for ratios spanning orders of magnitude) and `readme=False` (only
in results.md). tests/test_results_readme.py fails when the README, results.md and
results.json disagree, so no figure in the table is typed by hand.

Read next: tinygrad_rnn/lesson_kit.py (report), tests/test_results_readme.py.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
RESULTS_JSON = ROOT / "docs" / "results.json"
RESULTS_MD = ROOT / "docs" / "results.md"
README = ROOT / "README.md"
SEEDS = (0, 1, 2)
TABLE_START = "<!-- lessons table: the last two columns are written by `make lessons` -->"
TABLE_END = "<!-- end of lessons table -->"
TABLE_HEADER = [
    "| lesson | command | what you will see | measured (mean over seeds 0, 1, 2; range) | time |",
    "|---|---|---|---|---|",
]
TIME_LIMIT = 30 * 60  # seconds for one run of one lesson
BLAS_THREADS = "1"  # what the lessons set for themselves: small matrices, a busy machine


# --------------------------------------------------------------------------------------
# Running the lessons
# --------------------------------------------------------------------------------------
def find_lessons() -> dict[int, Path]:
    """number -> examples/NN_name.py, for every lesson script."""
    return {int(path.name[:2]): path for path in sorted(EXAMPLES.glob("[0-9][0-9]_*.py"))}


def lesson_environment(results_file: Path) -> dict:
    """The environment of one run: where report() writes, one BLAS thread, no colour."""
    environment = dict(os.environ)
    environment["TINYGRAD_RNN_RESULTS"] = str(results_file)
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        environment[variable] = BLAS_THREADS
    environment.pop("TINYGRAD_RNN_LESSON_ARGS", None)  # the defaults, and our --seed
    return environment


def run_once(script: Path, seed: int, folder: Path) -> tuple[float, list[dict]]:
    """Run one lesson with `--seed seed` in `folder`; (wall seconds, its reported figures).
    Raises RuntimeError with the end of its stderr when it fails."""
    results_file = folder / f"{script.stem}-seed{seed}.jsonl"
    work = folder / f"{script.stem}-seed{seed}"
    work.mkdir()
    command = [sys.executable, str(script), "--seed", str(seed)]
    started = time.perf_counter()
    finished = subprocess.run(
        command,
        cwd=work,
        env=lesson_environment(results_file),
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
    )
    seconds = time.perf_counter() - started
    (folder / f"{script.stem}-seed{seed}.out").write_text(finished.stdout, encoding="utf-8")
    if finished.returncode != 0:
        tail = "\n".join(finished.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"{script.name} --seed {seed} failed:\n{tail}")
    lines = results_file.read_text(encoding="utf-8").splitlines() if results_file.exists() else []
    return seconds, [json.loads(line) for line in lines if line.strip()]


def collect(numbers: list[int], lessons: dict[int, Path], folder: Path) -> dict:
    """Run the lessons `numbers` over SEEDS, one progress line per run; their records."""
    records = {}
    runs = len(numbers) * len(SEEDS)
    done = 0
    for number in numbers:
        script = lessons[number]
        seconds, per_seed = [], []
        for seed in SEEDS:
            done += 1
            print(f"[{done:2d}/{runs}] {script.name} --seed {seed} ... ", end="", flush=True)
            wall, figures = run_once(script, seed, folder)
            print(f"{wall:.1f} s, {len(figures)} figures", flush=True)
            seconds.append(round(wall, 2))
            per_seed.append(figures)
        records[number] = lesson_record(number, script, seconds, per_seed)
    return records


def lesson_record(number: int, script: Path, seconds: list, per_seed: list) -> dict:
    """One lesson's entry in results.json: its figures with one value per seed."""
    names = []
    for figures in per_seed:  # every name in the order first reported
        for figure in figures:
            if figure["name"] not in names:
                names.append(figure["name"])
    figures = []
    for name in names:
        found = [next((f for f in run if f["name"] == name), None) for run in per_seed]
        first = next(f for f in found if f is not None)
        details = {k: v for k, v in first.items() if k not in ("name", "value", "unit")}
        values = [None if f is None else f["value"] for f in found]
        figures.append({"name": name, "unit": first.get("unit", ""), "values": values, **details})
    return {
        "number": number,
        "script": f"examples/{script.name}",
        "seeds": list(SEEDS),
        "seconds": seconds,
        "measured_on": datetime.date.today().isoformat(),
        "figures": figures,
    }


def machine() -> dict:
    """What the figures were measured on."""
    import numpy

    blas = "unknown"
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                blas = f"{pool.get('internal_api')} {pool.get('version')}"
                break
    except ImportError:
        pass
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "blas": blas,
        "blas_threads": int(BLAS_THREADS),
    }


def cpu_model() -> str:
    """The CPU's name from /proc/cpuinfo (Linux), else what platform says."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


# --------------------------------------------------------------------------------------
# Turning values into text
# --------------------------------------------------------------------------------------
def one_value(value, spec: str | None) -> str:
    """A single value as text: `spec` if given, else integers whole and floats to three
    significant digits; None (a seed where the thing did not happen) is 'none'."""
    if value is None:
        return "none"
    if isinstance(value, str):
        return value
    if spec:
        return format(value, spec)
    if isinstance(value, bool) or isinstance(value, int):
        return str(value)
    if abs(value) >= 1000:  # a mean of counts: 1955, not 1.96e+03
        return format(value, ".0f")
    return format(value, ".3g")


def center(values: list, average: str) -> float:
    """The mean of the values; the geometric mean for average='geometric' when they are
    all > 0 (a ratio of 1e-26 and one of 1e-24 average to 1e-25, not to 5e-25)."""
    if average == "geometric" and all(value > 0 for value in values):
        return math.exp(sum(math.log(value) for value in values) / len(values))
    return sum(values) / len(values)


def is_number(value) -> bool:
    """A finite int or float (not a bool, not None, not a string, not NaN)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value)


def summary(figure: dict) -> str:
    """'78.7 %', or '78.7 % (77.9–79.5)' when the seeds differ; strings, NaN and seeds
    that reported nothing (None) are listed per seed instead: '56 / 61 / none'."""
    values, spec, unit = figure["values"], figure.get("fmt"), figure.get("unit", "")
    suffix = f" {unit}" if unit else ""
    shown = [one_value(value, spec) for value in values]
    if len(set(shown)) == 1:
        return shown[0] + suffix
    if not all(is_number(value) for value in values):
        return " / ".join(shown) + suffix
    middle = one_value(center(values, figure.get("average", "mean")), spec)
    low, high = one_value(min(values), spec), one_value(max(values), spec)
    return f"{middle}{suffix} ({low}–{high})"


def seconds_summary(seconds: list) -> str:
    """Wall time: '62 s' or '62 s (60–65)'."""
    return summary({"values": seconds, "fmt": ".0f" if min(seconds) >= 10 else ".1f", "unit": "s"})


def figures_cell(lesson: dict) -> str:
    """The README's 'measured' cell: every figure not marked readme=False."""
    parts = [f"{f['name']}: {summary(f)}" for f in lesson["figures"] if f.get("readme", True)]
    return "; ".join(parts)


def time_cell(lesson: dict) -> str:
    return seconds_summary(lesson["seconds"])


# --------------------------------------------------------------------------------------
# docs/results.md
# --------------------------------------------------------------------------------------
def results_markdown(results: dict) -> str:
    """docs/results.md: the machine, then one table per lesson."""
    m = results["machine"]
    lines = [
        "# What the lessons measure",
        "",
        "Written by `make lessons` (docs/make_results.py) - do not edit by hand; run it again.",
        "Every lesson ran with its defaults and `--seed 0`, `1` and `2`, each in a fresh",
        "process; a figure shows the mean over the seeds and, where they differ, the range",
        "(min–max; a geometric mean for ratios that span orders of magnitude). The wall time",
        "is the whole script's, Python's start included. The README's lessons table shows",
        "these figures (tests/test_results_readme.py keeps the two equal).",
        "",
        "| machine | |",
        "|---|---|",
        f"| CPU | {m['cpu']} ({m['cores']} cores, {m['system']}) |",
        f"| Python | {m['python']} |",
        f"| numpy | {m['numpy']} (BLAS: {m['blas']}, {m['blas_threads']} thread) |",
        "",
    ]
    for lesson in results["lessons"]:
        seeds = ", ".join(str(seed) for seed in lesson["seeds"])
        lines += [
            f"## Lesson {lesson['number']}: `{lesson['script']}`",
            "",
            f"`python {lesson['script']} --seed S` for S = {seeds}, measured on "
            f"{lesson['measured_on']}. Wall time {seconds_summary(lesson['seconds'])}; "
            f"per seed {', '.join(f'{s:.1f}' for s in lesson['seconds'])} s.",
            "",
            "| figure | over the seeds | "
            + " | ".join(f"seed {s}" for s in lesson["seeds"])
            + " |",
            "|---|---|" + "---|" * len(lesson["seeds"]),
        ]
        for figure in lesson["figures"]:
            per_seed = " | ".join(one_value(v, figure.get("fmt")) for v in figure["values"])
            words = any(isinstance(value, str) for value in figure["values"])
            overall = "(per seed)" if words else summary(figure)
            lines.append(f"| {figure['name']} | {overall} | {per_seed} |")
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# The README's lessons table
# --------------------------------------------------------------------------------------
def table_rows(readme: str) -> tuple[str, list[list[str]], str]:
    """(text before the table, its rows as lists of cells, text after it)."""
    if TABLE_START not in readme or TABLE_END not in readme:
        raise SystemExit(f"README.md has no lessons table between {TABLE_START} and {TABLE_END}")
    before, rest = readme.split(TABLE_START, 1)
    table, after = rest.split(TABLE_END, 1)
    rows = []
    for line in table.strip().splitlines()[len(TABLE_HEADER) :]:
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        rows.append(cells)
    return before, rows, after


def row_number(cells: list[str]) -> int | None:
    """The lesson number a row starts with ('6. Sentiment classification' -> 6)."""
    match = re.match(r"(\d+)\.", cells[0])
    return int(match.group(1)) if match else None


def rewrite_readme(readme: str, results: dict) -> str:
    """The README with the figures and time of every row replaced from `results`."""
    before, rows, after = table_rows(readme)
    by_number = {lesson["number"]: lesson for lesson in results["lessons"]}
    lines = list(TABLE_HEADER)
    for cells in rows:
        lesson = by_number.get(row_number(cells))
        prose = cells[:3]
        measured = [figures_cell(lesson), time_cell(lesson)] if lesson else ["", ""]
        lines.append("| " + " | ".join(prose + measured) + " |")
    table = "\n".join(lines)
    return f"{before}{TABLE_START}\n\n{table}\n\n{TABLE_END}{after}"


# --------------------------------------------------------------------------------------
def write_text(path: Path, text: str) -> None:
    """Through tinygrad_rnn.files.atomic_write: a reader never sees half a file."""
    from tinygrad_rnn.files import write_text_atomic

    write_text_atomic(path, text)


def write_outputs(results: dict) -> None:
    write_text(RESULTS_JSON, json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    write_text(RESULTS_MD, results_markdown(results))
    write_text(README, rewrite_readme(README.read_text(encoding="utf-8"), results))
    print(f"wrote {RESULTS_JSON.relative_to(ROOT)}, {RESULTS_MD.relative_to(ROOT)} and the")
    print("figures of README.md's lessons table")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, nargs="+", help="run only these lessons (numbers)")
    parser.add_argument(
        "--readme-only",
        action="store_true",
        help="run nothing: rewrite results.md and the README table from docs/results.json",
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    lessons = find_lessons()
    old = json.loads(RESULTS_JSON.read_text(encoding="utf-8")) if RESULTS_JSON.exists() else None
    if args.readme_only:
        if old is None:
            raise SystemExit(f"no {RESULTS_JSON.relative_to(ROOT)} yet: run make lessons")
        write_outputs(old)
        return 0
    numbers = args.lessons or sorted(lessons)
    unknown = sorted(set(numbers) - set(lessons))
    if unknown:
        raise SystemExit(f"no lesson {unknown[0]}; the lessons are {sorted(lessons)}")
    print(f"running {len(numbers)} lessons x seeds {', '.join(map(str, SEEDS))}", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tinygrad-rnn-lessons-") as folder:
        try:
            records = collect(numbers, lessons, Path(folder))
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            print("FAILED", flush=True)
            raise SystemExit(f"make lessons: {error}\nnothing was written") from None
    # read again: another run may have written other lessons' figures in the meantime
    now = json.loads(RESULTS_JSON.read_text(encoding="utf-8")) if RESULTS_JSON.exists() else {}
    kept = {lesson["number"]: lesson for lesson in now.get("lessons", [])}
    kept.update(records)
    results = {
        "written_by": "make lessons (docs/make_results.py)",
        "machine": machine(),
        "lessons": [kept[number] for number in sorted(kept) if number in lessons],
    }
    write_outputs(results)
    print(f"done in {(time.perf_counter() - started) / 60:.1f} minutes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
