"""nn.Attention: the three classic ways to score "how well does encoder step i match?".

    attention = nn.Attention(hidden_size=64, kind="general")
    context, weights = attention(s, h, mask=mask)     # s (B, 64), h (B, T, 64)
    weights.shape                                     # (B, T), each row sums to 1

The decoder state s (the *query*) is compared with every encoder state h_i (the *keys*);
the scores become weights by a softmax, and the context vector is the weighted sum of the
*values* (the encoder states again, unless you pass others):

    dot       e_i = s · h_i                       (Luong; no parameters)
    general   e_i = s · (W h_i)                   (Luong; W (H, H_k))
    additive  e_i = vᵀ tanh(W1 s + W2 h_i)        (Bahdanau; W1 (A, H), W2 (A, H_k), v (A,))

    α = softmax(e) over the unmasked steps,   a = Σ_i α_i h_i      (F.attend)

The part of a score that does not depend on the query - W h_i, or W2 h_i - is the same at
every decoder step, so `project_keys` computes it once for the whole source (one matmul,
like the input projection of nn.LSTM) and the decoder passes it back in at each step:

    projected = attention.project_keys(h)                          # before the time loop
    for t in 1..T_out:
        context, weights = attention(s_t, h, mask=mask, projected_keys=projected)

Node labels: "score", "alpha", "context" (with the step: "alpha_3" inside tg.scope(t=3)),
all inside the module's scope - "attention" when registered as `self.attention`.

Read next: seq2seq.py (the encoder-decoder that uses it).
"""

from __future__ import annotations

import math

from .. import functional as F
from ..errors import ShapeError
from ..graph import format_source, scope, user_source
from ..roles import mark
from ..tensor import Tensor
from .checks import check_choice, check_float_input, check_int, check_optional_int, fail, layer_name
from .layers import as_tensor
from .module import Module
from .parameter import uniform_parameter

KINDS = ("dot", "general", "additive")


class Attention(Module):
    """Luong (dot, general) or Bahdanau (additive) attention; returns (context, weights).

    hidden_size     H: size of the query s (the decoder's hidden state)
    kind            "dot", "general" or "additive" (see the module docstring)
    key_size        H_k: size of the keys h_i; default H. "dot" needs H_k = H (a dot
                    product of vectors of different sizes is undefined); "general" and
                    "additive" map the keys through W / W2, so any H_k works (e.g. the
                    2H outputs of a bidirectional encoder).
    attention_size  A: the width of the additive scorer's hidden layer; default H
                    (ignored by "dot" and "general").

    Parameters (uniform(-1/√fan_in, 1/√fan_in), like nn.Linear):
        general   W (H, H_k)
        additive  W1 (A, H), W2 (A, H_k), v (A,)

    forward(query (B, H), keys (B, T, H_k), values=None -> keys, mask=None (B, T) bool,
            projected_keys=None) -> (context (B, H_v), weights (B, T))
    """

    def __init__(
        self,
        hidden_size: int,
        kind: str = "dot",
        key_size: int | None = None,
        attention_size: int | None = None,
    ) -> None:
        super().__init__()
        owner = layer_name(self)
        hidden_size = check_int(owner, "hidden_size", hidden_size, minimum=1)
        kind = check_choice(owner, "kind", kind, KINDS)
        key_size = check_optional_int(owner, "key_size", key_size, minimum=1)
        attention_size = check_optional_int(owner, "attention_size", attention_size, minimum=1)
        key_size = hidden_size if key_size is None else key_size
        if kind == "dot" and key_size != hidden_size:
            fail(
                f"{owner}(kind='dot')",
                f"the keys' size {key_size} must equal hidden_size {hidden_size} (e_i = s · h_i "
                "needs vectors of one size); use kind='general' or 'additive', which project "
                "the keys first",
            )
        self.hidden_size = hidden_size
        self.key_size = key_size
        self.kind = kind
        self.attention_size = None
        if kind == "general":
            self.W = uniform_parameter((hidden_size, key_size), 1.0 / math.sqrt(key_size))
        elif kind == "additive":
            A = hidden_size if attention_size is None else attention_size
            self.attention_size = A
            self.W1 = uniform_parameter((A, hidden_size), 1.0 / math.sqrt(hidden_size))
            self.W2 = uniform_parameter((A, key_size), 1.0 / math.sqrt(key_size))
            self.v = uniform_parameter((A,), 1.0 / math.sqrt(A))

    # --- the two halves of a score ------------------------------------------------------
    def project_keys(self, keys) -> Tensor:
        """The query-independent part of the scores, for all steps at once:

        dot       h_i                 (B, T, H)   (nothing to compute)
        general   W h_i               (B, T, H)
        additive  W2 h_i              (B, T, A)
        """
        keys = self.check_keys(keys)
        with scope(self.scope_name()):
            if self.kind == "general":
                return (keys @ self.W.T).named("W_h")  # (B, T, H_k) @ (H_k, H) -> (B, T, H)
            if self.kind == "additive":
                return (keys @ self.W2.T).named("W2_h")  # (B, T, H_k) @ (H_k, A) -> (B, T, A)
            return keys

    def score(self, query: Tensor, projected_keys: Tensor) -> Tensor:
        """e (B, T) from the query s (B, H) and `project_keys`' result.

        dot, general   e_i = s · (projected h_i)
        additive       e_i = vᵀ tanh(W1 s + projected h_i)
        """
        B, T = projected_keys.shape[:2]
        if self.kind == "additive":
            A = self.attention_size
            query_part = (query @ self.W1.T).reshape(B, 1, A)  # (B, H) @ (H, A) -> (B, 1, A)
            hidden = (query_part + projected_keys).tanh()  # (B, T, A), broadcast over T
            scores = hidden @ self.v  # (B, T, A) @ (A,) -> (B, T)
        else:
            H = self.hidden_size
            scores = projected_keys @ query.reshape(B, H, 1)  # (B, T, H) @ (B, H, 1)
            scores = scores.reshape(B, T)  # (B, T)
        return mark(scores, "step", "score")

    # --- forward ------------------------------------------------------------------------
    def forward(self, query, keys, values=None, mask=None, projected_keys=None):
        """(context (B, H_v), weights (B, T)): α = softmax(e) over the unmasked steps,
        context = Σ_i α_i values_i. values default to the keys."""
        query = check_float_input(repr(self), as_tensor(query), "query")
        keys = self.check_keys(keys)
        values = (
            keys if values is None else check_float_input(repr(self), as_tensor(values), "values")
        )
        self.check_query(query, keys)
        if projected_keys is None:
            projected_keys = self.project_keys(keys)
        elif projected_keys.shape[:2] != keys.shape[:2]:
            raise ShapeError(
                f"{self!r}: projected_keys {projected_keys.shape} must come from these keys "
                f"{keys.shape} (call attention.project_keys(keys)) — at "
                f"{format_source(user_source())}"
            )
        scores = self.score(query, projected_keys)  # (B, T)
        return F._attend(scores, values, mask, repr(self))

    # --- checks -------------------------------------------------------------------------
    def check_keys(self, keys) -> Tensor:
        keys = check_float_input(repr(self), as_tensor(keys), "keys")
        if keys.ndim != 3 or keys.shape[2] != self.key_size or keys.shape[1] == 0:
            raise ShapeError(
                f"{self!r}: keys must have shape (B, T, {self.key_size}) with T >= 1, got "
                f"{keys.shape}"
            )
        return keys

    def check_query(self, query: Tensor, keys: Tensor) -> None:
        if query.shape != (keys.shape[0], self.hidden_size):
            raise ShapeError(
                f"{self!r}: query must have shape (B, {self.hidden_size}) with the keys' batch "
                f"B = {keys.shape[0]}, got {query.shape}"
            )

    def extra_repr(self) -> str:
        text = f"{self.hidden_size}, kind={self.kind!r}"
        if self.key_size != self.hidden_size:
            text += f", key_size={self.key_size}"
        if self.attention_size is not None and self.attention_size != self.hidden_size:
            text += f", attention_size={self.attention_size}"
        return text
