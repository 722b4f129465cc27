"""viz.gradient_flow and viz.plot_gradient_flow: the per-time-step gradient norms.

The rows are checked against the node gradients, and for the vanilla RNN against BPTT
written out in numpy: dL/dh_{t-1} = (dL/dh_t ⊙ (1 - h_t²)) W_hh.
"""

import sys

import numpy as np
import pytest
import viz_graphs as vg

import tinygrad_rnn as tg
import viz


def test_rnn_rows_are_the_norms_of_dL_dh_t():
    built = vg.rnn(steps=5, batch=2)
    flow = viz.gradient_flow(built.loss)
    assert [row[0] for row in flow.rows] == [1, 2, 3, 4, 5]
    for t, h_norm, c_norm in flow.rows:
        assert h_norm == pytest.approx(np.linalg.norm(built.h[t].grad), rel=1e-12)
        assert c_norm is None
    assert flow.scope == ("rnn", "l0")


def test_rnn_rows_match_bptt_by_hand():
    built = vg.rnn(steps=6, hidden=4)
    W_hh = built.params["weight_hh_l0"].data
    h = [state.data for state in built.h]  # h_0 .. h_T, each (1, H)
    dh = np.ones_like(h[-1])  # L = Σ h_T
    expected = {6: np.linalg.norm(dh)}
    for t in range(6, 1, -1):
        dh = (dh * (1 - h[t] ** 2)) @ W_hh  # dL/dh_{t-1}
        expected[t - 1] = np.linalg.norm(dh)
    flow = viz.gradient_flow(built.loss)
    for t, h_norm, _ in flow.rows:
        assert h_norm == pytest.approx(expected[t], rel=1e-10)


def test_lstm_rows_include_the_cell_state():
    built = vg.lstm(steps=4)
    flow = viz.gradient_flow(built.loss)
    for t, h_norm, c_norm in flow.rows:
        assert h_norm == pytest.approx(np.linalg.norm(built.h[t].grad), rel=1e-12)
        assert c_norm == pytest.approx(np.linalg.norm(built.c[t].grad), rel=1e-12)
    assert flow.has_cell_state


def test_multi_layer_picks_the_top_layer_unless_told():
    built = vg.lstm(steps=3, layers=2)
    top = viz.gradient_flow(built.loss)
    assert top.scope == ("lstm", "l1")
    for t, h_norm, _ in top.rows:
        assert h_norm == pytest.approx(np.linalg.norm(built.h[t].grad))  # built.h: top layer
    bottom = viz.gradient_flow(built.loss, scope="l0")
    assert bottom.scope == ("lstm", "l0")
    assert bottom.h_norms != top.h_norms
    assert viz.gradient_flow(built.loss, scope=("lstm", "l0")).rows == bottom.rows


def test_scalar_units_are_combined_per_step():
    built = vg.scalar_rnn(steps=3)
    flow = viz.gradient_flow(built.loss)
    for t, h_norm, _ in flow.rows:
        units = built.h[t]
        assert h_norm == pytest.approx(np.sqrt(sum(unit.grad**2 for unit in units)))


def test_printed_table_is_aligned():
    flow = viz.gradient_flow(vg.lstm(steps=12).loss)
    lines = str(flow).splitlines()
    assert lines[0].startswith("gradient flow in lstm / l0, T = 12")
    assert "‖∂L/∂h_t‖" in lines[1] and "‖∂L/∂c_t‖" in lines[1]
    assert len({len(line) for line in lines[1:]}) == 1  # columns line up
    assert lines[-1].split()[0] == "12"
    assert float(lines[-1].split()[1]) == pytest.approx(flow.rows[-1][1], rel=1e-4)


def test_errors_without_backward_or_without_h_t():
    W = tg.tensor(np.eye(2), requires_grad=True)
    y = (W @ tg.ones(2)).named("h_1").sum()
    with pytest.raises(viz.VizError, match="backward"):
        viz.gradient_flow(y)
    z = (W * 2).sum()
    z.backward()
    with pytest.raises(viz.VizError, match="no nodes labelled h_1"):
        viz.gradient_flow(z)
    with pytest.raises(viz.VizError, match="leaf"):
        viz.gradient_flow(W)


def test_plot_gradient_flow_writes_png_and_svg(tmp_path):
    pytest.importorskip("matplotlib")
    flows = {
        "RNN": viz.gradient_flow(vg.rnn(steps=8).loss),
        "LSTM": vg.lstm(steps=8).loss,  # a loss works too
        "GRU": viz.gradient_flow(vg.gru(steps=8).loss),
    }
    png = viz.plot_gradient_flow(flows, tmp_path / "flow.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = viz.plot_gradient_flow(flows, tmp_path / "flow.svg").read_text()
    assert "<svg" in svg and "LSTM" in svg
    with pytest.raises(viz.VizError, match=".png"):
        viz.plot_gradient_flow(flows, tmp_path / "flow.txt")


def test_plot_without_matplotlib_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    flow = viz.gradient_flow(vg.rnn(steps=2).loss)
    with pytest.raises(viz.VizError, match="pip install matplotlib"):
        viz.plot_gradient_flow({"RNN": flow}, tmp_path / "flow.png")


def test_vanishing_demo_writes_the_readme_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from tinygrad_rnn.cli import main
    from tinygrad_rnn.commands import vanishing

    flows = vanishing.demo_flows(steps=12, hidden=8, seed=0, forget_bias=1.0)
    assert list(flows) == ["RNN", "GRU", "LSTM", "LSTM, forget bias 1"]
    # the open forget gates keep more of the gradient at t = 1
    assert flows["LSTM, forget bias 1"].rows[0][1] > flows["LSTM"].rows[0][1]
    assert (
        main(["vanishing", "--steps", "12", "--hidden", "8", "-o", str(tmp_path / "flow.svg")]) == 0
    )
    assert "<svg" in (tmp_path / "flow.svg").read_text()
    assert "wrote" in capsys.readouterr().out
