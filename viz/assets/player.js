"use strict";
// The player's page (viz/player.py fills DATA in). Three parts: the graph's view (fit to
// the window on load, zoom, pan), the step shown (node classes, arrows, the panel), and
// the controls (buttons, slider, keys, mouse).
const DATA = JSON.parse(document.getElementById("player-data").textContent);
const STEPS = DATA.steps;
const LAST = STEPS.length - 1;
const graphArea = document.getElementById("graph");
const svg = document.querySelector("#graph svg");
const nodeEls = {};
const edges = [];
let current = 0;
let timer = null;

// ---------------------------------------------------------------------------------------
// The view: the SVG's viewBox. FULL is the whole drawing; "fit" shows all of it as large
// as the graph area allows, keeping its aspect (preserveAspectRatio meet). Zoom scales
// the viewBox about a point, pan moves it.
// ---------------------------------------------------------------------------------------
const base = svg.viewBox.baseVal;
const FULL = { x: base.x, y: base.y, w: base.width, h: base.height };
let view = Object.assign({}, FULL);

function zoomLevel() { return FULL.w / view.w; }

function setView(v) {
  view = v;
  svg.setAttribute("viewBox", [v.x, v.y, v.w, v.h].join(" "));
  document.body.dataset.zoom = zoomLevel().toFixed(3);
}

function fit() { setView(Object.assign({}, FULL)); }

function toSvg(clientX, clientY) {
  const point = svg.createSVGPoint();
  point.x = clientX;
  point.y = clientY;
  return point.matrixTransform(svg.getScreenCTM().inverse());
}

function zoomAbout(factor, at) {
  const level = Math.max(1, Math.min(12, zoomLevel() * factor));
  const w = FULL.w / level;
  const h = FULL.h / level;
  const keep = (at.x - view.x) / view.w;
  const keepY = (at.y - view.y) / view.h;
  setView({ x: at.x - keep * w, y: at.y - keepY * h, w: w, h: h });
}

function zoomCentre(factor) {
  zoomAbout(factor, { x: view.x + view.w / 2, y: view.y + view.h / 2 });
  follow(true);
}

function follow(always) {
  // keep the current node in sight while zoomed in: centre on it when it is outside
  const el = nodeEls[STEPS[current].key];
  if (!el || zoomLevel() <= 1) { return; }
  const r = el.getBoundingClientRect();
  const c = toSvg(r.left + r.width / 2, r.top + r.height / 2);
  const inside = c.x > view.x && c.x < view.x + view.w && c.y > view.y && c.y < view.y + view.h;
  if (inside && !always) { return; }
  setView({ x: c.x - view.w / 2, y: c.y - view.h / 2, w: view.w, h: view.h });
}

function drawingScale() {
  // how many screen pixels one unit of the drawing gets when it is fitted
  const r = graphArea.getBoundingClientRect();
  return Math.min(r.width / FULL.w, r.height / FULL.h);
}

function placePanel() {
  // the panel goes below the graph or beside it, whichever leaves the drawing larger
  if (document.body.classList.contains("panel-hidden")) { return; }
  document.body.classList.remove("panel-side");
  document.body.classList.add("panel-below");
  const below = drawingScale();
  document.body.classList.replace("panel-below", "panel-side");
  if (drawingScale() <= below) { document.body.classList.replace("panel-side", "panel-below"); }
}

function togglePanel() {
  document.body.classList.toggle("panel-hidden");
  placePanel();
}

// ---------------------------------------------------------------------------------------
// The graph's nodes and arrows, and what each step makes of them
// ---------------------------------------------------------------------------------------
function titleOf(g) {
  const t = g.querySelector("title");
  return t ? t.textContent.trim() : "";
}

let dragged = false;  // a drag that pans is not a click on a node
svg.querySelectorAll("g.node").forEach(function (g) {
  const key = titleOf(g);
  nodeEls[key] = g;
  g.querySelectorAll("title").forEach(function (t) { t.remove(); });
  g.addEventListener("click", function () {
    const info = DATA.nodes[key];
    if (!dragged && info && info.step !== null) { stop(); show(info.step); }
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

// ---------------------------------------------------------------------------------------
// The panel
// ---------------------------------------------------------------------------------------
function byId(id) { return document.getElementById(id); }

function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) { td.className = cls; }
  row.appendChild(td);
  return td;
}

function valuesText(g) {
  if (!g) { return ""; }
  return "[" + g.values.join(", ") + (g.more > 0 ? ", \u2026 " + g.more + " more" : "") + "]";
}

function showSources(step) {
  // the line of the user's code that made the node (a box: every line that made its ops)
  const box = byId("node-code");
  box.replaceChildren();
  const lines = step.sources || (step.made ? [{ made: step.made, code: step.code }] : []);
  lines.forEach(function (line) {
    const where = document.createElement("div");
    where.className = "where";
    where.textContent = "made at " + line.made + (line.ops ? " (" + line.ops + " ops)" : "");
    box.appendChild(where);
    if (line.code) {
      const code = document.createElement("code");
      code.textContent = line.code;
      box.appendChild(code);
    }
  });
}

function showArrived(step) {
  // a box: the gradients of its outputs; a node: the gradient that arrived at it
  const arrived = byId("arrived");
  arrived.replaceChildren();
  const many = Boolean(step.arrived && step.arrived.length);
  byId("grad-caption").hidden = many;
  document.querySelector("#card-node .numbers").hidden = many;
  byId("grad-values").hidden = many;
  (step.arrived || []).forEach(function (entry) {
    const row = arrived.insertRow();
    cell(row, "\u2202L/\u2202" + entry.title, "name");
    cell(row, entry.shape + "  \u2016g\u2016 = " + entry.norm, "nums");
    cell(row, valuesText(entry), "vals");
  });
  byId("grad-name").textContent = step.title;
  const g = step.grad;
  byId("grad-shape").textContent = g ? g.shape : "no gradient";
  byId("grad-norm").textContent = g ? g.norm : "\u2014";
  byId("grad-values").textContent = valuesText(g);
}

function showSent(step) {
  const sent = byId("sent");
  sent.replaceChildren();
  if (step.sent.length === 0) {
    const row = sent.insertRow();
    const words = step.op || step.box ? "(no parent needs a gradient)" : "(a leaf: nothing to send)";
    cell(row, words, "vals");
  }
  step.sent.forEach(function (entry) {
    const row = sent.insertRow();
    cell(row, "\u2192 " + entry.title, "name");
    cell(row, entry.shape + "  \u2016g\u2016 = " + entry.norm, "nums");
    const vals = cell(row, valuesText(entry), "vals");
    vals.title = valuesText(entry);
  });
}

function showPanel(step) {
  byId("node-caption").textContent = step.box
    ? "box processed now: all its nodes' gradients are done" : "node processed now";
  byId("node-title").textContent = step.title;
  const meta = [step.op || (step.box ? "box" : "leaf")];
  if (step.time_step !== null) { meta.push("t = " + step.time_step); }
  byId("node-meta").textContent = meta.join(" \u00b7 ");
  showSources(step);
  showArrived(step);
  byId("rule-caption").textContent = step.box ? "inside the box" : "local derivative (ops.py)";
  byId("derivative").textContent = step.derivative;
  showSent(step);
}

function showStates(k) {
  const table = byId("states");
  table.replaceChildren();
  let latest = null;
  DATA.states.forEach(function (s) { if (s.step <= k) { latest = s.step; } });
  DATA.states.forEach(function (s) {
    if (s.step > k) { return; }
    const row = table.insertRow();
    if (s.step === latest) { row.className = "latest"; }
    cell(row, "\u2202L/\u2202" + s.title, "name");
    cell(row, "\u2016g\u2016 = " + s.norm);
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
  byId("step-index").textContent = String(k);
  byId("slider").value = String(k);
  document.body.dataset.step = String(k);
  document.body.dataset.node = step.key;
  follow(false);
}

function stop() {
  if (timer !== null) { clearInterval(timer); timer = null; }
  byId("play").textContent = "play";
}

function play() {
  if (timer !== null) { stop(); return; }
  if (current >= LAST) { show(0); }
  byId("play").textContent = "pause";
  timer = setInterval(function () {
    if (current >= LAST) { stop(); return; }
    show(current + 1);
  }, 900);
}

// ---------------------------------------------------------------------------------------
// Controls: buttons, slider, keys, mouse (drag pans, the wheel zooms about the pointer)
// ---------------------------------------------------------------------------------------
function button(id, action) {
  byId(id).addEventListener("click", action);
}
button("first", function () { stop(); show(0); });
button("prev", function () { stop(); show(current - 1); });
button("next", function () { stop(); show(current + 1); });
button("last", function () { stop(); show(LAST); });
button("play", play);
button("zoom-in", function () { zoomCentre(1.5); });
button("zoom-out", function () { zoomCentre(1 / 1.5); });
button("zoom-fit", fit);
button("panel-toggle", togglePanel);
const slider = byId("slider");
slider.max = String(LAST);
slider.addEventListener("input", function () { stop(); show(Number(slider.value)); });
byId("step-count").textContent = String(LAST);

const KEYS = {
  ArrowRight: function () { stop(); show(current + 1); },
  ArrowDown: function () { stop(); show(current + 1); },
  ArrowLeft: function () { stop(); show(current - 1); },
  ArrowUp: function () { stop(); show(current - 1); },
  Home: function () { stop(); show(0); },
  End: function () { stop(); show(LAST); },
  " ": play,
  "+": function () { zoomCentre(1.5); },
  "=": function () { zoomCentre(1.5); },
  "-": function () { zoomCentre(1 / 1.5); },
  "0": fit,
  p: togglePanel,
  P: togglePanel,
};
document.addEventListener("keydown", function (event) {
  const action = KEYS[event.key];
  if (!action || event.ctrlKey || event.metaKey || event.altKey) { return; }
  if (event.target === slider && event.key.startsWith("Arrow")) { return; }
  action();
  event.preventDefault();
});

let drag = null;
graphArea.addEventListener("pointerdown", function (event) {
  if (event.button !== 0) { return; }
  drag = { x: event.clientX, y: event.clientY, view: Object.assign({}, view),
    scale: svg.getScreenCTM().a };
  dragged = false;
});
window.addEventListener("pointermove", function (event) {
  if (!drag) { return; }
  const dx = event.clientX - drag.x;
  const dy = event.clientY - drag.y;
  if (!dragged && Math.abs(dx) + Math.abs(dy) < 5) { return; }
  dragged = true;
  graphArea.classList.add("dragging");
  setView({ x: drag.view.x - dx / drag.scale, y: drag.view.y - dy / drag.scale,
    w: view.w, h: view.h });
});
window.addEventListener("pointerup", function () {
  drag = null;
  graphArea.classList.remove("dragging");
  setTimeout(function () { dragged = false; }, 0);
});
graphArea.addEventListener("wheel", function (event) {
  event.preventDefault();
  zoomAbout(event.deltaY < 0 ? 1.2 : 1 / 1.2, toSvg(event.clientX, event.clientY));
}, { passive: false });
window.addEventListener("resize", placePanel);

placePanel();
fit();
show(0);
