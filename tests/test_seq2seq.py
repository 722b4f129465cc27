"""nn.Seq2Seq: shapes, parameter names, teacher forcing, padding masks, greedy and beam
decoding (beam 1 = greedy; the exact optimum when the beam is wide; a hand-built case
where greedy is wrong), graph labels and scopes, and a tiny model that overfits."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import functional as F
from tinygrad_rnn import nn, optim
from tinygrad_rnn.nn.seq2seq import beam_search

PAD, BOS, EOS = 0, 1, 2
SRC_VOCAB, TGT_VOCAB = 9, 7


def make_model(cell="gru", bidirectional=False, attention="dot", hidden=6, seed=0):
    tg.manual_seed(seed)
    return nn.Seq2Seq(
        SRC_VOCAB,
        TGT_VOCAB,
        embedding_dim=4,
        hidden_size=hidden,
        cell=cell,
        bidirectional=bidirectional,
        attention=attention,
        pad_index=PAD,
    )


def stop_sometimes(model, src, lengths, max_len):
    """Sharpen the output layer and shift the <eos> bias until greedy decoding of this batch
    ends at different steps (some before max_len, some later), so the tests below see
    sequences that stop early. Deterministic: the first bias on a fixed grid that works."""
    model.decoder.out.weight.data *= 6.0
    base = model.decoder.out.bias.data[EOS]
    for shift in np.linspace(-1.0, 2.0, 61):
        model.decoder.out.bias.data[EOS] = base + shift
        ends = model.greedy_decode(src, lengths, max_len, bos=BOS, eos=EOS).lengths
        if len(set(ends.tolist())) >= 2 and ends.min() < max_len:
            return ends
    raise AssertionError("no <eos> bias makes the sequences stop at different steps")


def padded_batch(lengths, S=None, seed=0):
    """src (B, S) with random tokens 1..8 up to each length and PAD after it."""
    rng = np.random.default_rng(seed)
    S = S or max(lengths)
    src = rng.integers(1, SRC_VOCAB, size=(len(lengths), S))
    for b, n in enumerate(lengths):
        src[b, n:] = PAD
    return src, np.array(lengths)


def target_batch(B, T, seed=1):
    rng = np.random.default_rng(seed)
    tgt_in = rng.integers(3, TGT_VOCAB, size=(B, T))
    tgt_in[:, 0] = BOS
    return tgt_in


# --------------------------------------------------------------------------------------
# shapes, names, scopes
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cell, bidirectional, attention",
    [
        ("lstm", False, "dot"),
        ("gru", True, "general"),
        ("rnn", True, "additive"),
        ("lstm", True, None),
    ],
)
def test_forward_shapes_and_attention_rows(cell, bidirectional, attention):
    model = make_model(cell, bidirectional, attention)
    src, lengths = padded_batch([5, 2, 4])
    tgt_in = target_batch(3, 4)
    out = model(src, lengths, tgt_in)
    assert out.logits.shape == (3, 4, TGT_VOCAB)
    np.testing.assert_array_equal(out.inputs, tgt_in)
    if attention is None:
        assert out.attention is None
        return
    assert out.attention.shape == (3, 4, 5)
    np.testing.assert_allclose(out.attention.data.sum(axis=2), 1.0, rtol=1e-12)
    padded = np.arange(5)[None, None, :] >= lengths[:, None, None]  # (B, 1, S)
    assert np.all(out.attention.data[np.broadcast_to(padded, (3, 4, 5))] == 0.0)


def test_parameter_names():
    names = [name for name, _ in make_model("lstm", True, "additive").named_parameters()]
    for expected in [
        "encoder.embedding.weight",
        "encoder.lstm.weight_ih_l0",
        "encoder.lstm.weight_hh_l0_reverse",
        "decoder.embedding.weight",
        "decoder.cell.weight_ih",
        "decoder.attention.W1",
        "decoder.attention.W2",
        "decoder.attention.v",
        "decoder.combine.weight",
        "decoder.out.bias",
    ]:
        assert expected in names, expected
    shapes = dict(make_model("gru", True, "general", hidden=6).named_parameters())
    assert shapes["encoder.gru.weight_hh_l0"].shape == (9, 3)  # H/2 = 3 units per direction
    assert shapes["decoder.combine.weight"].shape == (6, 12)  # W_c: [a_t; s_t] -> H
    no_attention = dict(make_model("gru", False, None).named_parameters())
    assert no_attention["decoder.combine.weight"].shape == (6, 6)
    assert not any("attention" in name for name in no_attention)


def test_graph_scopes_and_labels_of_a_decoder_step():
    model = make_model("lstm", True, "dot")
    src, lengths = padded_batch([4, 3])
    out = model(src, lengths, target_batch(2, 3))
    loss = F.cross_entropy(out.logits.reshape(6, TGT_VOCAB), np.full(6, 3))
    by_label = {}
    for node in tg.topological_order(loss):
        by_label.setdefault(node.label, []).append(node)
    (alpha,) = by_label["alpha_2"]
    assert alpha.scope == ("seq2seq", "decoder", "t=2", "attention") and alpha.time_step == 2
    for label in ["score_2", "context_2", "s_tilde_2", "o_2", "f_2", "c_2"]:
        assert label in by_label, label
    decoder_h = [n for n in by_label["h_2"] if n.scope[:2] == ("seq2seq", "decoder")]
    assert decoder_h[0].scope == ("seq2seq", "decoder", "t=2", "cell")
    encoder_c = [n for n in by_label["c_2"] if n.scope[:2] == ("seq2seq", "encoder")]
    assert {n.scope[3] for n in encoder_c} == {"l0", "l0_reverse"}
    loss.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and np.abs(p.grad).sum() > 0, name


# --------------------------------------------------------------------------------------
# teacher forcing
# --------------------------------------------------------------------------------------
def test_teacher_forcing_ratio_one_and_zero_follow_the_documented_inputs():
    model = make_model("gru", False, "dot")
    src, lengths = padded_batch([4, 3, 2])
    tgt_in = target_batch(3, 5)
    forced = model(src, lengths, tgt_in, teacher_forcing_ratio=1.0)
    np.testing.assert_array_equal(forced.inputs, tgt_in)
    free = model(src, lengths, tgt_in, teacher_forcing_ratio=0.0)
    assert np.all(free.inputs[:, 0] == BOS)
    predictions = np.argmax(free.logits.data, axis=2)  # (B, T)
    np.testing.assert_array_equal(free.inputs[:, 1:], predictions[:, :-1])
    # the recorded inputs are what was embedded: teacher-forcing them gives the same logits
    replay = model(src, lengths, free.inputs, teacher_forcing_ratio=1.0)
    np.testing.assert_allclose(replay.logits.data, free.logits.data, rtol=1e-12, atol=1e-14)
    # and the free-running run differs from the teacher-forced one (the inputs differ)
    assert not np.array_equal(free.inputs, tgt_in)


def test_teacher_forcing_ratio_between_draws_once_per_step_from_the_seeded_rng():
    model = make_model("gru", False, "general")
    src, lengths = padded_batch([4, 3, 2])
    tgt_in = target_batch(3, 8)
    out = model(src, lengths, tgt_in, teacher_forcing_ratio=0.5, rng=123)
    draws = np.random.default_rng(123).random(7)  # steps t = 2..8
    predictions = np.argmax(out.logits.data, axis=2)
    for t in range(2, 9):
        if draws[t - 2] < 0.5:
            np.testing.assert_array_equal(out.inputs[:, t - 1], tgt_in[:, t - 1])
        else:
            np.testing.assert_array_equal(out.inputs[:, t - 1], predictions[:, t - 2])
    assert (draws < 0.5).any() and (draws >= 0.5).any()  # both cases were exercised
    again = model(src, lengths, tgt_in, teacher_forcing_ratio=0.5, rng=123)
    np.testing.assert_array_equal(again.inputs, out.inputs)


# --------------------------------------------------------------------------------------
# padding
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("cell, bidirectional", [("lstm", True), ("gru", False)])
def test_padded_source_positions_change_nothing(cell, bidirectional):
    model = make_model(cell, bidirectional, "additive")
    src, lengths = padded_batch([6, 3, 1], S=6)
    tgt_in = target_batch(3, 4)
    out = model(src, lengths, tgt_in)
    garbage = src.copy()
    rng = np.random.default_rng(5)
    for b, n in enumerate(lengths):
        garbage[b, n:] = rng.integers(1, SRC_VOCAB, size=6 - n)
    out2 = model(garbage, lengths, tgt_in)
    np.testing.assert_allclose(out2.logits.data, out.logits.data, rtol=1e-12, atol=1e-14)
    assert np.all(out.attention.data[1, :, 3:] == 0.0) and np.all(out.attention.data[2, :, 1:] == 0)
    # a short sentence in a padded batch gets what it gets alone
    alone = model(src[1:2, :3], lengths[1:2], tgt_in[1:2])
    np.testing.assert_allclose(alone.logits.data[0], out.logits.data[1], rtol=1e-10, atol=1e-12)


def test_bad_inputs_are_explained():
    model = make_model()
    src, lengths = padded_batch([3, 2])
    with pytest.raises(tg.ShapeError, match="src_lengths must be between 1 and S=3"):
        model(src, np.array([3, 0]), target_batch(2, 3))
    with pytest.raises(tg.DTypeError, match="src must hold token ids"):
        model(src.astype(float), lengths, target_batch(2, 3))
    with pytest.raises(tg.ShapeError, match=r"tgt_in must have shape \(2, T\)"):
        model(src, lengths, target_batch(3, 3))
    with pytest.raises(ValueError, match="teacher_forcing_ratio"):
        model(src, lengths, target_batch(2, 3), teacher_forcing_ratio=1.5)
    with pytest.raises(ValueError, match="must be even"):
        nn.Seq2Seq(5, 5, hidden_size=5, bidirectional=True)
    with pytest.raises(ValueError, match="cell must be one of"):
        nn.Seq2Seq(5, 5, cell="transformer")


# --------------------------------------------------------------------------------------
# greedy decoding and beam search
# --------------------------------------------------------------------------------------
def test_greedy_decode_matches_free_running_forward_and_stops_at_eos():
    model = make_model("lstm", True, "general", seed=3)
    src, lengths = padded_batch([5, 4, 2, 3], seed=2)
    stop_sometimes(model, src, lengths, max_len=6)
    decoded = model.greedy_decode(src, lengths, max_len=6, bos=BOS, eos=EOS)
    B, L = decoded.tokens.shape
    assert B == 4 and L <= 6 and decoded.attention.shape == (4, L, 5)
    free = model(src, lengths, np.full((4, L), BOS), teacher_forcing_ratio=0.0)
    log_probs = F.log_softmax(free.logits, axis=2).data
    predictions = np.argmax(log_probs, axis=2)
    for b in range(B):
        n = decoded.lengths[b]
        np.testing.assert_array_equal(decoded.tokens[b, :n], predictions[b, :n])
        assert np.all(decoded.tokens[b, n:] == PAD)
        if n < L:
            assert decoded.tokens[b, n - 1] == EOS
        assert EOS not in decoded.tokens[b, : n - 1]
        expected = log_probs[b, np.arange(n), predictions[b, :n]].sum()
        np.testing.assert_allclose(decoded.scores[b], expected, rtol=1e-10)
        np.testing.assert_allclose(decoded.attention[b, :n], free.attention.data[b, :n], rtol=1e-10)


@pytest.mark.parametrize("cell, attention", [("lstm", "dot"), ("gru", "additive"), ("rnn", None)])
def test_beam_of_one_is_greedy(cell, attention):
    model = make_model(cell, True, attention, seed=4)
    src, lengths = padded_batch([5, 4, 2, 3, 5], seed=3)
    stop_sometimes(model, src, lengths, max_len=7)
    greedy = model.greedy_decode(src, lengths, max_len=7, bos=BOS, eos=EOS)
    beam = model.beam_search(src, lengths, beam_size=1, max_len=7, bos=BOS, eos=EOS)
    np.testing.assert_array_equal(beam.lengths, greedy.lengths)
    np.testing.assert_array_equal(beam.tokens, greedy.tokens)
    np.testing.assert_allclose(beam.scores, greedy.scores, rtol=1e-10)
    if attention is not None:
        np.testing.assert_allclose(beam.attention, greedy.attention, rtol=1e-10, atol=1e-14)


def test_beam_search_scores_are_the_models_log_probabilities():
    model = make_model("gru", True, "dot", seed=5)
    src, lengths = padded_batch([5, 3, 4], seed=4)
    stop_sometimes(model, src, lengths, max_len=5)
    # length_penalty=1 ranks by the mean log-probability, so longer outputs win here;
    # `scores` are still the plain sums
    beam = model.beam_search(
        src, lengths, beam_size=3, max_len=5, bos=BOS, eos=EOS, length_penalty=1.0
    )
    assert beam.lengths.min() > 1
    for b in range(3):
        tokens = beam.tokens[b, : beam.lengths[b]]
        tgt_in = np.concatenate([[BOS], tokens[:-1]])[None, :]
        out = model(src[b : b + 1], lengths[b : b + 1], tgt_in)
        log_probs = F.log_softmax(out.logits, axis=2).data[0]
        expected = log_probs[np.arange(len(tokens)), tokens].sum()
        np.testing.assert_allclose(beam.scores[b], expected, rtol=1e-10)
        np.testing.assert_allclose(
            beam.attention[b, : len(tokens)], out.attention.data[0], rtol=1e-10, atol=1e-14
        )


class TableStep:
    """A hand-built scorer: log p(next | previous token) from a fixed table (a Markov
    chain), the state being the previous token of each beam."""

    def __init__(self, table):
        self.log_table = np.log(np.asarray(table, dtype=float))

    def __call__(self, tokens, state, t):
        return self.log_table[tokens], (tokens.copy(),)


# tokens: 0 = <eos>, 1 = <bos>, 2 = a, 3 = b
GREEDY_TRAP = [
    [1.0, 1e-9, 1e-9, 1e-9],  # after <eos> (never used)
    [1e-9, 1e-9, 0.6, 0.4],  # after <bos>: "a" looks best ...
    [0.4, 1e-9, 0.3, 0.3],  # after a: ... but nothing after it is likely
    [0.9, 1e-9, 0.05, 0.05],  # after b: <eos> with 0.9
]


def test_beam_search_beats_greedy_on_a_hand_built_case():
    step = TableStep(GREEDY_TRAP)
    greedy = beam_search(step, (np.array([1]),), beam_size=1, max_len=4, bos=1, eos=0)
    assert greedy.tokens == [2, 0]  # a <eos>: 0.6 * 0.4 = 0.24
    np.testing.assert_allclose(greedy.score, np.log(0.24))
    beam = beam_search(step, (np.array([1]),), beam_size=2, max_len=4, bos=1, eos=0)
    assert beam.tokens == [3, 0]  # b <eos>: 0.4 * 0.9 = 0.36
    np.testing.assert_allclose(beam.score, np.log(0.36))


def brute_force_best(log_table, bos, eos, max_len):
    """Best Σ log p over every sequence: ending at its first <eos>, or unfinished at max_len."""
    V = log_table.shape[0]
    best_score, best_tokens = -np.inf, None
    for length in range(1, max_len + 1):
        for tokens in itertools.product(range(V), repeat=length):
            if eos in tokens[:-1] or (tokens[-1] != eos and length < max_len):
                continue
            previous = (bos,) + tokens[:-1]
            score = sum(log_table[p, y] for p, y in zip(previous, tokens))
            if score > best_score:
                best_score, best_tokens = score, list(tokens)
    return best_score, best_tokens


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), V=st.integers(2, 4), max_len=st.integers(1, 4))
def test_a_wide_beam_finds_the_exact_optimum(seed, V, max_len):
    rng = np.random.default_rng(seed)
    table = rng.dirichlet(np.ones(V) * 0.7, size=V)  # row p: p(next | previous = p)
    step = TableStep(table)
    result = beam_search(step, (np.array([1 % V]),), V**max_len, max_len, bos=1 % V, eos=0)
    best_score, _ = brute_force_best(np.log(table), 1 % V, 0, max_len)
    np.testing.assert_allclose(result.score, best_score, rtol=1e-12)
    # and no beam is ever better than the optimum, whatever its width
    for width in (1, 2):
        narrow = beam_search(step, (np.array([1 % V]),), width, max_len, bos=1 % V, eos=0)
        assert narrow.score <= best_score + 1e-12


def test_beam_search_length_penalty_prefers_longer_when_asked():
    # after <bos>: <eos> 0.5, a 0.5; after a: <eos> 0.9
    table = [[1.0, 1e-12, 1e-12], [0.5, 1e-12, 0.5], [0.9, 1e-12, 0.1]]
    step = TableStep(table)
    raw = beam_search(step, (np.array([1]),), 3, 3, bos=1, eos=0)
    assert raw.tokens == [0]  # log 0.5 > log 0.45
    normalised = beam_search(step, (np.array([1]),), 3, 3, bos=1, eos=0, length_penalty=1.0)
    assert normalised.tokens == [2, 0]  # log(0.45) / 2 > log(0.5) / 1


# --------------------------------------------------------------------------------------
# learning
# --------------------------------------------------------------------------------------
def test_tiny_seq2seq_overfits_a_handful_of_pairs():
    """Reverse 6 short sequences: only attention can find the right source token."""
    rng = np.random.default_rng(0)
    lengths = np.array([3, 4, 2, 4, 3, 4])
    src = np.zeros((6, 4), dtype=np.int64)
    targets = []
    for b, n in enumerate(lengths):
        src[b, :n] = rng.integers(3, 7, size=n)
        targets.append(list(src[b, :n][::-1]) + [EOS])
    T = 5
    tgt_in = np.full((6, T), PAD)
    tgt_out = np.full((6, T), PAD)
    for b, target in enumerate(targets):
        tgt_in[b, : len(target)] = [BOS] + target[:-1]
        tgt_out[b, : len(target)] = target
    tg.manual_seed(0)
    model = nn.Seq2Seq(7, 7, embedding_dim=8, hidden_size=16, cell="gru", attention="dot")
    optimizer = optim.Adam(model.parameters(), lr=0.03)
    for _ in range(120):
        out = model(src, lengths, tgt_in)
        loss = F.cross_entropy(out.logits.reshape(6 * T, 7), tgt_out.reshape(-1), ignore_index=PAD)
        optimizer.zero_grad()
        loss.backward(retain_graph=False)
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
    assert loss.item() < 0.05
    decoded = model.greedy_decode(src, lengths, max_len=6, bos=BOS, eos=EOS)
    for b, target in enumerate(targets):
        assert list(decoded.tokens[b, : decoded.lengths[b]]) == target
