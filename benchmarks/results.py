"""benchmarks/results.json: what the last recorded run of each benchmark measured.

Every timing script takes `--record`: each table it prints is then also stored here,
under its title and its settings (clock, BLAS threads, malloc), with the date and the
machine. `python -m benchmarks.report` writes the tables into benchmarks/README.md and the
speed paragraph of the README from this file, and tests/test_benchmarks_report.py fails
when the two READMEs and this file disagree - so every figure they state comes from a
run anyone can repeat (`make bench`).

Read next: report.py.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from tinygrad_rnn.files import atomic_write

RESULTS = Path(__file__).resolve().parent / "results.json"


def settings_text(clock: str, blas_threads: int | None, malloc: str) -> str:
    """'wall clock, the machine's BLAS threads, malloc engine' - how a table was run."""
    threads = (
        "the machine's BLAS threads" if blas_threads is None else f"{blas_threads} BLAS thread"
    )
    if blas_threads not in (None, 1):
        threads += "s"
    return f"{clock} clock, {threads}, malloc {malloc}"


def key_of(title: str, settings: str) -> str:
    return f"{title} | {settings}"


def load(path: Path = RESULTS) -> dict:
    """{key: entry} of every recorded table ({} before the first recording)."""
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def record(title: str, settings: str, rows: dict, machine: list[str], path: Path = RESULTS):
    """Store one table: rows = {contender: {"median_ms": …, "ratio": …} or other figures}."""
    results = load(path)
    results[key_of(title, settings)] = {
        "title": title,
        "settings": settings,
        "date": datetime.date.today().isoformat(),
        "machine": machine,
        "rows": rows,
    }
    ordered = {key: results[key] for key in sorted(results)}  # rows keep the table's order
    text = json.dumps(ordered, indent=1, ensure_ascii=False) + "\n"
    with atomic_write(path) as file:
        file.write(text.encode("utf-8"))
