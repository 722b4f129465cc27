"""Generator: a seedable source of random numbers, spelled as PyTorch's `torch.Generator`.

    g = tg.Generator().manual_seed(0)
    loader = DataLoader(dataset, batch_size=4, shuffle=True, generator=g)

Give a DataLoader, a RandomSampler or `random_split` their own Generator and their
shuffling no longer depends on how many random numbers the rest of the program drew
(parameter initialisation, dropout): the same seed gives the same order, every run.

Behind it is numpy's `np.random.default_rng(seed)` (the PCG64 bit generator), kept in
`g.rng`. The same seed gives the same numbers *in this engine*; they are not the numbers
PyTorch's Mersenne Twister gives for that seed, so a shuffled order differs from
PyTorch's.

This file imports nothing of the engine (only numpy and errors.py), so tensor.py may
import it too.

Read next: utils/data/sampler.py (the samplers that draw their orders from a Generator).
"""

from __future__ import annotations

import secrets

import numpy as np

from .defaults import default_rng
from .errors import ArgumentError

# PyTorch's default seed: `torch.Generator().initial_seed()` is this number too.
DEFAULT_SEED = 67280421310721
SEED_RANGE = 2**64  # seeds are unsigned 64-bit numbers; a negative seed wraps around

# get_state() packs the PCG64 state into bytes, in this order (little-endian):
#   seed (8 bytes), state (16), inc (16), has_uint32 (1), uinteger (4)
STATE_FIELDS = (("seed", 8), ("state", 16), ("inc", 16), ("has_uint32", 1), ("uinteger", 4))
STATE_BYTES = sum(size for _, size in STATE_FIELDS)  # 45


class Generator:
    """A random number generator you seed yourself (PyTorch's `torch.Generator`).

        g = Generator()                 # seeded with DEFAULT_SEED, as in PyTorch
        g.manual_seed(42)               # returns g, so `Generator().manual_seed(42)` works
        g.initial_seed()                # 42
        state = g.get_state()           # a snapshot ...
        g.set_state(state)              # ... to go back to later

    `g.rng` is the numpy Generator that does the drawing. Same seed, same sequence in this
    engine; not the same numbers as PyTorch (see the module docstring).
    """

    def __init__(self, device="cpu") -> None:
        if str(device) != "cpu":
            raise ArgumentError(
                f"Generator: device={device!r} is not available; this engine runs on numpy, "
                "on the CPU only: use Generator() or Generator(device='cpu')"
            )
        self.device = "cpu"
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Restart the sequence from `seed`: an int in [-2**63, 2**64), as in PyTorch; a
        negative seed wraps modulo 2**64. Returns the generator itself."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise ArgumentError(
                f"Generator.manual_seed: the seed must be an int, got "
                f"{type(seed).__name__} {seed!r:.40}"
            )
        if not -(2**63) <= seed < SEED_RANGE:
            raise ArgumentError(
                f"Generator.manual_seed: the seed must lie in [-2**63, 2**64), got {seed}"
            )
        self._seed = int(seed) % SEED_RANGE
        self.rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Seed from the operating system's randomness (a different sequence every run)
        and return that seed, so the run can be repeated with `manual_seed(seed)`."""
        new_seed = secrets.randbits(64)
        self.manual_seed(new_seed)
        return new_seed

    def initial_seed(self) -> int:
        """The seed the sequence started from (set by `manual_seed` or `seed`)."""
        return self._seed

    def get_state(self) -> np.ndarray:
        """The generator's whole state as a uint8 array of 45 bytes (see STATE_FIELDS).

        PyTorch returns a ByteTensor; here it is the numpy array such a tensor would hold.
        Pass it to `set_state` to continue from this point again."""
        pcg = self.rng.bit_generator.state
        values = {
            "seed": self._seed,
            "state": pcg["state"]["state"],
            "inc": pcg["state"]["inc"],
            "has_uint32": pcg["has_uint32"],
            "uinteger": pcg["uinteger"],
        }
        packed = b"".join(values[name].to_bytes(size, "little") for name, size in STATE_FIELDS)
        return np.frombuffer(packed, dtype=np.uint8).copy()

    def set_state(self, new_state) -> Generator:
        """Continue from a state that `get_state` returned (a uint8 array or Tensor).
        Returns the generator itself."""
        values = _unpack_state(new_state)
        self._seed = values["seed"]
        self.rng = np.random.default_rng()
        self.rng.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": values["state"], "inc": values["inc"]},
            "has_uint32": values["has_uint32"],
            "uinteger": values["uinteger"],
        }
        return self

    def __repr__(self) -> str:
        return f"Generator(device='cpu', initial_seed={self._seed})"


def _unpack_state(new_state) -> dict:
    """{field name: int} from the bytes of `get_state()`; an error names what is wrong."""
    array = np.asarray(new_state)
    if array.dtype != np.uint8 or array.shape != (STATE_BYTES,):
        raise ArgumentError(
            f"Generator.set_state: expects the uint8 array of {STATE_BYTES} bytes that "
            f"get_state() returns, got dtype {array.dtype} and shape {array.shape}"
        )
    packed = array.tobytes()
    values = {}
    offset = 0
    for name, size in STATE_FIELDS:
        values[name] = int.from_bytes(packed[offset : offset + size], "little")
        offset += size
    return values


def numpy_generator(generator, owner: str) -> np.random.Generator:
    """The numpy Generator to draw from: the Generator's own, or (for None) the one that
    `tg.manual_seed` seeds. A numpy Generator is accepted as it is."""
    if generator is None:
        return default_rng()
    if isinstance(generator, Generator):
        return generator.rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise ArgumentError(
        f"{owner}: generator must be a tg.Generator (e.g. tg.Generator().manual_seed(0)) or "
        f"None, got {type(generator).__name__}"
    )
