"""The exceptions tinygrad_rnn raises, so a mistake is explained instead of shown as a
numpy traceback.

Every error message names what went wrong (the op, the shapes) and where in *your* code
it happened: `TinygradError` ends each message with " — at file.py:LINE", the first
line of the call stack outside the engine (sources.py), so no `raise` writes it by hand.
Each class also inherits from the matching built-in exception, so `except ValueError:`
keeps working.

Read next: graph.py (where nodes and the backward loop live).
"""

from .sources import format_source, user_source

USER_LINE = " — at "


class TinygradError(Exception):
    """Base class of every error raised on purpose by tinygrad_rnn.

    `TinygradError(message)` appends " — at train.py:12", the user's line, unless the
    message already names one or the class sets `names_user_line = False`.
    """

    names_user_line = True

    def __init__(self, message="", *args) -> None:
        if self.names_user_line and isinstance(message, str) and USER_LINE not in message:
            source = user_source()
            if source is not None:
                message += USER_LINE + format_source(source)
        super().__init__(message, *args)


class ShapeError(TinygradError, ValueError):
    """Shapes that do not fit together, e.g. `matmul: shapes (32, 64) and (128, 512) ...`."""


class TensorIndexError(TinygradError, IndexError):
    """An index that does not fit the tensor (out of range, wrong kind of index array)."""


class DTypeError(TinygradError, TypeError):
    """An integer, boolean or object array where a floating-point one is needed."""


class BackwardError(TinygradError, RuntimeError):
    """`backward()` cannot run: non-scalar output without a gradient, freed graph, ..."""


class AnomalyError(TinygradError, FloatingPointError):
    """Raised inside `tg.detect_anomaly()` at the first NaN/inf value or gradient."""


class GradcheckError(TinygradError, AssertionError):
    """`tg.gradcheck` found an analytic gradient that disagrees with finite differences."""


class StateDictError(TinygradError, RuntimeError):
    """`load_state_dict` got missing/unexpected keys or wrong shapes (all listed at once)."""


class CheckpointError(TinygradError, ValueError):
    """A checkpoint file that cannot be read: not an .npz, truncated, or from another model."""

    names_user_line = False  # a file's problem names the file, not a line


class ArgumentError(TinygradError, TypeError, ValueError):
    """A constructor or function argument of the wrong type or value, e.g.
    `nn.GRU(3, 4.0)`, `optim.Adam(params, lr="0.1")`, `clip_grad_norm_(params, -1)`.
    Both `except TypeError:` and `except ValueError:` catch it."""


class InplaceError(TinygradError, RuntimeError):
    """An array that an op saved for backward was changed in place between the forward
    and the backward pass (PyTorch: "modified by an inplace operation")."""


class ExerciseError(TinygradError, RuntimeError):
    """The exercise checker could not run a student's file or function. (Its messages
    name the student's lines themselves.)"""

    names_user_line = False
