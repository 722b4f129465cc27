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

Files: the Encoder and the Decoder are in encoder_decoder.py, beam search in beam.py;
this file puts them together (Seq2Seq) and decodes (greedy_decode, beam_search).

Read next: examples/09_seq2seq_attention.py (the date-translation lesson that trains it).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import functional as F
from ..checks import describe, is_int
from ..errors import DTypeError, ShapeError
from ..graph import no_grad, scope
from ..tensor import Tensor
from .beam import beam_search, select_rows
from .checks import (
    check_choice,
    check_flag,
    check_int,
    check_optional_int,
    check_probability,
    fail,
    layer_name,
)
from .encoder_decoder import (
    CELLS,
    Decoder,
    Encoder,
    Memory,
    Seq2SeqOutput,
    as_generator,
    check_attention_kind,
    check_even_split,
)
from .module import Module

# Encoder, Decoder and Seq2SeqOutput live in encoder_decoder.py; beam_search in beam.py.
# Importing them from here keeps working.
__all__ = [
    "Decoded",
    "Decoder",
    "DecoderBeamStep",
    "Encoder",
    "Seq2Seq",
    "Seq2SeqOutput",
    "beam_search",
]


# --------------------------------------------------------------------------------------
# What decoding returns
# --------------------------------------------------------------------------------------
class Decoded(NamedTuple):
    """What `greedy_decode` and `beam_search` return (numpy arrays)."""

    tokens: np.ndarray  # (B, L) int64: the output tokens, <eos> included, then pad_index
    lengths: np.ndarray  # (B,) int64: tokens up to and including <eos> (L if none)
    scores: np.ndarray  # (B,) sum of log ŷ_t[y_t] over those tokens
    attention: np.ndarray | None  # (B, L, S) α_t per output token (0 after the end)


def greedy_steps(step, state, memory, B: int, max_len: int, bos: int, eos: int, pad: int):
    """The greedy decoding loop any decoder shares (Seq2Seq, the captioners of
    tinygrad_rnn.vision): from y_0 = <bos>, at t = 1, 2, ... (inside scope(t=t))

        logits, state, α_t = step(y_{t-1}, state, memory);   y_t = argmax log ŷ_t

    A sequence is done at its first <eos> (kept in `tokens`, then `pad`); the loop stops
    when all B are done or after max_len tokens. `scores` sums log ŷ_t[y_t] up to and
    including <eos>. Call it under no_grad(): no graph is needed to decode."""
    y = np.full(B, bos, dtype=np.int64)
    done = np.zeros(B, dtype=bool)
    lengths = np.zeros(B, dtype=np.int64)
    scores = np.zeros(B)
    tokens, weights_per_step = [], []
    for t in range(1, max_len + 1):
        with scope(t=t):
            logits, state, weights = step(y, state, memory)
        log_probs = F.log_softmax(logits, axis=1).data  # (B, V)
        y = np.argmax(log_probs, axis=1).astype(np.int64)  # (B,)
        scores += np.where(done, 0.0, log_probs[np.arange(B), y])
        tokens.append(np.where(done, pad, y))
        if weights is not None:
            weights_per_step.append(np.where(done[:, None], 0.0, weights.data))
        lengths += ~done
        done |= y == eos
        if done.all():
            break
    attention = np.stack(weights_per_step, axis=1) if weights_per_step else None
    return Decoded(np.stack(tokens, axis=1), lengths, scores, attention)


def decoded_from_hypotheses(results: list, pad: int, L: int) -> Decoded:
    """beam_search's best hypotheses, one per input sequence, as padded arrays (Decoded);
    L: the attended length (each hypothesis's state ends with its α history), 0 for none."""
    B = len(results)
    width = max(len(hypothesis.tokens) for hypothesis in results)
    tokens = np.full((B, width), pad, dtype=np.int64)
    attention = np.zeros((B, width, L)) if L else None
    for b, hypothesis in enumerate(results):
        n = len(hypothesis.tokens)
        tokens[b, :n] = hypothesis.tokens
        if attention is not None:
            attention[b, :n] = hypothesis.state[-1][0]
    lengths = np.array([len(hypothesis.tokens) for hypothesis in results], dtype=np.int64)
    scores = np.array([hypothesis.score for hypothesis in results])
    return Decoded(tokens, lengths, scores, attention)


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
            with scope(self.decoder.scope_name()):
                step = self.decoder.step
                return greedy_steps(step, state, memory, B, max_len, bos, eos, self.pad_index)

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
        S_attended = S if self.decoder.attention is not None else 0
        return decoded_from_hypotheses(results, self.pad_index, S_attended)

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
