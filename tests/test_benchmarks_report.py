"""benchmarks/results.json -> the two READMEs (benchmarks/report.py), without timing anything.

Every speed and memory figure the README and benchmarks/README.md state is written there
by `python -m benchmarks.report` from the tables `make bench` recorded; this test fails
when a README says something else than results.json.
"""

import json
import sys

import pytest
from helpers import ROOT

sys.path.insert(0, str(ROOT))  # the benchmarks package
from benchmarks import report  # noqa: E402
from benchmarks.results import key_of, load, record, settings_text  # noqa: E402


def test_both_readmes_say_what_results_json_recorded():
    results = load()
    for path, text in report.updated_readmes(results).items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.relative_to(ROOT)} differs from benchmarks/results.json: "
            "run `python -m benchmarks.report`"
        )


def test_the_headline_tables_are_recorded():
    results = load()
    for name, key in report.HEADLINE.items():
        assert key in results, f"{name}: run `make bench` to record '{key}'"


def test_settings_and_a_recorded_table_round_trip(tmp_path):
    assert settings_text("wall", None, "engine") == (
        "wall clock, the machine's BLAS threads, malloc engine"
    )
    assert settings_text("cpu", 1, "steady") == "cpu clock, 1 BLAS thread, malloc steady"
    assert settings_text("cpu", 2, "glibc") == "cpu clock, 2 BLAS threads, malloc glibc"
    path = tmp_path / "results.json"
    rows = {"numpy": {"median_ms": 20.0, "ratio": 1.0}, "engine": {"median_ms": 30.0, "ratio": 1.5}}
    record("a step", "cpu clock", rows, ["machine: test"], path=path)
    record("a step", "wall clock", rows, ["machine: test"], path=path)  # a second entry
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert set(stored) == {key_of("a step", "cpu clock"), key_of("a step", "wall clock")}
    assert stored[key_of("a step", "cpu clock")]["rows"] == rows
    lines = report.table(stored[key_of("a step", "cpu clock")])
    assert "| engine | 30.00 | 1.50x | - |" in lines


def fake_results() -> dict:
    lstm = {
        "numpy (hand-written BPTT)": {"median_ms": 18.04, "ratio": 1.0},
        "engine nn.LSTM": {"median_ms": 30.0, "ratio": 1.6632},
        "engine nn.LSTM, lean": {"median_ms": 29.0, "ratio": 1.6077},
    }
    memory = {"engine nn.LSTM, lean": {"rss_ratio": 1.3249, "tracemalloc_ratio": 1.2416}}
    scalar = {"micrograd 0.1.0": {"median_ms": 827.0, "ratio": 3.3979}}
    rows = {"lstm_defaults": lstm, "lstm_one_thread": lstm, "memory": memory, "scalar": scalar}
    return {report.HEADLINE[name]: {"rows": table} for name, table in rows.items()}


def test_the_speed_paragraph_rounds_what_was_recorded():
    text = " ".join(report.speed_paragraph(fake_results()).split())  # as one line
    assert "`nn.LSTM` takes 1.66× the numpy time (18.0 ms)" in text
    assert "1.61× in lean mode" in text
    assert "keeps 1.32× the baseline's memory" in text and "(1.24× counting live" in text
    assert "3.4× faster than micrograd" in text


def test_a_missing_table_names_the_command_that_records_it():
    results = fake_results()
    del results[report.HEADLINE["memory"]]
    with pytest.raises(SystemExit, match="make bench"):
        report.speed_paragraph(results)


def test_the_floors_table_divides_what_was_recorded():
    """The scalar floor is micrograd's time over the bare Value's; the replay floor is
    the replay's recorded ratio; a floor not recorded is left out."""
    results = fake_results()
    scalar = results[report.HEADLINE["scalar"]]["rows"]
    scalar[report.BARE] = {"median_ms": 206.75, "ratio": 0.5}  # 827 / 206.75 = 4.0
    replay = {report.REPLAY: {"median_ms": 24.0, "ratio": 1.3333}}
    results[key_of(report.REPLAY_FLOOR, report.ONE_THREAD)] = {"rows": replay}
    lines = report.floors_table(results)
    assert len(lines) == 2 + 2 + 1  # header, one replay row (one thread), scalar, blank
    assert "| 1.33x numpy | <= 1.0x |" in lines[2] and "1 BLAS thread" in lines[2]
    assert "| 4.0x faster than micrograd | >= 10x |" in lines[3]
