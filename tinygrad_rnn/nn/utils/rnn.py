"""nn.utils.rnn, PyTorch's `torch.nn.utils.rnn`: batches of sequences of different lengths.

    x = pad_sequence([a, b, c])                 # (T_max, 3, D), zeros after each end
    packed = pack_padded_sequence(x, lengths=[5, 3, 2])
    output, h_n = rnn(packed)                   # nn.RNN / LSTM / GRU: a PackedSequence out
    padded, lengths = pad_packed_sequence(output)   # (T_max, 3, H), tensor([5, 3, 2])

A PackedSequence holds the time steps of a batch without the padding, in PyTorch's layout:

    data         (sum of lengths, *): step 1 of every sequence, then step 2 of every
                 sequence still running, ... (sequences sorted longest first)
    batch_sizes  int64 (T_max,): how many sequences are still running at each step
    sorted_indices, unsorted_indices   the sort by length (None if it was sorted already)

e.g. lengths [2, 3] give sorted_indices [1, 0], batch_sizes [2, 2, 1] and data rows
b0 a0 b1 a1 b2. The layers do not loop over this layout: a PackedSequence fed to nn.RNN,
nn.LSTM or nn.GRU is padded again and run with `lengths=` (recurrent.py: a finished
sequence carries its state unchanged), and the output is packed again. So h_n holds each
sequence's state at its own last step, in the original batch order, as in PyTorch.

Every function is built from Tensor operations (indexing, cat, stack), so gradients flow
through packing and unpacking.

Read next: ../../optim/ (the optimizers), or ../recurrent.py (the layers' lengths=).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ...errors import ArgumentError, ShapeError
from ...tensor import Tensor, cat, stack

__all__ = [
    "PackedSequence",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
]


class PackedSequence(NamedTuple):
    """A batch of sequences without its padding (see the module docstring for the layout)."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def _padding_block(shape: tuple, value, dtype) -> Tensor:
    """A constant Tensor full of the padding value."""
    return Tensor(np.full(shape, value, dtype=dtype))


def _pad_to(x: Tensor, length: int, value) -> Tensor:
    """x (L, *) -> (length, *): padding rows appended after x's last row."""
    missing = length - x.shape[0]
    if missing == 0:
        return x
    return cat([x, _padding_block((missing, *x.shape[1:]), value, x.dtype)], axis=0)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0) -> Tensor:
    """Stack sequences of shapes (L_i, *) into (T, B, *), T = max L_i (or (B, T, *) with
    batch_first); each is followed by `padding_value` rows up to T."""
    sequences = [_as_tensor(s) for s in sequences]
    if not sequences:
        raise ArgumentError("pad_sequence: got no sequences")
    trailing = {s.shape[1:] for s in sequences}
    if any(s.ndim == 0 for s in sequences) or len(trailing) > 1:
        raise ShapeError(
            f"pad_sequence: every sequence must be (L_i, *) with the same * after the "
            f"length, got shapes {[s.shape for s in sequences]}"
        )
    T = max(s.shape[0] for s in sequences)
    padded = [_pad_to(s, T, padding_value) for s in sequences]  # each (T, *)
    return stack(padded, axis=0 if batch_first else 1)  # (B, T, *) or (T, B, *)


def _lengths_array(lengths, T: int, B: int) -> np.ndarray:
    """The lengths as an int64 array of B values in 1..T."""
    raw = lengths.data if isinstance(lengths, Tensor) else np.asarray(lengths)
    if raw.size and raw.dtype.kind not in "iu":
        raise ArgumentError(f"pack_padded_sequence: lengths must be integers, got {raw.dtype}")
    raw = raw.astype(np.int64)
    if raw.shape != (B,):
        raise ShapeError(
            f"pack_padded_sequence: lengths must hold one length per sequence ({B}), got "
            f"shape {raw.shape}"
        )
    if raw.min() < 1 or raw.max() > T:
        raise ArgumentError(
            f"pack_padded_sequence: every length must lie in 1..{T} (the padded length), "
            f"got {raw.tolist()}"
        )
    return raw


def _pack_rows(x: Tensor, batch_sizes: np.ndarray) -> Tensor:
    """x (T, B, *) sorted longest first -> data: x[t, :batch_sizes[t]] for t = 0, 1, ..."""
    rows = [x[t, : int(size)] for t, size in enumerate(batch_sizes)]  # each (size, *)
    return cat(rows, axis=0)  # (sum of lengths, *)


def _packed(x: Tensor, lengths: np.ndarray, order: np.ndarray | None) -> PackedSequence:
    """Pack x (T, B, *) whose sequences have `lengths`; `order` sorts them longest first
    (None: they are sorted already)."""
    if order is not None:
        x = x[:, order]  # (T, B, *), longest first
        lengths = lengths[order]
    steps = np.arange(int(lengths[0]))[:, np.newaxis]  # (T_max, 1)
    batch_sizes = (lengths[np.newaxis, :] > steps).sum(axis=1).astype(np.int64)  # (T_max,)
    data = _pack_rows(x, batch_sizes)
    if order is None:
        return PackedSequence(data, Tensor(batch_sizes))
    unsorted = np.argsort(order)  # the inverse permutation
    return PackedSequence(data, Tensor(batch_sizes), Tensor(order), Tensor(unsorted))


def pack_padded_sequence(
    input, lengths, batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with batch_first) whose sequence b has
    lengths[b] valid steps. With enforce_sorted (PyTorch's default) the lengths must be
    in decreasing order; enforce_sorted=False sorts them (a stable sort) and remembers
    the order, so that unpacking and the layers' h_n come back in the original order."""
    x = _as_tensor(input)
    if x.ndim < 2:
        raise ShapeError(f"pack_padded_sequence: expected (T, B, *), got shape {x.shape}")
    if batch_first:
        x = x.transpose(0, 1)  # (B, T, *) -> (T, B, *)
    lengths = _lengths_array(lengths, x.shape[0], x.shape[1])
    if not enforce_sorted:
        return _packed(x, lengths, np.argsort(-lengths, kind="stable"))
    if np.any(np.diff(lengths) > 0):
        raise ArgumentError(
            f"pack_padded_sequence: lengths {lengths.tolist()} are not sorted in decreasing "
            f"order; sort the batch or pass enforce_sorted=False"
        )
    return _packed(x, lengths, None)


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (L_i, *): pad_sequence, then pack_padded_sequence."""
    sequences = [_as_tensor(s) for s in sequences]
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def _check_packed(sequence, name: str) -> None:
    if not isinstance(sequence, PackedSequence):
        raise ArgumentError(
            f"{name}: expects a PackedSequence (from pack_padded_sequence), got "
            f"{type(sequence).__name__}"
        )


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Undo pack_padded_sequence: (padded (T, B, *) or (B, T, *), lengths int64 (B,)), in
    the batch order the sequences had before packing. T = total_length if given (it must
    be at least the longest length), else the longest length."""
    _check_packed(sequence, "pad_packed_sequence")
    data = sequence.data
    batch_sizes = sequence.batch_sizes.numpy()
    T, B = len(batch_sizes), int(batch_sizes[0])
    if total_length is not None and total_length < T:
        raise ArgumentError(
            f"pad_packed_sequence: total_length={total_length} is shorter than the longest "
            f"sequence ({T} steps)"
        )
    steps = []
    offset = 0
    for size in batch_sizes:
        rows = data[offset : offset + int(size)]  # (size, *)
        steps.append(_pad_to(rows, B, padding_value))  # (B, *)
        offset += int(size)
    padded = stack(steps, axis=0)  # (T, B, *)
    if total_length is not None and total_length > T:
        block = _padding_block((total_length - T, *padded.shape[1:]), padding_value, data.dtype)
        padded = cat([padded, block], axis=0)  # (total_length, B, *)
    lengths = (batch_sizes[np.newaxis, :] > np.arange(B)[:, np.newaxis]).sum(axis=1)  # (B,)
    if sequence.unsorted_indices is not None:
        unsorted = sequence.unsorted_indices.numpy()
        padded = padded[:, unsorted]  # back to the original batch order
        lengths = lengths[unsorted]
    if batch_first:
        padded = padded.transpose(0, 1)  # (T, B, *) -> (B, T, *)
    return padded, Tensor(lengths.astype(np.int64))


def pack_like(padded: Tensor, like: PackedSequence, batch_first: bool) -> PackedSequence:
    """Pack a layer's padded output (T, B, *) (or (B, T, *)) exactly as `like` was packed:
    the same batch_sizes and order (what nn.RNN/LSTM/GRU return for a packed input)."""
    x = padded.transpose(0, 1) if batch_first else padded  # (T, B, *)
    if like.sorted_indices is not None:
        x = x[:, like.sorted_indices.numpy()]  # longest first
    data = _pack_rows(x, like.batch_sizes.numpy())
    return PackedSequence(data, like.batch_sizes, like.sorted_indices, like.unsorted_indices)
