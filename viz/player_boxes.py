"""The player at detail "cells" (or "steps"): one page step per box of the picture.

    viz.player(loss, "bptt.html", detail="cells")

The backward pass still runs one node at a time (`backward_steps()`, recorded by
player_record.py); the page groups those steps by the box each node is drawn in
(`walk.assign_boxes`, the same boxes as `viz.render(loss, detail="cells")`):

- a box gets its page step when its last node is processed - all of its nodes'
  gradients are done - and the boxes come in that order: the loss first, the
  parameters (which collect from every time step) last;
- a box is dashed from the page step at which the first gradient reached one of its
  nodes, faded before that;
- its panel shows the gradients of its outputs (the nodes whose gradient came from
  outside the box: h_t and c_t for an LSTM cell), the ops inside it in backward order,
  the line of your code that made them, and what the box sent to each node outside it
  (summed over the edges, as the arrows into the box are);
- a box of one node is that node's own step, exactly as at detail "ops".

Read next: nothing - this is the end of viz.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from .arrows import sent_gradients
from .player_record import Recording, gradient_summary, node_title

OPS_SHOWN = 12  # ops of a box listed by name on the page


@dataclass
class BoxSteps:
    """The recorded backward steps, grouped by box.

    order    box keys in page order (by the backward index of their last node)
    members  box key -> indices of its nodes' records, in backward order
    outputs  box key -> ids of its nodes that received a gradient from outside the box
    first    box key -> backward index at which a gradient first reached the box
    done     backward index of the last node of order[p], for every page step p
    """

    order: list
    members: dict
    outputs: dict
    first: dict
    done: list

    def page_of(self, backward_index: int) -> int:
        """The page step showing backward step `backward_index`: the first box that
        is done at or after it."""
        return bisect_left(self.done, backward_index)


def group_steps(recording: Recording, box_of: dict) -> BoxSteps:
    """Group the records by box: members, outputs, when each box first gets a gradient."""
    members: dict = {}
    outputs: dict = {}
    first: dict = {}
    for index, node in enumerate(recording.nodes):
        box = box_of[id(node)]
        members.setdefault(box, []).append(index)
        first.setdefault(box, index)  # the root: its gradient is the seed 1
        if index == 0:
            outputs.setdefault(box, set()).add(id(node))
        for parent in node.parents:
            if not parent.requires_grad:
                continue
            target = box_of[id(parent)]
            first.setdefault(target, index)
            if target != box:
                outputs.setdefault(target, set()).add(id(parent))
    order = sorted(members, key=lambda key: members[key][-1])
    done = [members[key][-1] for key in order]
    return BoxSteps(order, members, outputs, first, done)


def box_sends(recording: Recording, indices: list, box_of: dict, box: str) -> list:
    """What the box sent to each node outside it: the sum, over the edges from that node
    into the box, of ∂L/∂child · ∂child/∂node (arrows.sent_gradients; the replayed
    gradients must still be in place)."""
    sums: dict = {}
    for index in indices:
        child = recording.nodes[index]
        for parent, grad in zip(child.parents, sent_gradients(child)):
            if grad is None or box_of.get(id(parent)) == box:
                continue
            if id(parent) in sums:
                sums[id(parent)][1] = sums[id(parent)][1] + grad
            else:
                sums[id(parent)] = [parent, grad]
    sent = []
    for parent, grad in sums.values():
        entry = {"key": box_of[id(parent)], "title": node_title(parent)}
        entry.update(gradient_summary(grad))
        sent.append(entry)
    return sent


def box_sources(records: list) -> list:
    """The distinct lines of your code that made the box's nodes, in creation order,
    each with how many of the box's ops it made: [{"made", "code", "ops"}]. "made" is
    said as for the outermost of those nodes ("cells.py:6, in lstm / l0 / cell")."""
    lines: dict = {}
    for record in sorted(records, key=lambda r: int(r["key"][1:])):
        if not record["made"]:
            continue
        entry = lines.setdefault(record["source"], {"made": record["made"], "ops": 0})
        if len(record["made"]) < len(entry["made"]):  # fewer modules: the outer one
            entry["made"] = record["made"]
        entry["code"] = record["code"]
        entry["ops"] += 1
    return list(lines.values())


def group_record(page: int, box, records: list, outputs: list, sent: list) -> dict:
    """One page step for a box of several nodes (`records`: theirs, in backward order;
    `outputs`: the records of the nodes whose gradient came from outside)."""
    arrived = [dict(record["grad"], title=record["title"]) for record in outputs]
    sources = box_sources(records)
    names = [record["title"] for record in records]
    shown = names[:OPS_SHOWN] + ([f"… {len(names) - OPS_SHOWN} more"] if names[OPS_SHOWN:] else [])
    return {
        "index": page,
        "key": box.key,
        "title": box.title,
        "op": None,
        "box": True,
        "time_step": box.time_step,
        "scope": records[0]["scope"],
        "source": records[0]["source"],
        "made": sources[0]["made"] if sources else "",
        "code": sources[0]["code"] if sources else "",
        "sources": sources,
        "derivative": (
            f"{len(records)} ops, in backward order: {', '.join(shown)}. Each sends "
            '∂L/∂out · its local derivative to its parents (detail="ops" steps through '
            "them one at a time)."
        ),
        "grad": arrived[0] if arrived else None,
        "arrived": arrived,
        "sent": sent,
    }


def single_record(page: int, record: dict, box_key_of: dict) -> dict:
    """A box of one node: its own record, numbered by page, sending to its parents' boxes."""
    sent = [dict(entry, key=box_key_of[entry["key"]]) for entry in record["sent"]]
    return dict(record, index=page, sent=sent)


def box_pages(recording: Recording, data, box_of: dict, keys: dict) -> tuple:
    """(records, states, timing) of the page at a grouped detail: one record per box in
    page order, the state rows renumbered to page steps, and each box's step and first
    gradient as page steps. Call it while the replayed gradients are in place."""
    steps = group_steps(recording, box_of)
    boxes = {box.key: box for box in data.boxes}
    box_key_of = {keys[node_id]: box for node_id, box in box_of.items()}
    records = []
    for page, key in enumerate(steps.order):
        indices = steps.members[key]
        if len(indices) == 1 and boxes[key].kind != "group":
            records.append(single_record(page, recording.records[indices[0]], box_key_of))
            continue
        own = [recording.records[index] for index in indices]
        inflow = steps.outputs.get(key, set())
        outs = [recording.records[i] for i in indices if id(recording.nodes[i]) in inflow]
        sent = box_sends(recording, indices, box_of, key)
        records.append(group_record(page, boxes[key], own, outs, sent))
    timing = {box.key: {"step": None, "first": None} for box in data.boxes}
    for page, key in enumerate(steps.order):
        timing[key] = {"step": page, "first": steps.page_of(steps.first[key])}
    states = []  # a state's row appears when its box lights up
    for row in recording.states:
        box = box_of[id(recording.nodes[row["step"]])]
        states.append(dict(row, step=timing[box]["step"]))
    states.sort(key=lambda row: row["step"])
    return records, states, timing
