"""A step-through page of the backward pass: one self-contained HTML file.

    import viz
    loss = model_loss(...)                      # before or after loss.backward()
    viz.player(loss, "bptt.html")               # open it in any browser, offline

The page shows the unrolled graph (the same picture as `viz.render(loss, detail="ops")`,
inlined as SVG) and steps through `backward_steps()` one node at a time - with a slider,
buttons, the arrow keys (← →, Home, End, space to play) or a click on a node:

- the node being processed is outlined in orange; nodes not reached yet are faded, and
  nodes that have received part of their gradient are dashed;
- every arrow along which a gradient has been sent takes its colour and thickness from
  the norm of that gradient (the log scale of the legend); the arrows sending at this
  step are animated;
- beside the graph: the gradient that has arrived (∂L/∂node: shape, norm, first values),
  the op's derivative (the one-line docstring of its class in ops.py: f and f'), what
  was sent to each parent, and ‖∂L/∂h_t‖ (‖∂L/∂c_t‖) of the states processed so far.

What the player does to your graph: nothing you can see afterwards. It runs the backward
pass itself (`backward_steps()`, recording every step) on a clean slate - every node's
`.grad` is set aside first - and then puts every `.grad` back exactly as it was (the same
arrays). So it works before `loss.backward()` (your grads stay None) and after it (your
grads are unchanged, not doubled). It needs the graph: not after a lean
`backward(retain_graph=False)`.

Nothing on the page loads from the network: the SVG, the script, the styles and the step
data (JSON in a <script type="application/json"> element) are all inside the file.

Read next: nothing - this is the end of viz.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from tinygrad_rnn.graph import Node

from .backend import DEFAULT_TIMEOUT, render_source
from .dot import to_digraph
from .errors import VizError
from .extract import (
    DEFAULT_MAX_NODES,
    STATE_LABEL,
    check_root,
    collect_nodes,
    extract,
    format_number,
    norm,
)
from .render import write_atomic

VALUES_SHOWN = 6  # first values of a gradient shown on the page


# --------------------------------------------------------------------------------------
# Recording the backward pass
# --------------------------------------------------------------------------------------
def node_keys(root: Node) -> dict[int, str]:
    """id(node) -> the DOT key of its box at detail "ops": "n" + its creation rank."""
    return {id(node): f"n{rank}" for rank, node in enumerate(collect_nodes(root))}


def node_title(node: Node) -> str:
    """What the page calls a node: its label, else its op, else "leaf"/"constant"."""
    if node.label:
        return node.label
    if node.op:
        return node.op
    return "leaf" if node.requires_grad else "constant"


def derivative_text(node: Node) -> str:
    """The op's derivative: the first paragraph of its class docstring, on one line."""
    if node.op is None:
        if node.requires_grad:
            return "a leaf: the gradients its children sent are summed into .grad"
        return "a constant: no gradient"
    doc = node.op_class.__doc__ or ""
    first = doc.strip().split("\n\n")[0]
    return " ".join(first.split())


def shape_words(value) -> str:
    """'(1, 3)' for an array, 'scalar' for a float (the scalar engine)."""
    if isinstance(value, float):
        return "scalar"
    return str(tuple(np.shape(value)))


def gradient_summary(grad) -> dict | None:
    """Shape, norm and the first few values of a gradient, as text (None: no gradient)."""
    if grad is None:
        return None
    flat = np.ravel(np.asarray(grad, dtype=np.float64))
    shown = [format_number(x) for x in flat[:VALUES_SHOWN]]
    value = norm(flat)
    return {
        "shape": shape_words(grad),
        "norm": format_number(value),
        "norm_value": value if np.isfinite(value) else None,
        "values": shown,
        "more": int(flat.size - len(shown)),
    }


def made_at(node: Node) -> str:
    """Where the node was made, for the page: the line of code and the modules it was
    made in - "render.py:102, in elmanrnn" - or "" when the line is unknown. The line is
    the first one outside the engine (node.source): the user's script, a lesson, or the
    `tinygrad-rnn` command that built the model; the modules say which model it was."""
    if node.source == "<unknown>":
        return ""
    modules = [part for part in node.scope if not part.startswith("t=")]
    return node.source + (", in " + " / ".join(modules) if modules else "")


def step_record(step, keys: dict) -> dict:
    """One BackwardStep as plain data for the page."""
    node = step.node
    sent = []
    for parent, grad in zip(node.parents, step.parent_grads):
        if grad is None or not parent.requires_grad:
            continue
        entry = {"key": keys[id(parent)], "title": node_title(parent)}
        entry.update(gradient_summary(grad))
        sent.append(entry)
    return {
        "index": step.index,
        "key": keys[id(node)],
        "title": node_title(node),
        "op": node.op,
        "time_step": node.time_step,
        "scope": " / ".join(node.scope),
        "source": node.source,
        "made": made_at(node),
        "derivative": derivative_text(node),
        "grad": gradient_summary(step.grad),
        "sent": sent,
    }


def record_steps(root: Node, highlight: str | None, max_nodes: int):
    """Replay the backward pass on a clean slate: (step records, graph data).

    Every node's .grad is set aside and restored afterwards (see the module docstring).
    The graph data is extracted while the replayed gradients are in place, so its arrows
    carry their norms (colour and width) and the tooltips their values.
    """
    nodes = collect_nodes(root)
    saved = [(node, node.grad) for node in nodes]
    keys = node_keys(root)
    try:
        for node in nodes:
            node.grad = None
        records = [step_record(step, keys) for step in root.backward_steps()]
        data = extract(root, detail="ops", grads=True, highlight=highlight, max_nodes=max_nodes)
    finally:
        for node, grad in saved:
            node.grad = grad
    return records, data


def state_rows(records: list) -> list[dict]:
    """The steps that processed a state h_t or c_t, for the "so far" table."""
    rows = []
    for record in records:
        match = STATE_LABEL.match(record["title"])
        if match and record["grad"] is not None:
            rows.append({"step": record["index"], "title": record["title"]})
    return rows


def page_data(records: list, data, title: str) -> dict:
    """Everything the page's script needs: steps, node and edge timing, states."""
    nodes = {box.key: {"step": None, "first": None} for box in data.boxes}
    for record in records:
        nodes.setdefault(record["key"], {"step": None, "first": None})
        nodes[record["key"]]["step"] = record["index"]
        for entry in record["sent"]:
            receiver = nodes.setdefault(entry["key"], {"step": None, "first": None})
            if receiver["first"] is None:
                receiver["first"] = record["index"]
    return {
        "title": title,
        "steps": records,
        "nodes": nodes,
        "states": state_rows(records),
    }


# --------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------
def inline_svg(svg: str) -> str:
    """The <svg> element alone, ready to sit inside HTML: no XML declaration, DOCTYPE or
    comments, no namespace URLs (HTML knows SVG), no fixed size (CSS scales it)."""
    start = svg.index("<svg")
    body = svg[start:]
    body = re.sub(r"<!--.*?-->", "", body, flags=re.DOTALL)
    head_end = body.index(">")
    head = body[:head_end]
    head = re.sub(r'\s(xmlns(:\w+)?)="[^"]*"', "", head)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    return head + ' id="graph-svg" preserveAspectRatio="xMidYMid meet"' + body[head_end:]


def script_json(data: dict) -> str:
    """JSON that is safe inside a <script> element (no '</' can end it early)."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False).replace("</", "<\\/")


def build_page(svg: str, data: dict) -> str:
    """The whole HTML file."""
    page = PAGE.replace("__TITLE__", html_text(data["title"]))
    page = page.replace("__STYLE__", STYLE)
    page = page.replace("__SVG__", inline_svg(svg))
    page = page.replace("__DATA__", script_json(data))
    return page.replace("__SCRIPT__", SCRIPT)


def html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def player(
    root: Node,
    path,
    *,
    title: str | None = None,
    highlight: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Write a self-contained HTML page stepping through the backward pass of `root`.

    root       the loss (any node made by an op); backward may or may not have run -
               the player replays it and leaves every .grad as it was
    path       the .html file to write
    title      the page's heading (default: "Backward pass of <root's label>")
    highlight  None, "cell_state" or "hidden_state", as in viz.draw
    max_nodes  refuse bigger graphs (every primitive is drawn: detail "ops")
    Returns the path written.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise VizError(f"viz.player: writes an HTML page; give a path ending in .html, not {path}")
    check_root(root)
    if not root.requires_grad:
        raise VizError(f"viz.player: {root.describe()} does not require grad: no backward pass")
    records, data = record_steps(root, highlight, max_nodes)
    name = root.label or "the loss"
    heading = title if title is not None else f"Backward pass of {name}"
    graph = to_digraph(data)
    svg = render_source(graph.source, "svg", timeout=timeout).decode("utf-8")
    write_atomic(path, build_page(svg, page_data(records, data, heading)).encode("utf-8"))
    return path


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>__STYLE__</style>
</head>
<body data-step="0">
<header>
  <h1 id="title">__TITLE__</h1>
  <div id="controls">
    <button id="first" title="first step (Home)">|&#x25C0;</button>
    <button id="prev" title="previous step (&#x2190;)">&#x25C0;</button>
    <button id="play" title="play / pause (space)">play</button>
    <button id="next" title="next step (&#x2192;)">&#x25B6;</button>
    <button id="last" title="last step (End)">&#x25B6;|</button>
    <input id="slider" type="range" min="0" max="0" value="0" aria-label="step">
    <span id="counter">step <b id="step-index">0</b> / <span id="step-count">0</span></span>
    <span id="zoom">
      <button id="zoom-out" title="zoom out">&#x2212;</button>
      <button id="zoom-fit" title="fit the width">fit</button>
      <button id="zoom-in" title="zoom in">+</button>
    </span>
  </div>
</header>
<main>
  <section id="graph">__SVG__</section>
  <section id="panel">
    <div class="card" id="card-node">
      <div class="caption">node processed now</div>
      <div id="node-title"></div>
      <div id="node-meta"></div>
      <div class="caption">gradient that has arrived:
        <span class="math">&#x2202;L/&#x2202;<span id="grad-name"></span></span></div>
      <div class="numbers"><span id="grad-shape"></span> &#xB7;
        &#x2016;g&#x2016; = <b id="grad-norm"></b></div>
      <div class="values" id="grad-values"></div>
    </div>
    <div class="card" id="card-rule">
      <div class="caption">local derivative (ops.py)</div>
      <div id="derivative"></div>
      <div class="caption">sent to each parent: &#x2202;L/&#x2202;out &#xB7; local derivative</div>
      <table id="sent"></table>
    </div>
    <div class="card" id="card-states">
      <div class="caption">hidden / cell states reached so far</div>
      <table id="states"></table>
      <div class="help">&#x2190; &#x2192; step &#xB7; Home/End &#xB7; space plays &#xB7;
        click a node to jump to its step. Faded: not reached yet; dashed: part of its
        gradient has arrived; arrow colour and width: &#x2016;gradient&#x2016; (legend).</div>
    </div>
  </section>
</main>
<script type="application/json" id="player-data">__DATA__</script>
<script>__SCRIPT__</script>
</body>
</html>
"""

STYLE = """
:root { --accent: #e8590c; --ink: #1f2933; --muted: #52606d; --line: #d9e2ec; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: #fff; font-size: 18px; height: 100vh;
  display: flex; flex-direction: column; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.5rem;
  padding: 0.5rem 1rem; border-bottom: 2px solid var(--line); background: #f8fafc; }
h1 { font-size: 1.35rem; margin: 0; }
#controls { display: flex; align-items: center; gap: 0.4rem; flex-wrap: wrap; }
button { font-size: 1.1rem; min-width: 2.6rem; padding: 0.25rem 0.6rem; border-radius: 6px;
  border: 1px solid #9aa5b1; background: #fff; cursor: pointer; }
button:hover { background: #fff4e6; border-color: var(--accent); }
#slider { width: min(40vw, 520px); accent-color: var(--accent); }
#counter { font-variant-numeric: tabular-nums; margin-left: 0.3rem; }
#zoom { margin-left: 0.8rem; }
main { flex: 1 1 auto; min-height: 0; display: flex; flex-direction: column; }
#graph { flex: 1 1 auto; min-height: 40vh; overflow: auto; border-bottom: 2px solid var(--line); }
#graph svg { display: block; width: 100%; height: 100%; }
#panel { flex: 0 0 auto; }
#panel { display: grid; grid-template-columns: 1.1fr 1.3fr 1fr; gap: 0.8rem; padding: 0.8rem 1rem; }
.card { border: 1px solid var(--line); border-radius: 10px; padding: 0.6rem 0.9rem;
  background: #fbfcfe; min-width: 0; }
.caption { font-size: 0.85rem; letter-spacing: 0.02em; color: var(--muted);
  margin-top: 0.35rem; font-weight: 600; }
.math { color: var(--ink); }
#node-title { font-size: 2rem; font-weight: 700; color: var(--accent); line-height: 1.2; }
#node-meta { color: var(--muted); font-size: 0.95rem; margin-bottom: 0.3rem; }
.numbers { font-size: 1.2rem; font-variant-numeric: tabular-nums; }
.values { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 1rem;
  overflow-wrap: anywhere; }
#derivative { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace;
  font-size: 1.05rem; background: #fff; border-left: 4px solid var(--accent);
  padding: 0.3rem 0.5rem; margin: 0.2rem 0 0.3rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.95rem;
  font-variant-numeric: tabular-nums; }
td { padding: 0.12rem 0.4rem 0.12rem 0; vertical-align: top; }
td.name { font-weight: 600; white-space: nowrap; }
td.nums { white-space: nowrap; }
td.vals { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 0.85rem;
  color: var(--muted); overflow-wrap: anywhere; }
tr.latest td { color: var(--accent); font-weight: 700; }
.help { font-size: 0.8rem; color: var(--muted); margin-top: 0.6rem; }
g.node { cursor: pointer; transition: opacity 0.15s; }
g.node.waiting { opacity: 0.3; }
g.node.nograd { opacity: 0.5; }
g.node.arriving path, g.node.arriving polygon, g.node.arriving ellipse {
  stroke: var(--accent) !important; stroke-dasharray: 5 3; stroke-width: 2px !important; }
g.node.current path, g.node.current polygon, g.node.current ellipse {
  stroke: var(--accent) !important; stroke-width: 6px !important; }
g.node.current { filter: drop-shadow(0 0 8px rgba(232, 89, 12, 0.9)); }
g.edge.waiting path { stroke: #e4e7eb !important; stroke-width: 1px !important; }
g.edge.waiting polygon { fill: #e4e7eb !important; stroke: #e4e7eb !important; }
g.edge.sending path { stroke: var(--accent) !important; stroke-width: 4px !important;
  stroke-dasharray: 10 6; animation: flow 0.7s linear infinite; }
g.edge.sending polygon { fill: var(--accent) !important; stroke: var(--accent) !important; }
@keyframes flow { to { stroke-dashoffset: 32; } }
@media (max-width: 900px) { #panel { grid-template-columns: 1fr; } }
"""

SCRIPT = """
"use strict";
const DATA = JSON.parse(document.getElementById("player-data").textContent);
const STEPS = DATA.steps;
const LAST = STEPS.length - 1;
const svg = document.querySelector("#graph svg");
const nodeEls = {};
const edges = [];
let current = 0;
let timer = null;
let zoom = 1;

function titleOf(g) {
  const t = g.querySelector("title");
  return t ? t.textContent.trim() : "";
}

svg.querySelectorAll("g.node").forEach(function (g) {
  const key = titleOf(g);
  nodeEls[key] = g;
  g.querySelectorAll("title").forEach(function (t) { t.remove(); });
  g.addEventListener("click", function () {
    const info = DATA.nodes[key];
    if (info && info.step !== null) { stop(); show(info.step); }
  });
});
svg.querySelectorAll("g.edge").forEach(function (g) {
  const parts = titleOf(g).split("->");
  g.querySelectorAll("title").forEach(function (t) { t.remove(); });
  const child = DATA.nodes[parts[1]];
  const parent = DATA.nodes[parts[0]];
  if (child && parent && child.step !== null && (parent.step !== null || parent.first !== null)) {
    edges.push({ el: g, step: child.step });
  }
});

function setClass(el, name) {
  el.classList.remove("waiting", "arriving", "current", "done", "nograd", "sending");
  if (name) { el.classList.add(name); }
}

function nodeState(info, k) {
  if (info.step === null && info.first === null) { return "nograd"; }
  if (info.step === k) { return "current"; }
  if (info.step !== null && info.step < k) { return "done"; }
  if (info.first !== null && info.first <= k) { return "arriving"; }
  return "waiting";
}

function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) { td.className = cls; }
  row.appendChild(td);
  return td;
}

function valuesText(g) {
  if (!g) { return ""; }
  return "[" + g.values.join(", ") + (g.more > 0 ? ", \\u2026 " + g.more + " more" : "") + "]";
}

function showPanel(step) {
  document.getElementById("node-title").textContent = step.title;
  const meta = [];
  if (step.op) { meta.push(step.op); } else { meta.push("leaf"); }
  if (step.time_step !== null) { meta.push("t = " + step.time_step); }
  if (step.made) { meta.push("made at " + step.made); }
  document.getElementById("node-meta").textContent = meta.join(" \\u00b7 ");
  document.getElementById("grad-name").textContent = step.title;
  const g = step.grad;
  document.getElementById("grad-shape").textContent = g ? g.shape : "no gradient";
  document.getElementById("grad-norm").textContent = g ? g.norm : "\\u2014";
  document.getElementById("grad-values").textContent = valuesText(g);
  document.getElementById("derivative").textContent = step.derivative;
  const sent = document.getElementById("sent");
  sent.replaceChildren();
  if (step.sent.length === 0) {
    const row = sent.insertRow();
    cell(row, step.op ? "(no parent needs a gradient)" : "(a leaf: nothing to send)", "vals");
  }
  step.sent.forEach(function (entry) {
    const row = sent.insertRow();
    cell(row, "\\u2192 " + entry.title, "name");
    cell(row, entry.shape + "  \\u2016g\\u2016 = " + entry.norm, "nums");
    const vals = cell(row, valuesText(entry), "vals");
    vals.title = valuesText(entry);
  });
}

function showStates(k) {
  const table = document.getElementById("states");
  table.replaceChildren();
  let latest = null;
  DATA.states.forEach(function (s) { if (s.step <= k) { latest = s.step; } });
  DATA.states.forEach(function (s) {
    if (s.step > k) { return; }
    const step = STEPS[s.step];
    const row = table.insertRow();
    if (s.step === latest) { row.className = "latest"; }
    cell(row, "\\u2202L/\\u2202" + s.title, "name");
    cell(row, "\\u2016g\\u2016 = " + step.grad.norm);
  });
  if (!table.rows.length) {
    cell(table.insertRow(), "none yet: the gradient starts at the loss", "vals");
  }
}

function show(k) {
  k = Math.max(0, Math.min(LAST, k));
  current = k;
  const step = STEPS[k];
  Object.keys(nodeEls).forEach(function (key) {
    const info = DATA.nodes[key];
    setClass(nodeEls[key], info ? nodeState(info, k) : null);
  });
  edges.forEach(function (e) {
    setClass(e.el, e.step < k ? "done" : (e.step === k ? "sending" : "waiting"));
  });
  showPanel(step);
  showStates(k);
  document.getElementById("step-index").textContent = String(k);
  document.getElementById("slider").value = String(k);
  document.body.dataset.step = String(k);
  document.body.dataset.node = step.key;
  const el = nodeEls[step.key];
  if (el && zoom > 1) { el.scrollIntoView({ block: "center", inline: "center" }); }
}

function stop() {
  if (timer !== null) { clearInterval(timer); timer = null; }
  document.getElementById("play").textContent = "play";
}

function play() {
  if (timer !== null) { stop(); return; }
  if (current >= LAST) { show(0); }
  document.getElementById("play").textContent = "pause";
  timer = setInterval(function () {
    if (current >= LAST) { stop(); return; }
    show(current + 1);
  }, 900);
}

function setZoom(z) {
  zoom = Math.max(1, Math.min(6, z));
  svg.style.width = (100 * zoom) + "%";
  svg.style.height = (100 * zoom) + "%";
  const el = nodeEls[STEPS[current].key];
  if (el && zoom > 1) { el.scrollIntoView({ block: "center", inline: "center" }); }
}

function button(id, action) {
  document.getElementById(id).addEventListener("click", action);
}
button("first", function () { stop(); show(0); });
button("prev", function () { stop(); show(current - 1); });
button("next", function () { stop(); show(current + 1); });
button("last", function () { stop(); show(LAST); });
document.getElementById("play").addEventListener("click", play);
document.getElementById("zoom-in").addEventListener("click", function () { setZoom(zoom * 1.5); });
document.getElementById("zoom-out").addEventListener("click", function () { setZoom(zoom / 1.5); });
document.getElementById("zoom-fit").addEventListener("click", function () { setZoom(1); });
const slider = document.getElementById("slider");
slider.max = String(LAST);
slider.addEventListener("input", function () { stop(); show(Number(slider.value)); });
document.getElementById("step-count").textContent = String(LAST);
document.addEventListener("keydown", function (event) {
  if (event.key === "ArrowRight" || event.key === "ArrowDown") { stop(); show(current + 1); }
  else if (event.key === "ArrowLeft" || event.key === "ArrowUp") { stop(); show(current - 1); }
  else if (event.key === "Home") { stop(); show(0); }
  else if (event.key === "End") { stop(); show(LAST); }
  else if (event.key === " ") { play(); }
  else { return; }
  event.preventDefault();
});
show(0);
"""
