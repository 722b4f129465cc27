"""tinygrad_rnn.generator.Generator: PyTorch's torch.Generator spellings on numpy's PCG64."""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.generator import DEFAULT_SEED, STATE_BYTES, Generator


def draws(generator: Generator, count: int = 5) -> list[float]:
    return generator.rng.random(count).tolist()


def test_a_new_generator_has_pytorchs_default_seed():
    g = Generator()
    assert g.initial_seed() == DEFAULT_SEED == 67280421310721
    assert g.device == "cpu"
    assert draws(g) == np.random.default_rng(DEFAULT_SEED).random(5).tolist()


def test_manual_seed_returns_the_generator_and_restarts_its_sequence():
    g = Generator()
    assert g.manual_seed(42) is g
    assert g.initial_seed() == 42
    first = draws(g)
    assert first == np.random.default_rng(42).random(5).tolist()  # numpy's PCG64 numbers
    g.manual_seed(42)
    assert draws(g) == first
    assert draws(Generator().manual_seed(43)) != first


def test_two_generators_with_one_seed_give_one_sequence():
    assert draws(Generator().manual_seed(7), 20) == draws(Generator().manual_seed(7), 20)


def test_a_numpy_integer_seed_works_and_a_negative_seed_wraps_modulo_2_to_the_64():
    assert Generator().manual_seed(np.int64(5)).initial_seed() == 5
    assert Generator().manual_seed(-1).initial_seed() == 2**64 - 1
    assert draws(Generator().manual_seed(-1)) == draws(Generator().manual_seed(2**64 - 1))


@pytest.mark.parametrize("seed", [1.5, True, "3", None])
def test_a_seed_that_is_no_int_is_refused_with_its_value(seed):
    with pytest.raises(tg.ArgumentError, match=r"manual_seed: the seed must be an int"):
        Generator().manual_seed(seed)


@pytest.mark.parametrize("seed", [2**64, -(2**63) - 1])
def test_a_seed_outside_pytorchs_64_bit_range_is_refused(seed):
    with pytest.raises(tg.ArgumentError, match=rf"must lie in \[-2\*\*63, 2\*\*64\), got {seed}"):
        Generator().manual_seed(seed)


def test_seed_picks_a_fresh_seed_and_reports_it_so_the_run_can_be_repeated():
    g = Generator()
    chosen = g.seed()
    assert isinstance(chosen, int) and 0 <= chosen < 2**64
    assert g.initial_seed() == chosen
    sequence = draws(g)
    assert draws(Generator().manual_seed(chosen)) == sequence
    assert Generator().seed() != chosen  # 64 random bits: equal with probability 2**-64


def test_get_state_then_set_state_repeats_what_followed():
    g = Generator().manual_seed(3)
    draws(g, 4)
    state = g.get_state()
    assert state.dtype == np.uint8 and state.shape == (STATE_BYTES,)
    after = draws(g)
    g.set_state(state)
    assert draws(g) == after


def test_the_state_keeps_the_seed_and_moves_to_another_generator():
    g = Generator().manual_seed(11)
    draws(g, 3)
    other = Generator().set_state(g.get_state())
    assert other.initial_seed() == 11
    assert draws(other) == draws(g)


def test_the_state_keeps_a_half_used_32_bit_draw():
    # PCG64 makes 64 bits at a time; a uint32 draw keeps the other half for the next one
    # (has_uint32, uinteger): the state must carry it, or the next draw would differ.
    g = Generator().manual_seed(5)
    g.rng.integers(0, 2**32, dtype=np.uint32)
    assert g.rng.bit_generator.state["has_uint32"] == 1
    state = g.get_state()
    after = g.rng.integers(0, 2**32, size=3, dtype=np.uint32).tolist()
    g.set_state(state)
    assert g.rng.integers(0, 2**32, size=3, dtype=np.uint32).tolist() == after


def test_set_state_accepts_the_state_as_a_tensor():
    g = Generator().manual_seed(2)
    state = tg.tensor(g.get_state())
    after = draws(g)
    g.set_state(state)
    assert draws(g) == after


@pytest.mark.parametrize("bad", [np.zeros(10, dtype=np.uint8), np.zeros(STATE_BYTES), [1, 2]])
def test_set_state_refuses_what_get_state_did_not_make(bad):
    with pytest.raises(tg.ArgumentError, match=r"set_state: expects the uint8 array of 45"):
        Generator().set_state(bad)


def test_only_the_cpu_device_exists():
    assert Generator(device="cpu").device == "cpu"
    with pytest.raises(tg.ArgumentError, match=r"device='cuda'.*numpy, on the CPU"):
        Generator(device="cuda")


def test_a_generator_does_not_share_draws_with_tg_manual_seed():
    expected = draws(Generator().manual_seed(0))
    g = Generator().manual_seed(0)
    tg.manual_seed(1)
    tg.randn(100)  # draws from the engine's generator, not from g
    assert draws(g) == expected


def test_repr_names_the_seed():
    assert repr(Generator().manual_seed(9)) == "Generator(device='cpu', initial_seed=9)"
