"""The char-LM itself: Embedding -> LSTM -> Linear, and how a run builds it and its Adam.

    x (B, T) character ids -> Embedding (B, T, E) -> LSTM (B, T, H) -> Linear (B, T, V)

PyTorch's layers and names (`embedding.weight`, `lstm.weight_ih_l0`, `fc.weight` ...), so
the weights move to and from a PyTorch state_dict unchanged.

Read next: training.py (the loss, one training step, the loop and the evaluation).
"""

from __future__ import annotations

from contextlib import contextmanager

from ..nn import LSTM, Embedding, Linear, Module
from ..optim import Adam
from ..tensor import get_default_dtype, manual_seed, set_default_dtype
from .config import DTYPES, CharLMConfig


class CharLM(Module):
    """Embedding -> LSTM -> Linear: the scores of the next character at every position.

        e_t = embedding.weight[x_t]                       (E,)
        h_t, c_t = LSTM(e_t, (h_{t-1}, c_{t-1}))           (H,) each, h_0 = c_0 = 0
        o_t = fc.weight h_t + fc.bias                      (V,)  scores (logits)
        p(x_{t+1} | x_1..x_t) = softmax(o_t)

    forward(x, state=None) -> (o, (h_n, c_n))
      x      (B, T) integer character ids
      state  None, or (h, c) each (1, B, H): the state to start from (e.g. carried over
             from the previous window, or while sampling one character at a time)
      o      (B, T, V) scores;  h_n, c_n (1, B, H) the state after the last character
    """

    def __init__(self, vocab_size: int, embedding_dim: int = 128, hidden_size: int = 128):
        super().__init__()
        self.vocab_size = vocab_size
        self.embedding = Embedding(vocab_size, embedding_dim)
        self.lstm = LSTM(embedding_dim, hidden_size, batch_first=True)
        self.fc = Linear(hidden_size, vocab_size)

    def forward(self, x, state=None):
        e = self.embedding(x)  # (B, T, E)
        h, state = self.lstm(e, state)  # (B, T, H); state (h_n, c_n), each (1, B, H)
        return self.fc(h), state  # (B, T, V)

    def extra_repr(self) -> str:
        return f"vocab_size={self.vocab_size}"


@contextmanager
def default_dtype(dtype):
    """Inside the block, new parameters get `dtype`; the previous default comes back after."""
    previous = get_default_dtype()
    set_default_dtype(dtype)
    try:
        yield
    finally:
        set_default_dtype(previous)


def build_model(vocab_size: int, config: CharLMConfig) -> CharLM:
    """A CharLM with config's sizes and dtype, initialised from `tg.manual_seed(config.seed)`."""
    manual_seed(config.seed)
    with default_dtype(DTYPES[config.dtype]):
        return CharLM(vocab_size, config.embedding_dim, config.hidden_size)


def build_optimizer(model: CharLM, config: CharLMConfig) -> Adam:
    return Adam(model.parameters(), lr=config.lr)
