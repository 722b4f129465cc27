"""A module called in a Python loop: its calls drawn as time steps.

    for letter in line:                  # a PyTorch tutorial's RNN: no tg.scope(t=...)
        output, hidden = rnn(letter, hidden)

nn.LSTM and the lessons open a `tg.scope(t=k)` per step, so their pictures wrap into
rows (layout.py). A program written for PyTorch opens none: every call of `rnn` makes
its nodes in scope ("rnn", ...), all in one cluster, and the unroll is one long row, far
too wide for a slide. So, when a picture has no time steps, the calls of the module
called MIN_CALLS or more times are found and drawn as steps t = 1, 2, ...: call k's
boxes go into a cluster ("rnn", "t=k"), and from there on the picture is drawn as any
unrolled RNN (rows, a copy of each shared weight per step).

Where one call ends: the nodes are numbered in the order they were made, and between
two calls the loop makes something outside the module (the next input, `line[i]`), so a
call is a run of the module's boxes with no other box made in between. The input made
just before a call, feeding only that call, goes into its step too. A loop that makes
nothing between the calls (its inputs all made before it) is one run; then a module
inside it, whose calls its parent's own ops cut apart, may be the one drawn as steps.

Read next: shared.py (the copies of the shared weights each step gets).
"""

from __future__ import annotations

from .data import Arrow, Box

MIN_CALLS = 3  # fewer calls than this are drawn as they are
NOT_MODULES = ("cell", "gates", "attention", "conv2d", "max_pool2d", "avg_pool2d", "cnn")


def runs_of(boxes: list[Box], scope: tuple) -> list[list[Box]]:
    """The boxes inside `scope`, cut into runs: in creation order, a run ends where a box
    outside `scope` was made (parameters and copies, made before any call, do not count)."""
    runs: list[list[Box]] = []
    inside_before = False
    for box in sorted(boxes, key=lambda box: box.order):
        if box.kind in ("param", "copy"):
            continue
        inside = box.cluster[: len(scope)] == scope
        if inside and not inside_before:
            runs.append([])
        if inside:
            runs[-1].append(box)
        inside_before = inside
    return runs


def called_scope(boxes: list[Box]) -> tuple | None:
    """The outermost module scope whose boxes fall into MIN_CALLS or more runs, or None."""
    scopes = {box.cluster[:end] for box in boxes for end in range(1, len(box.cluster) + 1)}
    for scope in sorted(scopes, key=lambda path: (len(path), path)):
        if scope[-1] in NOT_MODULES:
            continue
        if len(runs_of(boxes, scope)) >= MIN_CALLS:
            return scope
    return None


def calls_as_steps(boxes: list[Box], arrows: list[Arrow]) -> list[int]:
    """Put the boxes of each call of the repeated module (`called_scope`) into a time
    cluster of its own, in place: call k's box ("rnn", "i2h") goes to ("rnn", "t=k",
    "i2h") with time_step k; so does an input or constant outside the module feeding only
    call k. Returns the time steps drawn ([] when no module is called MIN_CALLS times)."""
    scope = called_scope(boxes)
    if scope is None:
        return []
    step_of: dict[str, int] = {}
    for step, run in enumerate(runs_of(boxes, scope), start=1):
        for box in run:
            box.cluster = (*scope, f"t={step}", *box.cluster[len(scope) :])
            box.time_step = step
            step_of[box.key] = step
    for box in boxes:
        fed = {step_of.get(arrow.head) for arrow in arrows if arrow.tail == box.key}
        if box.kind in ("input", "constant") and box.key not in step_of and len(fed) == 1:
            step = fed.pop()
            if step is not None:
                box.cluster, box.time_step = (*scope, f"t={step}"), step
    return sorted(set(step_of.values()))
