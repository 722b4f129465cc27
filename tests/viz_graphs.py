"""Small recurrent graphs for the viz tests, built from raw Tensor/Value ops, and a
reader for the DOT text viz produces.

Each builder follows the binding conventions nn uses (see docs/design.md and the nn layers):
the layer runs inside `tg.scope(<module>)` and `tg.scope("l0")`, each time step inside
`tg.scope(t=t)` (t = 1..T), one cell step inside `tg.scope("cell")` and the gate
nonlinearities inside `tg.scope("gates")`; nodes are labelled h_t, c_t, f_t, i_t, g_t,
o_t, r_t, z_t, n_t; initial states are leaves h_0, c_0; parameters carry PyTorch names.

Every builder runs one backward pass and returns a `Built` with the loss, the parameters
and the labelled state nodes, so tests can compare what viz reads with the graph itself.

Read next: tests/test_viz.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

import tinygrad_rnn as tg


@dataclass
class Built:
    """What a builder made: the loss (after backward), parameters and state nodes."""

    loss: object
    params: dict
    h: list = field(default_factory=list)  # h_0 .. h_T (top layer)
    c: list = field(default_factory=list)  # c_0 .. c_T (LSTM only)


def _param(rng, name: str, *shape: int, scale: float = 0.5) -> tg.Tensor:
    return tg.tensor(rng.normal(0.0, scale, shape), requires_grad=True, label=name)


def _inputs(rng, steps: int, batch: int, size: int) -> np.ndarray:
    return rng.normal(0.0, 1.0, (steps, batch, size))  # (T, B, D)


def _last_step_loss(h: tg.Tensor) -> tg.Tensor:
    """L = sum of the last hidden state: the gradient enters at t = T only."""
    return h.sum().named("L")


def rnn(
    steps: int = 3,
    hidden: int = 3,
    size: int = 2,
    batch: int = 1,
    seed: int = 0,
    output: bool = False,
) -> Built:
    """Vanilla RNN: h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh); L = Σ h_T.

    With output=True each step also computes o_t = h_t Vᵀ + c inside the time step but
    outside the cell (as the lessons' RNN does), and L = Σ_t Σ o_t.
    """
    rng = np.random.default_rng(seed)
    W_ih = _param(rng, "weight_ih_l0", hidden, size)
    W_hh = _param(rng, "weight_hh_l0", hidden, hidden)
    b_ih = _param(rng, "bias_ih_l0", hidden)
    b_hh = _param(rng, "bias_hh_l0", hidden)
    V = _param(rng, "V", 2, hidden)
    c = _param(rng, "c", 2)
    xs = _inputs(rng, steps, batch, size)
    outputs = []
    with tg.scope("rnn"), tg.scope("l0"):
        h = tg.zeros(batch, hidden, label="h_0")
        hs = [h]
        for t in range(1, steps + 1):
            with tg.scope(t=t):
                x = tg.tensor(xs[t - 1], label=f"x_{t}")
                with tg.scope("cell"):
                    pre = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh  # (B, H)
                    h = pre.tanh().named(f"h_{t}")
                if output:
                    outputs.append((h @ V.T + c).named(f"o_{t}"))  # (B, 2)
            hs.append(h)
    if output:
        loss = outputs[0].sum()
        for o in outputs[1:]:
            loss = loss + o.sum()
        loss = loss.named("L")
    else:
        loss = _last_step_loss(h)
    loss.backward()
    used = (W_ih, W_hh, b_ih, b_hh) + ((V, c) if output else ())
    params = {p.label: p for p in used}
    return Built(loss, params, hs)


def lstm_step(x, h, c, W_ih, W_hh, b_ih, b_hh, t):
    """One LSTM cell step (PyTorch layout, rows i, f, g, o) inside scope("cell")."""
    H = h.shape[-1]
    with tg.scope("cell"):
        gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh  # (B, 4H)
        with tg.scope("gates"):
            i = gates[:, 0:H].sigmoid().named(f"i_{t}")
            f = gates[:, H : 2 * H].sigmoid().named(f"f_{t}")
            g = gates[:, 2 * H : 3 * H].tanh().named(f"g_{t}")
            o = gates[:, 3 * H : 4 * H].sigmoid().named(f"o_{t}")
        c = (f * c + i * g).named(f"c_{t}")
        h = (o * c.tanh()).named(f"h_{t}")
    return h, c


def lstm(
    steps: int = 3,
    hidden: int = 3,
    size: int = 2,
    batch: int = 1,
    seed: int = 0,
    layers: int = 1,
) -> Built:
    """LSTM with `layers` stacked layers (scopes l0, l1, ...); L = Σ h_T of the top layer."""
    rng = np.random.default_rng(seed)
    xs = tg.tensor(_inputs(rng, steps, batch, size))  # (T, B, D), indexed per step
    params = {}
    hs, cs = [], []
    with tg.scope("lstm"):
        for layer in range(layers):
            in_size = size if layer == 0 else hidden
            W_ih = _param(rng, f"weight_ih_l{layer}", 4 * hidden, in_size)
            W_hh = _param(rng, f"weight_hh_l{layer}", 4 * hidden, hidden)
            b_ih = _param(rng, f"bias_ih_l{layer}", 4 * hidden)
            b_hh = _param(rng, f"bias_hh_l{layer}", 4 * hidden)
            params.update({p.label: p for p in (W_ih, W_hh, b_ih, b_hh)})
            with tg.scope(f"l{layer}"):
                h = tg.zeros(batch, hidden, label="h_0")
                c = tg.zeros(batch, hidden, label="c_0")
                hs, cs = [h], [c]
                outputs = []
                for t in range(1, steps + 1):
                    with tg.scope(t=t):
                        x = xs[t - 1]  # (B, D)
                        h, c = lstm_step(x, h, c, W_ih, W_hh, b_ih, b_hh, t)
                    hs.append(h)
                    cs.append(c)
                    outputs.append(h)
            xs = outputs
    loss = _last_step_loss(h)
    loss.backward()
    return Built(loss, params, hs, cs)


def gru(steps: int = 3, hidden: int = 3, size: int = 2, batch: int = 1, seed: int = 0) -> Built:
    """GRU (PyTorch's convention, rows r, z, n): h' = (1 - z) n + z h; L = Σ h_T."""
    rng = np.random.default_rng(seed)
    W_ih = _param(rng, "weight_ih_l0", 3 * hidden, size)
    W_hh = _param(rng, "weight_hh_l0", 3 * hidden, hidden)
    b_ih = _param(rng, "bias_ih_l0", 3 * hidden)
    b_hh = _param(rng, "bias_hh_l0", 3 * hidden)
    xs = _inputs(rng, steps, batch, size)
    H = hidden
    with tg.scope("gru"), tg.scope("l0"):
        h = tg.zeros(batch, hidden, label="h_0")
        hs = [h]
        for t in range(1, steps + 1):
            with tg.scope(t=t):
                x = tg.tensor(xs[t - 1], label=f"x_{t}")
                with tg.scope("cell"):
                    gi = x @ W_ih.T + b_ih  # (B, 3H)
                    gh = h @ W_hh.T + b_hh  # (B, 3H)
                    with tg.scope("gates"):
                        r = (gi[:, 0:H] + gh[:, 0:H]).sigmoid().named(f"r_{t}")
                        z = (gi[:, H : 2 * H] + gh[:, H : 2 * H]).sigmoid().named(f"z_{t}")
                        n = (gi[:, 2 * H :] + r * gh[:, 2 * H :]).tanh().named(f"n_{t}")
                    h = ((1 - z) * n + z * h).named(f"h_{t}")
            hs.append(h)
    loss = _last_step_loss(h)
    loss.backward()
    params = {p.label: p for p in (W_ih, W_hh, b_ih, b_hh)}
    return Built(loss, params, hs)


def scalar_rnn(steps: int = 2, hidden: int = 2, seed: int = 0) -> Built:
    """A 2-unit RNN on scalars (`Value`): h_t[j] = tanh(U[j] x_t + Σ_k W[j,k] h_{t-1}[k] + b[j]).

    Every multiply is its own node: the classroom's first picture. L = Σ_j h_T[j].
    The hidden units are labelled h_t[0], h_t[1].
    """
    rng = np.random.default_rng(seed)
    U = [tg.Value(rng.normal(0, 0.5), label=f"U[{j}]") for j in range(hidden)]
    W = [
        [tg.Value(rng.normal(0, 0.5), label=f"W[{j},{k}]") for k in range(hidden)]
        for j in range(hidden)
    ]
    b = [tg.Value(0.1 * j, label=f"b[{j}]") for j in range(hidden)]
    xs = rng.normal(0, 1, steps)
    with tg.scope("rnn"):
        h = [tg.Value(0.0, label=f"h_0[{j}]", requires_grad=False) for j in range(hidden)]
        hs = [h]
        for t in range(1, steps + 1):
            with tg.scope(t=t):
                x = tg.Value(float(xs[t - 1]), label=f"x_{t}", requires_grad=False)
                with tg.scope("cell"):
                    new = []
                    for j in range(hidden):
                        pre = U[j] * x + b[j]
                        for k in range(hidden):
                            pre = pre + W[j][k] * h[k]
                        new.append(pre.tanh().named(f"h_{t}[{j}]"))
                    h = new
            hs.append(h)
    loss = h[0]
    for unit in h[1:]:
        loss = loss + unit
    loss.named("L")
    loss.backward()
    params = {p.label: p for p in U + [w for row in W for w in row] + b}
    return Built(loss, params, hs)


def nan_graph() -> Built:
    """a = 0 (a leaf); L = Σ (sqrt(a) * 0 + a): d sqrt(a)/da = inf at 0, times 0 gives nan."""
    a = tg.zeros(2, requires_grad=True, label="a")
    root = a**0.5  # gradient inf at a = 0
    loss = ((root * 0.0) + a).sum().named("L")
    with np.errstate(divide="ignore", invalid="ignore"):
        loss.backward()
    return Built(loss, {"a": a})


# --------------------------------------------------------------------------------------
# Reading the DOT text back
# --------------------------------------------------------------------------------------
@dataclass
class Dot:
    """What a DOT source says: nodes (name -> attributes), edges, clusters."""

    nodes: dict  # name -> {"attrs": {...}, "clusters": [outermost, ..., innermost]}
    edges: list  # (tail, head, attrs) in source order
    clusters: dict  # name -> {"attrs": {...}, "parent": name or None}

    def label_of(self, name: str) -> str:
        """The bold title of a node's HTML label (its engine label or op)."""
        match = re.search(r"<b>(.*?)</b>", self.nodes[name]["attrs"].get("label", ""))
        return match.group(1) if match else self.nodes[name]["attrs"].get("label", "")

    def visible_edges(self) -> list:
        """Edges that draw something: not the hidden step-order edges, not the legend."""
        return [edge for edge in self.edges if edge[2].get("color") != "transparent"]

    def time_clusters(self) -> dict:
        """t -> cluster name, for the clusters labelled "t = k"."""
        found = {}
        for name, cluster in self.clusters.items():
            match = re.search(r"t = (\d+)", cluster["attrs"].get("label", ""))
            if match:
                t = int(match.group(1))
                assert t not in found, f"two clusters labelled t = {t}"
                found[t] = name
        return found


def _read_value(text: str, start: int) -> tuple[str, int]:
    """One attribute value starting at `start`: "quoted", <html> or bare."""
    if text[start] == '"':
        end = start + 1
        while text[end] != '"':
            end += 2 if text[end] == "\\" else 1
        return text[start + 1 : end].replace('\\"', '"'), end + 1
    if text[start] == "<":
        depth = 0
        end = start
        while True:
            if text[end] == "<":
                depth += 1
            elif text[end] == ">":
                depth -= 1
                if depth == 0:
                    return text[start + 1 : end], end + 1
            end += 1
    end = start
    while end < len(text) and not text[end].isspace() and text[end] != "]":
        end += 1
    return text[start:end], end


def read_attrs(text: str) -> dict:
    attrs = {}
    position = 0
    while position < len(text):
        match = re.compile(r"\s*(\w+)=").match(text, position)
        if not match:
            break
        value, position = _read_value(text, match.end())
        attrs[match.group(1)] = value
    return attrs


NODE_LINE = re.compile(r"^(\w+) \[(.*)\]$")
EDGE_LINE = re.compile(r"^(\w+) -> (\w+)(?: \[(.*)\])?$")


def read_dot(source: str) -> Dot:
    """Parse the DOT that graphviz.Digraph writes (one statement per line)."""
    nodes, edges, clusters = {}, [], {}
    stack: list[str] = []
    for raw in source.splitlines()[1:]:
        line = raw.strip()
        if line.startswith("subgraph"):
            name = line.split()[1] if len(line.split()) > 2 else f"anonymous_{len(clusters)}"
            clusters[name] = {"attrs": {}, "parent": stack[-1] if stack else None}
            stack.append(name)
        elif line == "}":
            if stack:
                stack.pop()
        elif line.startswith(("node [", "edge [", "graph [")):
            continue
        elif EDGE_LINE.match(line):
            match = EDGE_LINE.match(line)
            edges.append((match.group(1), match.group(2), read_attrs(match.group(3) or "")))
        elif NODE_LINE.match(line):
            match = NODE_LINE.match(line)
            nodes[match.group(1)] = {"attrs": read_attrs(match.group(2)), "clusters": list(stack)}
        elif stack and "=" in line:
            clusters[stack[-1]]["attrs"].update(read_attrs(line))
    return Dot(nodes, edges, clusters)
