"""Devices, as a PyTorch program names them: this engine has one, the CPU.

    device = tg.device("cuda" if tg.cuda.is_available() else "cpu")   # device(type='cpu')
    x = tg.zeros(2, 3, device=device)
    x.to(device), x.cpu(), x.device                                   # all on the CPU

Every tensor lives in a numpy array in main memory. A program may *name* "cuda" or
"mps" (`tg.device("cuda")` is allowed, as in PyTorch), but putting a tensor there -
`x.cuda()`, `x.to("cuda")`, `tg.zeros(2, device="cuda:0")` - is an error that says so.
`tg.cuda.is_available()` and `tg.backends.mps.is_available()` answer False, so the
usual `"cuda" if ... else "cpu"` line picks the CPU by itself.

This file imports nothing of the engine but errors.py.

Read next: tensor_factories.py (tg.arange, tg.full, tg.rand ... with device=).
"""

from __future__ import annotations

from types import SimpleNamespace

from .errors import ArgumentError

# The device types PyTorch knows that a program may name; only "cpu" can hold a tensor.
KNOWN_TYPES = ("cpu", "cuda", "mps", "xpu", "meta")


class device:  # noqa: N801 (PyTorch's spelling: torch.device)
    """A device name: `tg.device("cpu")`, `tg.device("cuda", 0)`, `tg.device("cuda:0")`.

    `.type` is "cpu", "cuda" ...; `.index` the number after the colon (or None).
    A device equals another device, or a string, with the same type and index.
    """

    def __init__(self, type, index=None) -> None:  # noqa: A002 (PyTorch's keyword)
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise ArgumentError(f"device: expects a string such as 'cpu', got {type!r:.40}")
        name, _, number = type.partition(":")
        if name not in KNOWN_TYPES:
            raise ArgumentError(
                f"device: unknown device type {name!r}; expected one of {list(KNOWN_TYPES)}"
            )
        if number:
            if index is not None or not number.isdigit():
                raise ArgumentError(f"device: invalid device string {type!r}")
            index = int(number)
        self.type = name
        self.index = index

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except ArgumentError:
                return False
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type={self.type!r})"
        return f"device(type={self.type!r}, index={self.index})"


CPU = device("cpu")
_default_device = CPU


def check_device(where, op_name: str) -> device:
    """The CPU device if `where` names it (None, "cpu", "cpu:0", tg.device("cpu"));
    any other device is an error that says this engine runs on numpy, on the CPU."""
    if where is None:
        return CPU
    if not isinstance(where, (str, device)):
        raise ArgumentError(
            f"{op_name}: device must be a string such as 'cpu' or a tg.device, got {where!r:.40}"
        )
    wanted = device(where)
    if wanted.type != "cpu":
        raise ArgumentError(
            f"{op_name}: device {str(wanted)!r} is not available: this engine computes with "
            "numpy and runs on the CPU only; drop .cuda() or use device='cpu'"
        )
    return CPU


def is_device_name(value) -> bool:
    """True for a tg.device or a string that names a device type ("cpu", "cuda:0" ...)."""
    if isinstance(value, device):
        return True
    return isinstance(value, str) and value.partition(":")[0] in KNOWN_TYPES


def set_default_device(where) -> None:
    """PyTorch's `torch.set_default_device`: only the CPU (or None) can be the default."""
    check_device(where, "set_default_device")


def get_default_device() -> device:
    """The device new tensors are made on: always `device(type='cpu')`."""
    return _default_device


class DeviceMethods:
    """What a tensor answers about its device (Tensor inherits these through
    tensor_pytorch.PyTorchMethods): always the CPU."""

    __slots__ = ()

    @property
    def device(self) -> device:
        """`device(type='cpu')`: every tensor is a numpy array in main memory."""
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    def cpu(self):
        """Already on the CPU: x itself."""
        return self

    def cuda(self, device=None, non_blocking: bool = False):
        """An error: this engine computes with numpy, on the CPU."""
        check_device(f"cuda:{device}" if isinstance(device, int) else device or "cuda", "cuda")

    def pin_memory(self):
        """Pinned memory speeds up copies to a GPU; there is none: x itself."""
        return self


# --------------------------------------------------------------------------------------
# tg.cuda and tg.backends: the questions a PyTorch program asks before choosing a device
# --------------------------------------------------------------------------------------
def is_available() -> bool:
    """`tg.cuda.is_available()`, `tg.backends.mps.is_available()`: False, no GPU here."""
    return False


def device_count() -> int:
    """`tg.cuda.device_count()`: 0 GPUs."""
    return 0


def ignore_seed(seed) -> None:
    """`tg.cuda.manual_seed(seed)`: there is no GPU generator to seed (PyTorch, too,
    ignores this call when CUDA is not available)."""


cuda = SimpleNamespace(
    is_available=is_available,
    device_count=device_count,
    manual_seed=ignore_seed,
    manual_seed_all=ignore_seed,
)
backends = SimpleNamespace(
    mps=SimpleNamespace(is_available=is_available, is_built=is_available),
    cudnn=SimpleNamespace(deterministic=False, benchmark=False, enabled=False),
)
