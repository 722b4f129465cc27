"""A module called in a Python loop, as PyTorch programs do (no tg.scope(t=...)): its
calls are drawn as time steps (viz/calls.py), so the unroll wraps into rows like nn.RNN's.
"""

import numpy as np
import pytest

import tinygrad_rnn as tg
import viz
from tinygrad_rnn import nn
from viz import backend, calls
from viz.data import Arrow, Box
from viz.slides import measure_svg


class LoopRNN(nn.Module):
    """h_t = tanh(i2h([x_t, h_{t-1}])), the PyTorch tutorial's cell, called once per step."""

    def __init__(self, inputs: int, hidden: int):
        super().__init__()
        self.i2h = nn.Linear(inputs + hidden, hidden)

    def forward(self, x, h):
        return self.i2h(tg.cat([x, h], dim=1)).tanh()


def loop_loss(steps: int, inputs_first: bool = False):
    """L = Σ h_T after `steps` calls; each x_t made just before its call, or all first."""
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    rnn = LoopRNN(2, 3)
    h = tg.tensor(np.zeros((1, 3)), label="h_0")
    xs = (
        [tg.tensor(rng.normal(size=(1, 2)), label="x") for _ in range(steps)]
        if inputs_first
        else []
    )
    for t in range(steps):
        x = xs[t] if inputs_first else tg.tensor(rng.normal(size=(1, 2)), label="x")
        h = rnn(x, h)
    loss = h.sum().named("L")
    loss.backward()
    return loss


def test_each_call_is_a_step_with_its_input():
    data = viz.extract(loop_loss(5), detail="ops", grads=True)
    assert data.steps == [1, 2, 3, 4, 5]
    times = [c for c in data.clusters if c.kind == "time"]
    assert [c.path for c in times] == [("looprnn", f"t={t}") for t in range(1, 6)]
    assert [c.label for c in times] == [f"t = {t}" for t in range(1, 6)]
    for box in data.boxes:
        if box.kind in ("op", "input") and box.title != "L" and box.title != "h_0":
            assert box.time_step is not None and box.cluster[1] == f"t={box.time_step}", box
    inputs = sorted(box.time_step for box in data.boxes if box.title == "x")
    # each x_t in the step it feeds; x_1 is not drawn: cat(x_1, h_0) needs no gradient, so
    # step 1 starts from a constant (as in names_classifier's picture)
    assert inputs == [2, 3, 4, 5]
    ops = [sum(b.time_step == t and b.kind == "op" for b in data.boxes) for t in data.steps]
    assert ops == [3, 4, 4, 4, 4]  # transpose, addmm (b + x Wᵀ), tanh, and cat from t = 2 on


def test_the_weights_are_copied_into_every_step_beyond_three():
    data = viz.extract(loop_loss(5), detail="ops", grads=True)
    copies = [box for box in data.boxes if box.kind == "copy"]
    assert sorted({box.title for box in copies}) == ["i2h.bias", "i2h.weight"]
    assert len(copies) == 2 * 5
    assert viz.extract(loop_loss(3), detail="ops", grads=True).shared_copies is False


def test_inputs_made_first_leave_the_inner_module_s_calls_and_too_few_calls_none():
    # nothing is made between two calls of looprnn: they are one run; the calls of its
    # i2h are cut apart by looprnn's own cat and tanh, so those are the steps
    data = viz.extract(loop_loss(5, inputs_first=True), detail="ops")
    times = [c.path for c in data.clusters if c.kind == "time"]
    assert times == [("looprnn", "i2h", f"t={t}") for t in range(1, 6)]
    assert viz.extract(loop_loss(calls.MIN_CALLS - 1), detail="ops").steps == []


def box(key, cluster=(), order=0, kind="op"):
    return Box(key=key, kind=kind, title=key, subtitle="", role="", cluster=cluster,
               tooltip="", time_step=None, order=order)  # fmt: skip


def test_runs_are_cut_where_something_outside_was_made():
    boxes = [box("W", kind="param", order=0), box("a", ("m",), 1), box("x", (), 2),
             box("b", ("m", "sub"), 3), box("c", ("m",), 4), box("y", (), 5, "constant"),
             box("d", ("m",), 6), box("L", (), 7)]  # fmt: skip
    runs = calls.runs_of(boxes, ("m",))
    assert [[b.key for b in run] for run in runs] == [["a"], ["b", "c"], ["d"]]
    assert calls.called_scope(boxes) == ("m",)
    arrows = [Arrow("y", "d", None), Arrow("x", "b", None), Arrow("x", "L", None)]
    assert calls.calls_as_steps(boxes, arrows) == [1, 2, 3]
    where = {b.key: (b.cluster, b.time_step) for b in boxes}
    assert where["b"] == (("m", "t=2", "sub"), 2)
    assert where["y"] == (("m", "t=3"), 3)  # a constant feeding only call 3 joins it
    assert where["x"] == ((), None)  # x also feeds L, outside the calls: it stays
    assert where["W"] == ((), None) and where["L"] == ((), None)


@pytest.mark.skipif(backend.find_renderer() is None, reason="no Graphviz renderer")
def test_a_long_loop_wraps_into_rows_and_fits_a_slide(tmp_path):
    path = viz.render(loop_loss(8), tmp_path / "loop.svg", grads=True, theme="slides")
    fit = measure_svg(path)
    assert fit.fits, fit.describe()
