"""nn.Seq2Seq: an encoder-decoder with attention, trained with teacher forcing and decoded
greedily or with a beam.

    model = nn.Seq2Seq(src_vocab_size=40, tgt_vocab_size=15, embedding_dim=32,
                       hidden_size=64, cell="lstm", bidirectional=True, attention="dot")
    out = model(src, src_lengths, tgt_in)                  # teacher forcing
    loss = F.cross_entropy(out.logits.reshape(B * T, V), tgt_out.reshape(B * T),
                           ignore_index=0)
    decoded = model.greedy_decode(src, src_lengths, max_len=12, bos=2, eos=3)
    best = model.beam_search(src, src_lengths, beam_size=4, max_len=12, bos=2, eos=3)

The model, one equation per line (s_t is the decoder's hidden state, h_i the encoder's):

    encoder   h_1 .. h_S = LSTM(embedding(x_1 .. x_S))    padded steps masked (`lengths`)
    start     s_0 = h_S (the encoder's final state; [→h_S; ←h_1] when bidirectional)
    step t    s_t = cell(embedding(y_{t-1}), s_{t-1})    y_0 = <bos>
              a_t, α_t = attention(s_t, h_1 .. h_S)       α_t,i = 0 at padded steps
              s̃_t = tanh(W_c [a_t; s_t] + b_c)            Luong's attentional state
              ŷ_t = softmax(W_y s̃_t + b_y)                 the model returns the logits o_t

With `attention=None` the decoder has no a_t: s̃_t = tanh(W_c s_t + b_c), the plain
encoder-decoder that must squeeze the whole source into s_0 (the comparison baseline).

Graph layout (what viz groups by): the encoder's nodes are in scope ("seq2seq",
"encoder", "lstm", "l0", "t=i", "cell", ...); each decoder step t = 1..T_out is in
("seq2seq", "decoder", "t=t") with the cell in "cell" (labels h_t, c_t and the gates) and
the attention in "attention" (labels score_t, alpha_t, context_t); s̃_t is labelled
"s_tilde_t" and the logits "o_t".

Read next: examples/09_seq2seq_attention.py (the date-translation lesson that trains it).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import functional as F
from ..checks import describe, is_int
from ..errors import DTypeError, ShapeError
from ..graph import no_grad, scope
from ..roles import mark
from ..tensor import Tensor, cat, default_rng, stack
from .attention import KINDS, Attention
from .beam import beam_search, select_rows
from .cells import GRUCell, LSTMCell, RNNCell
from .checks import (
    check_choice,
    check_flag,
    check_int,
    check_optional_int,
    check_probability,
    fail,
    layer_name,
)
from .layers import Embedding, Linear
from .module import Module
from .recurrent import GRU, LSTM, RNN

LAYERS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}
CELLS = {"rnn": RNNCell, "lstm": LSTMCell, "gru": GRUCell}


# --------------------------------------------------------------------------------------
# What the models return
# --------------------------------------------------------------------------------------
class Seq2SeqOutput(NamedTuple):
    """What `Seq2Seq.forward` returns."""

    logits: Tensor  # (B, T, V): o_t for every decoder step
    attention: Tensor | None  # (B, T, S): α_t for every step; None without attention
    inputs: np.ndarray  # (B, T) int64: the token fed to the decoder at each step


class Decoded(NamedTuple):
    """What `greedy_decode` and `beam_search` return (numpy arrays)."""

    tokens: np.ndarray  # (B, L) int64: the output tokens, <eos> included, then pad_index
    lengths: np.ndarray  # (B,) int64: tokens up to and including <eos> (L if none)
    scores: np.ndarray  # (B,) sum of log ŷ_t[y_t] over those tokens
    attention: np.ndarray | None  # (B, L, S) α_t per output token (0 after the end)


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


# --------------------------------------------------------------------------------------
# The step function beam.py's beam_search calls
# --------------------------------------------------------------------------------------
class DecoderBeamStep:
    """The `step` function beam search calls, for one source sentence of a Seq2Seq.

    state = (s, [c,] history): the decoder state with one row per beam, and the
    attention weights so far, history (k, t, S) numpy - reordered with the beams, so the
    best hypothesis comes back with its own alignment.
    """

    def __init__(self, decoder: Decoder, memory: Memory) -> None:
        self.decoder = decoder
        self.memory = memory  # one row: the source being translated

    def __call__(self, tokens: np.ndarray, state: tuple, t: int):
        k = tokens.shape[0]
        *decoder_state, history = state
        memory = self.memory.rows(np.zeros(k, dtype=np.int64))  # the same source k times
        with scope(self.decoder.scope_name()), scope(t=t):
            logits, new_state, weights = self.decoder.step(tokens, tuple(decoder_state), memory)
        log_probs = F.log_softmax(logits, axis=1).data  # (k, V)
        if weights is not None:
            history = np.concatenate([history, weights.data[:, np.newaxis, :]], axis=1)
        return log_probs, (*new_state, history)


# --------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------
class Seq2Seq(Module):
    """Encoder-decoder with (optional) attention; see the module docstring for the equations.

    src_vocab_size, tgt_vocab_size   vocabulary sizes (embedding rows, output classes)
    embedding_dim    E, for both embeddings
    hidden_size      H: the decoder state and the encoder outputs (H/2 per direction
                     when bidirectional)
    cell             "lstm", "gru" or "rnn", for both encoder and decoder
    bidirectional    encoder reads the source both ways
    attention        "dot", "general", "additive" (nn.Attention) or None (no attention)
    pad_index        the padding token of the source (its embedding stays 0) and the
                     filler of decoded outputs after <eos>
    attention_size   A for additive attention (default H)

    Restrictions: one layer in the encoder and the decoder; no input feeding (s̃_{t-1} is
    not fed back into the cell, unlike Luong et al.'s full model).
    """

    def __init__(
        self,
        src_vocab_size: int,
        tgt_vocab_size: int,
        embedding_dim: int = 32,
        hidden_size: int = 64,
        cell: str = "lstm",
        bidirectional: bool = False,
        attention: str | None = "dot",
        pad_index: int = 0,
        attention_size: int | None = None,
    ) -> None:
        super().__init__()
        owner = layer_name(self)
        src_vocab_size = check_int(owner, "src_vocab_size", src_vocab_size, minimum=1)
        tgt_vocab_size = check_int(owner, "tgt_vocab_size", tgt_vocab_size, minimum=1)
        embedding_dim = check_int(owner, "embedding_dim", embedding_dim, minimum=1)
        hidden_size = check_int(owner, "hidden_size", hidden_size, minimum=1)
        cell = check_choice(owner, "cell", cell, tuple(CELLS))
        bidirectional = check_flag(owner, "bidirectional", bidirectional)
        check_even_split(owner, hidden_size, bidirectional, whose="the encoder's")
        check_attention_kind(owner, attention)
        pad_index = check_int(owner, "pad_index", pad_index, minimum=0)
        if pad_index >= src_vocab_size:
            fail(
                owner,
                f"pad_index={pad_index} is not a token of the source vocabulary "
                f"(0..{src_vocab_size - 1})",
            )
        attention_size = check_optional_int(owner, "attention_size", attention_size, minimum=1)
        self.src_vocab_size = src_vocab_size
        self.tgt_vocab_size = tgt_vocab_size
        self.pad_index = pad_index
        self.encoder = Encoder(
            src_vocab_size, embedding_dim, hidden_size, cell, bidirectional, pad_index
        )
        self.decoder = Decoder(
            tgt_vocab_size, embedding_dim, hidden_size, cell, attention, attention_size
        )

    # --- encoding -----------------------------------------------------------------------
    def encode(self, src, src_lengths) -> tuple[Memory, tuple[Tensor, ...]]:
        """Run the encoder and prepare the decoder's memory: (memory, initial state s_0)."""
        src, src_lengths = self.check_source(src, src_lengths)
        keys, state = self.encoder(src, src_lengths)  # (B, S, H), s_0
        mask = np.arange(src.shape[1])[np.newaxis, :] < src_lengths[:, np.newaxis]  # (B, S)
        with scope(self.decoder.scope_name()):
            memory = self.decoder.prepare(keys, mask)
        return memory, state

    # --- training -----------------------------------------------------------------------
    def forward(
        self, src, src_lengths, tgt_in, teacher_forcing_ratio: float = 1.0, rng=None
    ) -> Seq2SeqOutput:
        """Teacher-forced decoding of `tgt_in`: Seq2SeqOutput(logits (B, T, V),
        attention (B, T, S) or None, inputs (B, T)).

        src (B, S) int, padded; src_lengths (B,) >= 1; tgt_in (B, T) int = <bos> y_1 ..
        y_{T-1} (padding after a short target is harmless: ignore its logits in the loss).

        teacher_forcing_ratio: step 1 always reads tgt_in[:, 0] (<bos>). At each step
        t = 2..T, with probability ratio the decoder reads the true previous token
        tgt_in[:, t-1], otherwise its own prediction argmax o_{t-1}; one uniform draw
        from `rng` (a numpy Generator or seed; default: the generator tg.manual_seed
        sets) per step decides for the whole batch. ratio 1 (default) and 0 make no
        draws. `inputs` records the tokens actually read.
        """
        teacher_forcing_ratio = check_probability(
            "Seq2Seq", "teacher_forcing_ratio", teacher_forcing_ratio
        )
        if 0.0 < teacher_forcing_ratio < 1.0:
            as_generator(rng)  # a bad rng is reported now, before the encoder runs
        memory, state = self.encode(src, src_lengths)
        tgt_in = self.check_tokens(tgt_in, "tgt_in", memory.keys.shape[0])
        return self.decoder(tgt_in, state, memory, teacher_forcing_ratio, rng)

    # --- decoding -----------------------------------------------------------------------
    def greedy_decode(self, src, src_lengths, max_len: int, bos: int, eos: int) -> Decoded:
        """Decode by always taking the most probable next token (no graph is built).

        Starts from <bos>; a sequence is done at its first <eos> (kept in `tokens`, then
        pad_index); stops when all are done or after max_len tokens. `scores` is the sum
        of log-probabilities of each sequence's tokens up to and including <eos>.
        """
        max_len = self.check_decoding("greedy_decode", max_len, bos, eos)
        with no_grad():
            memory, state = self.encode(src, src_lengths)
            B = memory.keys.shape[0]
            y = np.full(B, bos, dtype=np.int64)
            done = np.zeros(B, dtype=bool)
            lengths = np.full(B, 0, dtype=np.int64)
            scores = np.zeros(B)
            tokens, weights_per_step = [], []
            for t in range(1, max_len + 1):
                with scope(self.decoder.scope_name()), scope(t=t):
                    logits, state, weights = self.decoder.step(y, state, memory)
                log_probs = F.log_softmax(logits, axis=1).data  # (B, V)
                y = np.argmax(log_probs, axis=1).astype(np.int64)  # (B,)
                scores += np.where(done, 0.0, log_probs[np.arange(B), y])
                tokens.append(np.where(done, self.pad_index, y))
                if weights is not None:
                    weights_per_step.append(np.where(done[:, None], 0.0, weights.data))
                lengths += ~done
                done |= y == eos
                if done.all():
                    break
        attention = np.stack(weights_per_step, axis=1) if weights_per_step else None
        return Decoded(np.stack(tokens, axis=1), lengths, scores, attention)

    def beam_search(
        self,
        src,
        src_lengths,
        beam_size: int,
        max_len: int,
        bos: int,
        eos: int,
        length_penalty: float = 0.0,
    ) -> Decoded:
        """Beam search for each source sentence (see `beam_search` in beam.py for the
        algorithm, the stopping rule and `length_penalty`). Scores are the sum of
        log-probabilities; beam_size=1 gives exactly `greedy_decode`'s result."""
        max_len = self.check_decoding("beam_search", max_len, bos, eos)
        beam_size = check_int("Seq2Seq.beam_search", "beam_size", beam_size, minimum=1)
        with no_grad():
            memory, state = self.encode(src, src_lengths)
            B, S = memory.mask.shape
            results = []
            for b in range(B):
                row = np.array([b])
                start = (*select_rows(state, row), np.zeros((1, 0, S)))
                step = DecoderBeamStep(self.decoder, memory.rows(row))
                results.append(
                    beam_search(step, start, beam_size, max_len, bos, eos, length_penalty)
                )
        L = max(len(hypothesis.tokens) for hypothesis in results)
        tokens = np.full((B, L), self.pad_index, dtype=np.int64)
        attention = np.zeros((B, L, S)) if self.decoder.attention is not None else None
        for b, hypothesis in enumerate(results):
            n = len(hypothesis.tokens)
            tokens[b, :n] = hypothesis.tokens
            if attention is not None:
                attention[b, :n] = hypothesis.state[-1][0]
        lengths = np.array([len(hypothesis.tokens) for hypothesis in results], dtype=np.int64)
        scores = np.array([hypothesis.score for hypothesis in results])
        return Decoded(tokens, lengths, scores, attention)

    # --- checks -------------------------------------------------------------------------
    def check_decoding(self, method: str, max_len, bos, eos) -> int:
        """max_len a positive int; bos and eos tokens of the target vocabulary."""
        owner = f"Seq2Seq.{method}"
        max_len = check_int(owner, "max_len (the most tokens to output)", max_len, minimum=1)
        last = self.tgt_vocab_size - 1
        for name, token in (("bos", bos), ("eos", eos)):
            if not is_int(token) or not 0 <= token <= last:
                fail(
                    owner,
                    f"{name} must be a token of the target vocabulary (an int in 0..{last}), "
                    f"got {describe(token, limit=None)}",
                )
        return max_len

    def check_tokens(self, tokens, name: str, batch: int | None = None) -> np.ndarray:
        array = tokens.data if isinstance(tokens, Tensor) else np.asarray(tokens)
        if array.dtype.kind not in "iu":
            raise DTypeError(f"Seq2Seq: {name} must hold token ids (integers), got {array.dtype}")
        if array.ndim != 2 or (batch is not None and array.shape[0] != batch):
            expected = "(B, T)" if batch is None else f"({batch}, T)"
            raise ShapeError(
                f"Seq2Seq: {name} must have shape {expected} (batch first), got {array.shape}"
            )
        return array.astype(np.int64, copy=False)

    def check_source(self, src, src_lengths) -> tuple[np.ndarray, np.ndarray]:
        src = self.check_tokens(src, "src")
        lengths = np.asarray(src_lengths.data if isinstance(src_lengths, Tensor) else src_lengths)
        if lengths.dtype.kind not in "iu" or lengths.shape != src.shape[:1]:
            raise ShapeError(
                f"Seq2Seq: src_lengths must be integers of shape ({src.shape[0]},) for src "
                f"{src.shape}, got {lengths.dtype} {lengths.shape}"
            )
        if lengths.min() < 1 or lengths.max() > src.shape[1]:
            raise ShapeError(
                f"Seq2Seq: src_lengths must be between 1 and S={src.shape[1]}, got "
                f"{lengths.tolist()[:8]}"
            )
        return src, lengths.astype(np.int64)
