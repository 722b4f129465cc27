"""Issue 18: pictures that fit a 1920×1080 slide (viz/slides.py, viz/layout.py).

- slides.measure_svg on hand-written SVGs (aspect, font sizes, transforms, units);
- the rows: a long unroll wraps, rows read top to bottom, row k+1 starts under row 1;
- theme="slides": larger type, no arrow tooltips, a 16:9 canvas;
- `tinygrad-rnn render` with default options for T in (1, 3, 10, 30, 100) at each detail
  level: 4:3 <= aspect <= 21:9 always, and the text at least 12 px on the slide or a
  warning on stderr that says so and names the detail level that fits;
- every README/demo picture, made as docs/make_pictures.py makes it, and the committed
  files in docs/images.
"""

import re
import sys
from pathlib import Path

import pytest
import viz_graphs as vg
from helpers import run_cli

import viz
from viz import backend, layout
from viz.slides import MAX_ASPECT, MIN_ASPECT, measure_svg, slide_scale, transform_scale

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"

needs_renderer = pytest.mark.skipif(
    backend.find_renderer() is None, reason="no Graphviz renderer (pip install graphviz-pure)"
)


def svg(width, height, body, view_box=None, unit="pt") -> str:
    box = f' viewBox="{view_box}"' if view_box else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}{unit}" height="{height}{unit}"'
        f"{box}>{body}</svg>"
    )


# --------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------
def test_a_wide_strip_has_tiny_text():
    # the README's old 20-step LSTM: 4446 × 660 units, 10-point text
    fit = measure_svg(svg(4446, 660, '<text font-size="10.00">c_1</text>', "0 0 4446 660"))
    assert fit.aspect == pytest.approx(4446 / 660)
    assert fit.scale == pytest.approx(1920 / 4446)  # the width binds
    assert fit.smallest_px == pytest.approx(10 * 1920 / 4446)  # 4.3 px
    assert not fit.aspect_ok and not fit.text_ok and not fit.fits


def test_a_tall_picture_is_bound_by_the_slide_height():
    fit = measure_svg(svg(600, 900, '<text font-size="14">x</text>', "0 0 600 900"))
    assert fit.scale == pytest.approx(1080 / 900)
    assert fit.smallest_px == pytest.approx(14 * 1.2)
    assert fit.text_ok and not fit.aspect_ok  # 0.67:1 is narrower than 4:3


def test_graphviz_scale_transform_and_the_smallest_of_many_texts():
    body = (
        '<g transform="scale(0.5 0.5) rotate(0) translate(4 400)">'
        '<text font-size="30">big</text><text font-size="26.00">smaller</text>'
        '<text font-size="8"> </text></g>'  # blank text is not read
    )
    fit = measure_svg(svg(1600, 900, body, "0.00 0.00 1600.00 900.00"))
    assert fit.smallest_font == pytest.approx(13.0)
    assert fit.smallest_px == pytest.approx(13.0 * 1.2)
    assert fit.fits  # 16:9 and 15.6 px


def test_inherited_and_styled_font_sizes_and_units_that_cancel():
    body = '<g font-size="20"><text>a</text><text style="fill: red; font-size: 16px">b</text></g>'
    in_pt = measure_svg(svg(1200, 900, body))
    in_px = measure_svg(svg(1200, 900, body, unit="px"))
    assert in_pt.smallest_font == in_px.smallest_font == 16
    assert in_pt.smallest_px == pytest.approx(16 * 1080 / 900)
    assert in_pt.aspect == pytest.approx(4 / 3) and in_pt.aspect_ok  # 4:3 is allowed


def test_the_aspect_limits_and_a_picture_without_text():
    assert measure_svg(svg(2100, 900, "")).aspect_ok  # exactly 21:9
    assert not measure_svg(svg(2101, 900, "")).aspect_ok
    assert measure_svg(svg(1200, 900, "")).smallest_px == float("inf")
    assert MIN_ASPECT == pytest.approx(4 / 3) and MAX_ASPECT == pytest.approx(21 / 9)
    assert slide_scale(3840, 1080) == pytest.approx(0.5)
    assert transform_scale("matrix(2 0 0 3 5 5) scale(0.5)") == pytest.approx(1.5)


# --------------------------------------------------------------------------------------
# Rows and themes
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("steps", [1, 2, 5, 20, 100])
@pytest.mark.parametrize("detail", ["ops", "cells", "steps"])
def test_steps_per_row_covers_every_step(steps, detail):
    k = layout.choose_steps_per_row(steps, detail)
    assert 1 <= k <= steps
    rows = -(-steps // k)
    assert (rows - 1) * k < steps <= rows * k  # no empty row


def lstm_loss(steps: int):
    return vg.lstm(steps=steps).loss


def step_label_ys(svg_bytes: bytes) -> dict[int, float]:
    """t -> the y of the "t = k" cluster label (SVG y grows downwards)."""
    text = svg_bytes.decode()
    found = re.finditer(r'<text[^>]*\sy="([-\d.]+)"[^>]*>t = (\d+)</text>', text)
    return {int(match.group(2)): float(match.group(1)) for match in found}


def step_label_xs(svg_bytes: bytes) -> dict[int, float]:
    text = svg_bytes.decode()
    found = re.finditer(r'<text[^>]*\sx="([-\d.]+)"[^>]*>t = (\d+)</text>', text)
    return {int(match.group(2)): float(match.group(1)) for match in found}


@needs_renderer
def test_a_long_unroll_wraps_into_rows_that_read_top_down():
    graph = viz.draw(lstm_loss(10), detail="cells", steps_per_row=4)
    source = graph.source
    assert "newrank=true" in source and "rank=same" in source
    picture = backend.render_source(source, "svg")
    ys, xs = step_label_ys(picture), step_label_xs(picture)
    assert ys[1] < ys[5] < ys[9]  # rows 1, 2, 3 from the top
    row_gap = ys[5] - ys[1]
    assert abs(ys[4] - ys[1]) < row_gap / 2 and abs(ys[8] - ys[5]) < row_gap / 2  # level rows
    assert xs[1] < xs[2] < xs[3] < xs[4]  # time flows left to right in a row
    assert abs(xs[5] - xs[1]) < abs(xs[2] - xs[1])  # row 2 starts under row 1
    # the arrows from one row into the next do not push the next row to the right
    edges = [line for line in source.splitlines() if "constraint=false" in line]
    assert any("label=h_4" in line for line in edges)


def text_positions(svg_bytes: bytes) -> dict[str, tuple[float, float]]:
    """DOT node name -> (x, y) of its first text line in Graphviz's SVG."""
    text = svg_bytes.decode()
    found = re.finditer(
        r'class="node">\s*<title>([^<]*)</title>.*?<text[^>]*\sx="([-\d.]+)"\s+y="([-\d.]+)"',
        text,
        re.S,
    )
    return {match.group(1): (float(match.group(2)), float(match.group(3))) for match in found}


@needs_renderer
def test_a_short_lstm_at_detail_ops_is_one_step_per_row_with_the_cell_state_stepping_down():
    """T = 3, ops, cell state highlighted (the README's picture): one step per row, rows
    top down; c_t sits in step t; each arrow c_t -> mul(f, c_t) of step t+1 is ranked, so
    it goes down and to the right (no loop back), and mul and c_t share one line."""
    data = viz.extract(lstm_loss(3), detail="ops", grads=True, highlight="cell_state")
    source = viz.to_digraph(data, theme="slides").source
    picture = backend.render_source(source, "svg")
    ys = step_label_ys(picture)
    assert ys[1] < ys[2] < ys[3]
    drawn = vg.read_dot(source)
    steps = drawn.time_clusters()
    chain = [arrow for arrow in data.arrows if arrow.highlight]
    states = [box for box in data.boxes if box.role == "c" and box.time_step]
    for box in states:
        assert steps[box.time_step] in drawn.nodes[box.key]["clusters"]
    where = text_positions(picture)
    step_of = {box.key: box.time_step for box in data.boxes}
    hops = [
        a
        for a in chain
        if step_of[a.head] and step_of[a.tail] and step_of[a.head] > step_of[a.tail]
    ]
    assert len(hops) == 2
    for hop in hops:
        assert where[hop.head][0] > where[hop.tail][0] and where[hop.head][1] > where[hop.tail][1]
        line = [edge for edge in drawn.visible_edges() if edge[:2] == (hop.tail, hop.head)]
        assert line and "constraint" not in line[0][2]
    for arrow in chain:  # mul -> c_t inside a step: level
        if step_of[arrow.tail] == step_of[arrow.head]:
            assert abs(where[arrow.tail][1] - where[arrow.head][1]) < 1.0


def rows_of(svg_bytes: bytes) -> list[list[int]]:
    """The time steps of each row, top row first: a row ends where "t = k" is drawn left
    of "t = k-1"; each row's steps must all lie below every step of the row before."""
    xs, ys = step_label_xs(svg_bytes), step_label_ys(svg_bytes)
    rows = [[1]]
    for t in range(2, max(xs) + 1):
        if xs[t] < xs[t - 1]:
            rows.append([t])
        else:
            rows[-1].append(t)
    for upper, lower in zip(rows, rows[1:]):
        assert max(ys[t] for t in upper) < min(ys[t] for t in lower), (rows, ys)
    return rows


@needs_renderer
@pytest.mark.parametrize("steps", [5, 6, 10])
@pytest.mark.parametrize("highlight", [None, "cell_state"])
def test_wrapped_lstm_ops_rows_read_top_down(steps, highlight):
    """detail=ops, the steps per row chosen by measuring (best_rows), each candidate's
    rows checked (arrange_rows tries every RowOrder): row 1 on top, then row 2, ..."""
    loss = vg.lstm(steps=steps).loss
    graph = viz.draw(loss, detail="ops", grads=True, highlight=highlight, theme="slides")
    rows = rows_of(backend.render_source(graph.source, "svg"))
    assert len(rows) >= 2 and [t for row in rows for t in row] == list(range(1, steps + 1))


def test_row_orders_try_both_cluster_orders_and_both_edge_directions():
    orders = layout.row_orders(guess=True)
    assert orders[0] == layout.RowOrder(later_first=True, starts_up=False)  # the guess first
    assert {(o.later_first, o.starts_up) for o in orders} == {
        (a, b) for a in (True, False) for b in (True, False)
    }
    data = viz.extract(lstm_loss(6), detail="cells")
    starts = layout.row_start_boxes(data, 2)[0]  # the first box of steps 1, 3, 5
    down = layout.step_order_edges(data, 2)
    up = layout.step_order_edges(data, 2, starts_up=True)
    pairs = list(zip(starts, starts[1:]))
    assert all(pair in down for pair in pairs) and not any(pair in up for pair in pairs)
    assert all((b, a) in up for a, b in pairs)


def test_without_a_renderer_the_rows_are_still_written(monkeypatch):
    monkeypatch.setattr(backend, "find_renderer", lambda: None)
    monkeypatch.setattr(viz.dot, "find_renderer", lambda: None)
    source = viz.draw(lstm_loss(10), detail="cells", steps_per_row=5).source
    assert source.count("rank=same") >= 1 and "newrank=true" in source


def test_theme_slides_has_larger_type_and_no_arrow_tooltips():
    loss = lstm_loss(3)
    plain = viz.draw(loss, detail="cells").source
    slides = viz.draw(loss, detail="cells", theme="slides").source

    def sizes(source):
        return [int(n) for n in re.findall(r'point-size="(\d+)"', source)]

    assert min(sizes(slides)) > min(sizes(plain)) >= 12
    plain_edges = [line for line in plain.splitlines() if "->" in line and "label=" in line]
    slide_edges = [line for line in slides.splitlines() if "->" in line and "label=" in line]
    assert any("tooltip=" in line for line in plain_edges)
    assert slide_edges and not any("tooltip=" in line for line in slide_edges)
    with pytest.raises(viz.VizError, match="theme='poster'"):
        viz.draw(loss, theme="poster")


@needs_renderer
def test_theme_slides_canvas_is_16_by_9(tmp_path):
    path = viz.render(lstm_loss(2), tmp_path / "a.svg", detail="steps", theme="slides")
    assert measure_svg(path).aspect == pytest.approx(16 / 9, rel=0.06)  # plus the margins


# --------------------------------------------------------------------------------------
# `tinygrad-rnn render` with default options
# --------------------------------------------------------------------------------------
CASES = [(steps, detail) for steps in (1, 3, 10, 30, 100) for detail in ("cells", "steps")]
CASES += [(1, "ops"), (3, "ops")]


@needs_renderer
@pytest.mark.parametrize(("steps", "detail"), CASES)
def test_render_defaults_fit_a_slide_or_say_so(steps, detail, tmp_path, capsys):
    target = tmp_path / "rnn.svg"
    args = ["render", "rnn", "--steps", str(steps), "--detail", detail, "-o", str(target)]
    status, _, err = run_cli(args, capsys)
    assert status == 0
    fit = measure_svg(target)
    assert fit.aspect_ok, fit.describe()
    if fit.text_ok:
        assert err == ""
    else:
        assert err.startswith(f"warning: at detail={detail} the picture is {fit.describe()}")
        assert re.search(r"detail=(cells|steps) fits|draw fewer time steps", err)
    if steps <= 10:  # these fit (measured): 17 px at T = 10
        assert fit.fits, fit.describe()


@needs_renderer
def test_the_warning_names_the_detail_level_that_fits(tmp_path, capsys):
    target = tmp_path / "lstm.svg"
    status, _, err = run_cli(["render", "lstm", "--steps", "6", "-o", str(target)], capsys)
    assert status == 0 and target.exists()  # the picture is still written
    assert "at detail=ops the picture is" in err and "text under 12 px" in err
    assert err.strip().endswith("detail=cells fits")


# --------------------------------------------------------------------------------------
# The README and demo pictures
# --------------------------------------------------------------------------------------
sys.path.insert(0, str(ROOT / "docs"))
import make_pictures  # noqa: E402

# every picture fits (measured with graphviz-pure, slide px, 2026-12-07): the README's
# LSTM T = 3 at ops 12.0 (its chain labelled between the rows only: dot.py), the demo's
# LSTM 12.7 (drawn at cells: viz.render.draw_to_fit), names_classifier's RNN 12.3 (its
# five calls of `rnn` drawn as steps, two a row: viz/calls.py)


def check_picture(name: str, path: Path) -> None:
    fit = measure_svg(path)
    assert fit.aspect_ok, f"{name}: {fit.describe()}"
    assert fit.text_ok, f"{name}: {fit.describe()}"


@needs_renderer
@pytest.mark.parametrize("name", sorted(make_pictures.pictures()))
def test_each_picture_as_make_pictures_makes_it(name, tmp_path):
    path = make_pictures.pictures()[name](tmp_path / name)
    check_picture(name, path)


@pytest.mark.parametrize("name", sorted(make_pictures.pictures()))
def test_each_committed_picture(name):
    check_picture(name, IMAGES / name)


def test_the_readme_shows_the_commands_make_pictures_runs():
    """Each README picture's command is make_pictures' own, so `make pictures` remakes the
    pictures the README promises."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name, arguments in make_pictures.RENDERED.items():
        command = " ".join(["tinygrad-rnn render", *arguments, *make_pictures.THEME])
        assert f"{command} -o docs/images/{name}" in readme, name
