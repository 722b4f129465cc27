"""tinygrad_rnn/charlm/transformer.py (lesson 15's model): the forward pass against its
equations written out in numpy, causality, the context carried as `state`, PyTorch's
parameter names, and charlm's training, evaluation and sampling running on it."""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import charlm
from tinygrad_rnn.charlm.transformer import CharTransformer, causal_mask, new_transformer_run
from tinygrad_rnn.errors import ShapeError

V, D, HEADS, FF, BLOCK = 7, 8, 2, 12, 6


def tiny_model(num_layers: int = 2, seed: int = 0) -> CharTransformer:
    tg.manual_seed(seed)
    return CharTransformer(V, D, HEADS, num_layers, FF, BLOCK).double()


def ids(shape, seed=1) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, V, size=shape)


# --------------------------------------------------------------------------------------
# The equations, in numpy
# --------------------------------------------------------------------------------------
def layer_norm(x, weight, bias, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    variance = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(variance + eps) * weight + bias


def causal_self_attention(z, p: dict, prefix: str) -> np.ndarray:
    """softmax(Q_h K_hᵀ/√d_h, only s <= t) V_h per head, concatenated, then out_proj."""
    B, T, E = z.shape
    d = E // HEADS
    qkv = z @ p[prefix + "in_proj_weight"].T + p[prefix + "in_proj_bias"]  # (B, T, 3E)
    q, k, v = qkv[..., :E], qkv[..., E : 2 * E], qkv[..., 2 * E :]
    heads = []
    for h in range(HEADS):
        cols = slice(h * d, (h + 1) * d)
        scores = q[..., cols] @ k[..., cols].transpose(0, 2, 1) / np.sqrt(d)  # (B, T, T)
        scores = np.where(np.tril(np.ones((T, T), bool)), scores, -np.inf)
        weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
        weights /= weights.sum(axis=-1, keepdims=True)
        heads.append(weights @ v[..., cols])
    out = np.concatenate(heads, axis=-1)
    return out @ p[prefix + "out_proj.weight"].T + p[prefix + "out_proj.bias"]


def numpy_scores(model: CharTransformer, x: np.ndarray) -> np.ndarray:
    """o = fc(LN(block_N(... block_1(E[x] + P[0..T-1])))), each block pre-norm:
    a = h + attention(LN_1(h)),  h' = a + W_2 relu(W_1 LN_2(a) + b_1) + b_2."""
    p = model.state_dict()
    h = p["embedding.weight"][x] + p["position.weight"][: x.shape[1]]  # (B, T, D)
    for n in range(len(model.layers)):
        pre = f"layers.{n}."
        z = layer_norm(h, p[pre + "norm1.weight"], p[pre + "norm1.bias"])
        h = h + causal_self_attention(z, p, pre + "self_attn.")
        z = layer_norm(h, p[pre + "norm2.weight"], p[pre + "norm2.bias"])
        hidden = np.maximum(z @ p[pre + "linear1.weight"].T + p[pre + "linear1.bias"], 0.0)
        h = h + hidden @ p[pre + "linear2.weight"].T + p[pre + "linear2.bias"]
    z = layer_norm(h, p["norm.weight"], p["norm.bias"])
    return z @ p["fc.weight"].T + p["fc.bias"]  # (B, T, V)


def test_the_scores_are_the_equations_written_out_in_numpy():
    model = tiny_model()
    x = ids((3, BLOCK))
    scores, _ = model(x)
    assert scores.shape == (3, BLOCK, V)
    np.testing.assert_allclose(scores.numpy(), numpy_scores(model, x), rtol=1e-10, atol=1e-12)


def test_parameter_names_and_shapes_are_pytorchs():
    model = tiny_model(num_layers=1)
    shapes = {name: array.shape for name, array in model.state_dict().items()}
    assert shapes == {
        "embedding.weight": (V, D),
        "position.weight": (BLOCK, D),
        "layers.0.self_attn.in_proj_weight": (3 * D, D),
        "layers.0.self_attn.in_proj_bias": (3 * D,),
        "layers.0.self_attn.out_proj.weight": (D, D),
        "layers.0.self_attn.out_proj.bias": (D,),
        "layers.0.linear1.weight": (FF, D),
        "layers.0.linear1.bias": (FF,),
        "layers.0.linear2.weight": (D, FF),
        "layers.0.linear2.bias": (D,),
        "layers.0.norm1.weight": (D,),
        "layers.0.norm1.bias": (D,),
        "layers.0.norm2.weight": (D,),
        "layers.0.norm2.bias": (D,),
        "norm.weight": (D,),
        "norm.bias": (D,),
        "fc.weight": (V, D),
        "fc.bias": (V,),
    }
    assert model.num_parameters() == sum(int(np.prod(shape)) for shape in shapes.values())


def test_causal_mask_is_pytorchs_true_means_not_allowed():
    np.testing.assert_array_equal(
        causal_mask(3), [[False, True, True], [False, False, True], [False, False, False]]
    )


# --------------------------------------------------------------------------------------
# Causality and the carried context
# --------------------------------------------------------------------------------------
def test_a_later_character_changes_no_earlier_score():
    model = tiny_model()
    x = ids((2, BLOCK))
    before, _ = model(x)
    changed = x.copy()
    changed[:, 3] = (changed[:, 3] + 1) % V
    after, _ = model(changed)
    np.testing.assert_array_equal(after.numpy()[:, :3], before.numpy()[:, :3])
    assert not np.allclose(after.numpy()[:, 3:], before.numpy()[:, 3:])


def test_reading_in_pieces_with_the_state_equals_reading_at_once():
    model = tiny_model()
    x = ids((2, BLOCK))
    whole, _ = model(x)
    first, state = model(x[:, :2])
    second, state = model(x[:, 2:], state)
    np.testing.assert_allclose(np.concatenate([first.numpy(), second.numpy()], axis=1),
                               whole.numpy(), rtol=1e-10, atol=1e-12)  # fmt: skip
    np.testing.assert_array_equal(state, x[:, 1:])  # the last BLOCK - 1 ids


def test_one_character_at_a_time_sees_the_last_block_size_characters():
    """A stream longer than the block: at position t the scores are those of a fresh
    forward of the window x[t - BLOCK + 1 .. t] (the oldest characters drop out)."""
    model = tiny_model()
    x = ids((1, 2 * BLOCK + 1))
    state = None
    for t in range(x.shape[1]):
        scores, state = model(x[:, t : t + 1], state)
        window = x[:, max(t - BLOCK + 1, 0) : t + 1]
        expected = numpy_scores(model, window)[:, -1]
        np.testing.assert_allclose(scores.numpy()[:, 0], expected, rtol=1e-10, atol=1e-12)


def test_more_positions_than_the_block_is_an_error_naming_block_size():
    model = tiny_model()
    with pytest.raises(ShapeError, match=f"block_size={BLOCK}"):
        model(ids((1, BLOCK + 1)))


# --------------------------------------------------------------------------------------
# charlm runs it: train, evaluate, sample
# --------------------------------------------------------------------------------------
TEXT = "the cat sat on the mat. the dog sat on the log.\n" * 20


def test_charlm_trains_evaluates_and_samples_the_transformer():
    config = charlm.CharLMConfig(batch_size=4, seq_len=BLOCK, lr=0.01, seed=2)
    corpus = charlm.prepare_corpus(TEXT, config)
    sizes = {"d_model": D, "nhead": HEADS, "num_layers": 1, "dim_feedforward": FF}
    run = new_transformer_run(corpus.vocab, config, **sizes)
    assert run.model.block_size == BLOCK and run.model.layers[0].linear1.weight.dtype == np.float32
    before = charlm.evaluate(run.model, corpus.val, 2, seq_len=3)
    losses = [loss for _, loss in charlm.train(run, corpus.train, 40)]
    after = charlm.evaluate(run.model, corpus.val, 2, seq_len=3)
    assert run.step == 40 and after < before and np.mean(losses[-5:]) < np.mean(losses[:5])
    text = charlm.sample(run.model, run.vocab, 2 * BLOCK, 0.5, "the ", rng=0)
    assert len(text) == 2 * BLOCK and set(text) <= set(TEXT)
    again = new_transformer_run(corpus.vocab, config, **sizes)  # seeded: the same init
    for _ in charlm.train(again, corpus.train, 40):
        pass
    assert charlm.evaluate(again.model, corpus.val, 2, seq_len=3) == after


def test_evaluate_scores_each_character_from_its_own_window():
    """charlm.evaluate (one stream, windows of 3, the state carried): each window is one
    forward of the last BLOCK ids up to its end, so the character at s + j of the window
    starting at s is scored from stream[max(s + n - BLOCK, 0) .. s + j] - recomputed here
    position by position in numpy."""
    model = tiny_model()
    stream = ids((40,), seed=5)
    got = charlm.evaluate(model, stream, batch_size=1, seq_len=3)
    total = 0.0
    for s in range(0, len(stream) - 1, 3):
        n = min(3, len(stream) - 1 - s)  # the last window may be shorter
        for j in range(n):
            window = stream[max(s + n - BLOCK, 0) : s + j + 1][None]  # (1, <= BLOCK)
            o = numpy_scores(model, window)[0, -1]
            total += np.log(np.exp(o - o.max()).sum()) + o.max() - o[stream[s + j + 1]]
    assert got == pytest.approx(total / (len(stream) - 1), rel=1e-9)


# --------------------------------------------------------------------------------------
# PyTorch, when installed: the same state_dict gives the same scores
# --------------------------------------------------------------------------------------
def test_pytorch_with_the_same_state_dict_gives_the_same_scores():
    torch = pytest.importorskip("torch")

    class TorchCharTransformer(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(V, D)
            self.position = torch.nn.Embedding(BLOCK, D)
            self.layers = torch.nn.ModuleList(
                torch.nn.TransformerEncoderLayer(
                    D, HEADS, FF, dropout=0.0, batch_first=True, norm_first=True
                )  # fmt: skip
                for _ in range(2)
            )
            self.norm = torch.nn.LayerNorm(D)
            self.fc = torch.nn.Linear(D, V)

        def forward(self, x):
            T = x.shape[1]
            h = self.embedding(x) + self.position(torch.arange(T))
            mask = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64)
            for layer in self.layers:
                h = layer(h, src_mask=mask, is_causal=True)
            return self.fc(self.norm(h))

    model = tiny_model()
    reference = TorchCharTransformer().double().eval()
    reference.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    x = ids((3, BLOCK))
    with torch.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(x)[0].numpy(), expected, rtol=1e-9, atol=1e-11)
