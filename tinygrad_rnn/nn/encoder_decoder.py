"""The two halves of nn.Seq2Seq: the Encoder reads the source, the Decoder writes the
target one step at a time (seq2seq.py puts them together and decodes).

    encoder   h_1 .. h_S = LSTM(embedding(x_1 .. x_S))    padded steps masked (`lengths`)
    decoder   s_t = cell(embedding(y_{t-1}), s_{t-1})     then attention and the logits o_t

The Encoder runs a recurrent layer (nn.LSTM / GRU / RNN) over the whole padded source;
the Decoder holds a cell (nn.LSTMCell / GRUCell / RNNCell), because each step's input
depends on the previous step's output (teacher forcing or the model's own prediction).

Read next: seq2seq.py (the model, greedy decoding and beam search).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..checks import describe, is_int
from ..graph import scope
from ..roles import mark
from ..tensor import Tensor, cat, default_rng, stack
from .attention import KINDS, Attention
from .cells import GRUCell, LSTMCell, RNNCell
from .checks import check_choice, check_flag, check_int, fail, layer_name
from .layers import Embedding, Linear
from .module import Module
from .recurrent import GRU, LSTM, RNN

LAYERS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}
CELLS = {"rnn": RNNCell, "lstm": LSTMCell, "gru": GRUCell}


# --------------------------------------------------------------------------------------
# What the decoder returns and what it reads
# --------------------------------------------------------------------------------------
class Seq2SeqOutput(NamedTuple):
    """What `Seq2Seq.forward` returns."""

    logits: Tensor  # (B, T, V): o_t for every decoder step
    attention: Tensor | None  # (B, T, S): α_t for every step; None without attention
    inputs: np.ndarray  # (B, T) int64: the token fed to the decoder at each step


class Memory(NamedTuple):
    """The encoder's outputs as the decoder reads them at every step."""

    keys: Tensor  # (B, S, H) h_1 .. h_S
    projected: Tensor | None  # (B, S, ·) attention.project_keys(keys), None w/o attention
    mask: np.ndarray  # (B, S) bool, True at real (not padded) source steps

    def rows(self, index: np.ndarray) -> Memory:
        """The memory of the batch rows `index` (repeats allowed: one row per beam)."""
        projected = None if self.projected is None else self.projected[index]
        return Memory(self.keys[index], projected, self.mask[index])


# --------------------------------------------------------------------------------------
# Encoder
# --------------------------------------------------------------------------------------
class Encoder(Module):
    """Embedding + one recurrent layer over the padded source.

    embedding  nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_index)
    <cell>     nn.LSTM / nn.GRU / nn.RNN(embedding_dim, H, batch_first=True), registered
               under its kind ("lstm", "gru", "rnn"). With bidirectional=True each
               direction has H/2 units, so the outputs [→h_i; ←h_i] still have H features
               and the final state [→h_S; ←h_1] fits a decoder of size H.

    forward(src (B, S) int, src_lengths (B,)) -> (outputs (B, S, H), state)
      outputs  h_1 .. h_S (0 at padded steps: the layer runs with `lengths`)
      state    (h,) or (h, c) for the LSTM, each (B, H): the state after each sequence's
               own last token (padding never reaches it)
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int,
        hidden_size: int,
        cell: str = "lstm",
        bidirectional: bool = False,
        pad_index: int | None = 0,
    ) -> None:
        super().__init__()
        owner = layer_name(self)
        cell = check_choice(owner, "cell", cell, tuple(LAYERS))
        hidden_size = check_int(owner, "hidden_size", hidden_size, minimum=1)
        bidirectional = check_flag(owner, "bidirectional", bidirectional)
        check_even_split(owner, hidden_size, bidirectional, whose="the")
        self.cell_kind = cell
        self.hidden_size = hidden_size
        self.bidirectional = bidirectional
        self.embedding = Embedding(vocab_size, embedding_dim, padding_idx=pad_index)
        per_direction = hidden_size // 2 if bidirectional else hidden_size
        layer = LAYERS[cell](
            embedding_dim, per_direction, batch_first=True, bidirectional=bidirectional
        )
        self.add_module(cell, layer)  # scope "lstm" / "gru" / "rnn"

    @property
    def layer(self) -> Module:
        """The recurrent layer (registered under the cell's name)."""
        return getattr(self, self.cell_kind)

    def forward(self, src, src_lengths) -> tuple[Tensor, tuple[Tensor, ...]]:
        x = self.embedding(src)  # (B, S, E)
        outputs, final = self.layer(x, lengths=src_lengths)  # (B, S, H)
        finals = final if self.cell_kind == "lstm" else (final,)  # (h_n,) or (h_n, c_n)
        state = []
        for s_n in finals:  # (D, B, H/D), D = number of directions
            if self.bidirectional:
                state.append(cat([s_n[0], s_n[1]], axis=1))  # (B, H): [→h_S; ←h_1]
            else:
                state.append(s_n[0])  # (B, H)
        return outputs, tuple(state)


# --------------------------------------------------------------------------------------
# Decoder
# --------------------------------------------------------------------------------------
class Decoder(Module):
    """Embedding + a cell + attention + Luong's output layer, one step at a time.

    embedding  nn.Embedding(vocab_size, embedding_dim)
    cell       nn.LSTMCell / GRUCell / RNNCell(embedding_dim, H)
    attention  nn.Attention(H, kind, key_size=H), or None for the plain encoder-decoder
    combine    nn.Linear(2H, H): W_c, b_c of s̃_t = tanh(W_c [a_t; s_t] + b_c)
               (nn.Linear(H, H) without attention: s̃_t = tanh(W_c s_t + b_c))
    out        nn.Linear(H, vocab_size): W_y, b_y of o_t = W_y s̃_t + b_y (the logits)

    forward(tgt_in, state, memory, teacher_forcing_ratio, rng) runs the training loop
    (see Seq2Seq.forward); `step` is one time step, used by that loop and by decoding.
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int,
        hidden_size: int,
        cell: str = "lstm",
        attention: str | None = "dot",
        attention_size: int | None = None,
    ) -> None:
        super().__init__()
        cell = check_choice(layer_name(self), "cell", cell, tuple(CELLS))
        check_attention_kind(layer_name(self), attention)
        self.cell_kind = cell
        self.hidden_size = hidden_size
        self.embedding = Embedding(vocab_size, embedding_dim)
        self.cell = CELLS[cell](embedding_dim, hidden_size)
        if attention is None:
            self.attention = None
            self.combine = Linear(hidden_size, hidden_size)
        else:
            self.attention = Attention(hidden_size, attention, attention_size=attention_size)
            self.combine = Linear(2 * hidden_size, hidden_size)
        self.out = Linear(hidden_size, vocab_size)

    def prepare(self, keys: Tensor, mask: np.ndarray) -> Memory:
        """The per-source part of attention, computed once before the time loop."""
        if self.attention is None:
            return Memory(keys, None, mask)
        return Memory(keys, self.attention.project_keys(keys), mask)

    def step(self, y_prev: np.ndarray, state: tuple, memory: Memory):
        """One decoder step (call it inside `tg.scope(t=t)`):

            s_t = cell(embedding(y_{t-1}), s_{t-1})
            a_t, α_t = attention(s_t, h, mask)
            s̃_t = tanh(W_c [a_t; s_t] + b_c),   o_t = W_y s̃_t + b_y

        y_prev (B,) int, state (s_{t-1},) or (s_{t-1}, c_{t-1}) each (B, H).
        Returns (o_t (B, V), new state, α_t (B, S) or None).
        """
        x = self.embedding(y_prev)  # (B, E)
        if self.cell_kind == "lstm":
            state = self.cell(x, state)  # (h_t, c_t)
        else:
            state = (self.cell(x, state[0]),)  # (h_t,)
        s = state[0]  # (B, H)
        weights = None
        if self.attention is None:
            combined = self.combine(s)  # (B, H)
        else:
            context, weights = self.attention(
                s, memory.keys, mask=memory.mask, projected_keys=memory.projected
            )  # (B, H), (B, S)
            combined = self.combine(cat([context, s], axis=1))  # (B, 2H) -> (B, H)
        s_tilde = mark(combined.tanh(), "step", "s_tilde")  # (B, H)
        logits = mark(self.out(s_tilde), "step", "o")  # (B, V)
        return logits, state, weights

    def forward(
        self,
        tgt_in: np.ndarray,
        state: tuple,
        memory: Memory,
        teacher_forcing_ratio: float = 1.0,
        rng=None,
    ) -> Seq2SeqOutput:
        """Run T = tgt_in.shape[1] steps; the input of step t is chosen by
        `choose_input` (teacher forcing, see Seq2Seq.forward)."""
        B, T = tgt_in.shape
        generator = as_generator(rng) if 0.0 < teacher_forcing_ratio < 1.0 else None
        inputs = np.empty((B, T), dtype=np.int64)
        all_logits, all_weights = [], []
        logits = None
        for t in range(1, T + 1):
            y_prev = choose_input(t, tgt_in, logits, teacher_forcing_ratio, generator)
            inputs[:, t - 1] = y_prev
            with scope(t=t):
                logits, state, weights = self.step(y_prev, state, memory)
            all_logits.append(logits)
            all_weights.append(weights)
        logits_seq = stack(all_logits, axis=1)  # (B, T, V)
        weights_seq = None
        if self.attention is not None:
            weights_seq = stack(all_weights, axis=1)  # (B, T, S)
        return Seq2SeqOutput(logits_seq, weights_seq, inputs)


def check_even_split(owner: str, hidden_size: int, bidirectional: bool, whose: str) -> None:
    """A bidirectional encoder gives each direction hidden_size // 2 units: it must be even.

    `whose` completes "between ... two directions": "the", "the encoder's".
    """
    if bidirectional and hidden_size % 2:
        fail(
            owner,
            f"bidirectional=True splits hidden_size={hidden_size} between {whose} two "
            "directions, so it must be even",
        )


def check_attention_kind(owner: str, attention) -> None:
    """None (no attention) or one of nn.Attention's kinds."""
    if attention is not None:
        check_choice(owner, "attention", attention, KINDS + (None,))


def as_generator(rng) -> np.random.Generator:
    """A numpy Generator from a Generator, a seed, or None (the generator tg.manual_seed sets)."""
    if rng is None:
        return default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if is_int(rng) and rng >= 0:
        return np.random.default_rng(rng)
    fail(
        "nn.Seq2Seq",
        "rng must be a numpy Generator, a seed (an int >= 0) or None, got "
        f"{describe(rng, limit=None)}",
    )


def choose_input(t: int, tgt_in: np.ndarray, logits, ratio: float, generator) -> np.ndarray:
    """The decoder's input at step t (teacher forcing with probability `ratio`).

    t = 1: tgt_in[:, 0] (the <bos> column) - there is no prediction yet.
    t > 1: the true previous token tgt_in[:, t-1] if a uniform draw u < ratio, else the
    model's own previous prediction argmax o_{t-1} (a constant: no gradient flows through
    the choice). ratio 1 and 0 make no draw; otherwise one draw per step, shared by the
    whole batch.
    """
    if t == 1 or ratio >= 1.0:
        return tgt_in[:, t - 1]
    if ratio > 0.0 and generator.random() < ratio:
        return tgt_in[:, t - 1]
    return np.argmax(logits.data, axis=1).astype(np.int64)  # (B,)
