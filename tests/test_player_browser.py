"""viz.player in a real headless browser (Chromium driven by selenium): pressing → N times
shows step N of backward_steps() - the highlighted node and the displayed gradient.

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
