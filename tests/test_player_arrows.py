"""viz.player colours its arrows with the gradients backward_steps() sent, not a second
vector-Jacobian product per edge: the arrows must be exactly those viz.extract draws
after a backward pass (repeated edges such as X @ X and a + a included)."""

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn import nn
from viz.extract import extract
from viz.player import record_steps


def arrows_of(data):
    return [(a.tail, a.head, a.grad_norm, a.label, a.highlight, a.tooltip) for a in data.arrows]


def check_same_arrows(loss, highlight=None):
    _, played = record_steps(loss, highlight, 2000)
    assert loss.grad is None  # the replay left the graph as it found it
    loss.backward()
    drawn = extract(loss, detail="ops", grads=True, highlight=highlight)
    assert played.grads and arrows_of(played) == arrows_of(drawn)
    assert [b.tooltip for b in played.boxes] == [b.tooltip for b in drawn.boxes]


def test_repeated_edges_get_their_own_gradient():
    tg.manual_seed(3)
    X = tg.tensor(np.random.default_rng(3).normal(size=(3, 3)), requires_grad=True, label="X")
    c = tg.cat([X, X * 2.0, X], axis=0)
    check_same_arrows(((X @ X).sum() + (c * c).sum() + (X + X).mean()).named("L"))
    a = tg.Value(0.7, label="a")
    check_same_arrows(((a * a) + a * 3.0).tanh().named("L"))


def test_an_lstm_with_its_inputs_and_the_cell_state_chain():
    tg.manual_seed(1)
    model = nn.LSTM(2, 3)
    x = tg.tensor(np.random.default_rng(1).normal(size=(3, 1, 2)), label="x")
    output, _ = model(x)
    check_same_arrows((output * output).sum().named("L"), highlight="cell_state")


def test_one_walk_and_no_second_vector_jacobian_product(monkeypatch):
    """The player walks the graph once (graph.ancestors) and takes every gradient from its
    one backward_steps() run: arrows.sent_gradients' local_gradients is never called."""
    import viz.arrows
    import viz.walk

    walks = []
    real_ancestors = viz.walk.ancestors

    def counting_ancestors(*roots):
        walks.append(roots)
        return real_ancestors(*roots)

    def no_local_gradients(*args):
        raise AssertionError("the player recomputed a local gradient")

    monkeypatch.setattr(viz.walk, "ancestors", counting_ancestors)
    monkeypatch.setattr(viz.arrows, "local_gradients", no_local_gradients)
    tg.manual_seed(4)
    model = nn.GRU(2, 3)
    x = tg.tensor(np.random.default_rng(4).normal(size=(3, 1, 2)), label="x")
    output, _ = model(x)
    loss = output.sum().named("L")
    recording, data = record_steps(loss, "hidden_state", 2000)
    assert len(walks) == 1
    assert len(recording.records) == len(tg.topological_order(loss))
    assert any(arrow.grad_norm for arrow in data.arrows)


def test_the_states_table_lists_the_steps_that_processed_a_state_role():
    tg.manual_seed(5)
    model = nn.LSTM(2, 3)
    x = tg.tensor(np.random.default_rng(5).normal(size=(3, 1, 2)), label="x")
    output, _ = model(x)
    loss = output[-1].sum().named("L")
    recording, _ = record_steps(loss, None, 2000)
    titles = [row["title"] for row in recording.states]
    assert titles == ["h_3", "c_3", "h_2", "c_2", "h_1", "c_1"]
    for row in recording.states:  # each row points at the step that processed that state
        assert recording.records[row["step"]]["title"] == row["title"]
