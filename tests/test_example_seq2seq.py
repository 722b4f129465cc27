"""examples/09_seq2seq_attention.py runs end to end on a tiny setting and writes its pictures."""

import xml.etree.ElementTree as ET

import pytest
from helpers import run_example

from viz.backend import find_renderer

SCRIPT = "09_seq2seq_attention.py"


@pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer for the heatmap")
def test_smoke_run_prints_the_metric_and_writes_heatmaps(tmp_path):
    out = run_example(
        SCRIPT,
        "--steps", "30", "--train", "300", "--val", "40", "--no-compare",
        "--beam", "2", "--heatmaps", "2", "--out", str(tmp_path),
    )  # fmt: skip
    assert "with dot attention: exact match" in out
    assert "beam search (beam 2): exact match" in out
    assert "without attention" not in out
    svg = tmp_path / "attention_heatmap.svg"
    root = ET.parse(svg).getroot()
    texts = {"".join(node.itertext()).strip() for node in root.iter() if node.tag.endswith("text")}
    assert "<eos>" in texts or any(text.isdigit() for text in texts)
    assert (tmp_path / "attention_heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_comparison_without_attention_runs(tmp_path):
    out = run_example(
        SCRIPT,
        "--steps", "4", "--train", "100", "--val", "20", "--beam", "1", "--heatmaps", "0",
        "--attention", "additive", "--cell", "lstm", "--out", str(tmp_path),
    )  # fmt: skip
    assert "with additive attention: exact match" in out
    assert "without attention: exact match" in out
    assert "no attention" in out.splitlines()[-1]
