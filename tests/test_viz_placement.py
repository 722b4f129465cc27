"""Where the parameters and the legend go (viz/placement.py), and layout.best_rows keeping
the placement whose text is largest on a slide (issue 18: lesson 1's scalar RNN had its
11 weights in one column, which made the picture tall and its text small).
"""

import pytest

from viz import layout, placement
from viz.data import Arrow, Box, GraphData
from viz.slides import SlideFit


def box(key, kind="op", step=None, order=0):
    return Box(key=key, kind=kind, title=key, subtitle="", role="", cluster=(),
               tooltip="", time_step=step, order=order)  # fmt: skip


def small_rnn() -> GraphData:
    """W and U feed the steps (their arrows left out: drawn loose), V feeds the output
    op o after the steps, o feeds the loss L."""
    boxes = [box("W", "param"), box("U", "param"), box("V", "param"),
             box("h1", step=1, order=1), box("o", order=2), box("L", order=3)]  # fmt: skip
    arrows = [Arrow("h1", "o", 0.5), Arrow("V", "o", 0.5), Arrow("o", "L", 1.0)]
    return GraphData(boxes=boxes, arrows=arrows, clusters=[], detail="ops", grads=True,
                     highlight=None, node_count=6, steps=[1])  # fmt: skip


def test_around_puts_each_parameter_where_it_belongs():
    data = small_rnn()
    assert placement.beside_what_they_feed(data) == [("V", "o")]
    assert placement.loose_parameters(data) == ["W", "U"]
    assert placement.last_box(data) == "L"
    lines = placement.around_lines(data, has_legend=True)
    assert '\t{rank=same; "V"; "o";}\n' in lines  # V in the column of the op it feeds
    assert any(line.startswith('\t"W" -> "U" [') for line in lines)  # loose ones: a row
    assert '\t{rank=same; "L"; "legend";}\n' in lines  # the legend beside the loss
    assert not any("legend" in line for line in placement.around_lines(data, False))


def test_pictures_without_steps_keep_the_column():
    data = small_rnn()
    assert placement.placements(data) == ("column", "around")
    data.steps = []
    assert placement.placements(data) == ("column",)


class FakeGraph:
    def __init__(self, k, where):
        self.k, self.where, self.source = k, where, f"{k} {where}"


@pytest.mark.parametrize("better", ["column", "around"])
def test_best_rows_keeps_the_placement_with_the_largest_text(monkeypatch, better):
    data = small_rnn()
    data.steps = [1, 2, 3]
    px = {("column", 1): 10.0, ("column", 3): 11.0, ("around", 1): 9.0, ("around", 3): 8.0}
    if better == "around":
        px[("around", 1)] = 12.5

    def measure(source):
        k, where = source.split()
        return SlideFit(1600, 900, px[(where, int(k))], 1.0)

    monkeypatch.setattr("viz.backend.render_source", lambda source, fmt: source)
    monkeypatch.setattr("viz.slides.measure_svg", measure)
    monkeypatch.setattr(layout, "row_candidates", lambda data, per_row: [1, 3])
    chosen = layout.best_rows(FakeGraph, data, 3, ("column", "around"))
    assert (chosen.where, chosen.k) == ((better, 1) if better == "around" else ("column", 3))


def test_big_pictures_take_the_first_placement_only(monkeypatch):
    data = small_rnn()
    data.boxes = data.boxes * (layout.SEARCH_BOXES // len(data.boxes) + 1)
    monkeypatch.setattr(layout, "row_candidates", lambda data, per_row: [per_row])
    chosen = layout.best_rows(FakeGraph, data, 5, ("column", "around"))  # nothing laid out
    assert (chosen.where, chosen.k) == ("column", 5)
