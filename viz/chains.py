"""The highlighted chains: c_0 -> c_1 -> ... -> c_T (or h_0 -> ... -> h_T).

    edges, on_chain = chain_for(nodes, "cell_state")

For every state c_t (role kind "state", name "c", t >= 1; also the scalar units c_t[j])
the shortest path back to the state c_{t-1} is found and marked:

    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t         (through one mul and one add)

A breadth-first search from c_t through the parents, at most CHAIN_SEARCH_DEPTH ops
deep, with a queue and no recursion. "hidden_state" does the same for h_{t-1} -> h_t.

Read next: shared.py (the nodes shared by many steps, and the anchors that place them).
"""

from __future__ import annotations

from collections import deque

from tinygrad_rnn.graph import Node

from .errors import VizError

HIGHLIGHTS = (None, "cell_state", "hidden_state")
CHAIN_SEARCH_DEPTH = 12  # how many ops back from c_t (h_t) to look for c_{t-1} (h_{t-1})


def state_key(node: Node) -> tuple | None:
    """(name, t, unit) of a state with a time step: ("c", 3, "") for c_3, ("h", 2, "[1]")
    for h_2[1]; None for any other node (and for h', a state outside time)."""
    role = node.role
    if role is None or not role.is_state or role.t is None:
        return None
    return (role.name, role.t, role.unit)


def path_back(start: Node, target: tuple, members: set[int]) -> list[Node] | None:
    """Shortest path target -> ... -> start through parents (breadth-first, no recursion);
    `target` is the state_key of the node to reach."""
    previous = {id(start): None}
    queue = deque([(start, 0)])
    while queue:
        node, depth = queue.popleft()
        if node is not start and state_key(node) == target:
            path = [node]
            step = previous[id(node)]
            while step is not None:
                path.append(step)
                step = previous[id(step)]
            return path  # target first, start last
        if depth == CHAIN_SEARCH_DEPTH:
            continue
        for parent in node.parents:
            if id(parent) not in previous and id(parent) in members:
                previous[id(parent)] = node
                queue.append((parent, depth + 1))
    return None


def state_chain(nodes: list[Node], letter: str) -> tuple[set, set]:
    """The edges and nodes of the chains letter_0 -> letter_1 -> ... -> letter_T.

    For every state letter_k (k >= 1; also letter_k[j] for scalar units) the shortest
    path back to the state letter_{k-1} (same unit) is found; its edges are the chain.
    Returns (set of (id(parent), id(child)) pairs, set of node ids on the chain).
    """
    members = {id(node) for node in nodes}
    edges: set[tuple[int, int]] = set()
    on_chain: set[int] = set()
    for node in nodes:
        key = state_key(node)
        if key is None or key[0] != letter or key[1] == 0:
            continue
        name, t, unit = key
        path = path_back(node, (name, t - 1, unit), members)
        if path is None:
            continue
        for parent, child in zip(path, path[1:]):
            edges.add((id(parent), id(child)))
        on_chain.update(id(step) for step in path)
    return edges, on_chain


def chain_for(nodes: list[Node], highlight: str | None) -> tuple[set, set]:
    """The chain `highlight` asks for ("cell_state": c, "hidden_state": h), or a VizError
    saying why there is none."""
    if highlight is None:
        return set(), set()
    letter = "c" if highlight == "cell_state" else "h"
    edges, on_chain = state_chain(nodes, letter)
    if not edges:
        hint = (
            " Only an LSTM has a cell state; for an RNN or GRU use highlight='hidden_state'."
            if letter == "c"
            else ""
        )
        raise VizError(
            f"viz: highlight={highlight!r} found no chain {letter}_0 -> {letter}_1 -> ...: "
            f"no nodes labelled {letter}_1, {letter}_2, ... connected to {letter}_(t-1) "
            f"(recurrent layers label their states h_t, c_t).{hint}"
        )
    return edges, on_chain
