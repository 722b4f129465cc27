"""viz.render: real SVG and PNG files from the bundled graphviz-pure renderer, with the
system `dot` hidden; the errors (no renderer, PDF without Graphviz) still write the DOT.
"""

import os
import shutil
import struct
import xml.etree.ElementTree as ET

import pytest
import viz_graphs as vg

import tinygrad_rnn as tg
import viz
from viz import backend

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def bundled_only(monkeypatch):
    """Hide the system `dot` (if any): only the graphviz-pure wheel can render."""
    real_which = shutil.which

    def which_without_dot(name, *args, **kwargs):
        if name == "dot":
            return None
        return real_which(name, *args, **kwargs)

    monkeypatch.setattr(shutil, "which", which_without_dot)
    renderer = backend.find_renderer()
    if renderer is None:
        pytest.skip("the graphviz-pure executable is not installed (pip install graphviz-pure)")
    assert renderer.kind == "pure"
    return renderer


@pytest.fixture
def no_renderer(monkeypatch, tmp_path):
    """Neither `dot` nor graphviz-pure can be found."""
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    monkeypatch.setattr(backend, "script_dirs", lambda: [tmp_path / "empty"])
    assert backend.find_renderer() is None


def svg_texts(path) -> list:
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def png_size(path) -> tuple:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_svg_with_the_bundled_renderer(bundled_only, tmp_path):
    built = vg.lstm(steps=3)
    path = viz.render(built.loss, tmp_path / "lstm.svg", grads=True, highlight="cell_state")
    assert path == tmp_path / "lstm.svg"
    texts = svg_texts(path)
    for label in ("c_1", "c_3", "f_2", "h_3", "t = 1", "t = 3", "gates", "weight_hh_l0"):
        assert label in texts, f"{label!r} missing from the SVG"
    assert os.listdir(tmp_path) == ["lstm.svg"]  # no temporary file left behind


def test_png_with_the_bundled_renderer(bundled_only, tmp_path):
    built = vg.rnn(steps=3)
    path = viz.render(built.loss, tmp_path / "rnn.png", detail="cells", grads=True)
    width, height = png_size(path)
    assert 200 < width < 20000 and 100 < height < 20000
    assert width > height  # time runs left to right


def test_scalar_graph_renders(bundled_only, tmp_path):
    built = vg.scalar_rnn(steps=2)
    texts = svg_texts(viz.render(built.loss, tmp_path / "scalar.svg"))
    assert {"h_1[0]", "h_2[1]", "W[0,1]", "L"} <= set(texts)


def test_jupyter_display_uses_the_bundled_renderer(bundled_only):
    graph = viz.draw(vg.rnn(steps=2).loss)
    bundle = graph._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")


def test_pdf_without_system_graphviz_is_explained_and_dot_written(bundled_only, tmp_path):
    built = vg.rnn(steps=2)
    with pytest.raises(viz.RenderError, match="PDF needs the system Graphviz") as error:
        viz.render(built.loss, tmp_path / "rnn.pdf")
    assert "rnn.dot" in str(error.value)
    assert (tmp_path / "rnn.dot").read_text().startswith("digraph")
    assert not (tmp_path / "rnn.pdf").exists()


def test_no_renderer_is_explained_and_dot_written(no_renderer, tmp_path):
    built = vg.rnn(steps=2)
    with pytest.raises(viz.RenderError) as error:
        viz.render(built.loss, tmp_path / "rnn.svg")
    message = str(error.value)
    assert "pip install graphviz-pure" in message and "apt install graphviz" in message
    dot_text = (tmp_path / "rnn.dot").read_text()
    assert dot_text == viz.draw(built.loss).source
    assert not (tmp_path / "rnn.svg").exists()


def test_dot_extension_writes_the_source_without_a_renderer(no_renderer, tmp_path):
    built = vg.gru(steps=2)
    path = viz.render(built.loss, tmp_path / "gru.dot", detail="cells")
    assert path.read_text() == viz.draw(built.loss, detail="cells").source


def test_a_ready_digraph_can_be_rendered(no_renderer, tmp_path):
    graph = viz.draw(vg.rnn(steps=2).loss, detail="steps")
    viz.render(graph, tmp_path / "g.gv")
    assert (tmp_path / "g.gv").read_text() == graph.source
    with pytest.raises(viz.VizError, match="ready Digraph"):
        viz.render(graph, tmp_path / "g.dot", detail="ops")


def test_unknown_extension_and_missing_folder(tmp_path):
    built = vg.rnn(steps=2)
    with pytest.raises(viz.VizError, match="format"):
        viz.render(built.loss, tmp_path / "graph.bmp")
    with pytest.raises(viz.RenderError, match="does not exist"):
        viz.render(built.loss, tmp_path / "missing" / "graph.dot")


def test_existing_file_is_replaced_whole(no_renderer, tmp_path):
    target = tmp_path / "graph.dot"
    target.write_text("old")
    x = tg.tensor([1.0], requires_grad=True, label="x")
    viz.render((x * 2).sum(), target, grads=False)
    assert target.read_text().startswith("digraph")
    assert os.listdir(tmp_path) == ["graph.dot"]


def test_renderer_discovery_prefers_system_dot(monkeypatch, tmp_path):
    fake_dot = tmp_path / "dot"
    fake_dot.write_text("#!/bin/sh\n")
    fake_dot.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert backend.find_renderer().kind == "system"
    fake_dot.unlink()
    found = backend.find_renderer()
    if found is not None:  # the wheel, found next to the interpreter (not on PATH)
        assert found.kind == "pure" and found.path.endswith(("graphviz-pure", ".exe"))
