"""nn.utils.rnn (pad_sequence, PackedSequence, pack_padded_sequence, pad_packed_sequence,
pack_sequence) against layouts written out by hand, gradients by finite differences, and
packed batches through nn.RNN / LSTM / GRU against each sequence run alone; hx= on RNN/GRU."""

import numpy as np
import pytest

import tinygrad_rnn as tg
import tinygrad_rnn.nn as nn
from tinygrad_rnn.errors import ArgumentError
from tinygrad_rnn.nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
)

RNG = np.random.default_rng(0)


def test_nn_utils_rnn_is_reachable_as_in_pytorch():
    assert nn.utils.rnn.pad_sequence is pad_sequence
    assert nn.utils.clip_grad_norm_ is not None and nn.utils.detach_state is not None


def test_pad_sequence_values():
    a, b = np.arange(6.0).reshape(3, 2), np.array([[9.0, 8.0]])
    out = pad_sequence([tg.tensor(a), tg.tensor(b)], padding_value=-1.0)
    assert out.shape == (3, 2, 2)
    np.testing.assert_array_equal(out.numpy()[:, 0], a)
    np.testing.assert_array_equal(out.numpy()[:, 1], [[9, 8], [-1, -1], [-1, -1]])
    first = pad_sequence([tg.tensor(a), tg.tensor(b)], batch_first=True)
    np.testing.assert_array_equal(first.numpy()[1], [[9, 8], [0, 0], [0, 0]])


def test_pack_layout_by_hand():
    """Docstring example: lengths [2, 3] -> sorted [1, 0], batch_sizes [2, 2, 1],
    data rows b0 a0 b1 a1 b2."""
    a = np.array([[1.0], [2.0], [0.0]])  # length 2 (then padding)
    b = np.array([[10.0], [20.0], [30.0]])  # length 3
    x = tg.tensor(np.stack([a, b], axis=1))  # (3, 2, 1)
    packed = pack_padded_sequence(x, [2, 3], enforce_sorted=False)
    assert isinstance(packed, PackedSequence)
    np.testing.assert_array_equal(packed.batch_sizes.numpy(), [2, 2, 1])
    assert packed.batch_sizes.dtype == np.int64
    np.testing.assert_array_equal(packed.sorted_indices.numpy(), [1, 0])
    np.testing.assert_array_equal(packed.unsorted_indices.numpy(), [1, 0])
    np.testing.assert_array_equal(packed.data.numpy()[:, 0], [10, 1, 20, 2, 30])
    sorted_packed = pack_padded_sequence(x[:, ::-1], [3, 2])
    assert sorted_packed.sorted_indices is None
    np.testing.assert_array_equal(sorted_packed.data.numpy()[:, 0], [10, 1, 20, 2, 30])


def test_pack_errors():
    x = tg.tensor(np.zeros((3, 2, 1)))
    with pytest.raises(ArgumentError, match="enforce_sorted"):
        pack_padded_sequence(x, [2, 3])
    with pytest.raises(ArgumentError):
        pack_padded_sequence(x, [4, 1])
    with pytest.raises(ArgumentError):
        pack_padded_sequence(x, [0, 1], enforce_sorted=False)


def test_unpacking_restores_order_lengths_and_padding():
    lengths = [2, 5, 3, 5]
    x = RNG.normal(size=(4, 5, 3))  # batch first (B, T, D)
    packed = pack_padded_sequence(tg.tensor(x), lengths, batch_first=True, enforce_sorted=False)
    padded, got_lengths = pad_packed_sequence(
        packed, batch_first=True, padding_value=7.0, total_length=6
    )
    np.testing.assert_array_equal(got_lengths.numpy(), lengths)
    assert padded.shape == (4, 6, 3)
    for b, length in enumerate(lengths):
        np.testing.assert_array_equal(padded.numpy()[b, :length], x[b, :length])
        assert np.all(padded.numpy()[b, length:] == 7.0)
    with pytest.raises(ArgumentError):
        pad_packed_sequence(packed, total_length=4)


def test_gradients_through_pack_and_unpack():
    x = tg.tensor(RNG.normal(size=(4, 3, 2)), requires_grad=True)
    weights = tg.tensor(RNG.normal(size=(4, 3, 2)))

    def f(x):
        packed = pack_padded_sequence(x, [3, 4, 1], enforce_sorted=False)
        return (packed.data * 2.0).sum() + (pad_packed_sequence(packed)[0] * weights).sum()

    assert tg.gradcheck(f, [x])
    f(x).backward()
    assert np.all(x.grad[3, 0] == 0) and np.all(x.grad[1:, 2] == 0)  # padding: no gradient


def test_pack_sequence_is_pad_then_pack():
    seqs = [tg.tensor(RNG.normal(size=(n, 2))) for n in (3, 1, 2)]
    packed = pack_sequence(seqs, enforce_sorted=False)
    np.testing.assert_array_equal(packed.batch_sizes.numpy(), [3, 2, 1])
    padded, lengths = pad_packed_sequence(packed)
    np.testing.assert_array_equal(lengths.numpy(), [3, 1, 2])
    for b, s in enumerate(seqs):
        np.testing.assert_array_equal(padded.numpy()[: s.shape[0], b], s.numpy())


@pytest.mark.parametrize("layer_class", [nn.RNN, nn.LSTM, nn.GRU])
@pytest.mark.parametrize("options", [{}, {"bidirectional": True, "num_layers": 2}])
def test_packed_batch_equals_each_sequence_alone(layer_class, options):
    tg.manual_seed(1)
    layer = layer_class(3, 4, **options)
    lengths = [2, 5, 3]
    seqs = [tg.tensor(RNG.normal(size=(n, 3))) for n in lengths]
    packed = pack_sequence(seqs, enforce_sorted=False)
    output, state = layer(packed)
    assert isinstance(output, PackedSequence)
    np.testing.assert_array_equal(output.batch_sizes.numpy(), packed.batch_sizes.numpy())
    padded, _ = pad_packed_sequence(output)
    h_n = state[0] if layer_class is nn.LSTM else state
    for b, seq in enumerate(seqs):
        alone_out, alone_state = layer(seq.reshape(seq.shape[0], 1, 3))
        alone_h = alone_state[0] if layer_class is nn.LSTM else alone_state
        np.testing.assert_allclose(padded.numpy()[: lengths[b], b], alone_out.numpy()[:, 0])
        np.testing.assert_allclose(h_n.numpy()[:, b], alone_h.numpy()[:, 0], atol=1e-14)


def test_packed_input_with_batch_first_and_a_given_hx():
    tg.manual_seed(2)
    gru = nn.GRU(2, 3, batch_first=True)
    x = tg.tensor(RNG.normal(size=(2, 4, 2)))
    h0 = tg.tensor(RNG.normal(size=(1, 2, 3)))
    packed = pack_padded_sequence(x, [4, 2], batch_first=True)
    _, h_packed = gru(packed, h0)
    _, h_lengths = gru(x, hx=h0, lengths=[4, 2])
    np.testing.assert_allclose(h_packed.numpy(), h_lengths.numpy())
    with pytest.raises(ValueError, match="lengths"):
        gru(packed, lengths=[4, 2])


@pytest.mark.parametrize("layer_class", [nn.RNN, nn.GRU])
def test_rnn_and_gru_take_hx_and_still_h0(layer_class):
    tg.manual_seed(3)
    layer = layer_class(2, 3)
    x = tg.tensor(RNG.normal(size=(3, 2, 2)))
    h = tg.tensor(RNG.normal(size=(1, 2, 3)))
    by_hx = layer(x, hx=h)[1].numpy()
    np.testing.assert_array_equal(by_hx, layer(x, h0=h)[1].numpy())
    np.testing.assert_array_equal(by_hx, layer(x, h)[1].numpy())
    assert not np.allclose(by_hx, layer(x)[1].numpy())
    with pytest.raises(TypeError, match="both"):
        layer(x, hx=h, h0=h)
