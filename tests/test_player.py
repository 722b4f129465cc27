"""viz.player without a browser: one self-contained HTML file whose step data is exactly
backward_steps(), and the user's gradients are left as they were."""

import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import cli, nn
from viz import backend
from viz.errors import VizError
from viz.extract import format_number, norm
from viz.player import player

pytestmark = pytest.mark.skipif(
    backend.find_renderer() is None, reason="no Graphviz renderer (pip install graphviz-pure)"
)


def rnn_loss(seed: int = 0, T: int = 3):
    """The lessons' RNN (U, W, V, b, c) over T steps; L = sum of all scores."""
    tg.manual_seed(seed)
    model = nn.ElmanRNN(2, 3, 2)
    x = tg.tensor(np.random.default_rng(seed).normal(size=(T, 1, 2)), label="x")
    scores, _ = model(x)
    return scores.sum().named("L"), model


class PageParser(HTMLParser):
    """Collects the script elements (with their attributes and text) and every URL-ish
    attribute of the page."""

    def __init__(self):
        super().__init__()
        self.scripts = []
        self.links = []
        self.svg_titles = []
        self._script = None
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href", "xlink:href"):
            if name in attrs:
                self.links.append(attrs[name])
        if tag == "link":
            self.links.append(attrs.get("href", ""))
        if tag == "script":
            self._script = {"attrs": attrs, "text": ""}
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append(self._script)
            self._script = None
        self._in_title = False

    def handle_data(self, data):
        if self._script is not None:
            self._script["text"] += data
        elif self._in_title:
            self.svg_titles.append(data.strip())


def read_page(path):
    text = path.read_text(encoding="utf-8")
    parser = PageParser()
    parser.feed(text)
    data_scripts = [s for s in parser.scripts if s["attrs"].get("id") == "player-data"]
    assert len(data_scripts) == 1
    assert data_scripts[0]["attrs"].get("type") == "application/json"
    return text, parser, json.loads(data_scripts[0]["text"])


def expected_steps(loss):
    """(title, norm text) of every step of a fresh backward pass of `loss`."""
    rows = []
    for step in loss.backward_steps():
        node = step.node
        title = node.label or node.op or ("leaf" if node.requires_grad else "constant")
        rows.append((title, format_number(norm(step.grad)), step))
    return rows


def test_one_entry_per_backward_step_with_labels_and_norms(tmp_path):
    loss, _ = rnn_loss()
    path = player(loss, tmp_path / "bptt.html")
    _, parser, data = read_page(path)
    assert loss.grad is None  # the player left the graph as it found it
    expected = expected_steps(loss)
    assert len(data["steps"]) == len(expected) > 30
    for index, (record, (title, norm_text, step)) in enumerate(zip(data["steps"], expected)):
        assert record["index"] == index == step.index
        assert record["title"] == title
        assert record["grad"]["norm"] == norm_text
        assert record["time_step"] == step.node.time_step
        assert record["key"] in parser.svg_titles  # the step's node is drawn in the SVG
    titles = [record["title"] for record in data["steps"]]
    assert titles[0] == "L" and data["steps"][0]["grad"]["norm"] == "1"
    h_order = [title for title in titles if re.fullmatch(r"h_\d", title)]
    assert h_order == ["h_3", "h_2", "h_1"]  # ∂L/∂h_t arrives from the last step back
    assert [row["title"] for row in data["states"]] == ["h_3", "h_2", "h_1"]


def test_a_step_shows_its_derivative_and_what_it_sent(tmp_path):
    loss, _ = rnn_loss(seed=1)
    _, _, data = read_page(player(loss, tmp_path / "p.html"))
    record = next(r for r in data["steps"] if r["title"] == "h_2")
    assert record["op"] == "tanh"
    assert record["derivative"] == "out = tanh x; d/dx = 1 - out**2"
    h_2 = next(s.node for s in loss.backward_steps() if s.node.label == "h_2")
    sent = h_2.grad * (1 - h_2.data**2)  # what tanh sends back: grad_out ⊙ (1 - h_2²)
    assert len(record["sent"]) == 1
    assert record["sent"][0]["norm"] == format_number(np.linalg.norm(sent))
    assert record["sent"][0]["values"] == [format_number(v) for v in sent.ravel()]
    assert record["grad"]["shape"] == "(1, 3)" and record["grad"]["more"] == 0
    leaf = next(r for r in data["steps"] if r["title"] == "W")
    assert leaf["op"] is None and leaf["sent"] == [] and "leaf" in leaf["derivative"]


def test_the_file_is_self_contained(tmp_path):
    loss, _ = rnn_loss()
    text, parser, _ = read_page(player(loss, tmp_path / "p.html"))
    assert not re.search(r"https?://", text)  # no URL at all, not even a namespace
    assert parser.links == []  # no src= / href= / <link>
    assert all("src" not in script["attrs"] for script in parser.scripts)
    assert "@import" not in text and "url(" not in text
    assert text.count("<svg") == 1 and "<!DOCTYPE svg" not in text and "<?xml" not in text


def test_the_users_gradients_stay_as_they_were(tmp_path):
    loss, model = rnn_loss()
    loss.backward()
    before = {name: p.grad for name, p in model.named_parameters()}
    copies = {name: grad.copy() for name, grad in before.items()}
    root_grad = loss.grad
    player(loss, tmp_path / "a.html")
    player(loss, tmp_path / "b.html")  # twice: still not accumulated
    for name, p in model.named_parameters():
        assert p.grad is before[name]  # the very same arrays
        np.testing.assert_array_equal(p.grad, copies[name])
    assert loss.grad is root_grad


def test_before_backward_the_grads_stay_none_and_backward_still_works(tmp_path):
    loss, model = rnn_loss()
    player(loss, tmp_path / "p.html")
    assert all(p.grad is None for p in model.parameters())
    loss.backward()
    reference, reference_model = rnn_loss()
    reference.backward()
    np.testing.assert_allclose(model.W.grad, reference_model.W.grad, rtol=0, atol=0)


def test_the_scalar_engine_plays_too(tmp_path):
    a = tg.Value(2.0, label="a")
    b = tg.Value(-1.5, label="b")
    loss = ((a * b).tanh() + a).named("L")
    _, _, data = read_page(player(loss, tmp_path / "s.html"))
    assert [r["title"] for r in data["steps"]][0] == "L"
    assert all(r["grad"]["shape"] == "scalar" for r in data["steps"])
    b_record = next(r for r in data["steps"] if r["title"] == "b")
    assert b_record["grad"]["norm"] == format_number(abs(2.0 * (1 - np.tanh(-3.0) ** 2)))


def test_mistakes_are_explained(tmp_path):
    loss, _ = rnn_loss()
    with pytest.raises(VizError, match="give a path ending in .html"):
        player(loss, tmp_path / "p.svg")
    with pytest.raises(VizError, match="leaf"):
        player(tg.tensor([1.0], requires_grad=True), tmp_path / "p.html")
    lean, model = rnn_loss()
    lean.backward(retain_graph=False)
    saved = model.W.grad.copy()
    with pytest.raises(tg.TinygradError, match="freed"):
        player(lean, tmp_path / "p.html")
    np.testing.assert_array_equal(model.W.grad, saved)


def test_render_player_writes_the_page(tmp_path, capsys):
    target = tmp_path / "lstm.html"
    status = cli.main(["render", "lstm", "--steps", "2", "--player", "-o", str(target)])
    out, _ = capsys.readouterr()
    assert status == 0 and "wrote" in out
    _, _, data = read_page(target)
    titles = {r["title"] for r in data["steps"]}
    assert {"c_2", "c_1", "f_2", "h_1", "L"} <= titles


def test_render_refuses_html_without_player(tmp_path, capsys):
    status = cli.main(["render", "rnn", "-o", str(tmp_path / "x.html")])
    _, err = capsys.readouterr()
    assert status == 1 and "add --player" in err
