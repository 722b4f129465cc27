"""Bad arguments to the layers (tinygrad_rnn/nn), the optimizers (optim.py) and the
gradient clipping functions: each gives ONE clear error that names the layer or
optimizer, the argument, the value, and the line of this file that made the mistake.
Valid PyTorch inputs next to each bad one (lr=0, momentum=0, np.int64 sizes ...) keep
working, and clipping is checked by its numbers too.

`explained` asserts the phrases AND that the message ends with "— at
test_errors_nn_optim.py:N" for the line N that made the mistake (as in test_errors.py).

Sections: layer constructors, Module and containers, forward passes, Seq2Seq,
optimizers, clipping (errors, then behaviour and gradients).
"""

import math
import os
import warnings

import numpy as np
import pytest
from helpers import explained

import tinygrad_rnn as tg
from tinygrad_rnn import nn, optim
from tinygrad_rnn.errors import ArgumentError, DTypeError, ShapeError
from tinygrad_rnn.nn.cells import lstm_variant_step, rnn_step
from tinygrad_rnn.nn.utils import clip_grad_norm_, clip_grad_value_

THIS_FILE = os.path.basename(__file__)


def weight(*shape) -> tg.Tensor:
    return tg.zeros(*shape, requires_grad=True)


# --------------------------------------------------------------------------------------
# Layer constructors: sizes, flags, probabilities, choices
# --------------------------------------------------------------------------------------
CONSTRUCTOR_MISTAKES = [
    # Linear
    (lambda: nn.Linear(3.5, 2), "nn.Linear: in_features must be an int >= 0, got 3.5 (float)"),
    (lambda: nn.Linear(True, 2), "nn.Linear: in_features must be an int >= 0, got True (bool)"),
    (lambda: nn.Linear(3, "2"), "nn.Linear: out_features must be an int >= 0, got '2' (str)"),
    (lambda: nn.Linear(-1, 3), "nn.Linear: in_features and out_features must be >= 0, got -1, 3"),
    (lambda: nn.Linear(3, 2, bias="no"), "nn.Linear: bias must be True or False, got 'no'"),
    # Embedding
    (lambda: nn.Embedding(10, 4, padding_idx=1.5), "nn.Embedding: padding_idx must be an int"),
    (lambda: nn.Embedding(10, 4, padding_idx=True), "padding_idx must be an int >= -10, got True"),
    (
        lambda: nn.Embedding(10, 4, padding_idx=10),
        "padding_idx=10 is out of range for num_embeddings=10 (valid: -10 .. 9)",
    ),
    (lambda: nn.Embedding(10, 4, padding_idx=-11), "padding_idx must be an int >= -10, got -11"),
    (lambda: nn.Embedding(0, 4), "num_embeddings (the vocabulary size) must be a positive int"),
    (lambda: nn.Embedding(10.0, 4), "got 10.0 (float) (sizes are ints: write 10"),
    (lambda: nn.Embedding(10, -1), "nn.Embedding: embedding_dim must be an int >= 0, got -1"),
    # Dropout
    (lambda: nn.Dropout(1.5), "nn.Dropout: p (the probability of zeroing) must be a number in"),
    (lambda: nn.Dropout(-0.1), "must be a number in [0, 1], got -0.1 (float)"),
    (lambda: nn.Dropout("0.5"), "must be a number in [0, 1], got '0.5' (str)"),
    (lambda: nn.Dropout(True), "must be a number in [0, 1], got True (bool)"),
    (lambda: nn.Dropout(float("nan")), "must be a number in [0, 1], got nan (float)"),
    (lambda: nn.Dropout(0.5, inplace="no"), "nn.Dropout: inplace must be True or False"),
    # cells
    (lambda: nn.RNNCell(3, 4.0), "nn.RNNCell: hidden_size must be a positive int, got 4.0"),
    (lambda: nn.GRUCell(3, 0), "nn.GRUCell: input_size and hidden_size must be positive, got 3, 0"),
    (lambda: nn.LSTMCell("3", 4), "nn.LSTMCell: input_size must be a positive int, got '3' (str)"),
    (
        lambda: nn.RNNCell(3, 4, nonlinearity="sigmoid"),
        "nonlinearity must be one of 'tanh', 'relu'",
    ),
    (lambda: nn.LSTMCell(3, 4, peephole="yes"), "nn.LSTMCell: peephole must be True or False"),
    (lambda: nn.GRUCell(3, 4, bias=None), "nn.GRUCell: bias must be True or False, got None"),
    # sequence layers
    (lambda: nn.GRU(3, 4.0), "nn.GRU: hidden_size must be a positive int, got 4.0 (float)"),
    (lambda: nn.LSTM(3, 4, num_layers=0), "must be positive, got 3, 4, 0 (num_layers=0)"),
    (lambda: nn.RNN(3, 4, num_layers=2.0), "nn.RNN: num_layers must be a positive int, got 2.0"),
    (lambda: nn.GRU(0, 4), "nn.GRU: input_size, hidden_size and num_layers must be positive"),
    (
        lambda: nn.GRU(3, 4, dropout=1.5),
        "nn.GRU: dropout (a probability) must be a number in [0, 1]",
    ),
    (lambda: nn.GRU(3, 4, num_layers=2, dropout="0.1"), "got '0.1' (str)"),
    (lambda: nn.RNN(3, 4, nonlinearity="sigmoid"), "nn.RNN: nonlinearity must be one of 'tanh'"),
    (lambda: nn.GRU(3, 4, bidirectional="no"), "nn.GRU: bidirectional must be True or False"),
    (lambda: nn.LSTM(3, 4, batch_first=1), "nn.LSTM: batch_first must be True or False, got 1"),
    (lambda: nn.LSTM(3, 4, coupled="x"), "nn.LSTM: coupled must be True or False"),
    # the lessons' RNNs
    (lambda: nn.ElmanRNN(3, 4.0, 2), "nn.ElmanRNN: hidden_size must be a positive int, got 4.0"),
    (lambda: nn.OutputToHiddenRNN(3, 4, 0), "output_size must be positive, got 3, 4, 0"),
    # attention
    (lambda: nn.Attention(4, kind="foo"), "nn.Attention: kind must be one of 'dot', 'general'"),
    (lambda: nn.Attention(4, kind="Dot"), "got 'Dot' (str) (did you mean 'dot'?)"),
    (lambda: nn.Attention(4.0), "nn.Attention: hidden_size must be a positive int, got 4.0"),
    (lambda: nn.Attention(4, key_size=0), "nn.Attention: key_size must be a positive int, got 0"),
    (lambda: nn.Attention(4, "additive", attention_size=-2), "attention_size must be a positive"),
    (lambda: nn.Attention(4, "dot", key_size=8), "the keys' size 8 must equal hidden_size 4"),
    # seq2seq
    (lambda: nn.Seq2Seq(0, 5), "nn.Seq2Seq: src_vocab_size must be a positive int, got 0"),
    (lambda: nn.Seq2Seq(5, 5, embedding_dim=2.5), "embedding_dim must be a positive int, got 2.5"),
    (lambda: nn.Seq2Seq(5, 5, cell="LSTM"), "cell must be one of 'rnn', 'lstm', 'gru', got 'LSTM'"),
    (lambda: nn.Seq2Seq(5, 5, attention="foo"), "attention must be one of 'dot', 'general', 'add"),
    (lambda: nn.Seq2Seq(5, 5, pad_index=None), "nn.Seq2Seq: pad_index must be an int >= 0, got No"),
    (lambda: nn.Seq2Seq(5, 5, pad_index=5), "pad_index=5 is not a token of the source vocabulary"),
    (lambda: nn.Seq2Seq(5, 5, hidden_size=5, bidirectional=True), "so it must be even"),
    (lambda: nn.Seq2Seq(5, 5, bidirectional="yes"), "bidirectional must be True or False"),
    (lambda: nn.Encoder(5, 4, 6, cell="transformer"), "nn.Encoder: cell must be one of 'rnn'"),
    (lambda: nn.Decoder(5, 4, 6, attention="cosine"), "nn.Decoder: attention must be one of"),
]


@pytest.mark.parametrize("make, phrase", CONSTRUCTOR_MISTAKES)
def test_constructor_mistakes_are_one_argument_error(make, phrase):
    with explained(ArgumentError, phrase):
        make()


def test_argument_errors_are_also_type_and_value_errors():
    """Code written for PyTorch catches TypeError or ValueError: both still work."""
    with pytest.raises(TypeError, match="hidden_size"):
        nn.GRU(3, 4.0)
    with pytest.raises(ValueError, match="hidden_size"):
        nn.GRU(3, -4)


def test_the_valid_pytorch_arguments_next_to_each_mistake_still_work():
    assert nn.Linear(np.int64(3), np.int32(2)).weight.shape == (2, 3)  # numpy ints are sizes
    assert nn.Linear(0, 2).weight.shape == (2, 0)  # PyTorch allows an empty layer
    assert nn.Linear(3, 2, bias=np.bool_(False)).bias is None
    assert nn.Embedding(10, 4, padding_idx=-1).padding_idx == 9  # -1: the last row
    assert np.all(nn.Embedding(10, 4, padding_idx=-1).weight.data[9] == 0.0)
    assert nn.Dropout(0).p == 0.0 and nn.Dropout(1).p == 1.0
    assert nn.Dropout(np.float32(0.25)).p == 0.25
    assert nn.Dropout(0.5, inplace=False).p == 0.5  # PyTorch's keyword
    assert nn.GRU(np.int64(3), np.int64(4)).hidden_size == 4
    assert nn.LSTM(3, 4, num_layers=2, dropout=1).dropout == 1.0
    assert nn.RNN(3, 4, nonlinearity="relu").nonlinearity == "relu"
    assert nn.Attention(4, "additive", attention_size=3).attention_size == 3
    assert nn.Seq2Seq(5, 5, hidden_size=6, bidirectional=True, attention=None).pad_index == 0


def test_dropout_with_a_single_layer_warns_at_the_users_line():
    with pytest.warns(UserWarning, match="nothing with num_layers=1") as record:
        nn.LSTM(3, 4, dropout=0.5)
    assert record[0].filename == __file__


# --------------------------------------------------------------------------------------
# Module, Parameter and the containers
# --------------------------------------------------------------------------------------
class TwoWeights(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)


def test_train_with_a_string_is_not_read_as_true():
    model = TwoWeights()
    with explained(ArgumentError, "TwoWeights.train: mode must be True or False, got 'False'"):
        model.train("False")
    assert model.training is True and model.fc.training is True  # nothing changed


def test_load_state_dict_given_a_path():
    with explained(ArgumentError, "Linear.load_state_dict: expects a dict", "use tg.load("):
        nn.Linear(2, 2).load_state_dict("model.npz")


def test_load_state_dict_given_a_model():
    with explained(ArgumentError, "got Linear; to copy another model's weights, pass other."):
        nn.Linear(2, 2).load_state_dict(nn.Linear(2, 2))


def test_load_state_dict_with_a_string_for_strict():
    layer = nn.Linear(2, 2)
    with explained(ArgumentError, "load_state_dict: strict must be True or False, got 'no'"):
        layer.load_state_dict(layer.state_dict(), strict="no")


def test_register_parameter_with_a_plain_tensor():
    with explained(ArgumentError, "'w' must be an nn.Parameter or None, got Tensor", "nn.Param"):
        nn.Linear(2, 2).register_parameter("w", tg.zeros(2))


@pytest.mark.parametrize("name", ["a.b", "", 3])
def test_register_parameter_with_a_bad_name(name):
    with explained(ArgumentError, "Linear.register_parameter: name must be a non-empty string"):
        nn.Linear(2, 2).register_parameter(name, nn.Parameter([1.0]))


def test_add_module_with_something_that_is_not_a_module():
    with explained(ArgumentError, "Linear.add_module('x'): expected an nn.Module, got int"):
        nn.Linear(2, 2).add_module("x", 3)


@pytest.mark.parametrize(
    "make, phrase",
    [
        (lambda: nn.Sequential(nn.Linear), "that is the class itself; create a layer: nn.Linear("),
        (lambda: nn.Sequential([nn.Linear(2, 2)]), "got list: pass the layers one by one"),
        (lambda: nn.Sequential(tg.tanh), "a function is not a layer; use a layer such as nn.Tanh"),
        (lambda: nn.Sequential(nn.Tanh(), 3), "nn.Sequential: item '1': expected an nn.Module"),
        (lambda: nn.ModuleList(nn.Linear(2, 2)), "expected a list of modules, got one Linear"),
        (lambda: nn.ModuleList(5), "nn.ModuleList: expected a list of modules, got one int"),
        (lambda: nn.ModuleList().append("x"), "nn.ModuleList: item 0: expected an nn.Module"),
    ],
)
def test_containers_given_something_else_than_layers(make, phrase):
    with explained(ArgumentError, phrase):
        make()


@pytest.mark.parametrize(
    "data, phrase",
    [
        ("abc", "the data must be real numbers, got str of dtype <U3"),
        (None, "got NoneType of dtype object"),  # np.asarray(None, float) would be NaN
        (np.array([1 + 2j]), "got ndarray of dtype complex128"),  # the 2j would be dropped
        ([[1.0, 2.0], [3.0]], "cannot make an array of numbers from the data"),
    ],
)
def test_parameter_from_something_that_is_not_real_numbers(data, phrase):
    with explained(DTypeError, "nn.Parameter: ", phrase):
        nn.Parameter(data)


def test_parameter_options_and_integer_data():
    with explained(ArgumentError, "nn.Parameter: requires_grad must be True or False"):
        nn.Parameter([1.0], requires_grad="yes")
    with explained(ArgumentError, "nn.Parameter: label must be a string or None, got 3"):
        nn.Parameter([1.0], label=3)
    p = nn.Parameter(np.array([1, 2]))  # documented: integers become the default float dtype
    assert p.dtype == tg.get_default_dtype() and p.requires_grad
    np.testing.assert_array_equal(p.data, [1.0, 2.0])


def test_a_tensor_that_requires_grad_assigned_to_a_module_warns_it_is_not_a_parameter():
    class Forgetful(nn.Module):
        def __init__(self):
            super().__init__()
            self.W = tg.randn(2, 2, requires_grad=True)  # meant nn.Parameter(...)

    with pytest.warns(UserWarning, match="Forgetful.W is a Tensor with requires_grad=True") as w:
        model = Forgetful()
    assert w[0].filename == __file__  # points at the assignment above
    assert list(model.parameters()) == []  # exactly what the warning says


def test_a_module_that_forgot_super_init_says_so():
    class NoInit(nn.Module):
        def __init__(self):
            self.size = 3  # a plain attribute: allowed, but the module is not set up

    with pytest.raises(AttributeError, match=r"did not call Module.__init__\(\)"):
        list(NoInit().parameters())
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'nope'"):
        nn.Linear(2, 2).nope  # noqa: B018 - an ordinary missing attribute stays ordinary


def test_assigning_a_non_parameter_to_a_parameter_slot():
    layer = nn.Linear(2, 2)
    with explained(ArgumentError, "Linear.weight is a Parameter; assign an nn.Parameter"):
        layer.weight = np.zeros((2, 2))


def test_named_parameters_arguments():
    model = TwoWeights()
    with explained(ArgumentError, "named_parameters: prefix must be a string, got 1 (int)"):
        list(model.named_parameters(prefix=1))
    with explained(ArgumentError, "named_parameters: recurse must be True or False"):
        list(model.named_parameters(recurse="no"))
    assert [name for name, _ in model.named_parameters(prefix="m")] == ["m.fc.weight", "m.fc.bias"]


def test_module_zero_grad_set_to_none_false_fills_zeros():
    layer = nn.Linear(2, 2)
    layer.weight.grad = np.ones((2, 2))
    layer.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(layer.weight.grad, np.zeros((2, 2)))
    assert layer.bias.grad is None  # never had one
    with explained(ArgumentError, "Linear.zero_grad: set_to_none must be True or False"):
        layer.zero_grad(set_to_none="False")


# --------------------------------------------------------------------------------------
# Forward passes: integer inputs, states, lengths
# --------------------------------------------------------------------------------------
INT_INPUTS = [
    (lambda: nn.GRUCell(3, 4)(np.array([[1, 2, 3]])), "GRUCell expects float input, got int64"),
    (lambda: nn.GRUCell(3, 4)(tg.tensor([[1, 2, 3]])), "GRUCell expects float input, got int64"),
    (lambda: nn.LSTMCell(3, 4)(np.ones((2, 3), dtype=bool)), "LSTMCell expects float input, got"),
    (lambda: nn.RNNCell(3, 4)(np.zeros(3, dtype=np.int32)), "RNNCell expects float input, got in"),
    (lambda: nn.Linear(3, 2)(np.array([[1, 2, 3]])), "Linear expects float input, got int64"),
    (lambda: nn.GRU(3, 4)(np.zeros((5, 2, 3), dtype=int)), "GRU expects float input, got int64"),
    (lambda: nn.ElmanRNN(3, 4, 2)(np.zeros((5, 3), dtype=int)), "ElmanRNN expects float input"),
    (lambda: nn.Attention(3)(np.zeros((2, 3), dtype=int), tg.randn(2, 4, 3)), "the query must"),
]


@pytest.mark.parametrize("run, phrase", INT_INPUTS)
def test_float_layers_given_integers_suggest_an_embedding(run, phrase):
    with explained(DTypeError, phrase, "did you mean to pass it through an nn.Embedding first?"):
        run()


def test_the_gru_cell_message_in_full():
    with explained(DTypeError) as info:
        nn.GRUCell(3, 4)(np.array([[1, 2, 3]]))
    assert str(info.value).startswith(
        "GRUCell(3, 4): the input must be floating point - GRUCell expects float input, got "
        "int64 (shape (1, 3)) - did you mean to pass it through an nn.Embedding first? "
        "(Token ids go through an embedding; other numbers: x.float().)"
    )


def test_hidden_states_of_the_wrong_dtype_or_kind():
    x = tg.randn(5, 2, 3)
    with explained(DTypeError, "GRU: the state h0 must be floating point, got int64"):
        nn.GRU(3, 4)(x, np.zeros((1, 2, 4), dtype=int))
    with explained(DTypeError, "LSTM: the state c0 must be floating point, got bool"):
        nn.LSTM(3, 4)(x, (tg.zeros(1, 2, 4), np.zeros((1, 2, 4), dtype=bool)))
    with explained(
        ShapeError, "GRU: h0 must have shape", "got (2, 1, 2, 4). It was a tuple of two"
    ):
        nn.GRU(3, 4)(x, (tg.zeros(1, 2, 4), tg.zeros(1, 2, 4)))
    with explained(ShapeError, "GRUCell(3, 4): the state hx", "only an LSTM takes a pair (h, c)"):
        nn.GRUCell(3, 4)(tg.randn(2, 3), (tg.zeros(2, 4), tg.zeros(2, 4)))
    with explained(DTypeError, "RNNCell(3, 4): the state hx must be floating point"):
        nn.RNNCell(3, 4)(tg.randn(2, 3), np.zeros((2, 4), dtype=int))


@pytest.mark.parametrize(
    "lengths, error, phrase",
    [
        ([], ShapeError, "lengths must hold one length per sequence, shape (2,), got (0,)"),
        ([3.0, 2.0], DTypeError, "GRU: lengths must be integers, got float64 [3.0, 2.0]"),
        ([3, -1], ShapeError, "lengths must be between 0 and the padded length T=5, got [3, -1]"),
        ([6, 1], ShapeError, "between 0 and the padded length T=5, got [6, 1]"),
        ([[3, 2]], ShapeError, "one length per sequence, shape (2,), got (1, 2)"),
        (5, ShapeError, "one length per sequence, shape (2,), got ()"),
    ],
)
def test_bad_lengths(lengths, error, phrase):
    gru = nn.GRU(3, 4)
    with explained(error, phrase):
        gru(tg.randn(5, 2, 3), lengths=lengths)


def test_states_given_as_nested_lists_or_a_list_of_layers_still_work():
    """Layers accept lists as data: h0 as nested lists, or one (B, H) tensor per layer."""
    gru = nn.GRU(3, 4, num_layers=2)
    x = tg.randn(5, 2, 3, rng=0)
    per_layer = [tg.randn(2, 4, rng=1), tg.randn(2, 4, rng=2)]
    stacked = tg.stack(per_layer, axis=0)  # (2, 2, 4)
    expected, _ = gru(x, stacked)
    from_list, _ = gru(x, per_layer)
    from_nested, _ = gru(x, stacked.data.tolist())
    np.testing.assert_array_equal(from_list.data, expected.data)
    np.testing.assert_array_equal(from_nested.data, expected.data)
    h = nn.RNNCell(3, 4)(tg.randn(2, 3, rng=3), [[0.0] * 4, [0.0] * 4])
    assert h.shape == (2, 4)


def test_zero_and_unsorted_lengths_are_valid_and_exact():
    """A length of 0 leaves the state at h0 and the outputs at 0; unsorted lengths give
    each sequence exactly what running it alone gives (no sorting is needed)."""
    tg.manual_seed(0)
    gru = nn.GRU(3, 4)
    x = tg.randn(5, 3, 3, rng=1)
    h0 = tg.randn(1, 3, 4, rng=2)
    output, h_n = gru(x, h0, lengths=[2, 5, 0])
    np.testing.assert_array_equal(output.data[:, 2], 0.0)
    np.testing.assert_array_equal(h_n.data[0, 2], h0.data[0, 2])
    alone_out, alone_h = gru(x[:2, 0:1], h0[:, 0:1])
    np.testing.assert_allclose(h_n.data[0, 0], alone_h.data[0, 0], rtol=1e-12)
    np.testing.assert_allclose(output.data[:2, 0], alone_out.data[:, 0], rtol=1e-12)
    np.testing.assert_array_equal(output.data[2:, 0], 0.0)


def test_lessons_rnns_forward_mistakes():
    elman = nn.ElmanRNN(3, 4, 2)
    with explained(ShapeError, "ElmanRNN: h0 must have shape (2, 4) for an input of batch 2"):
        elman(tg.randn(5, 2, 3), tg.zeros(4))
    jordan = nn.OutputToHiddenRNN(3, 4, 2)
    x = tg.randn(5, 2, 3)
    with explained(ArgumentError, "teacher_forcing must be True or False, got 'no'"):
        jordan(x, teacher_forcing="no")
    with explained(ArgumentError, "pass targets=(T, B) class indices"):
        jordan(x)
    with explained(DTypeError, "OutputToHiddenRNN: targets must be integer classes, got float64"):
        jordan(x, np.zeros((5, 2)))


def test_step_functions_refuse_what_they_would_ignore():
    x_proj, h = tg.randn(2, 4), tg.randn(2, 4)
    with explained(ArgumentError, "rnn_step: nonlinearity must be one of 'tanh', 'relu'"):
        rnn_step(x_proj, h, tg.randn(4, 4), nonlinearity="sigmoid")  # was tanh, silently
    with explained(ArgumentError, "lstm_variant_step: coupled=True has no input gate"):
        lstm_variant_step(
            tg.randn(2, 12), h, tg.randn(2, 4), tg.randn(4, 12), weight_ci=tg.randn(4), coupled=True
        )


# --------------------------------------------------------------------------------------
# Seq2Seq: decoding and training arguments
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def seq2seq():
    tg.manual_seed(0)
    return nn.Seq2Seq(10, 8, embedding_dim=4, hidden_size=6, cell="gru")


SRC, SRC_LENGTHS, TGT_IN = np.array([[1, 2, 3], [4, 5, 0]]), np.array([3, 2]), np.ones((2, 4), int)


@pytest.mark.parametrize(
    "call, phrase",
    [
        (lambda m: m.greedy_decode(SRC, SRC_LENGTHS, max_len=0, bos=1, eos=2), "max_len (the mo"),
        (lambda m: m.greedy_decode(SRC, SRC_LENGTHS, max_len=-3, bos=1, eos=2), "got -3 (int)"),
        (lambda m: m.greedy_decode(SRC, SRC_LENGTHS, max_len=2.5, bos=1, eos=2), "got 2.5"),
        (
            lambda m: m.greedy_decode(SRC, SRC_LENGTHS, max_len=3, bos=20, eos=2),
            "Seq2Seq.greedy_decode: bos must be a token of the target vocabulary (an int in 0..7)",
        ),
        (lambda m: m.greedy_decode(SRC, SRC_LENGTHS, 3, bos=1, eos="2"), "eos must be a token"),
        (
            lambda m: m.beam_search(SRC, SRC_LENGTHS, beam_size=0, max_len=3, bos=1, eos=2),
            "Seq2Seq.beam_search: beam_size must be a positive int, got 0",
        ),
        (
            lambda m: m.beam_search(SRC, SRC_LENGTHS, 2, 3, 1, 2, length_penalty="x"),
            "beam_search: length_penalty must be a finite number, got 'x'",
        ),
        (lambda m: m(SRC, SRC_LENGTHS, TGT_IN, teacher_forcing_ratio=1.5), "in [0, 1], got 1.5"),
        (lambda m: m(SRC, SRC_LENGTHS, TGT_IN, teacher_forcing_ratio="0.5"), "got '0.5' (str)"),
        (
            lambda m: m(SRC, SRC_LENGTHS, TGT_IN, teacher_forcing_ratio=0.5, rng="x"),
            "rng must be a numpy Generator, a seed (an int >= 0) or None, got 'x'",
        ),
    ],
)
def test_seq2seq_call_mistakes(seq2seq, call, phrase):
    with explained(ArgumentError, phrase):
        call(seq2seq)


def test_beam_search_function_checks_its_sizes():
    with explained(ArgumentError, "beam_search: beam_size must be a positive int, got 0"):
        nn.beam_search(lambda tokens, state, t: (np.zeros((1, 3)), state), (), 0, 3, 0, 1)


def test_seq2seq_valid_edges_still_decode(seq2seq):
    decoded = seq2seq.greedy_decode(SRC, SRC_LENGTHS, max_len=np.int64(1), bos=1, eos=2)
    assert decoded.tokens.shape == (2, 1)
    out = seq2seq(SRC, SRC_LENGTHS, TGT_IN, teacher_forcing_ratio=0.5, rng=3)
    assert out.logits.shape == (2, 4, 8)


# --------------------------------------------------------------------------------------
# Optimizers
# --------------------------------------------------------------------------------------
OPTION_MISTAKES = [
    (lambda p: optim.SGD(p, lr="0.1"), "optim.SGD: invalid learning rate: '0.1' (lr must be"),
    (lambda p: optim.Adam(p, lr=None), "invalid learning rate: None (lr must be a finite number"),
    (lambda p: optim.SGD(p, lr=-1), "invalid learning rate: -1 (lr must be a finite number >= 0)"),
    (lambda p: optim.SGD(p, lr=float("nan")), "invalid learning rate: nan"),
    (lambda p: optim.SGD(p, lr=float("inf")), "invalid learning rate: inf"),
    (lambda p: optim.RMSprop(p, lr=True), "invalid learning rate: True"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-0.1), "optim.SGD: invalid momentum: -0.1"),
    (lambda p: optim.SGD(p, lr=0.1, dampening=1.5), "invalid dampening: 1.5 (dampening must be"),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1), "invalid weight_decay: -1"),
    (lambda p: optim.SGD(p, 0.1, momentum=0.9, nesterov="yes"), "nesterov must be True or False"),
    (
        lambda p: optim.SGD(p, lr=0.1, nesterov=True),
        "nesterov momentum requires a momentum > 0 and zero dampening, got momentum=0.0",
    ),
    (lambda p: optim.SGD(p, 0.1, 0.9, dampening=0.1, nesterov=True), "dampening=0.1"),
    (lambda p: optim.RMSprop(p, alpha=1.5), "optim.RMSprop: invalid alpha: 1.5 (alpha must be a"),
    (lambda p: optim.RMSprop(p, alpha=-0.1), "invalid alpha: -0.1"),
    (lambda p: optim.RMSprop(p, eps=-1), "invalid epsilon value: -1"),
    (lambda p: optim.RMSprop(p, momentum="0.9"), "invalid momentum: '0.9'", "got a str"),
    (lambda p: optim.RMSprop(p, centered="no"), "optim.RMSprop: centered must be True or False"),
    (lambda p: optim.Adam(p, betas=(0.9,)), "betas must be a pair (beta1, beta2)", "(0.9,)"),
    (lambda p: optim.Adam(p, betas=0.9), "betas must be a pair (beta1, beta2)", "0.9 (float)"),
    (lambda p: optim.Adam(p, betas=(0.9, 1.0)), "invalid beta parameter at index 1: 1.0"),
    (lambda p: optim.Adam(p, betas=("0.9", 0.999)), "invalid beta parameter at index 0: '0.9'"),
    (lambda p: optim.Adam(p, eps=-1e-8), "optim.Adam: invalid epsilon value: -1e-08"),
    (lambda p: optim.Adam([{"params": p, "lr": -1}]), "invalid learning rate: -1"),
]


@pytest.mark.parametrize("make, phrases", [(case[0], case[1:]) for case in OPTION_MISTAKES])
def test_optimizer_option_mistakes(make, phrases):
    with explained(ArgumentError, *phrases):
        make([weight(3)])


def test_pytorchs_valid_zero_options_work_and_lr_zero_changes_nothing():
    p = weight(3)
    for optimizer in (
        optim.SGD([p], lr=0, momentum=0, dampening=0, weight_decay=0),
        optim.RMSprop([p], lr=0, alpha=0, eps=0, momentum=0),
        optim.Adam([p], lr=0, betas=[0, 0], eps=0, weight_decay=0),
    ):
        p.grad = np.ones(3)
        optimizer.step()
        np.testing.assert_array_equal(p.data, np.zeros(3))
    assert optim.Adam([p], betas=[0.5, 0.9]).param_groups[0]["betas"] == (0.5, 0.9)
    assert optim.SGD([p], lr=np.float32(0.1), momentum=np.int64(0)).param_groups[0]["lr"] == (
        np.float32(0.1)
    )


PARAMS_MISTAKES = [
    (lambda: optim.SGD([], lr=0.1), "optim.SGD: optimizer got an empty parameter list"),
    (lambda: optim.SGD(None, lr=0.1), "params must be an iterable of Tensors", "got NoneType"),
    (lambda: optim.SGD(5, lr=0.1), "params must be an iterable of Tensors", "got int"),
    (lambda: optim.SGD("W", lr=0.1), "params must be an iterable of Tensors", "got str"),
    (
        lambda: optim.Adam(dict(nn.Linear(2, 2).named_parameters())),
        "got dict. A dict (a state_dict?) holds names and arrays: pass model.parameters()",
    ),
    (
        lambda: optim.Adam(nn.Linear(2, 2).named_parameters()),
        "parameter #0 is a tuple, not a Tensor",
        "(name, parameter) pair from named_parameters()",
    ),
    (lambda: optim.SGD([np.zeros(3)], lr=0.1), "parameter #0 is a ndarray, not a Tensor"),
    (lambda: optim.Adam(nn.LSTM(2, 3)), "optim.Adam: got the model itself (LSTM)"),
    (lambda: optim.SGD(weight(3), lr=0.1), "got a single Tensor; wrap it in a list"),
    (lambda: optim.SGD([tg.zeros(3)], lr=0.1), "does not require grad"),
    (lambda: optim.Adam([weight(3) * 2]), "is the result of a 'mul' op, not a leaf"),
    (
        lambda: optim.SGD([weight(3), {"params": [weight(2)]}], lr=0.1),
        "parameter #1 is a dict",
        "Parameter groups must all be dicts",
    ),
    (lambda: optim.SGD([{"params": None}], lr=0.1), "params must be an iterable", "NoneType"),
    (lambda: optim.SGD([{"params": [weight(2)], "momentun": 0.9}], lr=0.1), "unknown option"),
]


@pytest.mark.parametrize("make, phrases", [(case[0], case[1:]) for case in PARAMS_MISTAKES])
def test_optimizer_parameter_mistakes(make, phrases):
    with explained(ArgumentError, *phrases):
        make()


def test_a_parameter_given_twice():
    """(A generator of parameters used twice: tests/test_errors.py.)"""
    p = weight(3)
    with explained(ArgumentError, "parameter #1", "appears more than once"):
        optim.SGD([p, p], lr=0.1)
    first = optim.SGD([p], lr=0.1)
    with explained(ArgumentError, "appears more than once"):
        first.add_param_group({"params": [p], "lr": 0.01})


def test_step_with_a_gradient_of_the_wrong_shape():
    """p.grad (1,) for p (3,) would be broadcast into the update without a word."""
    p = tg.zeros(3, requires_grad=True, label="W")
    optimizer = optim.SGD([p], lr=0.1)
    p.grad = np.ones(1)
    with explained(ShapeError, "optim.SGD.step: the gradient of W has shape (1,)", "(3,)"):
        optimizer.step()
    np.testing.assert_array_equal(p.data, np.zeros(3))


def test_optimizer_load_state_dict_mistakes():
    p = weight(3)
    sgd = optim.SGD([p], lr=0.1, momentum=0.9)
    adam = optim.Adam([p])
    with explained(ArgumentError, "optim.Adam.load_state_dict: the saved state has the options"):
        adam.load_state_dict(sgd.state_dict())
    with explained(ArgumentError, "expects what optimizer.state_dict() returns", "got str"):
        adam.load_state_dict("adam.npz")
    saved = sgd.state_dict()
    saved["param_groups"][0]["lr"] = -1
    with explained(ArgumentError, "invalid learning rate: -1"):
        sgd.load_state_dict(saved)
    assert sgd.param_groups[0]["lr"] == 0.1  # nothing was changed
    with explained(ArgumentError, "optim.SGD.zero_grad: set_to_none must be True or False"):
        sgd.zero_grad(set_to_none="no")


# --------------------------------------------------------------------------------------
# Clipping: mistakes
# --------------------------------------------------------------------------------------
def with_grad(values, label="W"):
    p = tg.tensor(np.zeros(len(values)), requires_grad=True, label=label)
    p.grad = np.array(values, dtype=float)
    return p


CLIP_MISTAKES = [
    (lambda p: clip_grad_norm_(p, -1), "clip_grad_norm_: max_norm must be a number >= 0, got -1"),
    (lambda p: clip_grad_norm_(p, "1.0"), "max_norm must be a number >= 0, got '1.0' (str)"),
    (lambda p: clip_grad_norm_(p, None), "max_norm must be a number >= 0, got None"),
    (lambda p: clip_grad_norm_(p, float("nan")), "max_norm must be a number >= 0, got nan"),
    (lambda p: clip_grad_norm_(p, True), "max_norm must be a number >= 0, got True (bool)"),
    (lambda p: clip_grad_norm_(p, 1.0, norm_type=0), "norm_type must be a number > 0, got 0"),
    (lambda p: clip_grad_norm_(p, 1.0, norm_type=-2), "norm_type must be a number > 0, got -2"),
    (lambda p: clip_grad_norm_(p, 1.0, norm_type="two"), "norm_type must be a number > 0"),
    (lambda p: clip_grad_norm_(p, 1, error_if_nonfinite="yes"), "error_if_nonfinite must be Tr"),
    (lambda p: clip_grad_value_(p, -1), "clip_grad_value_: clip_value must be a number >= 0"),
    (lambda p: clip_grad_value_(p, "0.5"), "clip_value must be a number >= 0, got '0.5' (str)"),
    (lambda p: clip_grad_norm_(None, 1.0), "parameters must be a Tensor or an iterable"),
    (lambda p: clip_grad_norm_({"W": p[0]}, 1.0), "got dict. A dict (a state_dict?)"),
    (lambda p: clip_grad_norm_([p[0].grad], 1.0), "got a ndarray", "not their arrays"),
    (lambda p: clip_grad_value_([("W", p[0])], 1.0), "a (name, parameter) pair"),
    (lambda p: clip_grad_norm_(nn.Linear(2, 2), 1.0), "got the model itself (Linear)"),
]


@pytest.mark.parametrize("clip, phrases", [(case[0], case[1:]) for case in CLIP_MISTAKES])
def test_clipping_mistakes_leave_the_gradients_alone(clip, phrases):
    params = [with_grad([3.0, -4.0])]
    with explained(ArgumentError, *phrases):
        clip(params)
    np.testing.assert_array_equal(params[0].grad, [3.0, -4.0])  # not flipped, not set to -1


def test_the_two_classic_silent_corruptions_are_gone():
    """Before: max_norm=-1 flipped the gradient, clip_value=-1 set every entry to -1."""
    p = with_grad([3.0, -4.0])
    with pytest.raises(ArgumentError):
        clip_grad_norm_([p], -1)
    with pytest.raises(ArgumentError):
        clip_grad_value_([p], -1)
    np.testing.assert_array_equal(p.grad, [3.0, -4.0])


# --------------------------------------------------------------------------------------
# Clipping: behaviour and gradients
# --------------------------------------------------------------------------------------
def test_nonfinite_total_norm_warns_once_at_the_users_line_and_changes_nothing():
    p, q = with_grad([np.inf, 1.0], "W"), with_grad([3.0, 4.0], "b")
    with pytest.warns(RuntimeWarning, match="gradients of 'W' are not finite") as record:
        total = clip_grad_norm_([p, q], max_norm=1.0)
    ours = [w for w in record if "clip_grad_norm_" in str(w.message)]
    assert len(ours) == 1 and ours[0].filename == __file__
    assert "left unclipped (unchanged)" in str(ours[0].message)
    assert total.item() == np.inf
    np.testing.assert_array_equal(p.grad, [np.inf, 1.0])  # PyTorch: [nan, 0]
    np.testing.assert_array_equal(q.grad, [3.0, 4.0])  # PyTorch: [0, 0]


def test_nonfinite_warning_is_shown_once_per_line_in_a_training_loop():
    p = with_grad([np.nan, 1.0])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("default")  # Python's usual filter: once per place
        for _ in range(3):
            clip_grad_norm_([p], 1.0)
    assert len([w for w in record if issubclass(w.category, RuntimeWarning)]) == 1


def test_nonfinite_total_norm_with_error_if_nonfinite_names_the_parameter():
    p, q = with_grad([1.0, 1.0], "fc.weight"), with_grad([np.nan], "lstm.weight_hh_l0")
    with pytest.raises(RuntimeError) as info:
        clip_grad_norm_([p, q], 1.0, error_if_nonfinite=True)
    message = str(info.value)
    assert "the total norm of order 2 of the gradients is nan" in message
    assert "the gradients of 'lstm.weight_hh_l0' are not finite" in message
    assert f"— at {THIS_FILE}:" in message
    np.testing.assert_array_equal(p.grad, [1.0, 1.0])


def test_parameters_without_gradient_are_skipped():
    p, unused = with_grad([3.0, 4.0]), tg.zeros(2, requires_grad=True)
    total = clip_grad_norm_([p, unused], max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    assert unused.grad is None
    np.testing.assert_allclose(p.grad, [0.6, 0.8], rtol=1e-6)
    clip_grad_value_([p, unused], 0.7)
    assert unused.grad is None


def test_clipping_a_used_up_generator_warns_instead_of_clipping_nothing_silently():
    model = nn.Linear(2, 2)
    model.weight.grad = np.full((2, 2), 10.0)
    parameters = model.parameters()
    list(parameters)  # used up, e.g. by an optimizer made from the same generator
    with pytest.warns(RuntimeWarning, match="got no parameters at all") as record:
        assert clip_grad_norm_(parameters, 1.0).item() == 0.0
    assert record[0].filename == __file__
    np.testing.assert_array_equal(model.weight.grad, np.full((2, 2), 10.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # parameters without gradients: no warning
        assert clip_grad_norm_([tg.zeros(2, requires_grad=True)], 1.0).item() == 0.0


def test_edge_values_zero_and_inf():
    p = with_grad([3.0, -4.0])
    assert clip_grad_norm_([p], max_norm=math.inf).item() == 5.0  # inf: nothing clipped
    np.testing.assert_array_equal(p.grad, [3.0, -4.0])
    clip_grad_value_([p], math.inf)
    np.testing.assert_array_equal(p.grad, [3.0, -4.0])
    clip_grad_norm_([p], max_norm=np.int64(0))  # 0 (a numpy int): zero gradients
    np.testing.assert_array_equal(p.grad, [0.0, 0.0])
    q = with_grad([3.0, -4.0])
    clip_grad_value_([q], 0)
    np.testing.assert_array_equal(q.grad, [0.0, 0.0])


def test_norm_type_inf_as_a_string_like_pytorch():
    p = with_grad([3.0, -4.0])
    assert clip_grad_norm_([p], max_norm=10.0, norm_type="inf").item() == 4.0
    assert clip_grad_norm_([p], max_norm=10.0, norm_type=np.float32(1)).item() == 7.0


def test_clipping_real_recurrent_gradients_keeps_their_direction_and_the_step_uses_them():
    """Clip the gradients of a GRU after backward: every gradient is scaled by the same
    positive factor, the joint norm becomes max_norm, and SGD then moves each parameter
    by exactly -lr times the clipped gradient."""
    tg.manual_seed(3)
    gru = nn.GRU(2, 3)
    x = tg.randn(6, 2, 2, rng=4)
    output, _ = gru(x)
    (output * 10.0).sum().backward()
    params = list(gru.parameters())
    before = [p.grad.copy() for p in params]
    total = clip_grad_norm_(params, max_norm=0.5)
    every = np.concatenate([g.ravel() for g in before])
    assert total.item() == pytest.approx(np.linalg.norm(every), rel=1e-12)
    assert total.item() > 0.5  # so clipping did something
    factor = 0.5 / (total.item() + 1e-6)
    for p, g in zip(params, before):
        np.testing.assert_allclose(p.grad, g * factor, rtol=1e-12)
    after = np.concatenate([p.grad.ravel() for p in params])
    assert np.linalg.norm(after) == pytest.approx(0.5, rel=1e-5)
    data_before = [p.data.copy() for p in params]
    optim.SGD(params, lr=0.1).step()
    for p, d, g in zip(params, data_before, before):
        np.testing.assert_allclose(p.data, d - 0.1 * g * factor, rtol=1e-12)


def test_clip_grad_value_on_real_gradients():
    tg.manual_seed(5)
    cell = nn.LSTMCell(2, 3)
    h, c = cell(tg.randn(4, 2, rng=6))
    (h * 50.0 + c).sum().backward()
    before = {name: p.grad.copy() for name, p in cell.named_parameters()}
    clip_grad_value_(cell.parameters(), 0.25)  # a generator works too
    for name, p in cell.named_parameters():
        np.testing.assert_array_equal(p.grad, np.clip(before[name], -0.25, 0.25))
    assert max(np.abs(p.grad).max() for p in cell.parameters()) == 0.25
