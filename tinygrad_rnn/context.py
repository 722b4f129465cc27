"""The graph context: the per-thread settings every new node reads when it is made.

    with tg.no_grad():            # build no graph (evaluation, sampling, optimizer steps)
    with tg.scope("encoder"):     # name the nodes made inside: node.scope
    with tg.scope(t=3):           # and their time step: node.time_step = 3
    with tg.detect_anomaly():     # stop at the first NaN/inf value or gradient

graph.py reads `context` when it makes a node; nothing here knows about nodes.

Read next: graph.py (the nodes and the backward loop).
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager

TIME_SCOPE = re.compile(r"^t=(-?\d+)$")


class GraphContext(threading.local):
    """The settings every new node reads: one instance, `graph.context`, with its own
    values in every thread (as PyTorch's grad mode): `with tg.no_grad():` in one thread
    leaves the graphs another thread is building alone. A new thread starts with the
    defaults below.

    grad_enabled   False inside `tg.no_grad()`: results get no parents (no graph)
    scope          names of the enclosing `tg.scope(...)` blocks, outermost first
    time_step      innermost time step from `tg.scope(t=...)`, or None
    anomaly        True inside `tg.detect_anomaly()`: check every value and gradient
    track_source   record the user's `file:line` on every node (`tg.set_source_tracking`)
    cell, layer, reverse   the recurrent cell kind, layer and direction that roles.py
                   gives the nodes nn marks (`roles.cell_context`)
    """

    def __init__(self) -> None:
        self.grad_enabled = True
        self.scope: tuple[str, ...] = ()
        self.time_step: int | None = None
        self.anomaly = False
        self.track_source = True
        self.cell: str | None = None
        self.layer: int | None = None
        self.reverse = False


context = GraphContext()


class scope:
    """Label every node created inside the block.

    `with tg.scope("encoder"):` adds "encoder" to each node's `scope`;
    `with tg.scope(t=3):` also sets `node.time_step = 3` (time steps count 1..T as in the lessons).
    Scopes nest: ("encoder", "lstm", "t=3").

    (A class with `__enter__`/`__exit__` rather than a `@contextmanager` generator: a
    recurrent layer opens two scopes per time step, and this costs a third as much.)
    """

    __slots__ = ("name", "t", "saved")

    def __init__(self, name: str | None = None, t: int | None = None) -> None:
        if t is not None and (isinstance(t, bool) or not isinstance(t, int)):
            raise TypeError(f"scope: t must be an int time step (1..T), got {t!r}")
        self.name = name
        self.t = t

    def __enter__(self) -> None:
        self.saved = (context.scope, context.time_step)
        parts = context.scope
        if self.name is not None:
            parts = parts + (str(self.name),)
        if self.t is not None:
            parts = parts + (time_scope_name(self.t),)
            context.time_step = self.t
        context.scope = parts

    def __exit__(self, *exception) -> None:
        context.scope, context.time_step = self.saved


def no_grad():
    """Build no graph inside the block (evaluation, sampling, optimizer updates)."""
    return _grad_mode(False)


def enable_grad():
    """Build the graph again inside a `no_grad()` block."""
    return _grad_mode(True)


def inference_mode(mode: bool = True):
    """PyTorch's faster `no_grad` for inference; here exactly `no_grad()` (mode=False:
    build the graph as usual)."""
    return _grad_mode(not mode)


class set_grad_enabled:
    """`tg.set_grad_enabled(False)` stops building graphs from here on (True: builds
    them again); `with tg.set_grad_enabled(training):` only inside the block, as in
    PyTorch's training loops that share one function for training and evaluation."""

    def __init__(self, mode: bool) -> None:
        self.previous = context.grad_enabled
        context.grad_enabled = bool(mode)

    def __enter__(self) -> set_grad_enabled:
        return self

    def __exit__(self, *exc_info) -> None:
        context.grad_enabled = self.previous


@contextmanager
def _grad_mode(enabled: bool):
    saved = context.grad_enabled
    context.grad_enabled = enabled
    try:
        yield
    finally:
        context.grad_enabled = saved


def is_grad_enabled() -> bool:
    """True unless inside `tg.no_grad()`."""
    return context.grad_enabled


@contextmanager
def detect_anomaly():
    """Raise `AnomalyError` at the first node whose value or gradient is NaN or inf.

    The message names the op, the node's label and time step, and the line of your code
    that created it. Costs one `isfinite` check per node, so use it while debugging.
    """
    saved = context.anomaly
    context.anomaly = True
    try:
        yield
    finally:
        context.anomaly = saved


def set_source_tracking(enabled: bool) -> bool:
    """Turn the recording of `node.source` on or off; returns the previous setting.

    Recording walks a few stack frames per node (about a microsecond); switch it off
    for long training runs if you never look at `node.source`.
    """
    previous = context.track_source
    context.track_source = bool(enabled)
    return previous


def records_graph(parents: tuple) -> bool:
    """True if a result computed from `parents` becomes a node of the graph: gradients
    are enabled (not inside `no_grad()`) and at least one parent requires grad.

    A plain loop rather than `any(p.requires_grad for p in parents)`: this runs once per
    node, and building a generator costs more than the check itself.
    """
    if not context.grad_enabled:
        return False
    for parent in parents:
        if parent.requires_grad:
            return True
    return False


def current_time_step() -> int | None:
    """The `t` of the innermost `tg.scope(t=...)`, or None outside any time step."""
    return context.time_step


def time_scope_name(t: int) -> str:
    """The scope part `tg.scope(t=3)` adds: "t=3"."""
    return f"t={t}"


def time_step_of_scope(part: str) -> int | None:
    """3 for the scope part "t=3" (see `time_scope_name`), None for any other part."""
    match = TIME_SCOPE.match(part)
    return int(match.group(1)) if match else None
