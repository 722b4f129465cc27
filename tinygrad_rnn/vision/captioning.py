"""Image captioning: a CNN reads the picture, an LSTM writes the sentence, one word per step.

Show and Tell (Vinyals et al. 2015): the picture becomes one vector v = CNN(image), which
starts the decoder; after that the LSTM sees only the words:

    h_0 = tanh(W_h v + b_h),   c_0 = W_c v + b_c                    (init_h, init_c)
    h_t, c_t = LSTMCell(embedding(y_{t-1}), (h_{t-1}, c_{t-1}))
    o_t = W_y h_t + b_y                          (the logits of word t; ŷ_t = softmax(o_t))

Show, Attend and Tell (Xu et al. 2015): the CNN's grid of h·w region vectors a_1 .. a_L
(L = h·w) stays available, and at every word the decoder looks at it again with additive
(Bahdanau) attention, queried by its previous state. A convolution gives the same shape
the same features wherever it stands, so each region vector gets its place appended,
a_i = [CNN features (C); column, row in [-1, 1] (2)] (as CoordConv, Liu et al. 2018):
without it attention could not tell the leftmost object from the others.

    h_0 = tanh(W_h ā + b_h),   c_0 = W_c ā + b_c        ā = mean of the regions
    e_ti = vᵀ tanh(W1 h_{t-1} + W2 a_i),   α_t = softmax(e_t),   z_t = Σ_i α_ti a_i
    h_t, c_t = LSTMCell([embedding(y_{t-1}); z_t], (h_{t-1}, c_{t-1}))
    o_t = W_y [h_t; z_t] + b_y

The output layer reads the context z_t as well as h_t (Xu et al.'s "deep output" does
too): the word about the region being looked at need not squeeze through the cell first.

Both train by teacher forcing (the true previous word is the input; the loss is the mean
cross-entropy of the next word, padding ignored) and decode greedily or by beam search
(nn.beam_search). A caption in the arrays is <bos> w_1 .. w_n <eos>, then <pad>.

Read next: bleu.py (how the generated captions are scored), then the lesson,
examples/13_image_captioning.py.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import functional as F
from ..graph import no_grad, scope
from ..nn import Attention, Decoded, Embedding, Linear, LSTMCell, Module
from ..nn.beam import beam_search, select_rows
from ..nn.checks import check_int, fail, layer_name
from ..nn.seq2seq import decoded_from_hypotheses, greedy_steps
from ..roles import mark
from ..tensor import Tensor, cat, stack
from .cnn import CNNEncoder


class CaptionOutput(NamedTuple):
    """What a captioning model's forward returns."""

    logits: Tensor  # (B, T, V): o_t for every step
    attention: Tensor | None  # (B, T, L): α_t over the L regions; None for Show and Tell


def encode_captions(captions: list[str], vocab) -> tuple[np.ndarray, np.ndarray]:
    """Captions as the decoder's inputs and targets, (B, T) int64 each, T = longest + 1:

    tgt_in   <bos> w_1 .. w_n  <pad> ...        what step t reads (teacher forcing)
    tgt_out  w_1 .. w_n <eos>  <pad> ...        what step t should say
    """
    encoded = [list(vocab.encode(caption)) for caption in captions]
    T = max(len(words) for words in encoded) + 1
    tgt_in = np.full((len(encoded), T), vocab.pad_index, dtype=np.int64)
    tgt_out = np.full((len(encoded), T), vocab.pad_index, dtype=np.int64)
    for row, words in enumerate(encoded):
        tgt_in[row, : len(words) + 1] = [vocab.bos_index] + words
        tgt_out[row, : len(words) + 1] = words + [vocab.eos_index]
    return tgt_in, tgt_out


def caption_loss(logits: Tensor, tgt_out: np.ndarray, pad_index: int) -> Tensor:
    """Mean cross-entropy of the next word over the real (not padded) targets."""
    B, T, V = logits.shape
    return F.cross_entropy(logits.reshape(B * T, V), tgt_out.reshape(B * T), ignore_index=pad_index)


# --------------------------------------------------------------------------------------
# What both models share: the time loop, the loss and decoding
# --------------------------------------------------------------------------------------
class CaptionModel(Module):
    """A CNN encoder and an LSTM decoder; subclasses say how the picture enters (`start`)
    and what one step does (`step`).

    start(images) -> (state (h_0, c_0), memory: a tuple of Tensors with one row per picture),
                     called inside the model's scope
    step(y_prev (B,) int, state, memory) -> (o_t (B, V), (h_t, c_t), α_t (B, L) or None)
    """

    def __init__(
        self, vocab_size: int, embedding_dim: int, hidden_size: int, encoder, pooled: bool
    ) -> None:
        super().__init__()
        owner = layer_name(self)
        self.vocab_size = check_int(owner, "vocab_size", vocab_size, 1)
        self.embedding_dim = check_int(owner, "embedding_dim", embedding_dim, 1)
        self.hidden_size = check_int(owner, "hidden_size", hidden_size, 1)
        if encoder is None:
            encoder = CNNEncoder() if pooled else CNNEncoder(feature_size=None)
        if not isinstance(encoder, CNNEncoder):
            fail(owner, f"encoder must be a CNNEncoder, got {type(encoder).__name__}")
        self.encoder = encoder
        self.embedding = Embedding(vocab_size, embedding_dim)

    def initial_state(self, v: Tensor) -> tuple[Tensor, Tensor]:
        """h_0 = tanh(W_h v + b_h), c_0 = W_c v + b_c."""
        h_0 = mark(self.init_h(v).tanh(), "state", "h", cell="lstm", t=0)  # (B, H)
        c_0 = mark(self.init_c(v), "state", "c", cell="lstm", t=0)  # (B, H)
        return h_0, c_0

    def forward(self, images, tgt_in) -> CaptionOutput:
        """Teacher forcing: step t reads tgt_in[:, t-1] (<bos> first). tgt_in (B, T) int."""
        state, memory = self.start(images)
        tgt_in = self.check_tokens(tgt_in, "tgt_in", len(memory[0]))
        all_logits, all_weights = [], []
        for t in range(1, tgt_in.shape[1] + 1):
            with scope(t=t):
                logits, state, weights = self.step(tgt_in[:, t - 1], state, memory)
            all_logits.append(logits)
            all_weights.append(weights)
        attention = None if all_weights[0] is None else stack(all_weights, axis=1)  # (B, T, L)
        return CaptionOutput(stack(all_logits, axis=1), attention)  # (B, T, V)

    def loss(self, images, tgt_in, tgt_out, pad_index: int) -> Tensor:
        """The teacher-forced training loss: caption_loss of forward's logits."""
        return caption_loss(self(images, tgt_in).logits, np.asarray(tgt_out), pad_index)

    def greedy_decode(self, images, max_len: int, bos: int, eos: int, pad: int = 0) -> Decoded:
        """The most probable word at every step (no graph). A caption ends at its first
        <eos> (kept in `tokens`, then `pad`); `scores` sums log ŷ_t[y_t] up to <eos>."""
        max_len = self.check_decoding("greedy_decode", max_len, bos, eos)
        with no_grad(), scope(self.scope_name()):
            state, memory = self.start(images)
            return greedy_steps(self.step, state, memory, len(memory[0]), max_len, bos, eos, pad)

    def beam_search(
        self, images, beam_size: int, max_len: int, bos: int, eos: int, pad: int = 0
    ) -> Decoded:
        """Beam search (nn.beam_search) for each picture; beam_size=1 is greedy decoding.
        `attention` holds the best hypothesis's α_t, reordered with its beam."""
        max_len = self.check_decoding("beam_search", max_len, bos, eos)
        beam_size = check_int(f"{layer_name(self)}.beam_search", "beam_size", beam_size, 1)
        with no_grad():
            with scope(self.scope_name()):
                state, memory = self.start(images)
            B = len(memory[0])
            results = []
            for b in range(B):
                row = np.array([b])
                L = self.regions_of(memory)
                start = (*select_rows(state, row), np.zeros((1, 0, L)))
                step = CaptionBeamStep(self, select_rows(memory, row))
                results.append(beam_search(step, start, beam_size, max_len, bos, eos))
        return decoded_from_hypotheses(results, pad, self.regions_of(memory))

    def regions_of(self, memory: tuple) -> int:
        """L, the number of regions attention reads (0 without attention)."""
        return 0

    # --- checks -------------------------------------------------------------------------
    def check_tokens(self, tokens, name: str, batch: int) -> np.ndarray:
        """(batch, T) integer tokens of the vocabulary, T >= 1."""
        tokens = np.asarray(tokens)
        owner = layer_name(self)
        if tokens.dtype.kind not in "iu" or tokens.ndim != 2 or tokens.shape[1] == 0:
            fail(owner, f"{name} must be (B, T) integer tokens, got {tokens.dtype} {tokens.shape}")
        if tokens.shape[0] != batch:
            fail(owner, f"{name} has {tokens.shape[0]} rows but there are {batch} images")
        if tokens.min() < 0 or tokens.max() >= self.vocab_size:
            fail(owner, f"{name} holds tokens outside 0..{self.vocab_size - 1}")
        return tokens.astype(np.int64)

    def check_decoding(self, method: str, max_len, bos, eos) -> int:
        """max_len a positive int; bos and eos tokens of the vocabulary."""
        owner = f"{layer_name(self)}.{method}"
        max_len = check_int(owner, "max_len (the most words to output)", max_len, 1)
        for name, token in (("bos", bos), ("eos", eos)):
            check_int(owner, name, token, 0)
            if token >= self.vocab_size:
                last = self.vocab_size - 1
                fail(owner, f"{name}={token} is not a token of the vocabulary (0..{last})")
        return max_len


class CaptionBeamStep:
    """The step function nn.beam_search calls for one picture: state = (h, c, history),
    one row per live beam; history (k, t, L) holds each beam's attention weights so far."""

    def __init__(self, model: CaptionModel, memory: tuple) -> None:
        self.model = model
        self.memory = memory  # one row: the picture being described

    def __call__(self, tokens: np.ndarray, state: tuple, t: int):
        k = tokens.shape[0]
        h, c, history = state
        memory = select_rows(self.memory, np.zeros(k, dtype=np.int64))  # the picture k times
        with scope(self.model.scope_name()), scope(t=t):
            logits, (h, c), weights = self.model.step(tokens, (h, c), memory)
        log_probs = F.log_softmax(logits, axis=1).data  # (k, V)
        if weights is not None:
            history = np.concatenate([history, weights.data[:, np.newaxis, :]], axis=1)
        return log_probs, (h, c, history)


# --------------------------------------------------------------------------------------
# The two models
# --------------------------------------------------------------------------------------
class ShowAndTell(CaptionModel):
    """Show and Tell: the picture's pooled vector v starts the LSTM (module docstring).

    vocab_size, embedding_dim E, hidden_size H; encoder: a CNNEncoder (default CNNEncoder()).
    Modules: encoder, embedding (V, E), init_h, init_c (Linear(F, H), F = the encoder's
    feature_size), cell (LSTMCell(E, H)), out (Linear(H, V)).
    forward(images (B, 3, S, S), tgt_in (B, T) int) -> CaptionOutput(logits (B, T, V), None)
    """

    def __init__(
        self, vocab_size: int, embedding_dim: int = 32, hidden_size: int = 64, encoder=None
    ) -> None:
        super().__init__(vocab_size, embedding_dim, hidden_size, encoder, pooled=True)
        features = self.encoder.feature_size
        if features is None:
            fail(layer_name(self), "needs an encoder with a pooled vector (feature_size)")
        self.init_h = Linear(features, hidden_size)
        self.init_c = Linear(features, hidden_size)
        self.cell = LSTMCell(embedding_dim, hidden_size)
        self.out = Linear(hidden_size, vocab_size)

    def start(self, images) -> tuple[tuple[Tensor, Tensor], tuple]:
        """(h_0, c_0) from v = encoder.pooled(images); the memory is v itself (B, F)."""
        v = self.encoder.pooled(images)  # (B, F)
        return self.initial_state(v), (v,)

    def step(self, y_prev: np.ndarray, state: tuple, memory: tuple):
        """h_t, c_t = LSTMCell(embedding(y_{t-1}), state); o_t = W_y h_t + b_y."""
        x = self.embedding(y_prev)  # (B, E)
        h, c = self.cell(x, state)  # (B, H) each
        logits = mark(self.out(h), "step", "o")  # (B, V)
        return logits, (h, c), None


class ShowAttendTell(CaptionModel):
    """Show, Attend and Tell: additive attention over the CNN's h·w regions at every word.

    vocab_size, embedding_dim E, hidden_size H, attention_size A (default H); encoder a
    CNNEncoder (default CNNEncoder(feature_size=None): only the grid is read).
    With K = C + 2 (the encoder's channels and a region's column and row): modules
    encoder, embedding (V, E), attention (nn.Attention(H, kind="additive", key_size=K,
    attention_size=A)), init_h, init_c (Linear(K, H)), cell (LSTMCell(E + K, H)),
    out (Linear(H + K, V)).
    forward(images, tgt_in) -> CaptionOutput(logits (B, T, V), attention (B, T, h·w))
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int = 32,
        hidden_size: int = 64,
        attention_size: int | None = None,
        encoder=None,
    ) -> None:
        super().__init__(vocab_size, embedding_dim, hidden_size, encoder, pooled=False)
        K = self.encoder.out_channels + 2  # a region: its features, its column and row
        self.attention = Attention(
            hidden_size, kind="additive", key_size=K, attention_size=attention_size
        )
        self.init_h = Linear(K, hidden_size)
        self.init_c = Linear(K, hidden_size)
        self.cell = LSTMCell(embedding_dim + K, hidden_size)
        self.out = Linear(hidden_size + K, vocab_size)

    def start(self, images) -> tuple[tuple[Tensor, Tensor], tuple]:
        """(h_0, c_0) from the mean region ā; memory = (regions a (B, L, K), W2 a (B, L, A))."""
        grid = self.encoder.features(images)  # (B, C, h, w)
        B, C, h, w = grid.shape
        places = np.broadcast_to(region_places(h, w), (B, h * w, 2)).astype(grid.dtype)  # (B, L, 2)
        regions = cat([CNNEncoder.regions(grid), Tensor(places)], axis=2)  # (B, L, C + 2)
        state = self.initial_state(regions.mean(axis=1))  # ā (B, K)
        projected = self.attention.project_keys(regions)  # (B, L, A), once per picture
        return state, (regions, projected)

    def step(self, y_prev: np.ndarray, state: tuple, memory: tuple):
        """z_t = attention(h_{t-1}, regions); LSTMCell([embedding(y_{t-1}); z_t]);
        o_t = W_y [h_t; z_t] + b_y."""
        regions, projected = memory
        h, c = state
        context, weights = self.attention(h, regions, projected_keys=projected)  # (B, C), (B, L)
        x = cat([self.embedding(y_prev), context], axis=1)  # (B, E + C)
        h, c = self.cell(x, (h, c))  # (B, H) each
        logits = mark(self.out(cat([h, context], axis=1)), "step", "o")  # (B, H + K) -> (B, V)
        return logits, (h, c), weights

    def regions_of(self, memory: tuple) -> int:
        return memory[0].shape[1]


def region_places(h: int, w: int) -> np.ndarray:
    """(h·w, 2): region k's column and row (k % w, k // w), each scaled to [-1, 1]."""
    rows, columns = np.divmod(np.arange(h * w), w)
    column = 2.0 * columns / max(w - 1, 1) - 1.0
    row = 2.0 * rows / max(h - 1, 1) - 1.0
    return np.stack([column, row], axis=1)
