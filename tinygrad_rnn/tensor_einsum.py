"""tg.einsum: Einstein summation, composed from sum, transpose, reshape and matmul.

    tg.einsum("bij,bjk->bik", a, b)          # batched matmul
    tg.einsum("bhqd,bhkd->bhqk", q, k)       # attention scores
    tg.einsum("btd,d->bt", h, v)             # additive attention's last product
    tg.einsum("ij->ji", x), tg.einsum("ij->", x), tg.einsum("...d,d->...", x, w)

No backward of its own: the graph shows the primitives the equation became. Two
operands are contracted the way a textbook does it:

    1. sum away each label that only one operand has and the result does not need;
    2. put the other labels in the order (batch, own, contracted) and (batch, contracted,
       own), and reshape each operand to 3 axes: (B, M, K) and (B, K, N);
    3. one batched matmul (B, M, N), reshaped back to the labels' axes;
    4. transpose the axes into the order the equation asks for.

More operands are contracted two at a time, left to right. A label repeated inside one
operand (the trace "ii->", the diagonal "ii->i") is refused with an error: it needs a
diagonal op this engine does not have.

Read next: functional.py (softmax, cross-entropy ... composed from the Tensor operators).
"""

from __future__ import annotations

import math

from .errors import ArgumentError, ShapeError
from .tensor import Tensor

# Names given to the axes that "..." stands for (letters are the user's labels).
ELLIPSIS_NAMES = "0123456789"


def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation over the operands (see the module docstring)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])  # torch.einsum("ij,jk", [a, b]) also works
    operands = [x if isinstance(x, Tensor) else Tensor(x) for x in operands]
    inputs, output = parse_equation(equation, operands)
    sizes = label_sizes(inputs, operands, equation)
    x, labels = operands[0], inputs[0]
    for position in range(1, len(operands)):
        needed = set(output).union(*inputs[position + 1 :])
        x, labels = contract(x, labels, operands[position], inputs[position], needed, sizes)
    x, labels = sum_away(x, labels, set(output))
    return arrange(x, labels, output)


def parse_equation(equation: str, operands: list) -> tuple[list[str], str]:
    """The labels of each operand and of the result, "..." replaced by digit names."""
    equation = equation.replace(" ", "")
    left, arrow, right = equation.partition("->")
    inputs = left.split(",")
    if len(inputs) != len(operands):
        raise ArgumentError(
            f"einsum: {equation!r} names {len(inputs)} operands, but {len(operands)} were given"
        )
    inputs = [expand_ellipsis(labels, x.ndim, equation) for labels, x in zip(inputs, operands)]
    widest = max(len([c for c in labels if c in ELLIPSIS_NAMES]) for labels in inputs)
    ellipsis = ELLIPSIS_NAMES[len(ELLIPSIS_NAMES) - widest :]  # as expand_ellipsis names them
    if arrow:
        output = right.replace("...", ellipsis)
    else:  # implicit: "..." first, then every label used once, in alphabetical order
        letters = [c for c in "".join(inputs) if c.isalpha()]
        once = sorted(c for c in set(letters) if letters.count(c) == 1)
        output = ellipsis + "".join(once)
    for labels in inputs + [output]:
        check_labels(labels, equation)
    if len(set(output)) != len(output):
        raise ArgumentError(f"einsum: {equation!r} repeats a label in the result")
    return inputs, output


def expand_ellipsis(labels: str, ndim: int, equation: str) -> str:
    """`labels` with "..." replaced by the names of the axes it covers (right-aligned)."""
    if "..." not in labels:
        return labels
    covered = ndim - (len(labels) - 3)
    if covered < 0:
        raise ShapeError(f"einsum: {labels!r} has more labels than the operand's {ndim} axes")
    names = ELLIPSIS_NAMES[len(ELLIPSIS_NAMES) - covered :] if covered else ""
    return labels.replace("...", names)


def check_labels(labels: str, equation: str) -> None:
    for label in labels:
        if not (label.isalpha() or label in ELLIPSIS_NAMES):
            raise ArgumentError(f"einsum: {label!r} in {equation!r} is not a letter")
    if len(set(labels)) != len(labels):
        raise ArgumentError(
            f"einsum: {equation!r} repeats a label inside one operand (a trace or diagonal), "
            "which this engine does not support; index the diagonal instead: x[i, i] with "
            "i = tg.arange(n)"
        )


def label_sizes(inputs: list[str], operands: list, equation: str) -> dict:
    """{label: its axis length}; the operands must agree on every shared label."""
    sizes = {}
    for labels, x in zip(inputs, operands):
        if len(labels) != x.ndim:
            raise ShapeError(
                f"einsum: {equation!r} gives {len(labels)} labels to an operand of shape {x.shape}"
            )
        for label, size in zip(labels, x.shape):
            if sizes.setdefault(label, size) != size:
                raise ShapeError(
                    f"einsum: label {label!r} has length {sizes[label]} in one operand and "
                    f"{size} in another ({equation!r})"
                )
    return sizes


def sum_away(x: Tensor, labels: str, needed: set) -> tuple[Tensor, str]:
    """x summed over the axes whose labels are not needed later."""
    axes = tuple(i for i, label in enumerate(labels) if label not in needed)
    if not axes:
        return x, labels
    kept = "".join(label for label in labels if label in needed)
    return x.sum(axis=axes), kept


def arrange(x: Tensor, labels: str, order: str) -> Tensor:
    """x with its axes transposed into `order` (no node if they already are)."""
    if labels == order:
        return x
    return x.permute(tuple(labels.index(label) for label in order))


def contract(a: Tensor, la: str, b: Tensor, lb: str, needed: set, sizes: dict):
    """a and b multiplied and summed over their shared labels that are not needed:
    one batched matmul (B, M, K) @ (B, K, N). Returns the result and its labels."""
    a, la = sum_away(a, la, needed | set(lb))
    b, lb = sum_away(b, lb, needed | set(la))
    batch = "".join(label for label in la if label in lb and label in needed)
    summed = "".join(label for label in la if label in lb and label not in needed)
    own_a = "".join(label for label in la if label not in lb)
    own_b = "".join(label for label in lb if label not in la)

    def length(group: str) -> int:
        return math.prod(sizes[label] for label in group)

    a3 = arrange(a, la, batch + own_a + summed).reshape(
        length(batch), length(own_a), length(summed)
    )
    b3 = arrange(b, lb, batch + summed + own_b).reshape(
        length(batch), length(summed), length(own_b)
    )
    out = a3 @ b3  # (B, M, N)
    labels = batch + own_a + own_b
    return out.reshape(tuple(sizes[label] for label in labels)), labels
