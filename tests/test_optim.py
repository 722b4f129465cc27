"""optim.py: SGD, RMSprop and Adam against their update formulas written out in numpy
(textbook form, not in place) over several steps, plus the bookkeeping around them."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F
from tinygrad_rnn import optim
from tinygrad_rnn.nn.utils import clip_grad_norm_, clip_grad_value_, detach_state

STEPS = 6


def random_problem(seed, shapes=((3, 4), (4,))):
    """Initial parameter arrays and, per step, one random gradient per parameter."""
    rng = np.random.default_rng(seed)
    initial = [rng.normal(size=shape) for shape in shapes]
    grads = [[rng.normal(size=shape) for shape in shapes] for _ in range(STEPS)]
    return initial, grads


def run(optimizer_class, initial, grads, dtype=np.float64, **options):
    """Apply the optimizer for len(grads) steps with the given gradients; final arrays."""
    params = [tg.tensor(a, requires_grad=True, dtype=dtype) for a in initial]
    optimizer = optimizer_class(params, **options)
    for step_grads in grads:
        optimizer.zero_grad()
        for p, g in zip(params, step_grads):
            p.grad = g.astype(dtype)
        optimizer.step()
    return [p.numpy() for p in params]


# --- the reference formulas ------------------------------------------------------------
def reference_sgd(p, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    buf = None
    for g in grads:
        d = g + weight_decay * p
        if momentum != 0:
            buf = d.copy() if buf is None else momentum * buf + (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        p = p - lr * d
    return p


def reference_rmsprop(
    p, grads, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False
):
    v = np.zeros_like(p)
    g_mean = np.zeros_like(p)
    buf = np.zeros_like(p)
    for g in grads:
        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g**2
        if centered:
            g_mean = alpha * g_mean + (1 - alpha) * g
            avg = np.sqrt(v - g_mean**2) + eps
        else:
            avg = np.sqrt(v) + eps
        if momentum > 0:
            buf = momentum * buf + g / avg
            p = p - lr * buf
        else:
            p = p - lr * g / avg
    return p


def reference_adam(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    """Kingma & Ba with bias-corrected m̂ and v̂ (the same update as PyTorch's form)."""
    beta1, beta2 = betas
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    for k, g in enumerate(grads, start=1):
        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**k)
        v_hat = v / (1 - beta2**k)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


def check_against_reference(optimizer_class, reference, seed, rtol=1e-12, **options):
    initial, grads = random_problem(seed)
    result = run(optimizer_class, initial, grads, **options)
    for i, (start, final) in enumerate(zip(initial, result)):
        expected = reference(start, [step[i] for step in grads], **options)
        np.testing.assert_allclose(final, expected, rtol=rtol, atol=1e-14)


# --------------------------------------------------------------------------------------
# update rules
# --------------------------------------------------------------------------------------
SGD_VARIANTS = [
    {"lr": 0.1},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "dampening": 0.3},
    {"lr": 0.05, "momentum": 0.8, "nesterov": True},
    {"lr": 0.1, "weight_decay": 0.01},
    {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.1, "nesterov": True},
]


@pytest.mark.parametrize("options", SGD_VARIANTS)
def test_sgd_matches_formula(options):
    check_against_reference(optim.SGD, reference_sgd, seed=1, **options)


RMSPROP_VARIANTS = [
    {},
    {"lr": 0.003, "alpha": 0.9},
    {"centered": True},
    {"momentum": 0.9},
    {"centered": True, "momentum": 0.5, "weight_decay": 0.1},
    {"eps": 1e-3, "weight_decay": 0.05},
]


@pytest.mark.parametrize("options", RMSPROP_VARIANTS)
def test_rmsprop_matches_formula(options):
    check_against_reference(optim.RMSprop, reference_rmsprop, seed=2, rtol=1e-11, **options)


ADAM_VARIANTS = [{}, {"lr": 0.01, "betas": (0.8, 0.99)}, {"weight_decay": 0.1, "eps": 1e-4}]


@pytest.mark.parametrize("options", ADAM_VARIANTS)
def test_adam_matches_textbook_formula(options):
    check_against_reference(optim.Adam, reference_adam, seed=3, **options)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    lr=st.floats(1e-4, 0.5),
    momentum=st.floats(0.0, 0.99),
    weight_decay=st.floats(0.0, 0.1),
)
def test_optimizers_match_formulas_for_random_options(seed, lr, momentum, weight_decay):
    check_against_reference(
        optim.SGD, reference_sgd, seed, lr=lr, momentum=momentum, weight_decay=weight_decay
    )
    check_against_reference(
        optim.RMSprop,
        reference_rmsprop,
        seed,
        rtol=1e-10,
        lr=lr,
        momentum=momentum,
        weight_decay=weight_decay,
    )
    check_against_reference(optim.Adam, reference_adam, seed, lr=lr, weight_decay=weight_decay)


def test_adam_first_step_is_lr_times_sign_of_gradient():
    p = tg.tensor([1.0, 2.0, -3.0], requires_grad=True)
    p.grad = np.array([0.5, -4.0, 1e-3])
    optim.Adam([p], lr=0.1).step()
    g = np.array([0.5, -4.0, 1e-3])
    np.testing.assert_allclose(p.numpy(), [1.0, 2.0, -3.0] - 0.1 * g / (np.abs(g) + 1e-8))


def test_sgd_hand_computed_momentum_steps():
    p = tg.tensor([1.0], requires_grad=True)
    optimizer = optim.SGD([p], lr=0.1, momentum=0.5)
    p.grad = np.array([2.0])
    optimizer.step()  # b = 2, p = 1 - 0.2
    assert p.item() == pytest.approx(0.8)
    p.grad = np.array([2.0])
    optimizer.step()  # b = 0.5·2 + 2 = 3, p = 0.8 - 0.3
    assert p.item() == pytest.approx(0.5)


def test_training_a_linear_fit_with_each_optimizer():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 1))
    y = 3.0 * x - 1.0
    for make in (
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: optim.RMSprop(ps, lr=0.05),
        lambda ps: optim.Adam(ps, lr=0.1),
    ):
        w = tg.zeros(1, 1, requires_grad=True)
        b = tg.zeros(1, requires_grad=True)
        optimizer = make([w, b])
        for _ in range(300):
            optimizer.zero_grad()
            loss = F.mse_loss(tg.tensor(x) @ w + b, tg.tensor(y))
            loss.backward()
            optimizer.step()
        assert loss.item() < 1e-3, type(optimizer).__name__
        assert w.item() == pytest.approx(3.0, abs=0.05)


# --------------------------------------------------------------------------------------
# bookkeeping
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer_class", [optim.SGD, optim.RMSprop, optim.Adam])
def test_float32_parameters_stay_float32_and_close_to_float64(optimizer_class):
    initial, grads = random_problem(5)
    options = {"lr": 0.01, "momentum": 0.9} if optimizer_class is not optim.Adam else {}
    single = run(optimizer_class, initial, grads, dtype=np.float32, **options)
    double = run(optimizer_class, initial, grads, dtype=np.float64, **options)
    for a, b in zip(single, double):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_float32_stays_float32_even_with_numpy_float64_options():
    p = tg.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    optimizer = optim.Adam([p], lr=np.float64(0.1), weight_decay=np.float64(0.01))
    p.grad = np.ones(3, dtype=np.float32)
    optimizer.step()
    assert p.dtype == np.float32
    assert optimizer.state[p]["exp_avg"].dtype == np.float32


@pytest.mark.parametrize("optimizer_class", [optim.SGD, optim.RMSprop, optim.Adam])
def test_parameters_without_gradient_are_skipped(optimizer_class):
    used = tg.tensor([1.0, 2.0], requires_grad=True)
    unused = tg.tensor([5.0, 6.0], requires_grad=True)
    optimizer = optimizer_class([used, unused], lr=0.1)
    used.grad = np.array([1.0, 1.0])
    optimizer.step()
    np.testing.assert_array_equal(unused.numpy(), [5.0, 6.0])
    assert unused not in optimizer.state
    assert np.all(used.numpy() < [1.0, 2.0])


def test_updates_are_in_place_on_the_same_array():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    array = p.data
    p.grad = np.array([1.0, 1.0])
    optim.SGD([p], lr=0.5).step()
    assert p.data is array
    np.testing.assert_array_equal(array, [0.5, 1.5])


def test_zero_grad_sets_none_or_zeros():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    optimizer = optim.SGD([p], lr=0.1)
    p.grad = np.array([3.0, 4.0])
    optimizer.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad, [0.0, 0.0])
    optimizer.zero_grad()
    assert p.grad is None


def test_param_groups_use_their_own_options():
    a = tg.tensor([1.0], requires_grad=True)
    b = tg.tensor([1.0], requires_grad=True)
    optimizer = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad = np.array([1.0])
    b.grad = np.array([1.0])
    optimizer.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.5)
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 0.5]


@pytest.mark.parametrize(
    "optimizer_class, options",
    [
        (optim.SGD, {"lr": 0.1, "momentum": 0.9}),
        (optim.RMSprop, {"centered": True, "momentum": 0.5}),
        (optim.Adam, {"lr": 0.01}),
    ],
)
def test_state_dict_round_trip_continues_identically(optimizer_class, options):
    initial, grads = random_problem(7)

    def make():
        params = [tg.tensor(a, requires_grad=True) for a in initial]
        return params, optimizer_class(params, **options)

    def steps(params, optimizer, step_grads):
        for gs in step_grads:
            for p, g in zip(params, gs):
                p.grad = g
            optimizer.step()

    params, optimizer = make()
    steps(params, optimizer, grads[:3])
    saved = optimizer.state_dict()
    saved_params = [p.numpy().copy() for p in params]
    steps(params, optimizer, grads[3:])  # must not change `saved`

    resumed_params, resumed = make()
    for p, array in zip(resumed_params, saved_params):
        p.data[...] = array
    resumed.load_state_dict(saved)
    steps(resumed_params, resumed, grads[3:])
    for p, q in zip(params, resumed_params):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    assert sorted(saved["state"]) == [0, 1]
    assert saved["param_groups"][0]["params"] == [0, 1]


def test_load_state_dict_rejects_other_group_sizes():
    a = tg.tensor([1.0], requires_grad=True)
    b = tg.tensor([1.0], requires_grad=True)
    saved = optim.Adam([a, b]).state_dict()
    with pytest.raises(ValueError, match=r"sizes \[2\].*\[1\]"):
        optim.Adam([a]).load_state_dict(saved)


def test_constructor_errors_are_clear():
    p = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="SGD.*not a Tensor"):
        optim.SGD([np.zeros(3)], lr=0.1)
    with pytest.raises(ValueError, match="Adam.*does not require grad.*test_optim.py:"):
        optim.Adam([tg.tensor([1.0])])
    with pytest.raises(ValueError, match="not a leaf"):
        optim.Adam([p * 2])
    with pytest.raises(ValueError, match="learning rate: -0.1"):
        optim.SGD([p], lr=-0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="beta"):
        optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="momentum"):
        optim.RMSprop([p], momentum=-1)
    with pytest.raises(TypeError, match="unknown option"):
        optim.SGD([{"params": [p], "momentun": 0.9}], lr=0.1)


def test_accepts_a_generator_of_parameters():
    params = [tg.tensor([1.0], requires_grad=True) for _ in range(3)]
    optimizer = optim.SGD((p for p in params), lr=0.1)
    assert len(optimizer.param_groups[0]["params"]) == 3


# --------------------------------------------------------------------------------------
# nn.utils: gradient clipping and detach_state
# --------------------------------------------------------------------------------------
def params_with_grads(seed, scale=1.0):
    rng = np.random.default_rng(seed)
    params = [tg.tensor(rng.normal(size=s), requires_grad=True) for s in [(3, 4), (4,), (2,)]]
    for p in params:
        p.grad = scale * rng.normal(size=p.shape)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_clip_grad_norm_returns_total_norm_and_scales(norm_type):
    params = params_with_grads(0, scale=10.0)
    before = [p.grad.copy() for p in params]
    every = np.concatenate([g.ravel() for g in before])
    if norm_type == float("inf"):
        expected = np.max(np.abs(every))
    else:
        expected = np.sum(np.abs(every) ** norm_type) ** (1 / norm_type)
    total = clip_grad_norm_(params, max_norm=1.0, norm_type=norm_type)
    assert isinstance(total, tg.Tensor) and total.shape == ()
    np.testing.assert_allclose(total.item(), expected, rtol=1e-12)
    coefficient = 1.0 / (expected + 1e-6)  # PyTorch: max_norm / (total + 1e-6)
    for p, g in zip(params, before):
        np.testing.assert_allclose(p.grad, g * coefficient, rtol=1e-12)
    after = np.concatenate([p.grad.ravel() for p in params])
    if norm_type == float("inf"):
        assert np.max(np.abs(after)) == pytest.approx(1.0, rel=1e-5)
    else:
        assert np.sum(np.abs(after) ** norm_type) ** (1 / norm_type) == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_norm_leaves_small_gradients_unchanged_and_works_in_place():
    params = params_with_grads(1, scale=0.01)
    arrays = [p.grad for p in params]
    before = [a.copy() for a in arrays]
    total = clip_grad_norm_(params, max_norm=5.0)
    assert total.item() < 5.0
    for p, array, g in zip(params, arrays, before):
        assert p.grad is array  # the same array, changed in place (here: not at all)
        np.testing.assert_array_equal(p.grad, g)


def test_clip_grad_norm_skips_missing_grads_accepts_one_tensor_and_keeps_dtype():
    a = tg.tensor(np.zeros(2, dtype=np.float32), requires_grad=True)
    a.grad = np.array([3.0, 4.0], dtype=np.float32)
    b = tg.tensor([1.0], requires_grad=True)  # grad None: ignored
    total = clip_grad_norm_([a, b], max_norm=1.0)
    assert total.item() == pytest.approx(5.0) and b.grad is None
    assert a.grad.dtype == np.float32
    np.testing.assert_allclose(a.grad, [0.6, 0.8], rtol=1e-6)
    assert clip_grad_norm_(a, 10.0).item() == pytest.approx(1.0, rel=1e-5)
    assert clip_grad_norm_([b], 1.0).item() == 0.0


def test_clip_grad_norm_nonfinite():
    p = tg.tensor([1.0, 1.0], requires_grad=True)
    p.grad = np.array([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="clip_grad_norm_.*inf"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    with pytest.warns(RuntimeWarning, match="left unclipped"):
        assert clip_grad_norm_([p], 1.0).item() == np.inf
    np.testing.assert_array_equal(p.grad, [np.inf, 1.0])  # unchanged, not inf * 0 = nan


def test_clip_grad_value_clips_each_element_in_place():
    params = params_with_grads(2, scale=3.0)
    before = [p.grad.copy() for p in params]
    arrays = [p.grad for p in params]
    clip_grad_value_(params, 1.5)
    for p, array, g in zip(params, arrays, before):
        assert p.grad is array
        np.testing.assert_array_equal(p.grad, np.clip(g, -1.5, 1.5))


def test_clipping_real_gradients_after_backward():
    W = tg.randn(4, 4, rng=0, requires_grad=True)
    x = tg.randn(4, rng=1)
    h = x
    for _ in range(5):
        h = (W @ h * 3.0).tanh()
    h.sum().backward()
    expected = np.linalg.norm(W.grad)
    assert clip_grad_norm_([W], 0.1).item() == pytest.approx(expected)
    assert np.linalg.norm(W.grad) == pytest.approx(0.1, rel=1e-4)


def test_detach_state_for_tensors_tuples_lists_and_none():
    h = tg.randn(2, 3, rng=0, requires_grad=True) * 2.0
    c = tg.randn(2, 3, rng=1, requires_grad=True) * 2.0
    h2 = detach_state(h)
    assert not h2.requires_grad and h2.is_leaf
    np.testing.assert_array_equal(h2.numpy(), h.numpy())
    pair = detach_state((h, c))
    assert isinstance(pair, tuple) and all(s.is_leaf and not s.requires_grad for s in pair)
    layers = detach_state([(h, c), (h, c)])
    assert isinstance(layers, list) and layers[1][1].is_leaf
    assert detach_state(None) is None
    with pytest.raises(TypeError, match="detach_state"):
        detach_state(np.zeros(3))


def test_truncated_bptt_with_detach_stops_gradient_at_the_chunk_boundary():
    """Chunk 2's loss, with h detached, gives W the gradient of chunk 2 alone (h constant)."""
    rng = np.random.default_rng(0)
    W = tg.tensor(rng.normal(size=(3, 3)) * 0.5, requires_grad=True)
    xs = rng.normal(size=(6, 3))

    def steps(h, rows):
        for x in rows:
            h = (W @ h + tg.tensor(x)).tanh()
        return h

    h = steps(tg.zeros(3), xs[:3])  # chunk 1
    h = detach_state(h)
    steps(h, xs[3:]).sum().backward()  # chunk 2
    truncated = W.grad.copy()

    W.grad = None
    constant_start = tg.tensor(h.numpy())
    steps(constant_start, xs[3:]).sum().backward()
    np.testing.assert_allclose(truncated, W.grad, rtol=1e-14)

    W.grad = None
    steps(steps(tg.zeros(3), xs[:3]), xs[3:]).sum().backward()  # full BPTT differs
    assert not np.allclose(W.grad, truncated)
