"""What the pictures draw (issue 18): shared weights copied into each step, labelled
constants, the highlighted chain's own colour and width on one straight line, one gate
order in every step, a gradient scale whose faintest arrow is darker than "not
tracked", and a legend that names every style drawn.

The tests read viz.extract's data and the DOT viz.draw writes; the layout tests
(chain on one line, gate order) render the DOT and read the boxes' positions from
the SVG.
"""

import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import viz_graphs as vg

import tinygrad_rnn as tg
import viz
from tinygrad_rnn import nn
from viz import backend
from viz.boxes import LANE
from viz.styles import CHAIN_WIDTH, GRAD_RAMP, HIGHLIGHT, MIN_WIDTH, NO_GRAD_EDGE, NO_GRAD_WIDTH

needs_renderer = pytest.mark.skipif(
    backend.find_renderer() is None, reason="no Graphviz renderer (dot or graphviz-pure)"
)


def dot_of(root, **options) -> vg.Dot:
    return vg.read_dot(viz.draw(root, **options).source)


def luminance(colour: str) -> float:
    """Relative brightness 0..255 of "#rrggbb" (ITU-R BT.709 weights)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def nn_loss(layer, steps: int, seed: int = 0):
    """L = Σ h_T of a one-layer nn.RNN/LSTM/GRU (H = 3, D = 2) after backward."""
    tg.manual_seed(seed)
    x = tg.tensor(np.random.default_rng(seed).normal(size=(steps, 1, 2)), label="x")
    output, _ = layer(2, 3)(x)
    loss = output[-1].sum().named("L")
    loss.backward()
    return loss


def box_centres(source: str) -> dict[str, float]:
    """Rendered SVG: box key -> the y of its first line of text (the title)."""
    svg = backend.render_source(source, "svg").decode()
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    found = {}
    for group in root.iter("{http://www.w3.org/2000/svg}g"):
        if group.get("class") != "node":
            continue
        title = group.find("s:title", ns)
        text = group.find(".//s:text", ns)
        if title is not None and text is not None:
            found[title.text] = float(text.get("y"))
    return found


# --------------------------------------------------------------------------------------
# Shared weights: a light, marked copy in each step
# --------------------------------------------------------------------------------------
def test_each_step_draws_its_own_copy_of_the_shared_weights():
    T = 5
    built = vg.rnn(steps=T, output=True)  # U, W, V, b, c read inside every step
    data = viz.extract(built.loss)
    plain = viz.extract(built.loss, shared_copies=False)
    assert data.shared_copies and not plain.shared_copies
    boxes = {box.key: box for box in data.boxes}
    copies = [box for box in data.boxes if box.kind == "copy"]
    params = [box for box in data.boxes if box.kind == "param"]
    # every parameter read in every step: one copy per parameter per step
    assert len(copies) == len(params) * T
    for box in copies:
        out = [arrow for arrow in data.arrows if arrow.tail == box.key]
        assert out, f"copy {box.title} feeds nothing"
        steps = {boxes[arrow.head].time_step for arrow in out}
        assert len(steps) == 1  # a copy serves one step ...
        (t,) = steps
        assert f"t={t}" in box.cluster  # ... and sits inside it
        assert box.subtitle.startswith("shared")
    for box in params:  # the original keeps no arrow into the steps
        assert not [arrow for arrow in data.arrows if arrow.tail == box.key]
        assert "copied into 5 steps" in box.subtitle
    # the same edges, the same gradients: only the tails moved to the copies
    title = {box.key: box.title for box in data.boxes}
    plain_title = {box.key: box.title for box in plain.boxes}
    moved = sorted((title[a.tail], a.head, a.grad_norm) for a in data.arrows)
    before = sorted((plain_title[a.tail], a.head, a.grad_norm) for a in plain.arrows)
    assert moved == before


def test_copies_are_dashed_and_named_in_the_legend_and_only_beyond_three_steps():
    dot = dot_of(vg.rnn(steps=4, output=True).loss)
    copies = [n for n, node in dot.nodes.items() if "dashed" in node["attrs"].get("style", "")]
    assert len(copies) == 6 * 4  # weight_ih, weight_hh, biases, V, c: each step
    assert all(dot.label_of(name) in {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                      "bias_hh_l0", "V", "c"} for name in copies)  # fmt: skip
    assert "copy of a shared weight" in dot.nodes["legend"]["attrs"]["label"]
    three = viz.extract(vg.rnn(steps=3, output=True).loss)
    assert not [box for box in three.boxes if box.kind == "copy"]


def test_nn_lstm_copies_what_every_step_reads_and_coarse_pictures_are_unchanged():
    """nn.LSTM's steps read W_hhᵀ and their slice of x W_ihᵀ, both made before the loop."""
    loss = nn_loss(nn.LSTM, 4)
    data = viz.extract(loss)
    copied = sorted({box.title for box in data.boxes if box.kind == "copy"})
    assert copied == ["reshape", "transpose"]
    assert sum(box.kind == "copy" for box in data.boxes) == 2 * 4
    # detail="cells" leaves the fans out (shared_arrows=False): nothing to copy
    assert not [box for box in viz.extract(loss, detail="cells").boxes if box.kind == "copy"]


# --------------------------------------------------------------------------------------
# Constants say what they are
# --------------------------------------------------------------------------------------
def test_unlabelled_constants_are_labelled_constant_with_value_or_shape():
    W = tg.tensor(np.eye(4, 2), requires_grad=True, label="W")
    shift = tg.tensor(np.ones((4, 1)))  # no label, no grad
    loss = ((W @ tg.ones(2)).reshape(4, 1) - shift).sum() / tg.tensor(4.0)
    loss.backward()
    dot = dot_of(loss)
    constants = [
        node["attrs"] for node in dot.nodes.values() if "constant" in node["attrs"].get("label", "")
    ]
    texts = sorted(re.sub(r"<[^>]*>", "", attrs["label"]) for attrs in constants)
    assert "constant (4, 1)" in texts and "constant = 4" in texts
    for attrs in dot.nodes.values():  # no bare "(4, 1)" or "4" left floating
        label = re.sub(r"<[^>]*>", "", attrs["attrs"].get("label", ""))
        assert label.strip() not in {"(4, 1)", "4", "(2,)", "const"}


# --------------------------------------------------------------------------------------
# The highlighted chain
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("steps_per_row", [4, 1])
@pytest.mark.parametrize("grads", [False, True])
def test_chain_has_a_colour_and_width_no_other_arrow_has(grads, steps_per_row):
    built = vg.lstm(steps=4)
    data = viz.extract(built.loss, highlight="cell_state", grads=grads)
    dot = dot_of(built.loss, highlight="cell_state", grads=grads, steps_per_row=steps_per_row)
    edges = dot.visible_edges()
    assert len(edges) == len(data.arrows)  # same order
    chain = [(arrow, attrs) for arrow, (_, _, attrs) in zip(data.arrows, edges) if arrow.highlight]
    others = [attrs for arrow, (_, _, attrs) in zip(data.arrows, edges) if not arrow.highlight]
    assert len(chain) == 8  # c_{t-1} -> mul -> c_t, four times
    step = {box.key: box.time_step for box in data.boxes}
    labelled = 0
    for arrow, attrs in chain:
        assert attrs["color"] == HIGHLIGHT and float(attrs["penwidth"]) == CHAIN_WIDTH
        down = (
            None not in (step[arrow.tail], step[arrow.head]) and step[arrow.tail] < step[arrow.head]
        )
        if grads and (steps_per_row > 1 or down):  # the gradient it carries is written on it
            carried = "no gradient" if arrow.grad_norm is None else f"‖g‖ = {arrow.grad_norm:.2g}"
            assert attrs["label"] == carried
            labelled += 1
        else:  # one step per row: the arrows within a step have none (dot.py)
            assert "label" not in attrs
    assert labelled == (0 if not grads else 8 if steps_per_row > 1 else 3)  # 3 steps down
    for attrs in others:
        assert attrs.get("color") != HIGHLIGHT
        assert float(attrs.get("penwidth", 1)) < CHAIN_WIDTH
    assert "cell state c_0 → c_T" in dot.nodes["legend"]["attrs"]["label"]


def test_the_cell_state_chain_c_0_included_runs_in_one_lane():
    loss = nn_loss(nn.LSTM, 4)  # nn.LSTM makes c_0 outside its layers' scopes
    data = viz.extract(loss, highlight="cell_state")
    chain = [box for box in data.boxes if box.highlight]
    assert [box.title for box in chain if box.role == "c"] == [f"c_{t}" for t in range(5)]
    lanes = {box.cluster for box in chain}
    assert len(lanes) == 1 and next(iter(lanes))[-1] == LANE


@needs_renderer
@pytest.mark.parametrize("steps_per_row", [3, None])
def test_rendered_cell_state_chain_is_one_straight_line_from_c_0(steps_per_row):
    """One row of 3 steps: one line c_0 -> c_3. Wrapped into rows (None: as viz
    chooses), the lane wraps too: one straight line under each row."""
    loss = nn_loss(nn.LSTM, 3)
    data = viz.extract(loss, highlight="cell_state", grads=True)
    source = viz.to_digraph(data, steps_per_row=steps_per_row).source
    heights = box_centres(source)
    clusters = vg.read_dot(source).nodes
    lanes: dict[tuple, list] = {}
    for box in data.boxes:
        if box.highlight:
            lane = tuple(clusters[box.key]["clusters"])
            lanes.setdefault(lane, []).append(heights[box.key])
    assert sum(len(row) for row in lanes.values()) == 7  # c_0, then mul and c_t, t = 1..3
    if steps_per_row == 3:
        assert len(lanes) == 1
    for row in lanes.values():
        assert max(row) - min(row) < 1.0  # points: one line


@pytest.mark.parametrize("detail", ["ops", "cells", "steps"])
def test_hidden_state_highlight_covers_every_h_t_also_with_grads(detail):
    T = 4
    loss = nn_loss(nn.RNN, T)
    data = viz.extract(loss, highlight="hidden_state", grads=True, detail=detail)
    dot = dot_of(loss, highlight="hidden_state", grads=True, detail=detail)
    marked = [
        attrs for attrs in (e[2] for e in dot.visible_edges()) if attrs.get("color") == HIGHLIGHT
    ]
    if detail == "ops":
        h_boxes = [b for b in data.boxes if b.role == "h" and b.highlight]
        assert [b.title for b in h_boxes] == [f"h_{t}" for t in range(T + 1)]
    else:  # h_0 -> cell 1 -> cell 2 -> ... -> cell T: the arrows carrying h_t
        labels = [attrs.get("label", "") for attrs in marked]
        named = [text.split()[0] for text in labels if text.startswith("h_")]
        assert len(marked) == T and len(set(named)) == len(named)
        assert set(named) <= {f"h_{t}" for t in range(1, T)}
    assert len(marked) >= T
    assert all(float(attrs["penwidth"]) == CHAIN_WIDTH for attrs in marked)


# --------------------------------------------------------------------------------------
# One gate order in every step: PyTorch's i, f, g, o (GRU: r, z)
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("layer, names", [(nn.LSTM, ["i", "f", "g", "o"]), (nn.GRU, ["r", "z"])])
def test_gate_rows_list_each_steps_gates_in_pytorch_order(layer, names):
    T = 4
    data = viz.extract(nn_loss(layer, T))
    title = {box.key: box.title for box in data.boxes}
    rows = [[title[key] for key in row] for row in data.gate_rows]
    assert rows == [[f"{name}_{t}" for name in names] for t in range(1, T + 1)]


@needs_renderer
@pytest.mark.parametrize("model", ["nn", "hand"])
def test_rendered_gates_stand_in_the_same_order_in_every_step(model):
    loss = nn_loss(nn.LSTM, 3) if model == "nn" else vg.lstm(steps=3).loss
    data = viz.extract(loss, highlight="cell_state")
    heights = box_centres(viz.to_digraph(data).source)
    title = {box.key: box.title for box in data.boxes}
    for row in data.gate_rows:
        tops = [heights[key] for key in row]
        assert tops == sorted(tops), [title[key] for key in row]  # i on top, o at the bottom


# --------------------------------------------------------------------------------------
# The gradient scale and the legend
# --------------------------------------------------------------------------------------
def neuron():
    """Lesson 1's neuron y = tanh(w1·x1 + w2·x2 + b): ‖g‖ = 0.5 on add -> n -> y."""
    x1, x2 = tg.Value(2.0, label="x1"), tg.Value(0.0, label="x2")
    w1, w2 = tg.Value(-3.0, label="w1"), tg.Value(1.0, label="w2")
    b = tg.Value(6.8813735870195432, label="b")
    n = ((x1 * w1).named("x1·w1") + (x2 * w2).named("x2·w2") + b).named("n")
    y = n.tanh().named("y")
    y.backward()
    return y


def test_faintest_gradient_is_darker_and_wider_than_not_tracked():
    assert luminance(GRAD_RAMP[0]) < luminance(NO_GRAD_EDGE) - 10
    assert MIN_WIDTH > NO_GRAD_WIDTH
    y = neuron()
    data = viz.extract(y, grads=True)
    dot = dot_of(y, grads=True)
    title = {box.key: box.title for box in data.boxes}
    for arrow, (_, _, attrs) in zip(data.arrows, dot.visible_edges()):
        if arrow.grad_norm and math.isfinite(arrow.grad_norm):
            assert luminance(attrs["color"]) < luminance(NO_GRAD_EDGE)
            assert float(attrs["penwidth"]) > NO_GRAD_WIDTH
        if (title[arrow.tail], title[arrow.head]) in {("add", "n"), ("n", "y")}:
            assert arrow.grad_norm == pytest.approx(0.5)
            # 0.5 beside a largest 1.5 is the same order: not drawn as the faintest
            assert float(attrs["penwidth"]) > (MIN_WIDTH + CHAIN_WIDTH) / 4


def test_legend_names_every_style_in_the_picture():
    built = vg.lstm(steps=4)
    legend = dot_of(built.loss, grads=True, highlight="cell_state").nodes["legend"]
    text = legend["attrs"]["label"]
    for words in ("‖g‖ = ", "not tracked", "cell state c_0 → c_T", "copy of a shared weight"):
        assert words in text
    plain = dot_of(built.loss, grads=False, highlight="cell_state").nodes["legend"]
    assert "cell state" in plain["attrs"]["label"] and "‖g‖" not in plain["attrs"]["label"]


@pytest.mark.parametrize("steps_per_row", [1, 2])
def test_one_cell_per_row_sets_the_labels_down_beside_their_arrows(steps_per_row):
    """detail cells, one step per row: the arrows down into the next row carry their
    labels as xlabels (placed beside them after the layout, not on top of each other),
    and "t = k" stands at the left; with two steps a row, as before."""
    built = vg.lstm(steps=4)
    options = dict(detail="cells", grads=True, highlight="cell_state")
    data = viz.extract(built.loss, **options)
    dot = dot_of(built.loss, **options, steps_per_row=steps_per_row)
    step = {box.key: box.time_step for box in data.boxes}
    down = [
        attrs
        for tail, head, attrs in dot.visible_edges()
        if None not in (step.get(tail), step.get(head))
        and (step[tail] - 1) // steps_per_row < (step[head] - 1) // steps_per_row
    ]
    chain_labels = [a.get("xlabel", a.get("label", "")) for a in down if a["color"] == HIGHLIGHT]
    assert len(chain_labels) == (3 if steps_per_row == 1 else 1)  # c_t from row to row
    assert all("‖g‖ = " in text for text in chain_labels)
    used = {"xlabel" if "xlabel" in a else "label" for a in down if "xlabel" in a or "label" in a}
    assert used == ({"xlabel"} if steps_per_row == 1 else {"label"})
    times = [dot.clusters[name]["attrs"] for name in dot.time_clusters().values()]
    assert all((attrs.get("labeljust") == "l") == (steps_per_row == 1) for attrs in times)
