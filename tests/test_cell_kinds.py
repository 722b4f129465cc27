"""One definition per cell kind (nn/cells.py: RNNKind, LSTMKind, GRUKind), shared by the
cell module (RNNCell, LSTMCell, GRUCell) and the layer (RNN, LSTM, GRU): the same
parameter names, shapes and seeded values, the same step; the plain LSTM step's nodes in
the lessons' order; lstm_variant_step as an alias of lstm_step; and Module's rule for
assignments before Module.__init__()."""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import nn
from tinygrad_rnn.graph import ancestors
from tinygrad_rnn.nn.cells import GRUKind, LSTMKind, RNNKind

# (cell class, layer class, options) for every kind and variant
KINDS = [
    (nn.RNNCell, nn.RNN, {}),
    (nn.RNNCell, nn.RNN, {"nonlinearity": "relu", "bias": False}),
    (nn.LSTMCell, nn.LSTM, {}),
    (nn.LSTMCell, nn.LSTM, {"peephole": True}),
    (nn.LSTMCell, nn.LSTM, {"coupled": True}),
    (nn.LSTMCell, nn.LSTM, {"peephole": True, "coupled": True, "bias": False}),
    (nn.GRUCell, nn.GRU, {}),
]


@pytest.mark.parametrize("cell_class, layer_class, options", KINDS)
def test_cell_and_layer_have_the_same_parameters_and_initial_values(
    cell_class, layer_class, options
):
    tg.manual_seed(7)
    cell = cell_class(3, 5, **options)
    tg.manual_seed(7)
    layer = layer_class(3, 5, **options)
    cell_state = cell.state_dict()
    layer_state = layer.state_dict()
    assert [f"{name}_l0" for name in cell_state] == list(layer_state)
    for name, array in cell_state.items():
        np.testing.assert_array_equal(array, layer_state[f"{name}_l0"])  # same draws, same order
    assert cell.kind.name == layer.kind.name
    assert type(cell.kind) is type(layer.kind)


@pytest.mark.parametrize("cell_class, layer_class, options", KINDS)
def test_one_layer_step_is_the_cell_step(cell_class, layer_class, options):
    tg.manual_seed(3)
    layer = layer_class(3, 5, **options)
    cell = cell_class(3, 5, **options)
    cell.load_state_dict({name[: -len("_l0")]: v for name, v in layer.state_dict().items()})
    x = tg.randn(1, 2, 3)  # (T=1, B=2, D=3)
    output, final = layer(x)
    state = cell(x[0])
    h = state[0] if isinstance(state, tuple) else state
    np.testing.assert_allclose(output.data[0], h.data, atol=1e-12)
    if isinstance(state, tuple):  # the LSTM's c_n is the cell's c'
        np.testing.assert_allclose(final[1].data[0], state[1].data, atol=1e-12)


def test_the_kinds_give_pytorchs_shapes():
    assert RNNKind("nn.RNN").parameter_shapes(3, 4, bias=True) == {
        "weight_ih": (4, 3),
        "weight_hh": (4, 4),
        "bias_ih": (4,),
        "bias_hh": (4,),
    }
    assert LSTMKind("nn.LSTM").parameter_shapes(3, 4, bias=False) == {
        "weight_ih": (16, 3),
        "weight_hh": (16, 4),
    }
    assert LSTMKind("nn.LSTM", peephole=True, coupled=True).parameter_shapes(3, 4, True) == {
        "weight_ih": (12, 3),
        "weight_hh": (12, 4),
        "bias_ih": (12,),
        "bias_hh": (12,),
        "weight_cf": (4,),
        "weight_co": (4,),
    }
    assert GRUKind().parameter_shapes(2, 4, bias=True)["weight_hh"] == (12, 4)
    assert GRUKind().fold_hidden_bias is False and RNNKind("x").fold_hidden_bias is True
    assert LSTMKind("x").state_names == ("h", "c")


def test_init_bound_is_one_over_sqrt_hidden_size():
    tg.manual_seed(0)
    params = LSTMKind("nn.LSTM", peephole=True).make_parameters(50, 16, bias=True)
    bound = 1.0 / np.sqrt(16)
    for name, param in params.items():
        assert np.abs(param.data).max() <= bound, name
    assert np.abs(params["weight_ih"].data).max() > 0.99 * bound  # 3200 draws reach the bound


def test_absent_parameters_of_a_cell_are_none():
    cell = nn.LSTMCell(3, 4, bias=False, peephole=True, coupled=True)
    assert cell.bias_ih is None and cell.bias_hh is None and cell.weight_ci is None
    assert cell.weight_cf.shape == (4,)
    assert [name for name, _ in cell.named_parameters()] == [
        "weight_ih",
        "weight_hh",
        "weight_cf",
        "weight_co",
    ]


def test_the_plain_lstm_step_creates_its_nodes_in_the_lessons_order():
    lstm = nn.LSTM(2, 3)
    _, (h_n, _) = lstm(tg.randn(2, 1, 2))
    step_1 = [n for n in ancestors(h_n) if n.time_step == 1 and n.role is not None]
    assert [n.role.name for n in step_1] == ["i", "f", "g", "o", "c", "h"]


def test_lstm_variant_step_is_lstm_step():
    tg.manual_seed(1)
    x_proj, h, c = tg.randn(2, 9), tg.randn(2, 3), tg.randn(2, 3)
    w_T, b = tg.randn(3, 9), tg.randn(9)
    w_cf, w_co = tg.randn(3), tg.randn(3)
    new = nn.lstm_step(x_proj, h, c, w_T, b, weight_cf=w_cf, weight_co=w_co, coupled=True)
    old = nn.lstm_variant_step(x_proj, h, c, w_T, b, weight_cf=w_cf, weight_co=w_co, coupled=True)
    np.testing.assert_array_equal(new[0].data, old[0].data)
    np.testing.assert_array_equal(new[1].data, old[1].data)
    a_f = x_proj.data[:, :3] + h.data @ w_T.data[:, :3] + b.data[:3] + w_cf.data * c.data
    f = 1.0 / (1.0 + np.exp(-a_f))  # rows f, g, o; f sees c_{t-1} through its peephole
    g = np.tanh(x_proj.data[:, 3:6] + h.data @ w_T.data[:, 3:6] + b.data[3:6])
    np.testing.assert_allclose(new[1].data, f * c.data + (1 - f) * g, atol=1e-12)


# --------------------------------------------------------------------------------------
# Module: assignments before Module.__init__()
# --------------------------------------------------------------------------------------
def test_a_parameter_or_module_before_module_init_is_refused():
    class Early(nn.Module):
        def __init__(self, value):
            self.w = value
            super().__init__()

    for value in (nn.Parameter(np.zeros(2)), nn.Linear(2, 2)):
        with pytest.raises(AttributeError, match=r"cannot register 'w' before Module.__init__"):
            Early(value)


def test_a_plain_attribute_before_module_init_is_allowed():
    class Early(nn.Module):
        def __init__(self):
            self.size = 3  # as in PyTorch: plain values may come first
            super().__init__()
            self.w = nn.Parameter(np.ones(self.size))

    model = Early()
    assert model.size == 3
    assert [name for name, _ in model.named_parameters()] == ["w"]
