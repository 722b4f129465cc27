"""optim.AdamW, optim.Adagrad and Adam's amsgrad against numpy re-implementations of
PyTorch's documented algorithms (textbook form, not in place), over several steps."""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import optim
from tinygrad_rnn.errors import ArgumentError

STEPS = 7


def random_problem(seed, shapes=((3, 4), (4,))):
    """Initial parameter arrays and, per step, one random gradient per parameter."""
    rng = np.random.default_rng(seed)
    initial = [rng.normal(size=shape) for shape in shapes]
    grads = [[rng.normal(size=shape) * (1 + 3 * (k % 2)) for shape in shapes] for k in range(STEPS)]
    return initial, grads


def run(optimizer_class, initial, grads, **options):
    """Apply the optimizer for len(grads) steps with the given gradients; final arrays."""
    params = [tg.tensor(a, requires_grad=True) for a in initial]
    optimizer = optimizer_class(params, **options)
    for step_grads in grads:
        optimizer.zero_grad()
        for p, g in zip(params, step_grads):
            p.grad = g.copy()
        optimizer.step()
    return [p.numpy() for p in params], optimizer


# --- PyTorch's documented algorithms, written out --------------------------------------
def reference_adam(
    p,
    grads,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    decoupled=False,
):
    """torch.optim.Adam / AdamW's pseudo-code (docs), maximize=False."""
    beta1, beta2 = betas
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    v_max = np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        if decoupled:
            p = p - lr * weight_decay * p
        elif weight_decay:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        if amsgrad:
            v_max = np.maximum(v_max, v)
            v_hat = v_max / (1 - beta2**t)
        else:
            v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


def reference_adagrad(
    p, grads, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10
):
    """torch.optim.Adagrad's pseudo-code (docs)."""
    state_sum = np.full_like(p, initial_accumulator_value)
    for t, g in enumerate(grads, start=1):
        lr_t = lr / (1 + (t - 1) * lr_decay)
        if weight_decay:
            g = g + weight_decay * p
        state_sum = state_sum + g**2
        p = p - lr_t * g / (np.sqrt(state_sum) + eps)
    return p


def check_against(reference, optimizer_class, seed, **options):
    initial, grads = random_problem(seed)
    got, _ = run(optimizer_class, initial, grads, **options)
    for index, (start, p) in enumerate(zip(initial, got)):
        expected = reference(start, [step[index] for step in grads], **options)
        np.testing.assert_allclose(p, expected, rtol=1e-12, atol=1e-14)
        assert not np.allclose(p, start)  # the optimizer moved the parameter


# The denominator eps is placed differently in the docs (sqrt(v̂) + eps) and in Adam's
# code (sqrt(v)/sqrt(1-β2^k) + eps): they are the same number, checked here to 1e-12.
@pytest.mark.parametrize(
    "options",
    [
        {"amsgrad": True},
        {"amsgrad": True, "lr": 0.05, "betas": (0.5, 0.9)},
        {"amsgrad": True, "weight_decay": 0.1, "eps": 1e-3},
        {"amsgrad": False, "lr": 0.05, "betas": (0.5, 0.9)},
    ],
)
def test_adam_amsgrad_matches_the_algorithm(options):
    check_against(reference_adam, optim.Adam, seed=1, **options)


def test_amsgrad_differs_from_adam_when_v_shrinks():
    """With gradients that alternate large and small, v falls after a large step and
    v_max does not: the two rules must give different parameters."""
    initial, grads = random_problem(2)
    plain, _ = run(optim.Adam, initial, grads, lr=0.1, betas=(0.5, 0.5))
    ams, optimizer = run(optim.Adam, initial, grads, lr=0.1, betas=(0.5, 0.5), amsgrad=True)
    assert not np.allclose(plain[0], ams[0])
    state = next(iter(optimizer.state.values()))
    assert np.all(state["max_exp_avg_sq"] >= state["exp_avg_sq"])
    assert sorted(state) == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"lr": 0.05, "weight_decay": 0.3},
        {"amsgrad": True, "weight_decay": 0.1, "betas": (0.8, 0.95)},
    ],
)
def test_adamw_matches_the_algorithm(options):
    filled = {"lr": 1e-3, "weight_decay": 1e-2, **options}
    initial, grads = random_problem(3)
    got, _ = run(optim.AdamW, initial, grads, **options)
    for index, (start, p) in enumerate(zip(initial, got)):
        expected = reference_adam(start, [step[index] for step in grads], decoupled=True, **filled)
        np.testing.assert_allclose(p, expected, rtol=1e-12, atol=1e-14)


def test_adamw_defaults_are_pytorchs_and_decay_is_decoupled():
    p = tg.tensor([2.0], requires_grad=True)
    optimizer = optim.AdamW([p], lr=0.1)
    assert optimizer.defaults["weight_decay"] == 0.01
    assert optimizer.defaults["amsgrad"] is False
    p.grad = np.array([0.0])  # no gradient: Adam's step is 0, only the decay acts
    optimizer.step()
    assert p.item() == pytest.approx(2.0 * (1 - 0.1 * 0.01), abs=1e-15)
    # Adam with weight_decay puts λ·p in the gradient, which the adaptive step normalises:
    q = tg.tensor([2.0], requires_grad=True)
    adam = optim.Adam([q], lr=0.1, weight_decay=0.01)
    q.grad = np.array([0.0])
    adam.step()
    assert q.item() == pytest.approx(2.0 - 0.1, abs=1e-6)  # a full lr-sized step


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"lr": 0.1, "lr_decay": 0.5},
        {"weight_decay": 0.2, "initial_accumulator_value": 0.3, "eps": 1e-3},
    ],
)
def test_adagrad_matches_the_algorithm(options):
    check_against(reference_adagrad, optim.Adagrad, seed=4, **options)


def test_adagrad_first_step_by_hand():
    """s = 0 + g² so the first step is lr · g/|g| = lr · sign(g) (eps negligible)."""
    p = tg.tensor([1.0, -1.0, 0.5], requires_grad=True)
    optimizer = optim.Adagrad([p], lr=0.1)
    p.grad = np.array([4.0, -0.5, 2.0])
    optimizer.step()
    np.testing.assert_allclose(p.numpy(), [0.9, -0.9, 0.4], atol=1e-12)
    # second step with lr_decay 0: s = 16 + 16 = 32 for the first entry
    p.grad = np.array([4.0, 0.0, 0.0])
    optimizer.step()
    assert p.numpy()[0] == pytest.approx(0.9 - 0.1 * 4 / np.sqrt(32.0))


def test_adagrad_state_exists_before_the_first_step():
    p = tg.tensor(np.zeros(3), requires_grad=True)
    optimizer = optim.Adagrad([p], initial_accumulator_value=0.25)
    saved = optimizer.state_dict()
    assert saved["state"][0]["step"] == 0
    np.testing.assert_array_equal(saved["state"][0]["sum"], [0.25] * 3)
    assert optimizer.defaults == {
        "lr": 0.01,
        "lr_decay": 0.0,
        "weight_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 1e-10,
    } | {"initial_accumulator_value": 0.25}


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.Adagrad(ps, lr_decay=-1),
        lambda ps: optim.Adagrad(ps, initial_accumulator_value=-0.1),
        lambda ps: optim.Adagrad(ps, eps=-1e-3),
        lambda ps: optim.AdamW(ps, weight_decay=-0.1),
        lambda ps: optim.Adam(ps, amsgrad="yes"),
    ],
)
def test_invalid_options_are_refused(make):
    with pytest.raises((ArgumentError, TypeError)):
        make([tg.tensor([1.0], requires_grad=True)])


@pytest.mark.parametrize("optimizer_class", [optim.AdamW, optim.Adagrad, optim.Adam])
def test_state_dict_round_trip_continues_identically(optimizer_class):
    """Save after 3 steps, load into a fresh optimizer, take 4 more: the same numbers as
    7 uninterrupted steps."""
    options = {"amsgrad": True} if optimizer_class is not optim.Adagrad else {"lr_decay": 0.1}
    initial, grads = random_problem(5)
    straight, _ = run(optimizer_class, initial, grads, **options)
    halfway, first = run(optimizer_class, initial, grads[:3], **options)
    params = [tg.tensor(a, requires_grad=True) for a in halfway]
    second = optimizer_class(params, **options)
    second.load_state_dict(first.state_dict())
    for step_grads in grads[3:]:
        for p, g in zip(params, step_grads):
            p.grad = g.copy()
        second.step()
    for p, expected in zip(params, straight):
        np.testing.assert_allclose(p.numpy(), expected, rtol=1e-13)
