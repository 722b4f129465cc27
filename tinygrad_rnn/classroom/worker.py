"""The worker: a separate Python process that imports a student's file and runs its
functions when the checker asks, so that nothing the student's code does - exit, crash,
loop forever, print, close a file, change numpy or tinygrad_rnn - can reach the checker,
its reference answers or its verdict.

The checker (student_process.py) starts it as

    python -I -c "import sys, json; sys.path[:] = json.loads(sys.argv[1]); ..." SYS_PATH

and sends one request per line on its stdin; the answer is one line on its stdout (the
format: wire.py). Before the student's file is imported, those two pipes move to new file
descriptors and descriptors 0 and 1 point at os.devnull: input() gets EOFError,
os.write(1, ...) goes nowhere, and print() (sys.stdout and sys.stderr) is sent to the
checker as {"printed": text}, which the report shows under the case it belongs to.

    {"do": "import", "path", "cwd"} -> {"done": "import", "callables": [...],
                                        "signatures": {name: [[parameter, kind,
                                        has_default], ...]}}
                                       (or "syntax": where the file does not parse)
    {"do": "call", "function", "args", "kwargs", "nodes", "grad"}
                                    -> {"done": "call", "result", "changed"}
    {"do": "backward", "tensor", "grad"} -> {"done": "backward", "grads": [...]}
    {"do": "forget"}                -> {"done": "forget"}   (a new case begins)

Whatever the student's code raises (SystemExit and KeyboardInterrupt too) is the answer
{"error": {"kind", "text", "function"}} naming the line of the student's file.

This side only runs the student's code and reports what it returned, as data; every
comparison with the engine's answer happens in the checker's process.

Read next: student_process.py (the checker's side).
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import io
import itertools
import os
import signal
import sys
import threading
import traceback
import warnings

import numpy as np

from ..graph import no_grad
from ..scalar import Value
from ..tensor import Tensor, _constant
from . import wire

MAX_ITEMS = 100_000  # elements of an iterable answer (a topological order) that travel


def main() -> None:
    """The worker's whole life: take the pipes, then answer requests until stdin closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the checker to handle
    channel = Channel.from_standard_streams()
    budget = PrintBudget(channel)
    sys.stdout = PrintCapture(budget)
    sys.stderr = PrintCapture(budget)
    Worker(channel, budget).serve()


# --------------------------------------------------------------------------------------
# The pipes to the checker, and print()
# --------------------------------------------------------------------------------------
class Channel:
    """The two pipes to the checker, on file descriptors of their own."""

    def __init__(self, reader, writer) -> None:
        self.reader = reader
        self.writer = writer
        self.lock = threading.Lock()  # the student's threads may print while we answer

    @classmethod
    def from_standard_streams(cls) -> Channel:
        """Move stdin and stdout to new descriptors; 0 and 1 then point at os.devnull."""
        reader = os.fdopen(os.dup(0), "rb")
        writer = os.fdopen(os.dup(1), "wb")
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        os.close(devnull)
        return cls(reader, writer)

    def receive(self) -> dict | None:
        """The next request, or None when the checker has closed the pipe."""
        line = self.reader.readline(wire.MAX_LINE)
        if not line:
            return None
        return wire.from_line(line)

    def send(self, message: dict) -> None:
        with self.lock:
            self.writer.write(wire.to_line(message))
            self.writer.flush()


class PrintBudget:
    """What the student's code may print per case: the first wire.MAX_TEXT characters
    go to the checker, the rest is counted out (a print in an endless loop)."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.left = wire.MAX_TEXT

    def reset(self) -> None:
        self.left = wire.MAX_TEXT

    def send(self, text: str) -> None:
        if self.left <= 0 or not text:
            return
        part = text[: self.left]
        self.left -= len(part)
        message = {"printed": part}
        if len(part) < len(text):
            message["cut"] = True
            self.left = 0
        self.channel.send(message)


class PrintCapture(io.TextIOBase):
    """sys.stdout and sys.stderr in the worker: text goes to the checker (PrintBudget)."""

    def __init__(self, budget: PrintBudget) -> None:
        super().__init__()
        self.budget = budget

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.budget.send(text)
        return len(text)


# --------------------------------------------------------------------------------------
# Answering requests
# --------------------------------------------------------------------------------------
class Worker:
    """Holds the student's module and what the current case's calls returned.

    kept     handle -> an object of the student's that went to the checker as a
             placeholder (wire.Opaque), so the checker can pass it back
    outputs  handle -> (a Tensor the student's function returned, the nodes of that
             call): the checker asks for gradients through it (backward)
    """

    def __init__(self, channel: Channel, budget: PrintBudget) -> None:
        self.channel = channel
        self.budget = budget
        self.module = None
        self.path = ""
        self.kept: dict = {}
        self.outputs: dict = {}
        self.handles = itertools.count()

    def serve(self) -> None:
        while True:
            try:
                request = self.channel.receive()
            except wire.WireError as error:
                self.channel.send({"garbled": str(error)})
                continue
            if request is None:
                return
            self.channel.send(self.answer(request))

    def answer(self, request: dict) -> dict:
        """The answer to one request; any exception becomes {"error": ...}."""
        handlers = {
            "import": self.do_import,
            "call": self.do_call,
            "backward": self.do_backward,
            "forget": self.do_forget,
        }
        handler = handlers.get(request.get("do"))
        if handler is None:
            return {"garbled": f"no such request: {request.get('do')!r}"}
        try:
            return handler(request)
        except BaseException as error:  # SystemExit, KeyboardInterrupt: still an answer
            return {"error": failure(error, self.path)}

    # --- import ------------------------------------------------------------------------
    def do_import(self, request: dict) -> dict:
        """Import the student's file as a module of its own (never cached by name)."""
        os.chdir(request["cwd"])  # the checker's folder now (the worker may be older)
        self.path = request["path"]
        stem = os.path.splitext(os.path.basename(self.path))[0]
        name = "student_" + "".join(ch if ch.isalnum() else "_" for ch in stem)
        spec = importlib.util.spec_from_file_location(name, self.path)
        if spec is None or spec.loader is None:
            raise ImportError(f"{self.path} is not a Python file that can be imported")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # so that @dataclass and pickle find the module
        try:
            with quiet_numerics():
                spec.loader.exec_module(module)
        except SyntaxError as error:
            if not same_file(error.filename, self.path):
                raise
            where = {"line": error.lineno, "message": str(error.msg), "text": error.text or ""}
            return {"done": "import", "syntax": where}
        self.module = module
        callables = [name for name, value in vars(module).items() if callable(value)]
        signatures = signatures_of(module, callables)
        return {"done": "import", "callables": callables, "signatures": signatures}

    # --- call --------------------------------------------------------------------------
    def do_call(self, request: dict) -> dict:
        """Call one of the student's functions on the arguments the checker sent."""
        nodes = build_nodes(request["nodes"])
        args = [wire.decode(item, self.decoder(nodes)) for item in request["args"]]
        kwargs = {
            key: wire.decode(item, self.decoder(nodes)) for key, item in request["kwargs"].items()
        }
        function = getattr(self.module, request["function"])
        before = Snapshot(args, kwargs, nodes)
        with quiet_numerics(), grad_mode(request["grad"]):
            result = function(*args, **kwargs)
            encoded = wire.encode(result, self.encoder(nodes, True))
            changed = before.changes(args, kwargs, nodes, self.encoder(nodes, True))
        return {"done": "call", "result": encoded, "changed": changed}

    def decoder(self, nodes: list):
        """decode_other for the checker's arguments: nodes it sent, objects we kept."""

        def decode_other(message: dict):
            if "node" in message:
                return nodes[message["node"]]
            if "kept" in message:
                return self.kept[message["kept"]]
            raise wire.WireError(f"not an argument: {sorted(message)}")

        return decode_other

    def encoder(self, nodes: list, with_items: bool):
        """encode_other for what the student's function returned."""
        sent = {id(node): index for index, node in enumerate(nodes)}

        def encode_other(value):
            if id(value) in sent:
                return {"node": sent[id(value)]}
            if isinstance(value, Tensor):
                return self.encode_tensor(value, nodes)
            return self.encode_opaque(value, nodes, with_items)

        return encode_other

    def encode_tensor(self, tensor, nodes: list) -> dict:
        """A Tensor the student made: its numbers, and a handle for its gradients."""
        data = wire.sendable_array(tensor.data)
        if data is None:
            return self.encode_opaque(tensor, nodes, False)
        handle = next(self.handles)
        self.outputs[handle] = (tensor, nodes)
        requires_grad = tensor.requires_grad is True
        return {"tensor": handle, "data": wire.encode_array(data), "requires_grad": requires_grad}

    def encode_opaque(self, value, nodes: list, with_items: bool) -> dict:
        """A placeholder: type name, handle, and its numbers or elements if it has them."""
        handle = next(self.handles)
        self.kept[handle] = value
        message = {"opaque": type(value).__name__, "handle": handle}
        array = wire.sendable_array(value)
        if array is not None:
            message["value"] = wire.encode_array(array)
        elif isinstance(value, np.ndarray) and value.size > wire.MAX_ELEMENTS:
            message["note"] = f"of shape {value.shape}, too large to check"
        if with_items and not isinstance(value, (str, bytes, np.ndarray)):
            items = first_items(value)
            if items is not None:
                inner = self.encoder(nodes, False)
                message["items"] = [wire.encode_leaf(item, inner) for item in items]
        return message

    # --- backward ----------------------------------------------------------------------
    def do_backward(self, request: dict) -> dict:
        """∂(Σ grad ⊙ out)/∂node for every node of the call that made `out`."""
        tensor, nodes = self.outputs[request["tensor"]]
        grad = wire.decode_array(request["grad"])
        for node in nodes:
            node.grad = None
        with quiet_numerics():
            if tensor.requires_grad:
                (tensor * _constant(grad)).sum().backward()
        grads = []
        for node in nodes:
            array = None if node.grad is None else wire.sendable_array(node.grad)
            grads.append(None if array is None else wire.encode_array(array))
        return {"done": "backward", "grads": grads}

    def do_forget(self, request: dict) -> dict:
        """A new case: drop what the last one kept, and let it print again."""
        self.kept.clear()
        self.outputs.clear()
        self.budget.reset()
        return {"done": "forget"}


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------
def signatures_of(module, names: list) -> dict:
    """name -> [[parameter, kind, has_default], ...] of the file's functions, read with
    inspect.signature (kind: 'POSITIONAL_OR_KEYWORD' ...); the checker compares them with
    the calls it makes (signatures.py). Names whose signature cannot be read are left out."""
    found = {}
    for name in names:
        try:
            parameters = inspect.signature(getattr(module, name)).parameters.values()
        except (TypeError, ValueError):  # a class without a readable __init__, a builtin
            continue
        found[name] = [
            [p.name, p.kind.name, p.default is not inspect.Parameter.empty] for p in parameters
        ]
    return found


def build_nodes(specs: list) -> list:
    """Rebuild the graph the checker sent (sent_graph.SentGraph), parents first."""
    nodes = []
    for spec in specs:
        parents = tuple(nodes[index] for index in spec["parents"] if 0 <= index < len(nodes))
        data = wire.decode_leaf(spec["data"], no_placeholders)
        if spec["kind"] == "value":
            node = Value.__new__(Value)
            data = float(data)
        else:
            node = Tensor.__new__(Tensor)
            data = np.asarray(data)
        node._setup(data, spec["op"], parents, None, bool(spec["requires_grad"]), spec["label"])
        node.grad = wire.decode_leaf(spec["grad"], no_placeholders)
        nodes.append(node)
    return nodes


def no_placeholders(message: dict):
    raise wire.WireError(f"not a number or an array: {sorted(message)}")


def first_items(value) -> list | None:
    """The elements of an iterable (at most MAX_ITEMS), or None."""
    try:
        items = list(itertools.islice(iter(value), MAX_ITEMS + 1))
    except TypeError:
        return None
    return items if len(items) <= MAX_ITEMS else None


class Snapshot:
    """Copies of the arrays and gradients a call received, to see what it changed in
    place: the checker copies those changes onto its own arrays (grad_out *= ... must
    be noticed, p.grad = ... of clip_grad_norm must arrive)."""

    def __init__(self, args: list, kwargs: dict, nodes: list) -> None:
        self.args = {index: copy_of(value) for index, value in enumerate(args)}
        self.kwargs = {key: copy_of(value) for key, value in kwargs.items()}
        self.grads = [(node.grad, copy_of(node.grad)) for node in nodes]
        self.data = [(node._data, copy_of(node._data)) for node in nodes]

    def changes(self, args: list, kwargs: dict, nodes: list, encode_other) -> dict:
        changed: dict = {"args": {}, "kwargs": {}, "grads": {}, "data": {}}
        for index, value in enumerate(args):
            if differs(self.args[index], value):
                changed["args"][str(index)] = wire.encode_leaf(value, encode_other)
        for key, value in kwargs.items():
            if differs(self.kwargs[key], value):
                changed["kwargs"][key] = wire.encode_leaf(value, encode_other)
        for index, node in enumerate(nodes):
            old, old_copy = self.grads[index]
            if node.grad is not old or differs(old_copy, node.grad):
                changed["grads"][str(index)] = wire.encode_leaf(node.grad, encode_other)
            old, old_copy = self.data[index]
            if node._data is not old or differs(old_copy, node._data):
                changed["data"][str(index)] = wire.encode_leaf(node._data, encode_other)
        return changed


def copy_of(value):
    """A copy of an array (None for anything else: only arrays are followed)."""
    if type(value) is np.ndarray:
        return value.copy()
    return None


def differs(saved, value) -> bool:
    """True if `value` is an array that no longer holds what `saved` held."""
    if saved is None or type(value) is not np.ndarray:
        return False
    if saved.shape != value.shape or saved.dtype != value.dtype:
        return True
    return not np.array_equal(saved, value, equal_nan=saved.dtype.kind == "f")


@contextlib.contextmanager
def quiet_numerics():
    """No numpy warnings while the student's code runs: an overflow in a student's exp
    shows up as nan or inf in the answer, which the checker explains."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def grad_mode(enabled: bool):
    """The checker's tg.no_grad() (gradcheck's evaluations), repeated around the call."""
    return contextlib.nullcontext() if enabled else no_grad()


def same_file(a, b) -> bool:
    try:
        return os.path.realpath(a) == os.path.realpath(b)
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------------------
# What the student's code raised, with the line of the student's file
# --------------------------------------------------------------------------------------
def failure(error: BaseException, path: str) -> dict:
    """{"kind", "text", "function"}: kind "todo" (NotImplementedError), "recursion",
    "exit" (SystemExit) or "error"; text like 'ValueError: ... (mine.py:23 in f)'."""
    if isinstance(error, NotImplementedError):
        kind = "todo"
    elif isinstance(error, RecursionError):
        kind = "recursion"
    elif isinstance(error, SystemExit):
        kind = "exit"
    else:
        kind = "error"
    return {"kind": kind, "text": exception_text(error, path), "function": function_in(error, path)}


def exception_text(error: BaseException, path: str) -> str:
    """'ValueError: shapes ... (06_lstm_cell.py:23 in lstm_cell)'."""
    try:
        message = str(error).strip()
    except Exception:  # a student's exception whose __str__ fails
        message = "(its message cannot be printed)"
    text = type(error).__name__ + (f": {message}" if message else "")
    where = where_in(error, path)
    return f"{text} ({where})" if where else text


def student_frames(error: BaseException, path: str) -> list:
    """The traceback frames that are in the student's file, outermost first."""
    if not path:
        return []
    target = os.path.realpath(path)
    walk = traceback.walk_tb(error.__traceback__)
    frames = traceback.StackSummary.extract(walk, lookup_lines=False)
    return [frame for frame in frames if os.path.realpath(frame.filename) == target]


def where_in(error: BaseException, path: str) -> str:
    """'06_lstm_cell.py:23 in lstm_cell' for the innermost frame in the student's file."""
    frames = student_frames(error, path)
    if not frames:
        return ""
    frame = frames[-1]
    return f"{os.path.basename(path)}:{frame.lineno} in {frame.name}"


def function_in(error: BaseException, path: str) -> str:
    """The name of the student's function that raised, or ''."""
    frames = student_frames(error, path)
    return frames[-1].name if frames else ""
