"""viz on a seq2seq graph: each decoder step's attention is its own node group (a
sub-cluster at detail="ops", one box at detail="cells"), inside that step's cluster."""

import numpy as np
import pytest
from viz_graphs import read_dot

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F
import viz
from tinygrad_rnn import nn

T_OUT = 3


@pytest.fixture(scope="module")
def seq2seq_loss():
    tg.manual_seed(0)
    model = nn.Seq2Seq(12, 10, embedding_dim=6, hidden_size=6, cell="gru", attention="dot")
    src = np.array([[3, 4, 5, 6], [5, 6, 7, 0]])
    tgt_in = np.array([[1, 4, 5], [1, 6, 7]])
    tgt_out = np.array([[4, 5, 2], [6, 7, 2]])
    out = model(src, np.array([4, 3]), tgt_in)
    loss = F.cross_entropy(out.logits.reshape(-1, 10), tgt_out.reshape(-1))
    loss.backward()
    return loss


def attention_clusters(dot):
    return [name for name, c in dot.clusters.items() if c["attrs"].get("label") == "attention"]


def test_ops_detail_draws_one_attention_group_per_decoder_step(seq2seq_loss):
    dot = read_dot(viz.draw(seq2seq_loss, detail="ops").source)
    groups = attention_clusters(dot)
    assert len(groups) == T_OUT
    for name in groups:  # each sits in a time-step cluster of the decoder
        parent = dot.clusters[name]["parent"]
        assert "t = " in dot.clusters[parent]["attrs"]["label"]
        grandparent = dot.clusters[dot.clusters[parent]["parent"]]
        assert "decoder" in grandparent["attrs"]["label"]
    labels_in_groups = {
        dot.label_of(node)
        for node, info in dot.nodes.items()
        if info["clusters"] and info["clusters"][-1] in groups
    }
    for t in range(1, T_OUT + 1):
        assert {f"score_{t}", f"alpha_{t}", f"context_{t}"} <= labels_in_groups


def test_cells_detail_collapses_each_steps_attention_into_one_box(seq2seq_loss):
    dot = read_dot(viz.draw(seq2seq_loss, detail="cells").source)
    boxes = [name for name in dot.nodes if dot.label_of(name) == "attention"]
    assert len(boxes) == T_OUT
    for name in boxes:
        time_cluster = dot.nodes[name]["clusters"][-1]
        assert "t = " in dot.clusters[time_cluster]["attrs"].get("label", "")


def test_parameters_are_labelled_with_their_dotted_names(seq2seq_loss):
    labels = {node.label for node in tg.topological_order(seq2seq_loss) if node.is_leaf}
    assert {"decoder.out.weight", "encoder.embedding.weight", "decoder.cell.weight_hh"} <= labels
