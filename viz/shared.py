"""What many time steps share: parameters, and nodes outside the loop that feed or
collect many steps (an input projection made for all steps at once, the stack of
outputs).

In the coarse pictures the arrows between the steps and what they share are left out
(`shared_arrows=False`): a fan of 24 arrows per shared box would hide everything else.
The box says which steps it serves ("t = 1..24"), and a hidden anchor edge keeps it
before the first step it feeds, or after the last step it collects from.

Where the arrows are drawn (detail="ops"), a picture of more than COPY_AFTER_STEPS steps
gives each step its own light copy of what the steps share (`copy_shared`): a dashed
box with the same name, subtitled "shared", inside the step, and the step's arrows
leave from it - short arrows inside each step instead of long curves from the left
edge crossing the whole picture. The original box is still drawn once, outside the
steps ("param · (3, 3) · copied into t = 1..24"), with the total gradient: W.grad is
the sum of what the arrows leaving all its copies carry back.

Read next: dot.py (the plain data -> a graphviz.Digraph); `extract` in extract.py is what
puts walk, boxes, arrows, chains and this file together.
"""

from __future__ import annotations

from tinygrad_rnn.graph import Node

from .data import Arrow, Box
from .walk import is_parameter, node_step, time_index

SHARED_STEPS = 3  # a node outside the steps serving this many steps is "shared"
COPY_AFTER_STEPS = 3  # more steps than this: each step draws its own copy (copy_shared)


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


def feeds_steps(box: Box, arrows: list[Arrow], by_key: dict) -> dict[tuple, list[Arrow]]:
    """The arrows leaving `box` into each time step: {step cluster path: [arrows]}."""
    into: dict[tuple, list[Arrow]] = {}
    for arrow in arrows:
        if arrow.tail != box.key:
            continue
        cluster = by_key[arrow.head].cluster
        where = time_index(cluster, innermost=False)
        if where is not None:
            into.setdefault(cluster[: where + 1], []).append(arrow)
    return into


def common_prefix(paths: list[tuple]) -> tuple:
    """The longest scope prefix all `paths` share (the cluster a step's copy sits in)."""
    first = paths[0]
    size = len(first)
    for path in paths[1:]:
        size = min(size, len(path))
        while path[:size] != first[:size]:
            size -= 1
    return first[:size]


def copy_box(source: Box, key: str, cluster: tuple) -> Box:
    """A step's light copy of a shared box: same name, subtitle "shared", no gradient
    (the original keeps the total); it sorts as the node it copies (same `order`)."""
    shape = source.subtitle.split(" · ")[-1] if "(" in source.subtitle else ""
    subtitle = " · ".join(part for part in ("shared", shape) if part)
    return Box(
        key=key,
        kind="copy",
        title=source.title,
        subtitle=subtitle,
        role="param" if source.kind == "param" else "",
        cluster=cluster,
        tooltip=f"a copy of {source.title}, drawn in this step; {source.title} itself is "
        f"drawn once outside the steps\n{source.tooltip}",
        time_step=None,
        order=source.order,
        value=source.value,
    )


def copy_shared(boxes: list[Box], arrows: list[Arrow]) -> list[Box]:
    """Each step gets its own copy of every box outside the steps that feeds it and is
    shared: a parameter, or a node feeding SHARED_STEPS or more steps (x W_ihᵀ of all
    steps, W_hhᵀ). The arrows into the step now leave from the copy (same gradient).
    Returns the boxes with each copy placed just before the first box it feeds. Copies
    are keyed "s1", "s2", ... (shared box by shared box, step by step).
    """
    by_key = {box.key: box for box in boxes}
    before: dict[str, list[Box]] = {}
    count = 0
    for box in boxes:
        if time_index(box.cluster) is not None or box.kind in ("copy", "constant"):
            continue
        if box.highlight:  # c_0 on its lane feeds one step; the chain is drawn whole
            continue
        into = feeds_steps(box, arrows, by_key)
        if len(into) < (2 if box.kind == "param" else SHARED_STEPS):
            continue  # a parameter only one step reads is not shared: drawn as it is
        for step_arrows in into.values():
            readers = [by_key[arrow.head] for arrow in step_arrows]
            count += 1
            key = f"s{count}"
            cluster = common_prefix([reader.cluster for reader in readers])
            before.setdefault(readers[0].key, []).append(copy_box(box, key, cluster))
            for arrow in step_arrows:
                arrow.tail = key
        box.subtitle += f" · copied into {len(into)} steps"
    placed = []
    for box in boxes:
        placed.extend(before.get(box.key, []))
        placed.append(box)
    return placed
