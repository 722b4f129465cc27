"""The computation graph shared by both engines: nodes and the backward loop.

Every number you compute with tinygrad_rnn is a *node*. A `Value` (scalar.py) holds one
float, a `Tensor` (tensor.py) holds a numpy array, and both carry the same bookkeeping:

    data      the value                         grad    dL/d(this node), after backward
    op        "tanh", "matmul", ... or None     parents the input nodes, in order
    label     "h_3", "f_3", "W" (or None)       scope   ("encoder", "lstm", "t=3")
    time_step 1..T (or None)                  source  "char_lm.py:41", your line
    id        creation order (0, 1, 2, ...)     role    (state "c", gate "f" ...): roles.py

What a new node reads from the `tg.scope`, `tg.no_grad` ... blocks around it is in
context.py.

Backpropagation is two plain steps, both without recursion so a 100 000-step unroll works:

1. `topological_order(root)`: an explicit-stack depth-first walk that lists every node
   that needs a gradient, parents before children.
2. `backward_steps(root)`: one flat loop over that list in reverse. At each node it
   asks the node's op for the local vector-Jacobian product and adds the results into
   the parents' gradients. It is a generator, so you can watch it one node at a time:

       for step in loss.backward_steps():
           print(step.node.label, step.grad)

   `backward()` is exactly `for _ in backward_steps(): pass` - there is one code path.
   How the gradients arriving at a node are summed (in place, slices sparsely) is
   gradients.py; how `source` finds your line among the stack frames is sources.py.

Read next: scalar.py (the engine on single floats), then ops.py and tensor.py.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterator

import numpy as np

from .context import (  # noqa: F401 (re-exported: tg.no_grad, tg.scope ... live here too)
    GraphContext,
    context,
    current_time_step,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    records_graph,
    scope,
    set_source_tracking,
)
from .errors import AnomalyError, BackwardError, InplaceError
from .gradients import PendingGradients
from .roles import role_from_label
from .sources import format_source, line_number, node_source, user_source
from .sources import is_engine_file as is_engine_file  # re-exported (nn/checks.py)

_next_id = itertools.count()
_last_change = -1  # the id clock at the latest `node.data = ...` of any node


def mark_data_changed(node: Node) -> None:
    """Record that `node.data` was just replaced (see `check_values_unchanged`)."""
    global _last_change
    node._changed_at = _last_change = next(_next_id)


# --------------------------------------------------------------------------------------
# The node protocol
# --------------------------------------------------------------------------------------
class Node:
    """What `Value` and `Tensor` have in common: one node of the computation graph.

    `_ctx` is what made this node: a Tensor keeps the op object (a `Tanh`, a `MatMul`
    ... holding the arrays its backward needs), a Value keeps the op's class (scalar ops
    save nothing, see scalar.py). It never points back at this node, so the graph has
    no reference cycles and is freed as soon as you drop the loss.

    The op protocol, one for both engines: the backward loop asks every node the same
    three things - `_seed_gradient(grad)` (dL/dL), `_vjp(grad_out)` (one gradient per
    parent, from the node's op) and `parent._checked_gradient(grad, child)` (the
    gradient fits the parent) - and Value and Tensor each answer in their own way.
    `_source_code`, `_source_offset`: where the user's code was (see `sources.node_source`).
    `_changed_at`: the id clock when `node.data = ...` last replaced the value (-1: never).
    `_passed`: True once a backward pass has gone through this node.
    `_used_by`: (op name, code, offset) of the latest recorded op that took this node as
    a parent (None: none did), so an in-place change can refuse to rebase a node another
    node already holds (tensor_inplace.py). `_data_view`: a Tensor's `x.data` array
    (a TensorArray view of its array, arrays.py), kept so `x.data is x.data`.
    """

    __slots__ = ("_data", "grad", "op", "parents", "_label", "role", "scope", "time_step", "id")
    __slots__ += ("requires_grad", "_ctx", "_source_code", "_source_offset")
    __slots__ += ("_changed_at", "_passed", "_used_by", "_data_view")

    def _setup(self, data, op, parents, ctx, requires_grad, label, engine_callers=1) -> None:
        """Fill in the bookkeeping; called by Value/Tensor constructors and op results.
        `engine_callers`: how many of the frames that called this are surely the engine's
        (1: `apply` or a constructor; 2: a Value operator and `_apply`), see sources.py."""
        self._data = data
        self.grad = None
        self.op = op
        self.parents = parents
        self.scope = context.scope
        self.time_step = context.time_step
        self._label = label
        self.role = None if label is None else role_from_label(label, self.scope)
        self.id = next(_next_id)
        self.requires_grad = requires_grad
        self._ctx = ctx
        self._changed_at = -1
        self._passed = False
        self._used_by = None
        self._data_view = None
        frame = node_source(engine_callers) if context.track_source else None
        if frame is None:
            self._source_code = None
            self._source_offset = -1
        else:
            self._source_code = frame.f_code
            self._source_offset = frame.f_lasti

    # --- the value ------------------------------------------------------------------
    @property
    def data(self):
        """The value: a float (Value) or a numpy array (Tensor)."""
        return self._data

    @data.setter
    def data(self, value) -> None:
        self._data = value
        mark_data_changed(self)

    @property
    def label(self) -> str | None:
        """The node's name in messages and pictures: "h_3", "f_3", "W" (or None)."""
        return self._label

    @label.setter
    def label(self, label: str | None) -> None:
        """A label in the lessons' convention also sets the role ("h_3": the state h)."""
        self._label = label
        self.role = role_from_label(label, self.scope)

    # --- read-only views ------------------------------------------------------------
    @property
    def source(self) -> str:
        """'file.py:LINE' of the user code that created this node."""
        code = self._source_code
        if code is None:
            return format_source(None)
        return format_source((code.co_filename, line_number(code, self._source_offset)))

    @property
    def op_class(self):
        """The primitive that made this node (`ops.Tanh`, `scalar.Tanh` ...): its docstring
        holds the derivative. None for a leaf, or once a lean backward freed the node."""
        raise NotImplementedError  # Value and Tensor each know what their `_ctx` holds

    @property
    def is_freed(self) -> bool:
        """True once a lean `backward(retain_graph=False)` let go of what this node's op
        saved: its local gradients can no longer be computed."""
        return self.op is not None and self._ctx is None

    @property
    def is_leaf(self) -> bool:
        """True for inputs and parameters (no op made them)."""
        return self.op is None

    def describe(self) -> str:
        """One line for messages: `tanh node 'h_3' (t=3) created at rnn.py:12`."""
        kind = f"{self.op} node" if self.op else "leaf"
        name = f" '{self.label}'" if self.label else ""
        step = f" (t={self.time_step})" if self.time_step is not None else ""
        return f"{kind}{name}{step} created at {self.source}"

    def named(self, label: str):
        """Set `label` and return self, so you can write `h = (...).tanh().named("h_3")`.
        A label in the lessons' convention gives the node its role too (roles.py)."""
        self.label = label
        return self

    # --- the op protocol: what the backward loop asks every node ----------------------
    def _seed_gradient(self, grad):
        """The gradient the backward pass starts from (dL/dL = 1): 1.0 or an array of ones."""
        raise NotImplementedError

    def _vjp(self, grad_out) -> tuple:
        """The op that made this node, applied backward: given dL/d(this node), return
        dL/d(parent) for every parent, in order (one vector-Jacobian product).
        Value: `Tanh.backward(node, grad_out)`; Tensor: `ctx.backward(grad_out)`."""
        raise NotImplementedError

    def _checked_gradient(self, grad, child: Node):
        """`grad`, the gradient `child`'s op sent to this node, checked against this node
        (a Tensor: same shape, same dtype; a Value: a float, nothing to compare)."""
        raise NotImplementedError

    def backward_steps(self, grad=None, retain_graph: bool = True) -> Iterator[BackwardStep]:
        """The backward pass as a generator: one `BackwardStep` per node. See module doc."""
        return backward_steps(self, grad, retain_graph)

    def backward(self, grad=None, retain_graph: bool = True) -> None:
        """Compute d(self)/d(node) for every node that requires grad, into `node.grad`.

        Gradients accumulate (`+=`) across calls, as in PyTorch; clear them with
        `zero_grad()`. `retain_graph=False` frees saved arrays, intermediate gradients and
        the links to each node's parents as it goes (lean mode for training): the graph
        cannot be used again.
        """
        for _ in backward_steps(self, grad, retain_graph):
            pass

    def zero_grad(self) -> None:
        """Forget this node's gradient (`grad = None`)."""
        self.grad = None


class BackwardStep:
    """What one iteration of the backward loop did, as `backward_steps()` yields it.

    index         position in the backward order (0 = the root)
    node          the node being processed
    grad          dL/d(node): the total gradient that has arrived at it
    parent_grads  one entry per `node.parents`: the gradient sent to that parent
                  (None where the parent needs no gradient); empty for leaves
    """

    __slots__ = ("index", "node", "grad", "parent_grads")

    def __init__(self, index: int, node: Node, grad, parent_grads: tuple) -> None:
        self.index = index
        self.node = node
        self.grad = grad
        self.parent_grads = parent_grads

    def __repr__(self) -> str:
        name = self.node.label or self.node.op or "leaf"
        sent = sum(g is not None for g in self.parent_grads)
        return (
            f"BackwardStep({self.index}: {name}, t={self.node.time_step}, sent to {sent} parent(s))"
        )


def topological_order(root: Node) -> list[Node]:
    """Every node `root` depends on through requires-grad edges, parents first.

    Depth-first search with an explicit stack: an entry `(node, False)` means "visit
    node", `(node, True)` means "all its parents are done, append it". No recursion, so
    the depth of the graph is limited only by memory. The order is deterministic because
    `parents` is an ordered tuple.
    """
    order: list[Node] = []
    visited: set[Node] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for parent in reversed(node.parents):
            if parent.requires_grad and parent not in visited:
                stack.append((parent, False))
    return order


def ancestors(*roots: Node) -> list[Node]:
    """The roots and every node they were computed from (constants and inputs that need
    no gradient included), in creation order: the one walk viz, the player and the
    classroom share. An explicit stack, no recursion; `seen` compares nodes by identity.
    """
    seen = {id(root): root for root in roots}
    stack = list(roots)
    while stack:
        node = stack.pop()
        for parent in node.parents:
            if id(parent) not in seen:
                seen[id(parent)] = parent
                stack.append(parent)
    return sorted(seen.values(), key=_creation_order)


def _creation_order(node: Node) -> int:
    return node.id


def backward_steps(root: Node, grad=None, retain_graph: bool = True) -> Iterator[BackwardStep]:
    """The backward pass, one node per iteration. `Node.backward()` exhausts this.

    For each node, from the root back to the leaves:
        grad_out      = sum of the gradients its children sent it   (dL/d node)
        parent_grads  = node._vjp(grad_out): its op's backward       (chain rule, one VJP)
        each parent's pending gradient += its entry of parent_grads
    """
    if not root.requires_grad:
        raise BackwardError(
            f"backward: {root.describe()} does not require grad - no input with "
            "requires_grad=True (no parameter) was used to compute it."
        )
    _check_not_freed(root)
    pending = PendingGradients(root, root._seed_gradient(grad))  # gradients.py
    order = topological_order(root)
    _warn_if_reused(root, order)
    for index in range(len(order)):
        node = order.pop()  # from the root backwards; the list lets go of each node
        node._passed = True
        grad_out = pending.pop(node)  # dL/d(node): everything its children sent
        if grad_out is None:  # every op that sent to this node sent None: no gradient
            yield BackwardStep(index, node, None, ())
            continue
        parent_grads = _local_backward(node, grad_out)
        for parent, parent_grad in zip(node.parents, parent_grads):
            if parent_grad is not None and parent.requires_grad:
                parent_grad = parent._checked_gradient(parent_grad, node)  # shape, dtype
                pending.add(parent, parent_grad)  # pending[parent] += parent_grad
        _keep_gradient(node, grad_out, retain_graph)
        yield BackwardStep(index, node, grad_out, parent_grads)
        if not retain_graph:
            _free_node(node)


class GraphReuseWarning(UserWarning):
    """backward() went through nodes that an earlier backward() had already passed."""


_warned: dict = {}  # what warnings.warn_explicit has shown already: each one only once


def _warn_if_reused(root: Node, order: list[Node]) -> None:
    """Warn (once per line) when a new loss reaches ops an earlier backward went through.

    The usual cause is truncated BPTT without `h = h.detach()` between batches: the new
    batch's graph starts from the last batch's h, so backward runs on into the old graph
    and adds its gradients to the parameters a second time. Calling backward() twice on
    the same loss (retain_graph) is deliberate and not warned about.
    """
    if root._passed:
        return
    for node in reversed(order):  # from the new loss back: the first old node met
        if node._passed and node.op is not None:
            message = (
                f"backward: this loss reaches {node.describe()}, which an earlier backward() "
                "already went through: backward runs on into that older graph and adds its "
                "gradients to the parameters again. For truncated BPTT, cut the graph between "
                "batches with h = h.detach() (and c = c.detach() for an LSTM)."
            )
            source = user_source()
            filename, line = source if source is not None else ("<unknown>", 0)
            warnings.warn_explicit(message, GraphReuseWarning, filename, line, registry=_warned)
            return


def _free_node(node: Node) -> None:
    """Lean mode: forget what `node` needed for backward, once backward has passed it.
    Dropping the op object frees the arrays it saved; dropping the parents frees every
    node nothing else holds, so a long unroll's memory shrinks while backward runs."""
    if node.op is not None:
        node._ctx = None
        node.parents = ()


def _local_backward(node: Node, grad_out) -> tuple:
    """Ask the op that made `node` for the gradients of its inputs (empty for leaves).
    How a node asks its op is the node's own `_vjp` (scalar.py, tensor.py)."""
    if node.op is None:
        return ()
    if node._ctx is None:
        _check_not_freed(node)  # raises: an earlier lean backward freed this node
    return node._vjp(grad_out)


def check_values_unchanged(node: Node) -> None:
    """A scalar op's backward reads its node's value and its parents' values (scalar.py),
    so none of them may have been replaced (`x.data = 3.0`) since the op ran.

    (A tensor op keeps the arrays it needs, and `x.data` never lets you write into one
    of those: see `Tensor.data`. So only Values need this check.)
    """
    if _last_change < node.id:  # no value anywhere was replaced since this node was made
        return
    for value in (node, *node.parents):
        if value._changed_at > node.id:
            raise InplaceError(
                f"backward: {value.describe()} had its value replaced (.data = ...) after "
                f"{node.describe()} used it, so the gradient through that {node.op} would be "
                "wrong. Compute the forward pass again after changing a value, then call "
                "backward (PyTorch: 'a variable needed for gradient computation has been "
                f"modified by an inplace operation')"
            )


def local_gradients(node: Node, grad_out) -> tuple:
    """The gradients `node`'s op sends each parent for `grad_out` (one vector-Jacobian
    product): what the backward loop computes at `node`, without changing any `.grad`.
    viz labels its arrows with these."""
    return _local_backward(node, grad_out)


def _check_not_freed(node: Node) -> None:
    if node.op is not None and node._ctx is None:
        raise BackwardError(
            f"backward: the graph through {node.describe()} was freed by an earlier "
            "backward(retain_graph=False). Run the forward pass again, or call the first "
            "backward with retain_graph=True (the default) to backpropagate twice."
        )


def check_finite_gradient(child: Node, parent: Node, grad) -> None:
    """Anomaly mode (`tg.detect_anomaly()`): the gradient `child`'s op sent to `parent`
    must hold no NaN or inf. Both engines' `_checked_gradient` call this."""
    if not np.all(np.isfinite(np.asarray(grad))):
        raise AnomalyError(
            f"{child.op} backward produced a NaN/inf gradient for its input "
            f"{parent.describe()} - in {child.describe()}"
        )


def _keep_gradient(node: Node, grad, retain_graph: bool) -> None:
    """node.grad += grad: leaves always, other nodes unless in lean mode (retain_graph=False).
    (A leaf's `grad` is already an array of its own: see `PendingGradients.pop`.)"""
    if node.op is None or retain_graph:
        node.grad = grad if node.grad is None else node.grad + grad
