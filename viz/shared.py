"""What many time steps share: parameters, and nodes outside the loop that feed or
collect many steps (an input projection made for all steps at once, the stack of
outputs).

In the coarse pictures the arrows between the steps and what they share are left out
(`shared_arrows=False`): a fan of 24 arrows per shared box would hide everything else.
The box says which steps it serves ("t = 1..24"), and a hidden anchor edge keeps it
before the first step it feeds, or after the last step it collects from.

Read next: dot.py (the plain data -> a graphviz.Digraph); `extract` in extract.py is what
puts walk, boxes, arrows, chains and this file together.
"""

from __future__ import annotations

from tinygrad_rnn.graph import Node

from .walk import is_parameter, node_step

SHARED_STEPS = 3  # a node outside the steps serving this many steps is "shared"


def shared_nodes(nodes: list[Node], grouped: set[int]) -> dict[int, str]:
    """Nodes shared by many steps, each with a note saying which: {id: "t = 1..24"}.

    Parameters (whatever they touch), and nodes outside every step that are connected
    to SHARED_STEPS or more distinct steps (the input projection computed before the
    loop feeds all of them; the stack of outputs collects all of them).
    """
    steps_of: dict[int, set] = {}
    for child in nodes:
        for parent in child.parents:
            steps_of.setdefault(id(parent), set()).add(node_step(child))
            steps_of.setdefault(id(child), set()).add(node_step(parent))
    shared = {}
    for node in nodes:
        if id(node) in grouped or node_step(node) is not None:
            continue
        steps = sorted(t for t in steps_of.get(id(node), ()) if t is not None)
        if is_parameter(node) or len(steps) >= SHARED_STEPS:
            shared[id(node)] = f"t = {steps[0]}..{steps[-1]}" if steps else "shared"
    return shared


def is_shared_fan(parent: Node, child: Node, shared: dict) -> bool:
    """An edge between a step and something shared (in another step, or outside)."""
    touches_shared = id(parent) in shared or id(child) in shared
    return touches_shared and node_step(parent) != node_step(child)


def note_anchor(anchors: dict, parent, child, tail: str, head: str, shared: dict) -> None:
    """Remember the earliest step a shared box feeds and the latest it collects from:
    anchors[(box, "feeds" or "collects")] = (step, tail, head)."""
    if is_parameter(parent):
        return  # parameters stay on the left whatever they feed
    if id(parent) in shared:
        key, step, first = (tail, "feeds"), node_step(child), True
    else:
        key, step, first = (head, "collects"), node_step(parent), False
    known = anchors.get(key)
    if known is None or (step < known[0] if first else step > known[0]):
        anchors[key] = (step, tail, head)
