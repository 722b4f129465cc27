"""Exercises 9 and 10: dot-product attention (against F.attention) and gradient clipping by
the global norm (against nn.utils.clip_grad_norm_).

Read next: exercises.py (the list that ties every exercise to its cases).
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..nn.utils import clip_grad_norm_
from ..tensor import Tensor
from .compare import CaseFailure, as_number, compare, number
from .composite import Composite, check_composite, check_composite_gradcheck
from .runner import Case

# --------------------------------------------------------------------------------------
# Exercise 9: dot-product attention
# --------------------------------------------------------------------------------------
ATTENTION_HINTS = {
    "context": "a = Σ_i α_i v_i: (weights.reshape(B, 1, T) @ values) is (B, 1, H_v), "
    "then reshape to (B, H_v)",
    "weights": "α = softmax(e) along the time axis (axis 1), e_i = s · h_i = "
    "(keys @ query.reshape(B, H, 1)).reshape(B, T); subtract the detached row maximum "
    "before exp; masked steps get exactly 0",
}


def attention_reference(tensors: dict, mask=None):
    context, weights = F.attention(tensors["query"], tensors["keys"], tensors["values"], mask)
    return (context, weights), tensors


def softmax_rows(scores: np.ndarray, axis: int) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def attention_mistakes(arrays: dict, mask=None) -> dict:
    scores = np.einsum("bth,bh->bt", arrays["keys"], arrays["query"])  # (B, T)
    batch_axis = softmax_rows(scores, axis=0)
    found = [(batch_axis, "softmax runs over the batch axis (0); it must run over time (axis 1)")]
    if mask is not None:
        found.append(
            (softmax_rows(scores, axis=1), "the mask is ignored: use tg.where(mask, scores, -1e9)")
        )
    return {"weights": found}


ATTENTION = Composite(
    function="attention",
    outputs=("context", "weights"),
    reference=attention_reference,
    hints=ATTENTION_HINTS,
    mistakes=attention_mistakes,
    compare_first=("weights",),
)


def attention_arrays(B: int, T: int, H: int, H_v: int, seed: int, scale: float = 1.0) -> dict:
    rng = np.random.default_rng(seed)
    keys = rng.standard_normal((B, T, H)) * scale
    values = keys.copy() if H_v == H else rng.standard_normal((B, T, H_v))
    return {"query": rng.standard_normal((B, H)) * scale, "keys": keys, "values": values}


def lengths_mask(B: int, T: int) -> np.ndarray:
    """(B, T) bool: row k keeps its first T - 2k steps (at least 1) - padded sentences."""
    lengths = [max(1, T - 2 * row) for row in range(B)]
    return np.arange(T)[None, :] < np.array(lengths)[:, None]


def check_attention(module, B, T, H, H_v, seed, scale=1.0, masked=False) -> None:
    arrays = attention_arrays(B, T, H, H_v, seed, scale)
    options = {"mask": lengths_mask(B, T)} if masked else {}
    check_composite(module, ATTENTION, arrays, seed=seed, **options)


def check_attention_gradcheck(module, B, T, H, H_v, seed, masked=False) -> None:
    options = {"mask": lengths_mask(B, T)} if masked else {}
    check_composite_gradcheck(module, ATTENTION, attention_arrays(B, T, H, H_v, seed), **options)


ATTENTION_SHAPE_HINT = (
    "query (B, H), keys (B, T, H), values (B, T, H_v): keys @ query.reshape(B, H, 1) is "
    "(B, T, 1); weights.reshape(B, 1, T) @ values is (B, 1, H_v)"
)
STABLE_HINT = (
    "scores in the thousands: e^1000 is inf and inf / inf is nan. Subtract each row's "
    "maximum first, scores - scores.amax(axis=1, keepdims=True).detach()"
)


def attention_cases() -> list[Case]:
    return [
        Case(
            "B=2, T=4, H=3 (values = keys)",
            check_attention,
            dict(B=2, T=4, H=3, H_v=3, seed=0),
            hint=ATTENTION_SHAPE_HINT,
        ),
        Case(
            "B=1, T=1, H=2: one step gets weight 1",
            check_attention,
            dict(B=1, T=1, H=2, H_v=2, seed=1),
            hint=ATTENTION_SHAPE_HINT,
        ),
        Case(
            "B=2, T=3, H=2, values of size H_v=5",
            check_attention,
            dict(B=2, T=3, H=2, H_v=5, seed=2),
            hint=ATTENTION_SHAPE_HINT,
        ),
        Case(
            "large scores (|e_i| in the thousands): a stable softmax",
            check_attention,
            dict(B=2, T=4, H=3, H_v=3, seed=3, scale=30.0),
            hint=STABLE_HINT,
        ),
        Case(
            "B=3, T=5 with a padding mask (rows keep 5, 3 and 1 steps)",
            check_attention,
            dict(B=3, T=5, H=2, H_v=2, seed=4, masked=True),
            hint="mask (B, T) is True where a step is kept: tg.where(mask, scores, -1e9) "
            "before the softmax gives the masked steps weight 0",
        ),
        Case(
            "gradcheck (finite differences) of attention with a mask, B=2, T=3, H=2",
            check_attention_gradcheck,
            dict(B=2, T=3, H=2, H_v=2, seed=5, masked=True),
            hint=ATTENTION_SHAPE_HINT,
        ),
    ]


# --------------------------------------------------------------------------------------
# Exercise 10: gradient clipping by norm
# --------------------------------------------------------------------------------------
CLIP_HINT = (
    "total = sqrt(Σ_i Σ p_i.grad²) over ALL parameters together; scale = max_norm / "
    "(total + 1e-6); only if scale < 1, multiply every gradient by scale"
)


def make_parameters(shapes: list, seed: int, size: float, dtype, no_grad: tuple) -> list:
    """Tensors labelled p0, p1, ... whose .grad is random (None for indices in no_grad)."""
    rng = np.random.default_rng(seed)
    parameters = []
    for index, shape in enumerate(shapes):
        p = Tensor(np.zeros(shape, dtype=dtype), requires_grad=True, label=f"p{index}")
        if index not in no_grad:
            p.grad = (rng.standard_normal(shape) * size).astype(dtype)
        parameters.append(p)
    return parameters


def per_parameter_clip(grads: list, max_norm: float) -> list:
    """The mistake: each gradient clipped by its own norm."""
    clipped = []
    for grad in grads:
        if grad is None:
            clipped.append(None)
            continue
        own = float(np.linalg.norm(grad))
        clipped.append(grad * min(1.0, max_norm / (own + 1e-6)))
    return clipped


def check_clip(module, shapes, max_norm, seed, size=1.0, dtype=np.float64, no_grad=()) -> None:
    student = make_parameters(shapes, seed, size, dtype, no_grad)
    reference = make_parameters(shapes, seed, size, dtype, no_grad)
    original = [None if p.grad is None else p.grad.copy() for p in student]
    expected_total = float(clip_grad_norm_(reference, max_norm))
    got_total = module.clip_grad_norm(student, max_norm)
    if got_total is None:
        raise CaseFailure("clip_grad_norm returned None", "return the total norm (before clipping)")
    got_total = as_number(got_total, "the total norm clip_grad_norm returned")
    rtol = 1e-5 if dtype == np.float32 else 1e-6
    if not np.isclose(got_total, expected_total, rtol=rtol):
        clipped_total = min(expected_total, max_norm)
        hint = CLIP_HINT
        if np.isclose(got_total, clipped_total, rtol=1e-4):
            hint = "you return the norm after clipping; return the total norm before it"
        raise CaseFailure(
            f"returned total norm {number(got_total)}, expected {number(expected_total)}", hint
        )
    mistakes = per_parameter_clip(original, max_norm)
    for p, q, wrong in zip(student, reference, mistakes):
        if q.grad is None:
            if p.grad is not None:
                raise CaseFailure(
                    f"{p.label} had no gradient (None) and got one",
                    "skip parameters whose grad is None",
                )
            continue
        explanation = "you clip each parameter by its own norm, not by the norm of all of them"
        compare(
            f"{p.label}.grad",
            q.grad,
            p.grad,
            hint=CLIP_HINT,
            rtol=rtol,
            check_dtype=True,
            mistakes=[(wrong, explanation)],
        )


def clip_cases() -> list[Case]:
    shapes = [(3, 4), (4,), (2, 2)]
    return [
        Case(
            "total norm above max_norm: all gradients scaled together",
            check_clip,
            dict(shapes=shapes, max_norm=1.0, seed=0, size=2.0),
        ),
        Case(
            "total norm below max_norm: nothing changes",
            check_clip,
            dict(shapes=shapes, max_norm=100.0, seed=1),
        ),
        Case(
            "exploding gradients (entries around 1e3), max_norm 5",
            check_clip,
            dict(shapes=[(5,), (5,)], max_norm=5.0, seed=2, size=1e3),
        ),
        Case(
            "a parameter without a gradient (grad None) is skipped",
            check_clip,
            dict(shapes=shapes, max_norm=0.5, seed=3, no_grad=(1,)),
            hint="skip parameters whose p.grad is None",
        ),
        Case(
            "float32 gradients stay float32",
            check_clip,
            dict(shapes=shapes, max_norm=0.5, seed=4, dtype=np.float32),
        ),
    ]
