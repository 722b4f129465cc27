"""The README's lessons table shows exactly what `make lessons` measured.

docs/results.json holds every figure of every seed (written by docs/make_results.py);
docs/results.md and the last two columns of the README's lessons table are made from it.
These tests fail when one of them was edited by hand or is out of date - the fix is
`make lessons` (or `python docs/make_results.py --readme-only` after editing the prose).
"""

import json
import re

import pytest
from helpers import ROOT, load_script

RESULTS = ROOT / "docs" / "results.json"


def load_tool():
    """docs/make_results.py as a module (it is a script, not part of the package)."""
    return load_script(ROOT / "docs" / "make_results.py")


tool = load_tool()
needs_results = pytest.mark.skipif(
    not RESULTS.exists(), reason="no docs/results.json yet: run make lessons"
)


def results() -> dict:
    return json.loads(RESULTS.read_text(encoding="utf-8"))


def readme_rows() -> dict[int, list[str]]:
    _, rows, _ = tool.table_rows((ROOT / "README.md").read_text(encoding="utf-8"))
    return {tool.row_number(cells): cells for cells in rows}


@needs_results
def test_every_lesson_was_measured_over_three_seeds():
    measured = {lesson["number"]: lesson for lesson in results()["lessons"]}
    assert sorted(measured) == sorted(tool.find_lessons()), "a lesson is missing: make lessons"
    for number, lesson in measured.items():
        assert lesson["seeds"] == [0, 1, 2] and len(lesson["seconds"]) == 3, number
        assert lesson["figures"], f"lesson {number} reports no figures (lesson_kit.report)"
        for figure in lesson["figures"]:
            assert len(figure["values"]) == 3, (number, figure["name"])


@needs_results
def test_the_readme_table_shows_exactly_the_measured_figures():
    rows = readme_rows()
    lessons = results()["lessons"]
    assert sorted(rows) == sorted(lesson["number"] for lesson in lessons)
    for lesson in lessons:
        cells = rows[lesson["number"]]
        assert len(cells) == 5, cells
        assert cells[3] == tool.figures_cell(lesson), f"lesson {lesson['number']}: make lessons"
        assert cells[4] == tool.time_cell(lesson), f"lesson {lesson['number']}: make lessons"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert tool.rewrite_readme(readme, results()) == readme


@needs_results
def test_results_md_is_made_from_results_json():
    written = (ROOT / "docs" / "results.md").read_text(encoding="utf-8")
    assert written == tool.results_markdown(results()), "docs/results.md: make lessons"
    machine = results()["machine"]
    for key in ("cpu", "cores", "python", "numpy", "blas", "blas_threads"):
        assert machine.get(key) not in (None, ""), key


def test_the_prose_columns_state_no_measured_figure():
    """Percentages, seconds and losses belong in the generated columns, not the prose."""
    measured = re.compile(r"\d\s?%|\d\s?s\b|~\s?\d|\d\s?nats|\d\s?min\b")
    for number, cells in readme_rows().items():
        for cell in cells[:3]:
            found = measured.search(cell)
            assert found is None, f"lesson {number}: {found.group(0)!r} in {cell!r}"


def test_summaries_show_the_mean_and_the_range():
    figure = {"values": [78.0, 80.0, 79.0], "unit": "%", "fmt": ".1f"}
    assert tool.summary(figure) == "79.0 % (78.0–80.0)"
    assert tool.summary({"values": [100.0, 100.0, 100.0], "unit": "%", "fmt": ".0f"}) == "100 %"
    assert tool.summary({"values": [61, 57, None]}) == "61 / 57 / none"
    ratios = {"values": [1e-26, 1e-24, 1e-25], "fmt": ".0e", "average": "geometric"}
    assert tool.summary(ratios) == "1e-25 (1e-26–1e-24)"
    assert tool.summary({"values": [0.0, 1e-16, 2e-16], "fmt": ".1e", "average": "geometric"})
    assert tool.summary({"values": ["wilt, hast", "art", "art"]}) == "wilt, hast / art / art"
    assert tool.seconds_summary([61.7, 60.2, 64.9]) == "62 s (60–65)"
    assert tool.seconds_summary([0.94, 0.91, 0.92]) == "0.9 s"
    assert tool.summary({"values": [1931, 1961, 1973]}) == "1955 (1931–1973)"


def test_rewriting_the_table_keeps_the_prose_and_replaces_the_figures():
    lesson = {
        "number": 2,
        "script": "examples/02_hello.py",
        "seeds": [0, 1, 2],
        "seconds": [1.0, 1.2, 1.1],
        "measured_on": "2026-01-01",
        "figures": [
            {"name": "accuracy", "unit": "%", "values": [100, 100, 100], "fmt": ".0f"},
            {"name": "hidden", "unit": "", "values": [1, 2, 3], "readme": False},
        ],
    }
    readme = (
        f"intro\n{tool.TABLE_START}\n{chr(10).join(tool.TABLE_HEADER)}\n"
        '| 2. "hello" | `python examples/02_hello.py` | it learns | old | old |\n'
        f"{tool.TABLE_END}\nafter\n"
    )
    rewritten = tool.rewrite_readme(readme, {"lessons": [lesson]})
    assert (
        '| 2. "hello" | `python examples/02_hello.py` | it learns | accuracy: 100 % |' in rewritten
    )
    assert "| 1.1 s (1.0–1.2) |" in rewritten and "hidden" not in rewritten
    assert rewritten.startswith("intro\n") and rewritten.endswith("after\n")
    assert tool.rewrite_readme(rewritten, {"lessons": [lesson]}) == rewritten
