"""viz.player at detail="cells": one page step per box of the cells picture, lit when all
its nodes' gradients are done; and every step names the line of the user's code that made
its node (file:line and the line's text)."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import nn
from viz import backend
from viz.errors import VizError
from viz.extract import extract, format_number
from viz.player import player
from viz.walk import assign_boxes, collect_nodes

pytestmark = pytest.mark.skipif(
    backend.find_renderer() is None, reason="no Graphviz renderer (pip install graphviz-pure)"
)

THIS_FILE = Path(__file__)


def line_of(marker: str) -> tuple[int, str]:
    """(line number, stripped text) of the line of this file ending in `# marker`."""
    for number, text in enumerate(THIS_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if text.rstrip().endswith(f"# {marker}"):
            return number, text.strip()
    raise AssertionError(marker)


def lstm_loss(T: int = 3):
    """An LSTM over T steps; L = Σ output². Each line is marked for line_of."""
    tg.manual_seed(1)
    model = nn.LSTM(2, 3)  # made: the model
    x = tg.tensor(np.random.default_rng(1).normal(size=(T, 1, 2)), label="x")
    output, _ = model(x)  # made: the unroll
    loss = (output * output).sum().named("L")  # made: the loss
    return loss


def page_data(path: Path) -> tuple[str, dict]:
    text = path.read_text(encoding="utf-8")
    found = re.search(
        r'<script type="application/json" id="player-data">(.*?)</script>', text, re.S
    )
    return text, json.loads(found.group(1))


def by_title(steps: list, title: str) -> dict:
    return next(step for step in steps if step["title"] == title)


def test_every_step_names_the_users_line_and_its_text(tmp_path):
    _, data = page_data(player(lstm_loss(), tmp_path / "ops.html"))
    where = {marker: line_of(f"made: {marker}") for marker in ("the model", "the unroll")}
    where["the loss"] = line_of("made: the loss")
    for step in data["steps"]:
        if step["op"] is None:  # the parameters: made by nn.LSTM(2, 3)
            number, text = where["the model"]
        elif not step["scope"]:  # outside the model: output * output, .sum()
            number, text = where["the loss"]
        else:
            number, text = where["the unroll"]
        assert step["source"] == f"test_player_cells.py:{number}", step["title"]
        assert step["made"].startswith(step["source"])
        assert step["code"] == text
    assert by_title(data["steps"], "h_2")["made"].endswith(", in lstm / l0 / cell")


def test_cells_steps_are_the_cells_boxes_in_the_order_they_finish(tmp_path):
    loss = lstm_loss()
    text, data = page_data(player(loss, tmp_path / "cells.html", detail="cells"))
    assert data["detail"] == "cells" and loss.grad is None
    picture = extract(lstm_loss(), detail="cells", grads=False)
    box_keys = {box.key for box in picture.boxes}
    keys = [step["key"] for step in data["steps"]]
    assert len(keys) == len(set(keys)) and set(keys) <= box_keys
    for key in keys:
        assert f"<title>{key}</title>" in text  # the step's box is drawn
    cells = [step for step in data["steps"] if step["title"] == "LSTM cell"]
    assert [step["time_step"] for step in cells] == [3, 2, 1]
    assert len(data["steps"]) < len(list(loss.backward_steps())) / 3
    # a box is lit when its last node is done: the boxes come in the order in which
    # backward_steps() finishes their nodes (the boxes of the picture: walk.assign_boxes)
    box_of = assign_boxes(collect_nodes(loss), "cells").box_of
    finished = {}
    for step in loss.backward_steps():
        finished[box_of[id(step.node)]] = step.index
    assert keys == sorted(finished, key=finished.get)
    for index, step in enumerate(data["steps"]):
        assert step["index"] == index == data["nodes"][step["key"]]["step"]
        first = data["nodes"][step["key"]]["first"]
        assert first is not None and first <= index
    states = [(row["title"], row["step"]) for row in data["states"]]
    t3, t2, t1 = (step["index"] for step in cells)
    assert states == [("h_3", t3), ("c_3", t3), ("h_2", t2), ("c_2", t2), ("h_1", t1), ("c_1", t1)]


def test_a_cell_box_shows_its_outputs_gradients_and_what_it_sent(tmp_path):
    loss = lstm_loss()
    _, data = page_data(player(loss, tmp_path / "cells.html", detail="cells"))
    loss.backward()
    node = {n.label: n for n in tg.topological_order(loss) if n.label}
    cell_2 = next(s for s in data["steps"] if s["title"] == "LSTM cell" and s["time_step"] == 2)
    arrived = {entry["title"]: entry["norm"] for entry in cell_2["arrived"]}
    assert arrived == {
        "h_2": format_number(np.linalg.norm(node["h_2"].grad)),
        "c_2": format_number(np.linalg.norm(node["c_2"].grad)),
    }
    # c_2 = f_2 ⊙ c_1 + i_2 ⊙ g_2: the cell at t = 2 sends f_2 ⊙ ∂L/∂c_2 back to c_1
    to_c1 = next(entry for entry in cell_2["sent"] if entry["title"] == "c_1")
    expected = node["f_2"].data * node["c_2"].grad
    assert to_c1["norm"] == format_number(np.linalg.norm(expected))
    assert to_c1["values"] == [format_number(v) for v in expected.ravel()]
    assert to_c1["key"] == next(s["key"] for s in data["steps"] if s["time_step"] == 1)
    assert cell_2["box"] and "15 ops" in cell_2["derivative"]
    number, text = line_of("made: the unroll")
    assert cell_2["sources"] == [
        {"made": f"test_player_cells.py:{number}, in lstm / l0 / cell", "ops": 15, "code": text}
    ]
    weight = by_title(data["steps"], "weight_hh_l0")  # a box of one node: its own step
    assert weight["op"] is None and weight["grad"]["norm"] == format_number(
        np.linalg.norm(node["weight_hh_l0"].grad)
    )


def test_detail_steps_and_a_wrong_detail(tmp_path):
    loss = lstm_loss()
    _, data = page_data(player(loss, tmp_path / "steps.html", detail="steps"))
    steps = [s for s in data["steps"] if s.get("box")]
    assert [s["time_step"] for s in steps] == [3, 2, 1]
    with pytest.raises(VizError, match="detail must be one of ops, cells, steps"):
        player(loss, tmp_path / "x.html", detail="gates")
