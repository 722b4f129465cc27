"""optim.lr_scheduler: the learning-rate sequences against their closed forms, and
ReduceLROnPlateau on a metric sequence traced by hand."""

import math

import numpy as np
import pytest

from tinygrad_rnn import nn, optim
from tinygrad_rnn.optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LRScheduler,
    MultiStepLR,
    ReduceLROnPlateau,
    StepLR,
)


def two_group_sgd(lr_a=0.1, lr_b=0.03):
    a, b = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(3))
    return optim.SGD([{"params": [a]}, {"params": [b], "lr": lr_b}], lr=lr_a)


def run(scheduler, epochs):
    """The rates of both groups at epochs 0 .. epochs-1 (read before each step)."""
    seen = []
    for _ in range(epochs):
        seen.append([group["lr"] for group in scheduler.optimizer.param_groups])
        assert scheduler.get_last_lr() == seen[-1]
        scheduler.step()
    return np.array(seen)


def closed_form(base_lrs, factor_of_epoch, epochs):
    return np.array([[lr * factor_of_epoch(e) for lr in base_lrs] for e in range(epochs)])


def test_step_lr_is_base_times_gamma_to_floor_e_over_s():
    scheduler = StepLR(two_group_sgd(), step_size=3, gamma=0.5)
    expected = closed_form([0.1, 0.03], lambda e: 0.5 ** (e // 3), 20)
    np.testing.assert_allclose(run(scheduler, 20), expected, rtol=1e-14)
    assert scheduler.last_epoch == 20


def test_multistep_lr_counts_milestones_passed():
    scheduler = MultiStepLR(two_group_sgd(), milestones=[7, 3, 7], gamma=0.1)
    # factor 1 before epoch 3, 0.1 from 3, 0.001 from 7 (milestone 7 given twice)
    factors = [1.0] * 3 + [0.1] * 4 + [0.001] * 5
    expected = closed_form([0.1, 0.03], lambda e: factors[e], 12)
    np.testing.assert_allclose(run(scheduler, 12), expected, rtol=1e-13)


def test_exponential_lr():
    scheduler = ExponentialLR(two_group_sgd(), gamma=0.9)
    expected = closed_form([0.1, 0.03], lambda e: 0.9**e, 15)
    np.testing.assert_allclose(run(scheduler, 15), expected, rtol=1e-13)


@pytest.mark.parametrize("eta_min", [0.0, 0.01])
def test_cosine_annealing_matches_the_closed_form_over_three_periods(eta_min):
    T = 8
    scheduler = CosineAnnealingLR(two_group_sgd(), T_max=T, eta_min=eta_min)
    got = run(scheduler, 3 * T + 1)
    for e, (lr_a, lr_b) in enumerate(got):
        cosine = (1 + math.cos(math.pi * e / T)) / 2
        assert lr_a == pytest.approx(eta_min + (0.1 - eta_min) * cosine, abs=1e-14)
        assert lr_b == pytest.approx(eta_min + (0.03 - eta_min) * cosine, abs=1e-14)
    assert got[T, 0] == pytest.approx(eta_min, abs=1e-15)  # the bottom at e = T_max


def test_lambda_lr_one_function_and_one_per_group():
    scheduler = LambdaLR(two_group_sgd(), lr_lambda=lambda e: 1.0 / (e + 1))
    expected = closed_form([0.1, 0.03], lambda e: 1.0 / (e + 1), 6)
    np.testing.assert_allclose(run(scheduler, 6), expected, rtol=1e-15)
    scheduler = LambdaLR(two_group_sgd(), [lambda e: 2.0**e, lambda e: 1.0 - 0.1 * e])
    got = run(scheduler, 4)
    np.testing.assert_allclose(got[:, 0], [0.1, 0.2, 0.4, 0.8], rtol=1e-15)
    np.testing.assert_allclose(got[:, 1], [0.03, 0.027, 0.024, 0.021], rtol=1e-14)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 3"):
        LambdaLR(two_group_sgd(), [abs, abs, abs])


def test_scheduler_really_changes_the_optimizer_step():
    p = nn.Parameter(np.array([1.0]))
    optimizer = optim.SGD([p], lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.5)
    moves = []
    for _ in range(3):
        p.grad = np.array([1.0])
        before = p.data.copy()
        optimizer.step()
        scheduler.step()
        moves.append(float(before[0] - p.data[0]))
    assert moves == [1.0, 0.5, 0.25]


def test_initial_lr_is_recorded_and_required_to_resume():
    optimizer = two_group_sgd()
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(optimizer, step_size=2, last_epoch=4)
    StepLR(optimizer, step_size=2)
    assert [group["initial_lr"] for group in optimizer.param_groups] == [0.1, 0.03]
    resumed = StepLR(optimizer, step_size=2, gamma=0.5, last_epoch=4)
    assert resumed.last_epoch == 5 and resumed.base_lrs == [0.1, 0.03]


def test_step_with_an_epoch_warns_and_uses_the_closed_form():
    scheduler = CosineAnnealingLR(two_group_sgd(), T_max=10)
    with pytest.warns(UserWarning, match="epoch parameter"):
        scheduler.step(5)
    assert scheduler.get_last_lr()[0] == pytest.approx(0.05, rel=1e-14)


def test_state_dict_round_trip_continues_the_same_sequence():
    first = StepLR(two_group_sgd(), step_size=2, gamma=0.5)
    run(first, 5)
    state = first.state_dict()
    assert "optimizer" not in state
    assert state["last_epoch"] == 5 and state["step_size"] == 2
    second = StepLR(two_group_sgd(), step_size=7, gamma=0.9)
    second.load_state_dict(state)
    for group, lr in zip(second.optimizer.param_groups, second.get_last_lr()):
        group["lr"] = lr  # (in a checkpoint, the optimizer's own state_dict restores lr)
    np.testing.assert_allclose(run(second, 6), run(first, 6), rtol=1e-15)


def test_lambda_lr_state_dict_leaves_functions_out():
    scheduler = LambdaLR(two_group_sgd(), lambda e: 0.5**e)
    run(scheduler, 3)
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [None, None] and state["last_epoch"] == 3
    fresh = LambdaLR(two_group_sgd(), lambda e: 0.5**e)
    fresh.load_state_dict(state)
    fresh.step()
    assert fresh.get_last_lr() == pytest.approx([0.1 * 0.5**4, 0.03 * 0.5**4], rel=1e-15)


def test_custom_scheduler_on_the_base_class():
    class Halving(LRScheduler):
        def get_lr(self):
            return [base_lr / 2**self.last_epoch for base_lr in self.base_lrs]

    got = run(Halving(two_group_sgd()), 3)
    np.testing.assert_allclose(got[:, 0], [0.1, 0.05, 0.025], rtol=1e-15)


# --- ReduceLROnPlateau ------------------------------------------------------------------
METRICS = [10, 9, 9, 9, 9, 9, 9, 9, 8, 8, 8, 8]


def plateau_lrs(metrics, **options):
    p = nn.Parameter(np.zeros(1))
    scheduler = ReduceLROnPlateau(optim.SGD([p], lr=1.0), **options)
    lrs = []
    for metric in metrics:
        scheduler.step(metric)
        lrs.append(scheduler.get_last_lr()[0])
    return lrs


def test_plateau_with_patience_and_cooldown_traced_by_hand():
    # patience 2: the 3rd bad epoch in a row (epoch 5) halves the rate; the cooldown
    # epoch after it (6) does not count; epochs 7, 8 are bad (1, 2); 9 improves (8 < 9);
    # 10, 11, 12 are bad again -> halve at 12.
    lrs = plateau_lrs(METRICS, factor=0.5, patience=2, cooldown=1)
    assert lrs == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25]


def test_plateau_without_cooldown_reduces_sooner():
    # bad epochs 3, 4, 5 -> halve at 5; 6, 7, 8 bad -> but 9 improves: epoch 8 is the
    # 3rd bad one after the reduction -> halve at 8; 10, 11, 12 bad -> halve at 12.
    lrs = plateau_lrs(METRICS, factor=0.5, patience=2)
    assert lrs == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.125]


def test_plateau_threshold_decides_what_counts_as_better():
    # rel threshold 0.1: 9.5 is not < 10·0.9, so it is a bad epoch; 8.9 is
    lrs = plateau_lrs([10, 9.5, 8.9, 8.5], factor=0.5, patience=0, threshold=0.1)
    assert lrs == [1, 0.5, 0.5, 0.25]
    # mode max, abs threshold 1: 10.5 is not > 10 + 1 (bad), 12 is (better)
    options = {"mode": "max", "factor": 0.5, "patience": 0, "threshold": 1.0}
    lrs = plateau_lrs([10, 10.5, 12, 12.9], threshold_mode="abs", **options)
    assert lrs == [1, 0.5, 0.5, 0.25]


def test_plateau_min_lr_and_eps():
    lrs = plateau_lrs([5, 5, 5, 5], factor=0.1, patience=0, min_lr=0.05)
    assert lrs == pytest.approx([1, 0.1, 0.05, 0.05], rel=1e-15)
    lrs = plateau_lrs([5, 5], factor=0.5, patience=0, eps=0.6)  # a change of 0.5 <= eps
    assert lrs == [1, 1]


def test_plateau_accepts_a_0d_tensor_and_checks_its_options():
    import tinygrad_rnn as tg

    assert plateau_lrs([tg.tensor(3.0), tg.tensor(3.0)], patience=0) == [1, pytest.approx(0.1)]
    optimizer = optim.SGD([nn.Parameter(np.zeros(1))], lr=1.0)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        ReduceLROnPlateau(optimizer, factor=1.0)
    with pytest.raises(ValueError, match="mode maximum is unknown"):
        ReduceLROnPlateau(optimizer, mode="maximum")
    with pytest.raises(ValueError, match="threshold mode relative is unknown"):
        ReduceLROnPlateau(optimizer, threshold_mode="relative")


def test_plateau_state_dict_round_trip():
    p = nn.Parameter(np.zeros(1))
    first = ReduceLROnPlateau(optim.SGD([p], lr=1.0), factor=0.5, patience=2, cooldown=1)
    for metric in METRICS[:6]:
        first.step(metric)
    state = first.state_dict()
    assert state["best"] == 9 and state["last_epoch"] == 6 and "optimizer" not in state
    second = ReduceLROnPlateau(optim.SGD([nn.Parameter(np.zeros(1))], lr=1.0))
    second.load_state_dict(state)
    second.optimizer.param_groups[0]["lr"] = second.get_last_lr()[0]  # the optimizer's part
    rest_first, rest_second = [], []
    for metric in METRICS[6:]:
        first.step(metric)
        second.step(metric)
        rest_first.append(first.get_last_lr()[0])
        rest_second.append(second.get_last_lr()[0])
    assert rest_second == rest_first == [0.5, 0.5, 0.5, 0.5, 0.5, 0.25]


def test_scheduler_refuses_something_that_is_no_optimizer():
    with pytest.raises(TypeError, match="expects an optimizer"):
        StepLR([nn.Parameter(np.zeros(1))], step_size=1)


def test_verbose_is_accepted_with_pytorchs_warning():
    with pytest.warns(UserWarning, match="verbose parameter is deprecated"):
        StepLR(two_group_sgd(), step_size=2, verbose=True)
    with pytest.warns(UserWarning, match="verbose parameter is deprecated"):
        ReduceLROnPlateau(two_group_sgd(), "min", patience=5, verbose=True)


def test_a_pytorch_style_training_loop_against_numpy_by_hand():
    """xavier init + CrossEntropyLoss + SGD + StepLR, against softmax regression written
    in numpy: dL/dlogits = (softmax - one_hot) / N, lr halved every 2 epochs."""
    from tinygrad_rnn.nn import init
    from tinygrad_rnn.nn.loss import CrossEntropyLoss

    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 4, size=8)
    model = nn.Linear(3, 4)
    init.xavier_uniform_(model.weight, generator=np.random.default_rng(6))
    init.zeros_(model.bias)
    W, b = model.weight.data.copy(), model.bias.data.copy()
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    criterion = CrossEntropyLoss()
    for epoch in range(6):
        optimizer.zero_grad()
        loss = criterion(model(X), y)
        loss.backward()
        optimizer.step()
        scheduler.step()
        logits = X @ W.T + b
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        assert loss.item() == pytest.approx(-np.log(p[np.arange(8), y]).mean(), rel=1e-12)
        grad_logits = (p - np.eye(4)[y]) / 8
        lr = 0.5 * 0.5 ** (epoch // 2)
        W, b = W - lr * grad_logits.T @ X, b - lr * grad_logits.sum(0)
    np.testing.assert_allclose(model.weight.data, W, rtol=1e-12)
    np.testing.assert_allclose(model.bias.data, b, rtol=1e-12, atol=1e-15)


def test_optimizer_state_with_a_schedulers_initial_lr_loads_back():
    """PyTorch's checkpoint pattern: the optimizer's state_dict holds the scheduler's
    initial_lr in each group, and loads into a fresh optimizer with its own scheduler."""
    model = nn.Linear(2, 1)
    optimizer = optim.Adam(model.parameters(), lr=0.1)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.5)
    model(np.ones((3, 2))).sum().backward()
    optimizer.step()
    scheduler.step()
    fresh = optim.Adam(model.parameters(), lr=0.1)
    StepLR(fresh, step_size=1, gamma=0.5)
    fresh.load_state_dict(optimizer.state_dict())
    assert fresh.param_groups[0]["lr"] == pytest.approx(0.05)
    assert fresh.param_groups[0]["initial_lr"] == 0.1
