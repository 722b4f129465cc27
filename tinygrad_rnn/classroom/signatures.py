"""Before any case runs: can the student's functions take the arguments the checker passes?

A student who renames or drops an argument (`def lstm_cell(x, h_prev, c_prev, W, b)`)
would otherwise see every case fail with a TypeError and a hint about something else.
The worker reads each function's parameters with inspect.signature when it imports the
file (worker.py, `signatures_of`); here they are tried against the calls the cases make,
and a mismatch becomes one message that shows both:

    lstm_cell(x, h_prev, c_prev, W, b) cannot take what the checker passes:
    lstm_cell(x, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh) - 7 arguments
    by position (too many positional arguments). Keep the arguments of the stub.

CALLS lists, per function, the calls the cases make: the arguments passed by position
(in this order) and those passed by keyword. A function missing from CALLS is not checked.

Read next: runner.py (where this runs, right after the file is imported).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass


@dataclass(frozen=True)
class Call:
    """One way the checker calls a function: `positional` arguments in order, then
    `keywords` by name (names as in the stub)."""

    positional: tuple = ()
    keywords: tuple = ()

    def shown(self, function: str) -> str:
        """'attention(query, keys, values, mask=...)'."""
        names = list(self.positional) + [f"{name}=..." for name in self.keywords]
        return f"{function}({', '.join(names)})"

    def counted(self) -> str:
        """'7 arguments by position', '7 arguments by keyword', '3 by position and mask'."""
        parts = []
        if self.positional:
            parts.append(f"{len(self.positional)} arguments by position")
        if self.keywords:
            parts.append(f"{', '.join(self.keywords)} by keyword")
        return " and ".join(parts) or "no arguments"


LSTM_ARGUMENTS = ("x", "h_prev", "c_prev", "weight_ih", "weight_hh", "bias_ih", "bias_hh")
GRU_ARGUMENTS = ("x", "h_prev", "weight_ih", "weight_hh", "bias_ih", "bias_hh")
ATTENTION_ARGUMENTS = ("query", "keys", "values")

CALLS = {
    "tanh_backward": (Call(("out", "grad_out")),),
    "sigmoid_forward": (Call(("x",)),),
    "sigmoid_backward": (Call(("out", "grad_out")),),
    "unbroadcast": (Call(("grad", "shape")),),
    "topological_order": (Call(("root",)),),
    "rnn_step": (Call(("x", "h_prev", "U", "W", "V", "b", "c")),),
    "bptt": (Call(keywords=("U", "W", "V", "b", "c", "xs", "targets")),),
    "lstm_cell": (Call(LSTM_ARGUMENTS),),
    "lstm_cell_backward": (Call(("dh", "dc", "cache")),),
    "gru_cell": (Call(GRU_ARGUMENTS),),
    "attention": (Call(ATTENTION_ARGUMENTS), Call(ATTENTION_ARGUMENTS, ("mask",))),
    "clip_grad_norm": (Call(("parameters", "max_norm")),),
}


KINDS = {  # inspect.Parameter.kind by its name, as the worker sends it
    "POSITIONAL_ONLY": inspect.Parameter.POSITIONAL_ONLY,
    "POSITIONAL_OR_KEYWORD": inspect.Parameter.POSITIONAL_OR_KEYWORD,
    "VAR_POSITIONAL": inspect.Parameter.VAR_POSITIONAL,
    "KEYWORD_ONLY": inspect.Parameter.KEYWORD_ONLY,
    "VAR_KEYWORD": inspect.Parameter.VAR_KEYWORD,
}


def as_signature(described) -> inspect.Signature | None:
    """The inspect.Signature the worker described as [[name, kind, has_default], ...];
    None when the description is not one (then nothing is checked)."""
    if not isinstance(described, list):
        return None
    parameters = []
    try:
        for name, kind, has_default in described:
            if kind not in KINDS:
                return None
            default = None if has_default else inspect.Parameter.empty
            parameters.append(inspect.Parameter(name, KINDS[kind], default=default))
        return inspect.Signature(parameters)
    except (TypeError, ValueError):
        return None


def mismatch(function: str, signature: inspect.Signature, call: Call) -> str:
    """'' if `signature` accepts `call`, else why not (TypeError's words)."""
    try:
        signature.bind(*call.positional, **{name: None for name in call.keywords})
    except TypeError as error:
        return str(error)
    return ""


def signature_problem(functions, signatures: dict, stub: str) -> str:
    """'' when every function in `functions` can take the checker's calls; else one
    message naming the student's signature, the call and what does not fit."""
    for function in functions:
        signature = as_signature(signatures.get(function))
        if signature is None:
            continue
        for call in CALLS.get(function, ()):
            reason = mismatch(function, signature, call)
            if reason:
                return (
                    f"{function}{signature} cannot take what the checker passes: "
                    f"{call.shown(function)} - {call.counted()} ({reason}). Keep the "
                    f"arguments of the stub ({stub}): the checker calls them by these names "
                    "and in this order."
                )
    return ""
