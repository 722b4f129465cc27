"""Learning-rate schedules (PyTorch's `torch.optim.lr_scheduler`): change each parameter
group's `lr` as training goes on.

    optimizer = optim.SGD(model.parameters(), lr=0.1)
    scheduler = lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(model, optimizer)       # optimizer.step() inside
        scheduler.step()                        # then the schedule: lr for the next epoch

A scheduler reads and writes `optimizer.param_groups[i]["lr"]`, nothing else. It counts
its calls of `step()` in `last_epoch` (0 right after it is made: making it sets the
epoch-0 rate) and remembers each group's starting rate as `initial_lr` in the group, as
PyTorch does, so a schedule can resume from a checkpoint. With e = last_epoch and η₀
the starting rate:

    StepLR             η₀ · γ^⌊e / step_size⌋
    MultiStepLR        η₀ · γ^(number of milestones <= e)
    ExponentialLR      η₀ · γ^e
    CosineAnnealingLR  η_min + (η₀ - η_min) · (1 + cos(π e / T_max)) / 2
    LambdaLR           η₀ · lr_lambda(e)
    ReduceLROnPlateau  lr · factor when the metric given to step(metric) has not improved
                       for more than `patience` epochs

Like PyTorch, StepLR, MultiStepLR, ExponentialLR and CosineAnnealingLR compute the new
rate from the current one (lr · γ at a step boundary), so they compose with changes made
by hand; for plain stepping that equals the closed form above.

Read next: ../nn/utils/clip_grad.py (gradient clipping), then ../bptt.py.
"""

from __future__ import annotations

import math
import types
import warnings
from bisect import bisect_right
from collections import Counter

from ..errors import ArgumentError
from ..nn.checks import user_stacklevel

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "MultiStepLR",
    "ReduceLROnPlateau",
    "StepLR",
]

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being "
    "deprecated where possible. Please use `scheduler.step()` to step the scheduler."
)


def _check_optimizer(optimizer, name: str) -> None:
    """Anything with PyTorch's `param_groups` (a list of dicts with "lr") will do."""
    groups = getattr(optimizer, "param_groups", None)
    if not isinstance(groups, list) or not all(isinstance(g, dict) and "lr" in g for g in groups):
        raise ArgumentError(
            f"{name}: expects an optimizer (e.g. optim.SGD(model.parameters(), lr=0.1)), "
            f"got {type(optimizer).__name__}"
        )


def _warn_if_verbose(verbose) -> None:
    """`verbose=` is accepted, as PyTorch still accepts it, with PyTorch's warning; it
    prints nothing (get_last_lr() gives the rates)."""
    if verbose != "deprecated":
        warnings.warn(
            "The verbose parameter is deprecated. Please use get_last_lr() to access the "
            "learning rate.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )


class LRScheduler:
    """Base class: `step()` advances `last_epoch` by one and writes `get_lr()` into the
    groups. Subclasses write `get_lr()` (the rate for `last_epoch`, from the current one)
    and `_get_closed_form_lr()` (the same from the formula, used by `step(epoch)`).

    base_lrs     each group's starting rate (its "initial_lr")
    last_epoch   how many times step() has run since epoch 0 (-1: start fresh)
    """

    def __init__(self, optimizer, last_epoch: int = -1, verbose="deprecated") -> None:
        _check_optimizer(optimizer, type(self).__name__)
        _warn_if_verbose(verbose)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for index, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{index}] when "
                        f"resuming an optimizer"
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self.step()  # epoch 0: sets the starting rates

    def get_lr(self) -> list[float]:
        """The rate of every group for `self.last_epoch` (subclasses)."""
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The rates the last `step()` set, one per parameter group."""
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Go to the next epoch (or to `epoch`, deprecated) and set every group's lr."""
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=user_stacklevel())
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _current_lrs(self) -> list[float]:
        """The rate of every group now (what most get_lr() start from)."""
        return [group["lr"] for group in self.optimizer.param_groups]

    # --- saving and restoring (PyTorch's layout) --------------------------------------
    def state_dict(self) -> dict:
        """Every attribute but the optimizer: last_epoch, base_lrs, _last_lr, options."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Take back what `state_dict()` returned (the optimizer is restored separately,
        with its own load_state_dict)."""
        self.__dict__.update(state_dict)


_LRScheduler = LRScheduler  # PyTorch's old name, still used by custom schedulers


class StepLR(LRScheduler):
    """lr = η₀ · γ^⌊e / step_size⌋: multiply by gamma every `step_size` epochs."""

    def __init__(
        self,
        optimizer,
        step_size: int,
        gamma: float = 0.1,
        last_epoch: int = -1,
        verbose="deprecated",
    ):
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch, verbose)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        factor = self.gamma ** (self.last_epoch // self.step_size)
        return [base_lr * factor for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """lr = η₀ · γ^k, k = the number of milestones <= e: multiply by gamma at each
    milestone epoch (a milestone given twice multiplies twice)."""

    def __init__(
        self, optimizer, milestones, gamma: float = 0.1, last_epoch: int = -1, verbose="deprecated"
    ):
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch, verbose)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        factor = self.gamma ** bisect_right(milestones, self.last_epoch)
        return [base_lr * factor for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr = η₀ · γ^e: multiply by gamma every epoch."""

    def __init__(self, optimizer, gamma: float, last_epoch: int = -1, verbose="deprecated"):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch, verbose)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma**self.last_epoch for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = η_min + (η₀ - η_min) · (1 + cos(π e / T_max)) / 2 (Loshchilov & Hutter, SGDR,
    without restarts): from η₀ down to η_min in T_max epochs, then back up.

    Each step computes it from the current rate, as PyTorch does:
        lr_e = η_min + (lr_{e-1} - η_min) · (1 + cos(π e / T)) / (1 + cos(π (e-1) / T))
    which for plain stepping is the formula above.
    """

    def __init__(
        self,
        optimizer,
        T_max: int,
        eta_min: float = 0.0,
        last_epoch: int = -1,
        verbose="deprecated",
    ):
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch, verbose)

    def get_lr(self) -> list[float]:
        e, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if e == 0:
            return self._current_lrs()
        if self._step_count == 1 and e > 0:  # resumed at epoch e: the formula
            return self._get_closed_form_lr()
        pairs = zip(self.base_lrs, self._current_lrs())
        if (e - 1 - T) % (2 * T) == 0:  # just past the bottom: 0/0 in the ratio below
            return [
                lr + (base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2 for base_lr, lr in pairs
            ]
        ratio = (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T))
        return [eta_min + (lr - eta_min) * ratio for _, lr in pairs]

    def _get_closed_form_lr(self) -> list[float]:
        cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base_lr - self.eta_min) * cosine for base_lr in self.base_lrs]


class LambdaLR(LRScheduler):
    """lr = η₀ · lr_lambda(e): any schedule as a function of the epoch (one function,
    or a list of one per parameter group)."""

    def __init__(self, optimizer, lr_lambda, last_epoch: int = -1, verbose="deprecated"):
        _check_optimizer(optimizer, "LambdaLR")
        groups = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != groups:
                raise ArgumentError(f"Expected {groups} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * groups
        super().__init__(optimizer, last_epoch, verbose)

    def get_lr(self) -> list[float]:
        pairs = zip(self.base_lrs, self.lr_lambdas)
        return [base_lr * lr_lambda(self.last_epoch) for base_lr, lr_lambda in pairs]

    def state_dict(self) -> dict:
        """As the base, but the functions are not saved (a function cannot be written to
        a file); a callable object's attributes are (PyTorch's rule)."""
        state = {
            key: value
            for key, value in self.__dict__.items()
            if key not in ("optimizer", "lr_lambdas")
        }
        state["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) else fn.__dict__.copy()
            for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        state = dict(state_dict)
        saved_lambdas = state.pop("lr_lambdas")
        self.__dict__.update(state)
        for fn, saved in zip(self.lr_lambdas, saved_lambdas):
            if saved is not None:
                fn.__dict__.update(saved)


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rate by `factor` when a metric has stopped improving:

    step(metric) each epoch. The metric improves if it beats the best so far by the
    threshold (mode "min", threshold_mode "rel": metric < best · (1 - threshold)).
    After more than `patience` epochs without improvement, lr = max(lr · factor,
    min_lr) (a change smaller than eps is skipped), then `cooldown` epochs pass in
    which bad epochs are not counted.
    """

    def __init__(
        self,
        optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr=0,
        eps: float = 1e-8,
        verbose="deprecated",
    ) -> None:
        _check_optimizer(optimizer, "ReduceLROnPlateau")
        _warn_if_verbose(verbose)
        if factor >= 1.0:
            raise ArgumentError("Factor should be < 1.0.")
        self.factor = factor
        self.optimizer = optimizer
        self.min_lrs = self._min_lrs(min_lr, len(optimizer.param_groups))
        self.patience = patience
        self.cooldown = cooldown
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = self._current_lrs()
        self._init_is_better(mode, threshold_mode)
        self._reset()

    @staticmethod
    def _min_lrs(min_lr, groups: int) -> list[float]:
        """One lower bound per group: min_lr itself when it is a list, else repeated."""
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != groups:
                raise ArgumentError(f"expected {groups} min_lrs, got {len(min_lr)}")
            return list(min_lr)
        return [min_lr] * groups

    def _init_is_better(self, mode: str, threshold_mode: str) -> None:
        """Check mode and threshold_mode; mode_worse is the start value of `best`."""
        if mode not in ("min", "max"):
            raise ArgumentError(f"mode {mode} is unknown!")
        if threshold_mode not in ("rel", "abs"):
            raise ArgumentError(f"threshold mode {threshold_mode} is unknown!")
        self.mode_worse = math.inf if mode == "min" else -math.inf

    def _reset(self) -> None:
        """Forget the best value and the counters."""
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def is_better(self, a: float, best: float) -> bool:
        """Whether `a` beats `best` by more than the threshold (relative or absolute)."""
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metrics, epoch: int | None = None) -> None:
        """One epoch's metric (a number or a 0-d Tensor, e.g. the validation loss)."""
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=user_stacklevel())
        self.last_epoch = epoch
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    def _reduce_lr(self) -> None:
        """lr = max(lr · factor, min_lr) in every group, unless that changes it by <= eps."""
        for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update(state_dict)
        self._init_is_better(self.mode, self.threshold_mode)
