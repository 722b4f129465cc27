"""benchmarks/replay_floor.py replays the primitives one engine step recorded: its
parameter gradients must be the engine's, or its timing would measure something else."""

import sys

import numpy as np
from helpers import ROOT

sys.path.insert(0, str(ROOT))  # the benchmarks package
from benchmarks.bench_lstm import build_nn_model, engine_step, nn_lm_loss  # noqa: E402
from benchmarks.numpy_lstm import init_params, random_batch  # noqa: E402
from benchmarks.replay_floor import record_plan, replay  # noqa: E402


def test_the_replay_gives_the_engines_gradients_and_records_every_primitive():
    params = init_params(12, 6, 5, rng=3, dtype=np.float64)
    inputs, targets = random_batch(3, 4, 12, rng=4)
    model = build_nn_model(params)
    parameters = list(model.parameters())
    engine_step(nn_lm_loss, parameters, model, inputs, targets)
    plan, loss_key, loss = record_plan(nn_lm_loss, model, inputs, targets)
    assert len(plan.steps) > 4 * 15  # every gate of every step, not just the layer's ends
    assert set(plan.leaves) >= {p.id for p in parameters}
    grads = replay(plan, loss_key, {p.id for p in parameters})
    for p in parameters:
        np.testing.assert_allclose(grads[p.id], p.grad, rtol=1e-12, atol=1e-14)
