"""Numbers as the pictures and the player show them: 4 significant digits, norms.

    format_number(0.76159)   -> "0.7616"
    norm(np.ones((2, 2)))    -> 2.0                 ‖a‖ (Frobenius)
    summarize(array)         -> "min -0.9  max 0.8  norm 1.2"

Read next: walk.py (which nodes are drawn, and in which box).
"""

from __future__ import annotations

import numpy as np


def is_scalar(data) -> bool:
    """True for a float (Value) or an array holding one number."""
    return np.ndim(data) == 0 or np.size(data) == 1


def format_number(x: float) -> str:
    """4 significant digits: 0.7616, -3.2e-05, nan, inf (and 0, never -0)."""
    x = float(x)
    return "0" if x == 0 else f"{x:.4g}"


def shape_text(data) -> str:
    """'(1, 3)' for arrays; '' for the floats of a Value."""
    return str(tuple(np.shape(data))) if isinstance(data, np.ndarray) else ""


def norm(array) -> float:
    """Frobenius norm ‖a‖ of an array or number (nan if any entry is nan)."""
    return float(np.linalg.norm(np.ravel(np.asarray(array, dtype=np.float64))))


def summarize(array) -> str:
    """'0.7616' for one number; 'min -0.9 max 0.8 norm 1.2' for an array."""
    if array is None:
        return "None"
    flat = np.ravel(np.asarray(array, dtype=np.float64))
    if flat.size == 1:
        return format_number(flat[0])
    if flat.size == 0:
        return "empty"
    return (
        f"min {format_number(np.min(flat))}  max {format_number(np.max(flat))}  "
        f"norm {format_number(norm(flat))}"
    )
