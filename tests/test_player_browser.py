"""viz.player in a real headless browser (Chromium driven by selenium): pressing → N times
shows step N of backward_steps() - the highlighted node and the displayed gradient; on load
the graph is fitted to the window (inside the graph area, spanning it along one axis; the
area is the window but for the header and the panel), P, + and 0 hide the panel, zoom and
fit again; at detail="cells" the page steps box by box and names the line of code.

Needs chromium and chromedriver (Debian: apt-get install chromium chromium-driver) and
the selenium package; skips with the reason where one of them is missing. Set
TINYGRAD_RNN_SCREENSHOTS=folder to keep the screenshots it takes.
"""

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import nn
from viz import backend
from viz.extract import format_number, norm
from viz.player import player

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER = next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)
DRIVER = shutil.which("chromedriver") or (
    "/usr/lib/chromium/chromedriver" if os.path.exists("/usr/lib/chromium/chromedriver") else None
)

pytestmark = [
    pytest.mark.skipif(BROWSER is None, reason="no chromium/chrome browser on PATH"),
    pytest.mark.skipif(DRIVER is None, reason="no chromedriver on PATH"),
    pytest.mark.skipif(backend.find_renderer() is None, reason="no Graphviz renderer"),
]

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1920,1080",
]


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    profile = tempfile.mkdtemp(prefix="tinygrad-rnn-chromium-")
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # an explicit driver path: selenium must not try to download one
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot_folder(tmp_path: Path) -> Path:
    folder = os.environ.get("TINYGRAD_RNN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder)
    return tmp_path


def rnn_loss():
    tg.manual_seed(0)
    model = nn.ElmanRNN(2, 3, 2)
    x = tg.tensor(np.random.default_rng(0).normal(size=(3, 1, 2)), label="x")
    scores, _ = model(x)
    return scores.sum().named("L")


def page_state(driver) -> dict:
    return driver.execute_script(
        "const cur = document.querySelectorAll('#graph g.node.current');"
        "return {step: document.body.dataset.step,"
        " count: cur.length,"
        " text: cur.length ? cur[0].textContent.trim() : '',"
        " title: document.getElementById('node-title').textContent,"
        " norm: document.getElementById('grad-norm').textContent,"
        " shape: document.getElementById('grad-shape').textContent,"
        " sending: document.querySelectorAll('#graph g.edge.sending').length,"
        " waiting: document.querySelectorAll('#graph g.node.waiting').length};"
    )


def expected(step) -> dict:
    node = step.node
    return {
        "title": node.label or node.op or "leaf",
        "norm": format_number(norm(step.grad)),
        "shape": str(tuple(np.shape(step.grad))),
    }


def test_arrow_keys_step_through_backward_steps(browser, tmp_path):
    loss = rnn_loss()
    path = player(loss, tmp_path / "bptt.html")
    steps = list(loss.backward_steps())  # the same graph, stepped in Python
    browser.get(path.resolve().as_uri())
    body = browser.find_element(By.TAG_NAME, "body")
    state = page_state(browser)
    assert state["step"] == "0" and state["title"] == "L" and state["norm"] == "1"

    pressed = 0
    for target in (1, 7, 12, 20):
        while pressed < target:
            body.send_keys(Keys.ARROW_RIGHT)
            pressed += 1
        state = page_state(browser)
        want = expected(steps[target])
        assert state["step"] == str(target)
        assert state["count"] == 1  # exactly one node is highlighted ...
        assert state["text"].startswith(want["title"])  # ... and it is step N's node
        assert state["title"] == want["title"]
        assert state["norm"] == want["norm"] and state["shape"] == want["shape"]
        assert state["waiting"] > 0  # nodes the gradient has not reached yet are faded
    browser.save_screenshot(str(screenshot_folder(tmp_path) / "player-step20.png"))

    body.send_keys(Keys.ARROW_LEFT)
    assert page_state(browser)["step"] == "19"
    body.send_keys(Keys.END)
    state = page_state(browser)
    assert state["step"] == str(len(steps) - 1) and state["waiting"] == 0
    assert state["norm"] == expected(steps[-1])["norm"]
    body.send_keys(Keys.HOME)
    assert page_state(browser)["step"] == "0"


def test_clicking_a_node_jumps_to_its_step(browser, tmp_path):
    loss = rnn_loss()
    path = player(loss, tmp_path / "bptt.html")
    steps = list(loss.backward_steps())
    index = next(s.index for s in steps if s.node.label == "h_2")
    browser.get(path.resolve().as_uri())
    browser.execute_script(
        "const g = [...document.querySelectorAll('#graph g.node')]"
        ".find(n => n.textContent.trim().startsWith('h_2'));"
        "g.dispatchEvent(new MouseEvent('click', {bubbles: true}));"
    )
    state = page_state(browser)
    assert state["step"] == str(index) and state["title"] == "h_2"
    assert state["sending"] >= 1  # the arrow to its parent carries the gradient now
    states = browser.find_element(By.ID, "states").text
    assert "∂L/∂h_3" in states and "∂L/∂h_2" in states and "∂L/∂h_1" not in states


def test_no_errors_in_the_console(browser, tmp_path):
    loss = rnn_loss()
    path = player(loss, tmp_path / "bptt.html")
    browser.get(path.resolve().as_uri())
    browser.find_element(By.ID, "zoom-in").click()
    browser.find_element(By.ID, "next").click()
    browser.find_element(By.ID, "play").click()
    problems = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert problems == []
    browser.save_screenshot(str(screenshot_folder(tmp_path) / "player-zoomed.png"))


def lstm_loss():
    tg.manual_seed(1)
    model = nn.LSTM(2, 3)
    x = tg.tensor(np.random.default_rng(1).normal(size=(3, 1, 2)), label="x")
    output, _ = model(x)
    return (output * output).sum().named("L")  # the line the cells page names


def geometry(driver) -> dict:
    """Rectangles (left, top, right, bottom) of the window, the graph area, the drawing
    (graphviz's top group: its background covers the whole picture) and the panel."""
    return driver.execute_script(
        "function box(el) { const r = el.getBoundingClientRect();"
        " return [r.left, r.top, r.right, r.bottom]; }"
        "return {window: [0, 0, window.innerWidth, window.innerHeight],"
        " header: box(document.querySelector('header')),"
        " area: box(document.getElementById('graph')),"
        " drawing: box(document.querySelector('#graph svg g.graph')),"
        " panel: box(document.getElementById('panel')),"
        " zoom: document.body.dataset.zoom, layout: document.body.className};"
    )


def assert_fitted(g: dict) -> None:
    """The whole drawing is inside the graph area and spans it along one axis."""
    area, drawing = g["area"], g["drawing"]
    assert drawing[0] >= area[0] - 1 and drawing[2] <= area[2] + 1
    assert drawing[1] >= area[1] - 1 and drawing[3] <= area[3] + 1
    wide = (drawing[2] - drawing[0]) / (area[2] - area[0])
    high = (drawing[3] - drawing[1]) / (area[3] - area[1])
    assert max(wide, high) > 0.98, g


def test_the_graph_fills_the_window_on_load(browser, tmp_path):
    for detail in ("ops", "cells"):
        path = player(lstm_loss(), tmp_path / f"{detail}.html", detail=detail)
        browser.get(path.resolve().as_uri())
        g = geometry(browser)
        assert_fitted(g)
        assert g["zoom"] == "1.000"
        # the graph area is the window but for the header and the panel
        assert abs(g["area"][1] - g["header"][3]) < 3 and g["area"][0] == 0
        if "panel-side" in g["layout"]:
            assert abs(g["area"][2] - g["panel"][0]) < 3 and g["area"][3] >= g["window"][3] - 3
        else:
            assert abs(g["area"][3] - g["panel"][1]) < 3 and g["area"][2] >= g["window"][2] - 3
        width = g["drawing"][2] - g["drawing"][0]
        body = browser.find_element(By.TAG_NAME, "body")
        body.send_keys("p")  # hide the panel: the drawing gets the window below the header
        hidden = geometry(browser)
        assert_fitted(hidden)
        assert hidden["area"][2:] == g["window"][2:] and "panel-hidden" in hidden["layout"]
        assert hidden["drawing"][2] - hidden["drawing"][0] >= width - 1
        body.send_keys("+")
        zoomed = geometry(browser)
        assert zoomed["zoom"] == "1.500"
        assert zoomed["drawing"][2] - zoomed["drawing"][0] == pytest.approx(
            1.5 * (hidden["drawing"][2] - hidden["drawing"][0]), rel=0.01
        )
        body.send_keys("0")
        assert geometry(browser)["drawing"] == pytest.approx(hidden["drawing"], abs=1)
        browser.save_screenshot(str(screenshot_folder(tmp_path) / f"player-{detail}-fit.png"))


def test_the_cells_page_steps_box_by_box_and_names_the_code(browser, tmp_path):
    path = player(lstm_loss(), tmp_path / "cells.html", detail="cells")
    browser.get(path.resolve().as_uri())
    body = browser.find_element(By.TAG_NAME, "body")
    seen = []
    for _ in range(5):
        body.send_keys(Keys.ARROW_RIGHT)
        state = page_state(browser)
        assert state["count"] == 1  # one box (or node) lit at a time
        seen.append(state["title"])
    assert seen.count("LSTM cell") == 2  # t = 3, then t = 2
    code = browser.find_element(By.ID, "node-code").text
    assert "test_player_browser.py:" in code and "(output * output).sum()" not in code
    assert "output, _ = model(x)" in code  # the line that ran the cells
    problems = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert problems == []
