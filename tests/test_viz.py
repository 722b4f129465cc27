"""viz.draw / viz.extract: read the DOT it writes and compare it with the graph itself.

The graphs come from tests/viz_graphs.py (raw ops following the nn conventions) and, where
they exist, from nn.RNN / nn.LSTM / nn.GRU. Nothing here runs a renderer (see
test_viz_render.py), so the file is fast.
"""

from collections import Counter

import numpy as np
import pytest
import viz_graphs as vg

import tinygrad_rnn as tg
import viz
from viz.dot import BAD_EDGE, HIGHLIGHT, ZERO_EDGE
from viz.extract import collect_nodes, sent_gradients
from viz.styles import CHAIN_WEIGHT


def dot_of(root, **options) -> vg.Dot:
    return vg.read_dot(viz.draw(root, **options).source)


def node_names_by_label(dot: vg.Dot) -> dict:
    found = {}
    for name in dot.nodes:
        found.setdefault(dot.label_of(name), []).append(name)
    return found


def ancestors(dot: vg.Dot, name: str) -> list:
    return dot.nodes[name]["clusters"]


# --------------------------------------------------------------------------------------
# Structure: clusters, gates, parameters, edges
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("steps", [1, 3, 5])
@pytest.mark.parametrize("detail", ["ops", "cells", "steps"])
def test_one_cluster_per_time_step(steps, detail):
    built = vg.lstm(steps=steps)
    dot = dot_of(built.loss, detail=detail)
    assert sorted(dot.time_clusters()) == list(range(1, steps + 1))


def test_gates_sit_in_a_sub_cluster_of_their_step():
    built = vg.lstm(steps=3)
    dot = dot_of(built.loss)
    times = dot.time_clusters()
    gates = [n for n, c in dot.clusters.items() if c["attrs"].get("label") == "gates"]
    assert len(gates) == 3
    by_label = node_names_by_label(dot)
    for t in range(1, 4):
        for letter in "ifgo":
            (name,) = by_label[f"{letter}_{t}"]
            clusters = ancestors(dot, name)
            assert clusters[-1] in gates, f"{letter}_{t} is not inside a gates cluster"
            assert times[t] in clusters, f"{letter}_{t} is not inside the cluster t = {t}"
        (h_name,) = by_label[f"h_{t}"]
        assert times[t] in ancestors(dot, h_name)
        assert ancestors(dot, h_name)[-1] not in gates  # h_t is not a gate


def test_module_scopes_are_outer_clusters():
    built = vg.lstm(steps=2, layers=2)
    dot = dot_of(built.loss)
    labels = {c["attrs"]["label"]: name for name, c in dot.clusters.items()}
    lstm, l0, l1 = labels["<b>lstm</b>"], labels["<b>l0</b>"], labels["<b>l1</b>"]
    assert dot.clusters[l0]["parent"] == lstm and dot.clusters[l1]["parent"] == lstm
    steps = [c for c in dot.clusters.values() if c["attrs"]["label"].startswith("<b>t = ")]
    assert len(steps) == 4  # 2 layers x 2 steps
    assert Counter(c["parent"] for c in steps) == {l0: 2, l1: 2}


def test_parameters_are_drawn_once_outside_the_steps_and_fan_out():
    """With shared_copies=False (the default up to 3 steps; beyond, each step draws its
    own copy of each weight: tests/test_viz_slides_style.py)."""
    built = vg.lstm(steps=4)
    dot = dot_of(built.loss, shared_copies=False)
    by_label = node_names_by_label(dot)
    uses = Counter()
    for node in collect_nodes(built.loss):
        for parent in node.parents:
            if parent.label in built.params:
                uses[parent.label] += 1
    for label in built.params:
        (name,) = by_label[label]  # exactly one box per parameter
        attrs = dot.nodes[name]["attrs"]
        assert dot.nodes[name]["clusters"] == []  # top level, not inside a step
        assert attrs["peripheries"] == "2" and "bold" in attrs["style"]  # marked
        out = [edge for edge in dot.visible_edges() if edge[0] == name]
        assert len(out) == uses[label] == 4  # one arrow to each step that uses it


def test_every_edge_of_the_graph_is_drawn():
    built = vg.gru(steps=3)
    nodes = collect_nodes(built.loss)
    rank = {id(node): index for index, node in enumerate(nodes)}
    expected = Counter(
        (f"n{rank[id(parent)]}", f"n{rank[id(child)]}")
        for child in nodes
        for parent in child.parents
    )
    dot = dot_of(built.loss)
    drawn = Counter((tail, head) for tail, head, _ in dot.visible_edges())
    assert drawn == expected
    assert sum(expected.values()) > 50


def test_repeated_parent_gives_two_arrows():
    a = tg.tensor([1.0, 2.0], requires_grad=True, label="a")
    b = (a + a).named("b")
    c = (b * b).sum().named("c")
    c.backward()
    dot = dot_of(c)
    by_label = node_names_by_label(dot)
    edges = Counter((tail, head) for tail, head, _ in dot.visible_edges())
    assert edges[(by_label["a"][0], by_label["b"][0])] == 2


def test_node_labels_show_label_op_and_shape():
    built = vg.lstm(steps=2, batch=2)
    dot = dot_of(built.loss)
    (name,) = node_names_by_label(dot)["f_2"]
    label = dot.nodes[name]["attrs"]["label"]
    assert "sigmoid" in label and "(2, 3)" in label
    tooltip = dot.nodes[name]["attrs"]["tooltip"]
    assert "viz_graphs.py:" in tooltip  # the source line
    f_2 = next(n for n in collect_nodes(built.loss) if n.label == "f_2")
    assert f"norm {np.linalg.norm(f_2.data):.4g}" in tooltip
    assert f"norm {np.linalg.norm(f_2.grad):.4g}" in tooltip


def test_node_ids_are_stable_between_runs():
    first = viz.draw(vg.lstm(steps=3).loss, highlight="cell_state").source
    tg.randn(5, 5)  # more nodes in between: the global ids move on
    second = viz.draw(vg.lstm(steps=3).loss, highlight="cell_state").source
    assert first == second


# --------------------------------------------------------------------------------------
# Gradients on arrows
# --------------------------------------------------------------------------------------
def test_arrow_gradients_add_up_to_each_nodes_grad():
    """The gradients sent along a node's outgoing arrows sum to dL/dnode (BPTT)."""
    built = vg.lstm(steps=3)
    nodes = collect_nodes(built.loss)
    arriving = {}
    for child in nodes:
        for parent, grad in zip(child.parents, sent_gradients(child)):
            if grad is not None:
                arriving[id(parent)] = arriving.get(id(parent), 0) + grad
    checked = 0
    for node in nodes:
        if node is built.loss or not node.requires_grad:
            continue
        np.testing.assert_allclose(arriving[id(node)], node.grad, rtol=1e-12, atol=1e-14)
        checked += 1
    assert checked > 60


def test_arrow_gradient_matches_the_hand_derived_vjp():
    """h_1 -> matmul(h_1, W_hhᵀ): the gradient sent is dL/d(matmul) @ W_hh."""
    built = vg.rnn(steps=2)
    h_1 = built.h[1]
    W_hh = built.params["weight_hh_l0"]
    data = viz.extract(built.loss, grads=True)
    nodes = collect_nodes(built.loss)
    rank = {id(node): index for index, node in enumerate(nodes)}
    (matmul,) = [n for n in nodes if n.op == "matmul" and n.parents[0] is h_1]
    expected = np.linalg.norm(matmul.grad @ W_hh.data)
    (arrow,) = [
        a for a in data.arrows if a.tail == f"n{rank[id(h_1)]}" and a.head == f"n{rank[id(matmul)]}"
    ]
    assert arrow.grad_norm == pytest.approx(expected, rel=1e-12)


def test_drawing_does_not_change_any_gradient():
    built = vg.lstm(steps=3)
    nodes = collect_nodes(built.loss)
    before = [None if n.grad is None else np.array(n.grad, copy=True) for n in nodes]
    viz.draw(built.loss, grads=True, detail="ops")
    viz.draw(built.loss, grads=True, detail="cells")
    for node, saved in zip(nodes, before):
        if saved is None:
            assert node.grad is None
        else:
            np.testing.assert_array_equal(node.grad, saved)


def _luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_width_and_darkness_grow_with_the_gradient_norm():
    built = vg.rnn(steps=6)
    data = viz.extract(built.loss, grads=True)
    dot = dot_of(built.loss, grads=True)
    edges = dot.visible_edges()
    assert len(edges) == len(data.arrows)  # drawn in the same order
    pairs = [
        (arrow.grad_norm, float(attrs["penwidth"]), _luminance(attrs["color"]))
        for arrow, (_, _, attrs) in zip(data.arrows, edges)
        if arrow.grad_norm is not None and arrow.grad_norm > 0
    ]
    pairs.sort()
    norms = [p[0] for p in pairs]
    assert norms[-1] / norms[0] > 10  # the test sees a real range of norms
    widths = [p[1] for p in pairs]
    darkness = [-p[2] for p in pairs]
    assert widths == sorted(widths) and widths[0] < widths[-1]
    assert darkness == sorted(darkness) and darkness[0] < darkness[-1]


def test_zero_and_nan_gradients_look_different():
    built = vg.nan_graph()
    data = viz.extract(built.loss, grads=True)
    dot = dot_of(built.loss, grads=True)
    styles = [
        (arrow.grad_norm, attrs)
        for arrow, (_, _, attrs) in zip(data.arrows, dot.visible_edges())
        if arrow.grad_norm is not None
    ]
    nans = [attrs for norm, attrs in styles if np.isnan(norm)]
    zeros = [attrs for norm, attrs in styles if norm == 0]
    assert nans and zeros
    for attrs in nans:
        assert attrs["color"] == BAD_EDGE and attrs["style"] == "dashed" and attrs["label"] == "nan"
    for attrs in zeros:
        assert attrs["color"] == ZERO_EDGE and attrs["style"] == "dotted"
    assert "nan / inf" in dot.nodes["legend"]["attrs"]["label"]


def test_legend_spans_the_norms_drawn():
    built = vg.rnn(steps=4)
    data = viz.extract(built.loss, grads=True)
    norms = [a.grad_norm for a in data.arrows if a.grad_norm]
    legend = dot_of(built.loss, grads=True).nodes["legend"]["attrs"]["label"]
    assert f"‖g‖ = {max(norms):.2g}" in legend and f"‖g‖ = {min(norms):.2g}" in legend
    assert "legend" not in dot_of(built.loss, grads=False, shared_copies=False).nodes


def test_grads_default_follows_backward_and_explicit_true_needs_it():
    W = tg.tensor(np.eye(2), requires_grad=True, label="W")
    y = (W @ tg.ones(2)).tanh().sum()
    assert viz.extract(y).grads is False
    with pytest.raises(viz.VizError, match="backward"):
        viz.draw(y, grads=True)
    y.backward()
    assert viz.extract(y).grads is True


# --------------------------------------------------------------------------------------
# The cell-state chain
# --------------------------------------------------------------------------------------
def _path_exists(edges: list, start: str, goal: str) -> bool:
    frontier, seen = [start], {start}
    while frontier:
        here = frontier.pop()
        if here == goal:
            return True
        for tail, head in edges:
            if tail == here and head not in seen:
                seen.add(head)
                frontier.append(head)
    return False


@pytest.mark.parametrize("grads", [False, True])
def test_cell_state_chain_is_one_highlighted_line(grads):
    built = vg.lstm(steps=4)  # in one row (one step per row: tests/test_slide_pictures.py)
    dot = dot_of(built.loss, highlight="cell_state", grads=grads, steps_per_row=4)
    by_label = node_names_by_label(dot)
    c_names = [by_label[f"c_{t}"][0] for t in range(5)]
    if grads:
        marked = [e for e in dot.visible_edges() if e[2].get("fontcolor") == HIGHLIGHT]
    else:
        marked = [e for e in dot.visible_edges() if e[2].get("color") == HIGHLIGHT]
    chain = [(tail, head) for tail, head, _ in marked]
    assert len(chain) == 8  # c_{t-1} -> mul(f_t, c_{t-1}) -> c_t, four times
    for t in range(1, 5):
        assert _path_exists(chain, c_names[t - 1], c_names[t])
    assert all(attrs["weight"] == CHAIN_WEIGHT for _, _, attrs in marked)  # short, straight
    for name in c_names:
        assert dot.nodes[name]["attrs"]["color"] == HIGHLIGHT
        # lifted out of the step clusters onto one lane, so the line can run straight
        assert not set(dot.nodes[name]["clusters"]) & set(dot.time_clusters().values())
    others = [e for e in dot.visible_edges() if e not in marked]
    assert all(attrs.get("color") != HIGHLIGHT for _, _, attrs in others)


def test_cell_state_chain_at_detail_cells_links_consecutive_cells():
    built = vg.lstm(steps=5)
    dot = dot_of(built.loss, highlight="cell_state", detail="cells", grads=False)
    marked = [e for e in dot.visible_edges() if e[2].get("color") == HIGHLIGHT]
    # the arrow from the c_0 box, then arrows labelled with the c_t leaving each cell box
    names = [attrs.get("label") or dot.label_of(tail) for tail, _, attrs in marked]
    assert names == ["c_0", "c_1", "c_2", "c_3", "c_4"]


def test_hidden_state_highlight_for_rnn_and_clear_error_for_cell_state():
    built = vg.gru(steps=3)
    dot = dot_of(built.loss, highlight="hidden_state", grads=False)
    assert any(e[2].get("color") == HIGHLIGHT for e in dot.visible_edges())
    with pytest.raises(viz.VizError, match="hidden_state"):
        viz.draw(built.loss, highlight="cell_state")


# --------------------------------------------------------------------------------------
# Detail levels and size limits
# --------------------------------------------------------------------------------------
def test_detail_levels_collapse_cells_and_steps():
    T = 4
    built = vg.rnn(steps=T, output=True)
    # (shared_copies=False: one box per node; the copies are tested in test_viz_slides_style)
    counts = {
        d: len(viz.extract(built.loss, detail=d, shared_copies=False).boxes) for d in viz.DETAILS
    }
    # leaves drawn at every level: 6 parameters, h_0, x_1..x_T
    leaves = 6 + 1 + T
    # outside the steps: the loss sum chain (T sums + T - 1 adds; the last add is L)
    outside = T + (T - 1)
    assert counts["steps"] == leaves + outside + T  # one box per step
    assert counts["cells"] == leaves + outside + 2 * T  # a cell box and an o_t box per step
    assert counts["ops"] == len(collect_nodes(built.loss))
    assert counts["ops"] > counts["cells"] > counts["steps"]


@pytest.mark.parametrize("detail, word", [("cells", "cell"), ("steps", "step")])
def test_collapsed_boxes_name_their_kind_and_outputs(detail, word):
    for builder, kind in ((vg.lstm, "LSTM"), (vg.gru, "GRU"), (vg.rnn, "RNN")):
        data = viz.extract(builder(steps=3).loss, detail=detail)
        groups = [box for box in data.boxes if box.kind == "group"]
        assert [box.title for box in groups] == [f"{kind} {word}"] * 3
        assert "h_2" in groups[1].subtitle
        assert [box.time_step for box in groups] == [1, 2, 3]
        assert [box.cluster[-1] for box in groups] == ["t=1", "t=2", "t=3"]  # in their step


def test_too_many_nodes_suggests_a_coarser_detail():
    built = vg.lstm(steps=10)
    with pytest.raises(viz.VizError, match="detail='cells'") as error:
        viz.draw(built.loss, max_nodes=100)
    assert "max_nodes=100" in str(error.value)
    assert viz.draw(built.loss, detail="cells", max_nodes=100) is not None


def test_long_chain_is_walked_without_recursion():
    x = tg.tensor(0.5, requires_grad=True, label="x")
    y = x
    for _ in range(5000):
        y = y * 1.0
    data = viz.extract(y, max_nodes=20000)
    assert len(data.boxes) == 10001  # x, 5000 constants 1.0, 5000 muls


# --------------------------------------------------------------------------------------
# Scalar graphs, bad roots, options
# --------------------------------------------------------------------------------------
def test_scalar_value_graph_is_drawn_scalar_by_scalar():
    built = vg.scalar_rnn(steps=2)
    nodes = collect_nodes(built.loss)
    dot = dot_of(built.loss, grads=True)
    assert len([n for n in dot.nodes if n.startswith("n")]) == len(nodes)
    by_label = node_names_by_label(dot)
    for t in (1, 2):
        for j in (0, 1):
            (name,) = by_label[f"h_{t}[{j}]"]
            h = next(n for n in nodes if n.label == f"h_{t}[{j}]")
            label = dot.nodes[name]["attrs"]["label"]
            assert f"= {h.data:.4g}" in label and f"grad {h.grad:.4g}" in label
    assert sorted(dot.time_clusters()) == [1, 2]
    muls = [n for n in nodes if n.op == "mul"]
    assert len(muls) == 2 * (2 + 2 * 2)  # per step: U[j] x and W[j,k] h[k] for 2 units


def test_a_leaf_or_detached_root_is_a_clear_error():
    x = tg.tensor([1.0, 2.0], requires_grad=True, label="x")
    with pytest.raises(viz.VizError, match="leaf"):
        viz.draw(x)
    with pytest.raises(viz.VizError, match="no graph"):
        viz.draw((x * 2).detach())
    with tg.no_grad():
        y = (x * 2).sum()
    with pytest.raises(viz.VizError, match="no_grad"):
        viz.draw(y)
    with pytest.raises(viz.VizError, match="expected a tinygrad_rnn Tensor"):
        viz.draw(3.0)


@pytest.mark.parametrize(
    "options, words",
    [
        ({"detail": "layers"}, "detail must be one of"),
        ({"highlight": "gates"}, "highlight must be one of"),
        ({"max_nodes": 0}, "max_nodes"),
    ],
)
def test_bad_options_are_named(options, words):
    built = vg.rnn(steps=2)
    with pytest.raises(viz.VizError, match=words):
        viz.draw(built.loss, **options)


def test_draw_returns_a_digraph_for_jupyter():
    import graphviz

    graph = viz.draw(vg.rnn(steps=2).loss)
    assert isinstance(graph, graphviz.Digraph)
    assert "rankdir=LR" in graph.source


# --------------------------------------------------------------------------------------
# The real layers (nn), when they exist
# --------------------------------------------------------------------------------------
nn = pytest.importorskip("tinygrad_rnn.nn")


def _nn_loss(layer_class, steps, **kwargs):
    tg.manual_seed(0)
    layer = layer_class(2, 3, **kwargs)
    x = tg.tensor(np.random.default_rng(0).normal(size=(steps, 1, 2)))
    output, _ = layer(x)
    loss = output[-1].sum()
    loss.backward()
    return loss


@pytest.mark.skipif(not hasattr(nn, "LSTM"), reason="nn.LSTM not written yet")
def test_nn_lstm_graph_has_steps_gates_and_the_cell_state_chain():
    loss = _nn_loss(nn.LSTM, 4)
    dot = dot_of(loss, highlight="cell_state", grads=False)
    assert sorted(dot.time_clusters()) == [1, 2, 3, 4]
    gates = [c for c in dot.clusters.values() if c["attrs"].get("label") == "gates"]
    assert len(gates) == 4
    marked = [(t, h) for t, h, a in dot.visible_edges() if a.get("color") == HIGHLIGHT]
    by_label = node_names_by_label(dot)
    for t in range(1, 5):
        assert _path_exists(marked, by_label[f"c_{t - 1}"][0], by_label[f"c_{t}"][0])
    cells = viz.extract(loss, detail="cells")
    assert [b.title for b in cells.boxes if b.kind == "group"] == ["LSTM cell"] * 4


@pytest.mark.skipif(not hasattr(nn, "GRU"), reason="nn.GRU not written yet")
@pytest.mark.parametrize("name, title", [("RNN", "RNN cell"), ("GRU", "GRU cell")])
def test_nn_rnn_and_gru_collapse_to_cells(name, title):
    loss = _nn_loss(getattr(nn, name), 3, num_layers=2)
    data = viz.extract(loss, detail="cells")
    assert [b.title for b in data.boxes if b.kind == "group"] == [title] * 6
    dot = dot_of(loss, detail="cells")
    steps = [c for c in dot.clusters.values() if c["attrs"]["label"].startswith("<b>t = ")]
    assert len(steps) == 6  # 3 steps in each of the 2 layers


@pytest.mark.skipif(not hasattr(nn, "LSTM"), reason="nn.LSTM not written yet")
def test_coarse_pictures_leave_out_the_fans_to_shared_nodes():
    """nn.LSTM projects x for all steps before the loop and stacks h_t after it: at
    detail="cells" those shared boxes are drawn once, without one arrow per step."""
    loss = _nn_loss(nn.LSTM, 6)
    data = viz.extract(loss, detail="cells")
    keys = {box.key: box for box in data.boxes}
    cells = {box.key for box in data.boxes if box.kind == "group"}
    shared = [box for box in data.boxes if box.subtitle.endswith("t = 1..6")]
    assert {box.title for box in shared} >= {"reshape", "stack"}
    for box in shared:
        touching = [a for a in data.arrows if box.key in (a.tail, a.head)]
        assert not any(a.tail in cells or a.head in cells for a in touching)
    # hidden anchors keep the feeder before t = 1 and the collector after t = 6
    anchored = {(keys[t].title, keys[h].time_step) for t, h in data.anchors if h in cells}
    assert ("reshape", 1) in anchored
    assert any(keys[t].time_step == 6 and keys[h].title == "stack" for t, h in data.anchors)
    everything = viz.extract(loss, detail="cells", shared_arrows=True)
    assert len(everything.arrows) > len(data.arrows) + 2 * 6
    assert everything.anchors == []
