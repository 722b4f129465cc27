"""The bad-input catalogue: every mistake a student is likely to make, one test each,
named after the mistake, asserting what the message says.

A good message names what was wrong (the op or layer, the shapes, the dtype), where (the
`file:line` of *your* code, when the engine can know it) and how to fix it. `explained`
checks all three: the phrases given, and - unless `located=False` - that the message
ends with `— at test_errors.py:N`, where N is the line in this file that made the
mistake (read from the traceback, so it is the real line).

Sections: ops, layers, dtypes, losses, NaN/inf (anomaly mode), backward, optimizers,
state dicts and checkpoints, data, viz, the command line, and files that are never lost
or made to run code. Mistakes already tested at length elsewhere are listed here with a
short test too (the longer one is named in the docstring), so that this file is the one
list a maintainer scans.

Read next: tests/test_numerical_edges.py (values at the edge of floating point).
"""

import argparse
import operator
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import explained

import tinygrad_rnn as tg
from tinygrad_rnn import checkpoint, cli, nn, optim
from tinygrad_rnn import data as D
from tinygrad_rnn import functional as F
from tinygrad_rnn.errors import (
    AnomalyError,
    BackwardError,
    CheckpointError,
    DTypeError,
    ShapeError,
    StateDictError,
    TensorIndexError,
)

THIS_FILE = os.path.basename(__file__)


# --------------------------------------------------------------------------------------
# Ops: shapes that do not fit (tests/test_tensor.py has the matmul message verbatim)
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv"])
def test_elementwise_op_on_shapes_that_do_not_broadcast(op):
    a, b = tg.randn(2, 3, requires_grad=True), tg.randn(4)
    name = "div" if op == "truediv" else op
    with explained(ShapeError, f"{name}: shapes (2, 3) and (4,) cannot be broadcast"):
        getattr(operator, op)(a, b)  # a + b, a - b, a * b, a / b


def test_matmul_inner_sizes_differ():
    with explained(ShapeError, "matmul: shapes (32, 64) and (128, 512) do not align (64 != 128)"):
        tg.randn(32, 64) @ tg.randn(128, 512)


def test_matmul_with_a_0d_tensor():
    with explained(ShapeError, "matmul needs at least 1-D inputs (use * for scalars)"):
        tg.randn(2, 3) @ tg.tensor(2.0)


def test_batched_matmul_batch_axes_do_not_broadcast():
    with explained(ShapeError, "batch shapes of (2, 3, 4) and (3, 4, 5) cannot be broadcast"):
        tg.randn(2, 3, 4) @ tg.randn(3, 4, 5)


def test_reshape_to_a_different_number_of_elements():
    with explained(ShapeError, "reshape: cannot reshape (2, 3) (6 elements) into (4,)"):
        tg.zeros(2, 3).reshape(4)


def test_permute_with_axes_that_are_not_a_permutation():
    with explained(ShapeError, "transpose: axes (0, 0) are not a permutation of the 2 axes"):
        tg.zeros(2, 3).permute(0, 0)


def test_transpose_of_an_axis_that_does_not_exist():
    with explained(ShapeError, "transpose: axis 5 is out of range for shape (2, 3) (valid: -2"):
        tg.zeros(2, 3).transpose(0, 5)


def test_unsqueeze_at_an_axis_that_does_not_exist():
    with explained(ShapeError, "unsqueeze: axis 4 is out of range"):
        tg.zeros(2, 3).unsqueeze(4)


@pytest.mark.parametrize("reduction", ["sum", "mean", "max"])
def test_reduction_over_an_axis_that_does_not_exist(reduction):
    with explained(ShapeError, f"{reduction}: axis 2 is out of range for shape (2, 3)"):
        getattr(tg.zeros(2, 3), reduction)(axis=2)


def test_max_of_an_empty_tensor():
    with explained(ShapeError, "max: cannot take the max of an empty tensor of shape (0, 3)"):
        tg.zeros(0, 3).max()


def test_index_past_the_end():
    with explained(TensorIndexError, "getitem: index 5 does not fit a tensor of shape (3, 4)"):
        tg.zeros(3, 4)[5]


def test_index_with_floats():
    with explained(TensorIndexError, "an array of integers or booleans, got array of float64"):
        tg.zeros(3)[np.array([0.5])]


def test_concat_of_shapes_that_differ_off_the_axis():
    with explained(ShapeError, "concat: shapes (2, 3), (3, 4) must match on every axis except"):
        tg.cat([tg.zeros(2, 3), tg.zeros(3, 4)], axis=0)


def test_concat_along_an_axis_that_does_not_exist():
    with explained(TensorIndexError, "concat: axis 2 is out of range for shapes (2, 3), (2, 3)"):
        tg.cat([tg.zeros(2, 3), tg.zeros(2, 3)], axis=2)


def test_concat_of_an_empty_list():
    with explained(ShapeError, "concat: got an empty list of tensors"):
        tg.cat([])


def test_stack_of_different_shapes():
    with explained(ShapeError, "stack: all inputs must have the same shape"):
        tg.stack([tg.zeros(2, 3), tg.zeros(3, 2)])


def test_stack_along_an_axis_that_does_not_exist():
    with explained(ShapeError, "stack: axis 5 is out of range for stacking shapes (2, 3), (2, 3)"):
        tg.stack([tg.zeros(2, 3), tg.zeros(2, 3)], axis=5)


def test_where_condition_that_does_not_broadcast():
    with explained(ShapeError, "where: condition (5,) and shapes (2, 3), (2, 3) cannot be"):
        tg.where(np.ones(5, dtype=bool), tg.zeros(2, 3), tg.ones(2, 3))


def test_gather_row_that_does_not_exist():
    with explained(TensorIndexError, "gather: indices must be in 0..2", "from 0 to 3"):
        tg.gather(tg.zeros(3, 2, requires_grad=True), np.array([0, 3]))


# --------------------------------------------------------------------------------------
# Layers (tests/test_recurrent.py and test_cells.py test more of each)
# --------------------------------------------------------------------------------------
def test_linear_given_the_wrong_number_of_features():
    with explained(ShapeError, "Linear(in_features=3", "last axis has 3 features", "(2, 5)"):
        nn.Linear(3, 4)(tg.randn(2, 5))


def test_lstm_given_the_wrong_input_size():
    with explained(
        ShapeError, "LSTM: expected input_size=3 features in the last axis", "(5, 2, 7)"
    ):
        nn.LSTM(3, 4)(tg.randn(5, 2, 7))


def test_lstm_given_features_first_instead_of_last():
    """(B, D, T) instead of (T, B, D): the size says which axis holds the features."""
    with explained(ShapeError, "Axis 1 has length input_size: the features must come last"):
        nn.LSTM(3, 4)(tg.randn(2, 3, 5))


def test_batch_first_input_to_a_time_major_layer_is_caught_by_h0():
    """x is (B=2, T=5, D) but the layer expects (T, B, D): h0's batch axis disagrees."""
    rnn = nn.RNN(3, 4)
    with explained(
        ShapeError, "Its batch axis is 2 but the input has batch 5", "batch_first=False"
    ):
        rnn(tg.randn(2, 5, 3), tg.zeros(1, 2, 4))


def test_batch_first_confusion_in_lengths():
    with explained(ShapeError, "That is the number of time steps: is batch_first=False right?"):
        nn.GRU(3, 4)(tg.randn(5, 2, 3), lengths=[1, 2, 3, 4, 5])


def test_h0_with_the_wrong_hidden_size():
    with explained(ShapeError, "GRU: h0 must have shape", "= (1, 2, 4), got (1, 2, 5)"):
        nn.GRU(3, 4)(tg.randn(5, 2, 3), tg.zeros(1, 2, 5))


def test_h0_without_the_layers_axis():
    with explained(ShapeError, "RNN: h0 must have shape (num_layers * num_directions, batch"):
        nn.RNN(3, 4, num_layers=2)(tg.randn(5, 2, 3), tg.zeros(2, 4))


def test_lstm_state_given_as_one_tensor_instead_of_h0_c0():
    with explained(TypeError, "LSTM: the state must be the pair (h0, c0), got one Tensor"):
        nn.LSTM(3, 4)(tg.randn(5, 2, 3), tg.zeros(1, 2, 4))


def test_lstm_cell_state_given_as_one_tensor_instead_of_h_c():
    with explained(TypeError, "LSTMCell(3, 4): the state must be the pair (h, c)"):
        nn.LSTMCell(3, 4)(tg.randn(2, 3), tg.zeros(2, 4))


def test_cell_given_the_wrong_input_size():
    with explained(ShapeError, "GRUCell(3, 4): expected input of shape (batch, 3)", "got (2, 5)"):
        nn.GRUCell(3, 4)(tg.randn(2, 5))


def test_cell_state_for_another_batch_size():
    with explained(ShapeError, "the state c must have shape (2, 4)", "got (3, 4)"):
        nn.LSTMCell(3, 4)(tg.randn(2, 3), (tg.zeros(2, 4), tg.zeros(3, 4)))


def test_recurrent_layer_given_a_4d_input():
    with explained(ShapeError, "RNN: expected a 3-D input (T, B, input_size) or an unbatched"):
        nn.RNN(3, 4)(tg.zeros(5, 2, 3, 1))


def test_empty_sequence_with_no_time_steps():
    with explained(ShapeError, "RNN: got an empty input of shape (0, 2, 3)"):
        nn.RNN(3, 4)(tg.zeros(0, 2, 3))


def test_empty_sequence_to_the_lessons_rnn():
    with explained(ShapeError, "ElmanRNN: expected x of shape (T, B, 3)", "got (0, 1, 3)"):
        nn.ElmanRNN(3, 4, 2)(tg.zeros(0, 1, 3))


def test_lengths_longer_than_the_padded_sequence():
    with explained(ShapeError, "lengths must be between 0 and the padded length T=5, got [6, 1]"):
        nn.LSTM(3, 4)(tg.randn(5, 2, 3), lengths=[6, 1])


def test_embedding_index_past_the_vocabulary():
    with explained(TensorIndexError, "Embedding(5, 2): index 5 is out of range", "0..4"):
        nn.Embedding(5, 2)(np.array([1, 5]))


def test_embedding_negative_index():
    with explained(TensorIndexError, "Embedding(5, 2): index -1 is out of range"):
        nn.Embedding(5, 2)(np.array([-1, 0]))


def test_attention_query_and_keys_of_different_sizes():
    query, keys = tg.randn(2, 4), tg.randn(2, 3, 5)
    with explained(ShapeError, "must agree on B and H", "nn.Attention(kind='general'"):
        F.attention(query, keys, keys)


def test_layer_with_a_negative_size():
    with explained(ValueError, "Linear: in_features and out_features must be >= 0", located=False):
        nn.Linear(-1, 3)


def test_recurrent_layer_with_zero_hidden_units():
    with explained(ValueError, "must be positive, got 3, 0, 1", located=False):
        nn.LSTM(3, 0)


# --------------------------------------------------------------------------------------
# dtypes
# --------------------------------------------------------------------------------------
def test_requires_grad_on_an_integer_tensor():
    with explained(DTypeError, "only floating-point tensors can require grad", located=False):
        tg.tensor([1, 2, 3], requires_grad=True)


def test_tanh_of_an_integer_tensor():
    with explained(DTypeError, "tanh: needs a floating-point tensor, got int64", "x.float()"):
        tg.tensor([1, 2]).tanh()


def test_token_ids_fed_straight_into_an_rnn():
    with explained(DTypeError, "RNN: the input must be floating point", "nn.Embedding first"):
        nn.RNN(3, 4)(np.zeros((5, 2, 3), dtype=np.int64))


def test_embedding_given_float_indices():
    with explained(DTypeError, "Embedding(5, 2): indices must be integers (token ids)", ".long()"):
        nn.Embedding(5, 2)(np.array([1.0, 2.0]))


def test_strings_in_a_tensor():
    with explained(DTypeError, "Tensor: cannot hold data of dtype <U1", located=False):
        tg.tensor(["a", "b"])


def test_adding_a_string_to_a_tensor():
    with explained(DTypeError, "cannot combine a Tensor with str ('a')"):
        tg.ones(2) + "a"


def test_an_array_given_to_the_scalar_engine():
    with explained(
        TypeError, "Value holds one number, got ndarray", "use tg.Tensor", located=False
    ):
        tg.Value(np.ones(3))


def test_gradcheck_in_float32():
    w = tg.tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    with explained(DTypeError, "finite differences need float64", located=False):
        tg.gradcheck(lambda w: w * 2, [w])


def test_default_dtype_set_to_an_integer_type():
    with explained(DTypeError, "set_default_dtype: use np.float32 or np.float64", located=False):
        tg.set_default_dtype(np.int32)


# --------------------------------------------------------------------------------------
# Losses
# --------------------------------------------------------------------------------------
def test_cross_entropy_with_one_target_too_few():
    with explained(
        ShapeError, "cross_entropy: input of shape (4, 3)", "needs a target of shape (4,)"
    ):
        F.cross_entropy(tg.randn(4, 3), np.array([0, 1, 2]))


def test_cross_entropy_target_class_that_does_not_exist():
    with explained(TensorIndexError, "class indices in [0, 3)", "got [3]"):
        F.cross_entropy(tg.randn(4, 3), np.array([0, 1, 2, 3]))


def test_cross_entropy_with_float_targets():
    with explained(DTypeError, "cross_entropy: target must hold class indices (integers)"):
        F.cross_entropy(tg.randn(4, 3), np.array([0.0, 1.0, 2.0, 1.0]))


def test_binary_cross_entropy_on_logits_instead_of_probabilities():
    with explained(ValueError, "between 0 and 1", "binary_cross_entropy_with_logits"):
        F.binary_cross_entropy(tg.tensor([1.5, -0.2]), tg.tensor([1.0, 0.0]))


def test_mse_of_transposed_shapes():
    with explained(ShapeError, "mse_loss: input of shape (4, 3) and target of shape (3, 4)"):
        F.mse_loss(tg.randn(4, 3), tg.randn(3, 4))


def test_softmax_over_an_axis_that_does_not_exist():
    with explained(ShapeError, "softmax: axis 2 is out of range for an input of shape (4, 3)"):
        F.softmax(tg.randn(4, 3), axis=2)


# --------------------------------------------------------------------------------------
# NaN and inf: anomaly mode names the first offending node (tests/test_numerical_edges.py
# has log 0, exp overflow and division by zero)
# --------------------------------------------------------------------------------------
def test_nan_in_the_input_data_is_traced_to_its_leaf():
    x = tg.tensor([1.0, np.nan], requires_grad=True, label="x")
    W = tg.randn(2, 2, requires_grad=True)
    with tg.detect_anomaly():
        with explained(
            AnomalyError, "matmul produced NaN/inf", "its input #0 already held"
        ) as info:
            x @ W
    assert f"leaf 'x' created at {THIS_FILE}:" in str(info.value)


def test_inf_weight_is_traced_to_the_parameter():
    layer = nn.Linear(2, 2)
    layer.weight.data[0, 0] = np.inf
    with tg.detect_anomaly():
        with explained(AnomalyError, "already held NaN/inf: leaf 'weight'"):
            layer(tg.randn(3, 2))


def test_nan_in_a_sequence_is_found_before_the_loop():
    """nn.RNN projects all time steps at once, so the first node to see the NaN is the
    reshape of x before the loop; the message names x and the line that called the RNN."""
    rnn = nn.RNN(1, 2)
    x = tg.tensor(np.array([[[0.5]], [[np.nan]], [[0.1]]]), label="x")  # (T=3, B=1, D=1)
    with tg.detect_anomaly():
        with explained(AnomalyError, "reshape produced NaN/inf", "held NaN/inf: leaf 'x'"):
            rnn(x)


def test_nan_inside_a_hand_written_time_loop_names_the_step():
    cell = nn.RNNCell(1, 2)
    x = tg.tensor(np.array([[[0.5]], [[np.nan]], [[0.1]]]), label="x")  # bad at t = 2
    h = None
    with tg.detect_anomaly():
        with explained(AnomalyError, "getitem (t=2) produced NaN/inf", "leaf 'x'"):
            for t in range(1, 4):
                with tg.scope(t=t):
                    h = cell(x[t - 1], h)


def test_infinite_gradient_is_flagged_in_backward():
    x = tg.tensor([4.0, 0.0], requires_grad=True)
    with tg.detect_anomaly(), np.errstate(divide="ignore"):
        y = x.sqrt().sum()
        with explained(AnomalyError, "pow backward produced a NaN/inf gradient", located=False):
            y.backward()


# --------------------------------------------------------------------------------------
# backward
# --------------------------------------------------------------------------------------
def test_backward_on_a_tensor_that_is_not_a_loss():
    y = tg.randn(3, 4, requires_grad=True) * 2.0
    with explained(BackwardError, "has shape (3, 4)", "y.sum().backward()", located=False):
        y.backward()


def test_backward_with_a_gradient_of_the_wrong_shape():
    y = tg.tensor([1.0, 2.0], requires_grad=True) * 3.0
    with explained(ShapeError, "the gradient has shape (3,) but", located=False):
        y.backward(np.ones(3))


def test_backward_twice_through_a_freed_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=False)
    freed = "was freed by an earlier backward(retain_graph=False)"
    with explained(BackwardError, freed, f"created at {THIS_FILE}:", located=False):
        loss.backward()  # the message names the line that built the graph


def test_backward_twice_through_a_freed_scalar_graph():
    a = tg.Value(2.0)
    y = a * a
    y.backward(retain_graph=False)
    with explained(BackwardError, "Run the forward pass again", located=False):
        y.backward()


def test_backward_of_something_no_parameter_went_into():
    with explained(BackwardError, "does not require grad", "requires_grad=True"):
        (tg.tensor([1.0]) * 2.0).sum().backward()


def test_item_of_a_tensor_with_several_elements():
    with explained(ShapeError, "item: tensor of shape (3,) has 3 elements", located=False):
        tg.zeros(3).item()


def test_numpy_array_made_of_a_tensor_that_requires_grad():
    x = tg.randn(3, requires_grad=True)
    with explained(TypeError, "would silently cut it out of the graph", "x.tanh()", located=False):
        np.asarray(x)


def test_numpy_ufunc_on_a_tensor():
    """np.tanh(x) is x.tanh() (numpy_protocol.py); a ufunc with no op behind it is refused
    on a tensor that requires grad (tests/test_trust_engine.py has the rest)."""
    assert np.tanh(tg.randn(3, requires_grad=True)).op == "tanh"
    with explained(DTypeError, "np.arcsinh: has no tinygrad_rnn op behind it"):
        np.arcsinh(tg.randn(3, requires_grad=True))


# --------------------------------------------------------------------------------------
# Optimizers and clipping (tests/test_optim.py: test_constructor_errors_are_clear)
# --------------------------------------------------------------------------------------
def test_optimizer_given_no_parameters():
    with explained(ValueError, "SGD: optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)


def test_optimizer_given_a_used_up_parameter_generator():
    model = nn.Linear(2, 2)
    parameters = model.parameters()
    optim.SGD(parameters, lr=0.1)
    with explained(tg.ArgumentError, "empty parameter list", "can be used only once"):
        optim.Adam(parameters)


def test_optimizer_given_the_model_instead_of_its_parameters():
    with explained(TypeError, "Adam: got the model itself (LSTM)", "Adam(model.parameters()"):
        optim.Adam(nn.LSTM(2, 3))


def test_optimizer_given_numpy_arrays():
    with explained(TypeError, "SGD: parameter #0 is a ndarray, not a Tensor"):
        optim.SGD([np.zeros(3)], lr=0.1)


def test_optimizer_given_a_tensor_that_does_not_require_grad():
    with explained(ValueError, "does not require grad, so it would never get a gradient"):
        optim.SGD([tg.zeros(3)], lr=0.1)


def test_optimizer_given_a_computed_tensor_instead_of_a_leaf():
    p = tg.tensor([1.0], requires_grad=True)
    with explained(ValueError, "not a leaf"):
        optim.Adam([p * 2])


def test_optimizer_with_a_negative_learning_rate():
    with explained(ValueError, "invalid learning rate: -1"):
        optim.SGD([tg.zeros(3, requires_grad=True)], lr=-1)


def test_clipping_given_the_model_instead_of_its_parameters():
    with explained(TypeError, "clip_grad_norm_: got the model itself (Linear)"):
        nn.utils.clip_grad_norm_(nn.Linear(2, 2), max_norm=1.0)


# --------------------------------------------------------------------------------------
# State dicts and checkpoints (tests/test_checkpoint.py has the file-level cases)
# --------------------------------------------------------------------------------------
def test_load_state_dict_from_another_architecture_lists_every_mismatch():
    with explained(StateDictError, "LSTM.load_state_dict: 4 problem(s)", located=False) as info:
        nn.LSTM(3, 4).load_state_dict(nn.GRU(3, 4).state_dict())
    assert "the model has (16, 3), the state dict has (12, 3)" in str(info.value)


def test_load_state_dict_with_missing_and_unexpected_keys():
    state = {"weight": np.zeros((3, 2)), "bais": np.zeros(3)}
    with explained(StateDictError, "missing key 'bias'", "unexpected key 'bais'", located=False):
        nn.Linear(2, 3).load_state_dict(state)


def test_load_state_dict_with_text_instead_of_numbers():
    state = {"weight": "abc", "bias": np.zeros(3)}
    with explained(
        StateDictError, "'weight': value has dtype <U3, not a number type", located=False
    ):
        nn.Linear(2, 3).load_state_dict(state)


def test_loading_a_checkpoint_of_another_model_class(tmp_path):
    path = tg.save(nn.GRU(3, 4), tmp_path / "gru.npz")
    with explained(
        CheckpointError, "checkpoint of a GRU", "loading it into is a LSTM", located=False
    ):
        tg.load(nn.LSTM(3, 4), path)


def test_loading_a_checkpoint_of_the_same_class_with_other_sizes(tmp_path):
    path = tg.save(nn.LSTM(3, 4), tmp_path / "small.npz")
    with explained(StateDictError, "small.npz does not fit the model", located=False):
        tg.load(nn.LSTM(3, 8), path)


def test_loading_a_checkpoint_from_a_newer_version(tmp_path):
    path = tmp_path / "future.npz"
    np.savez(path, **nn.Linear(2, 2).state_dict(), **{checkpoint.FORMAT_KEY: np.array(99)})
    with explained(CheckpointError, "uses checkpoint format 99", "upgrade", located=False):
        tg.load(nn.Linear(2, 2), path)


def test_loading_a_checkpoint_that_does_not_exist(tmp_path):
    with explained(CheckpointError, "no checkpoint file at", "(file not found)", located=False):
        tg.load(nn.Linear(2, 2), tmp_path / "missing.npz")


def test_loading_a_text_file_as_a_checkpoint(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("these are not weights")
    with explained(CheckpointError, "is not an .npz checkpoint", located=False):
        tg.load(nn.Linear(2, 2), path)


# --------------------------------------------------------------------------------------
# Data (tests/test_data_*.py test each loader)
# --------------------------------------------------------------------------------------
def test_vocabulary_lookup_of_an_unknown_token():
    vocab = D.CharVocab.from_text("hello", specials=())
    with explained(
        D.UnknownTokenError, "token 'x' is not in the vocabulary", "'<unk>'", located=False
    ):
        vocab.encode("hex")


def test_decoding_an_index_past_the_vocabulary():
    vocab = D.CharVocab.from_text("hello", specials=())
    with explained(D.DataError, "index 99 is out of range for a vocabulary of 4", located=False):
        vocab.decode([0, 99])


def test_one_hot_of_an_index_past_num_classes():
    with explained(
        D.DataError, "one_hot: index 5 is out of range for num_classes=3", located=False
    ):
        D.one_hot(np.array([5]), 3)


def test_data_file_that_does_not_exist(tmp_path):
    with explained(D.DataNotFoundError, "missing.txt' does not exist", located=False):
        D.load_text(tmp_path / "missing.txt")


def test_data_file_that_is_empty(tmp_path):
    (tmp_path / "empty.txt").write_text("  \n")
    with explained(D.DataFormatError, "empty.txt' is empty", located=False):
        D.load_text(tmp_path / "empty.txt")


def test_data_file_that_is_binary(tmp_path):
    (tmp_path / "model.bin").write_bytes(bytes(range(256)))
    with explained(D.DataFormatError, "model.bin' looks binary", located=False):
        D.load_text(tmp_path / "model.bin")


def test_data_file_that_is_not_utf8(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("café".encode("latin-1"))
    with explained(D.DataFormatError, "is not UTF-8 text", located=False):
        D.load_text(tmp_path / "latin1.txt")


def test_text_too_short_to_split_for_validation():
    with explained(D.DataError, "too short to split", located=False):
        D.split_text(np.array([1, 2, 3]), val_fraction=0.1)


def test_padding_no_sequences():
    with explained(D.DataError, "pad_sequences: got no sequences", located=False):
        D.pad_sequences([])


# --------------------------------------------------------------------------------------
# viz (tests/test_viz_render.py renders for real)
# --------------------------------------------------------------------------------------
def small_rnn_loss(steps: int = 3):
    tg.manual_seed(0)
    output, _ = nn.RNN(2, 3)(tg.randn(steps, 1, 2))
    loss = output.sum()
    loss.backward()
    return loss


def test_viz_graph_too_large_for_the_chosen_detail():
    import viz

    with explained(viz.VizError, "more than max_nodes=20", "detail='cells'", located=False):
        viz.draw(small_rnn_loss(steps=10), detail="ops", max_nodes=20)


def test_viz_of_an_unknown_picture_format(tmp_path):
    import viz

    with explained(viz.VizError, "cannot tell the format of", ".svg, .png", located=False):
        viz.render(small_rnn_loss(), tmp_path / "graph.bmp")


def test_viz_into_a_folder_that_does_not_exist(tmp_path):
    import viz

    with explained(viz.RenderError, "does not exist; create it first", located=False):
        viz.render(small_rnn_loss(), tmp_path / "missing" / "graph.dot")


def test_viz_with_no_renderer_installed(tmp_path, monkeypatch):
    import shutil

    import viz
    from viz import backend

    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    monkeypatch.setattr(backend, "script_dirs", lambda: [tmp_path / "nothing"])
    with explained(
        viz.RenderError, "no Graphviz renderer found", "pip install graphviz-pure", located=False
    ):
        viz.render(small_rnn_loss(), tmp_path / "graph.svg")
    assert (tmp_path / "graph.dot").read_text().startswith("digraph")  # the DOT is kept


def test_viz_with_an_unknown_detail_level():
    import viz

    with explained(viz.VizError, "detail must be one of", located=False):
        viz.draw(small_rnn_loss(), detail="everything")


# --------------------------------------------------------------------------------------
# The command line: one line on stderr, a non-zero exit status, never a traceback
# --------------------------------------------------------------------------------------
def run_cli(*args, cwd=None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    environment.pop(cli.TRACEBACK_VARIABLE, None)
    return subprocess.run(
        [sys.executable, "-m", "tinygrad_rnn", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        cwd=cwd,
    )


def assert_one_line_error(finished, *phrases, status=None) -> None:
    assert finished.returncode != 0
    if status is not None:
        assert finished.returncode == status
    assert "Traceback" not in finished.stderr
    lines = finished.stderr.strip().splitlines()
    assert len(lines) == 1, finished.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]


def needs_command(name: str):
    """Skip when this version of the CLI has no `name` command."""
    commands = set()
    for action in cli.build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            commands.update(action.choices)
    return pytest.mark.skipif(name not in commands, reason=f"no `tinygrad-rnn {name}` command")


def test_cli_unknown_command():
    assert_one_line_error(run_cli("trian"), "invalid choice: 'trian'", status=2)


def test_cli_flag_value_that_is_not_a_number():
    finished = run_cli("render", "lstm", "--steps", "many")
    assert_one_line_error(finished, "--steps: 'many' is not a whole number", status=2)


def test_cli_unknown_flag():
    assert_one_line_error(run_cli("render", "lstm", "--colour"), "unrecognized arguments", status=2)


def test_cli_graph_too_large_to_draw(tmp_path):
    finished = run_cli(
        "render", "rnn", "--steps", "50", "--max-nodes", "10", "-o", tmp_path / "g.svg"
    )
    assert_one_line_error(finished, "more than max_nodes=10", status=1)


def test_cli_out_of_memory_is_one_line(tmp_path):
    """14 PiB: more than any address space, so the allocation fails at once (even where
    the kernel overcommits memory)."""
    finished = run_cli("render", "rnn", "--hidden", 10**15, "-o", tmp_path / "g.dot")
    assert_one_line_error(finished, "out of memory", "try smaller sizes", status=1)


def test_cli_internal_error_is_one_line_and_shows_the_traceback_on_request(monkeypatch, capsys):
    from tinygrad_rnn.commands import render

    def broken(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(render, "build_loss", broken)
    assert cli.main(["render", "rnn", "-o", "unused.dot"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error ZeroDivisionError" in err
    assert cli.TRACEBACK_VARIABLE in err
    monkeypatch.setenv(cli.TRACEBACK_VARIABLE, "1")
    with pytest.raises(ZeroDivisionError):
        cli.main(["render", "rnn", "-o", "unused.dot"])


@needs_command("train-charlm")
def test_cli_train_on_a_missing_data_file(tmp_path):
    finished = run_cli("train-charlm", "--data", tmp_path / "nope.txt", "--steps", "1")
    assert_one_line_error(finished, "nope.txt' does not exist", status=1)


@needs_command("train-charlm")
def test_cli_train_on_an_empty_data_file(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    finished = run_cli("train-charlm", "--data", tmp_path / "empty.txt", "--steps", "1")
    assert_one_line_error(finished, "empty.txt' is empty", status=1)


@needs_command("train-charlm")
def test_cli_train_on_a_binary_data_file(tmp_path):
    (tmp_path / "weights.npz").write_bytes(bytes(range(256)) * 4)
    finished = run_cli("train-charlm", "--data", tmp_path / "weights.npz", "--steps", "1")
    assert_one_line_error(finished, "weights.npz' looks binary", status=1)


@needs_command("sample")
def test_cli_sample_from_a_file_that_is_not_a_checkpoint(tmp_path):
    (tmp_path / "notes.npz").write_text("not a checkpoint")
    finished = run_cli("sample", "--checkpoint", tmp_path / "notes.npz")
    assert_one_line_error(finished, "notes.npz is not an .npz checkpoint", status=1)


@needs_command("sample")
def test_cli_sample_from_a_checkpoint_of_another_model(tmp_path):
    tg.save(nn.Linear(2, 2), tmp_path / "linear.npz")
    finished = run_cli("sample", "--checkpoint", tmp_path / "linear.npz")
    assert_one_line_error(finished, "linear.npz is a checkpoint of a Linear", status=1)


# --------------------------------------------------------------------------------------
# Files are never lost, and loading never runs code
# --------------------------------------------------------------------------------------
def test_failed_picture_write_keeps_the_old_picture_and_leaves_no_temporary(tmp_path, monkeypatch):
    """The final rename fails (e.g. disk full): the old file is intact, no .tmp is left."""
    import viz

    target = tmp_path / "graph.dot"
    target.write_text("the old picture")

    def failing_replace(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with explained(viz.RenderError, "could not write", "No space left", "unchanged", located=False):
        viz.render(small_rnn_loss(), target)
    assert target.read_text() == "the old picture"
    assert sorted(os.listdir(tmp_path)) == ["graph.dot"]


def test_interrupted_picture_write_keeps_the_old_picture(tmp_path, monkeypatch):
    import viz

    target = tmp_path / "graph.dot"
    target.write_text("the old picture")

    def interrupted(source, destination):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        viz.render(small_rnn_loss(), target)
    assert target.read_text() == "the old picture"
    assert sorted(os.listdir(tmp_path)) == ["graph.dot"]


def test_picture_write_goes_through_a_temporary_file_in_the_same_folder(tmp_path, monkeypatch):
    import viz

    renames = []
    real_replace = os.replace

    def recording_replace(source, destination):
        renames.append((Path(source), Path(destination)))
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", recording_replace)
    viz.render(small_rnn_loss(), tmp_path / "graph.dot")
    ((source, destination),) = renames
    assert source.parent == destination.parent == tmp_path
    assert source.name.startswith(".graph.dot.") and destination.name == "graph.dot"


class CreatesAFile:
    """Unpickling this object opens (creates) `path` for writing: code runs on load."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def test_loading_a_crafted_checkpoint_never_runs_its_code(tmp_path):
    marker = tmp_path / "code_ran"
    crafted = tmp_path / "crafted.npz"
    weight = np.empty(1, dtype=object)
    weight[0] = CreatesAFile(marker)
    np.savez(crafted, weight=weight, bias=np.zeros(2))
    with explained(CheckpointError, "object array", "could run code", located=False):
        tg.load(nn.Linear(2, 2), crafted)
    assert not marker.exists()
    np.load(crafted, allow_pickle=True)["weight"][0].close()  # what pickle would have done
    assert marker.exists()
