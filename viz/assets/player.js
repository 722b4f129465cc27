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
  return "[" + g.values.join(", ") + (g.more > 0 ? ", \u2026 " + g.more + " more" : "") + "]";
}

function showPanel(step) {
  document.getElementById("node-title").textContent = step.title;
  const meta = [];
  if (step.op) { meta.push(step.op); } else { meta.push("leaf"); }
  if (step.time_step !== null) { meta.push("t = " + step.time_step); }
  if (step.made) { meta.push("made at " + step.made); }
  document.getElementById("node-meta").textContent = meta.join(" \u00b7 ");
  document.getElementById("grad-name").textContent = step.title;
  const g = step.grad;
  document.getElementById("grad-shape").textContent = g ? g.shape : "no gradient";
  document.getElementById("grad-norm").textContent = g ? g.norm : "\u2014";
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
    cell(row, "\u2192 " + entry.title, "name");
    cell(row, entry.shape + "  \u2016g\u2016 = " + entry.norm, "nums");
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
    cell(row, "\u2202L/\u2202" + s.title, "name");
    cell(row, "\u2016g\u2016 = " + step.grad.norm);
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
