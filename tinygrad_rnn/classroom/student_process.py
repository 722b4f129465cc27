"""The checker's side of the worker process (worker.py) that runs a student's file.

    with StudentProcess("06_lstm_cell.py", timeout=10.0) as student:
        answer = student.start()             # import the file: {"callables": [...]} or
                                             # {"syntax": ...}; raises if it went wrong
        student.begin_case()                 # per case: a fresh time budget (and a new
        h, c = student.module.lstm_cell(...) # process if the last one was stopped)

`student.module` stands in for the student's module: calling one of its functions sends
the arguments to the worker, which calls the real one, and returns what it returned as
plain data (wire.py). Arrays the function changed in place are changed here too, and a
Tensor it returned becomes a node here (StudentResult) whose backward asks the worker
for the gradients through the student's own graph. So the cases (check_*.py) call the
student's functions, run the engine's backward and gradcheck on them, and compute the
engine's reference answers, all in this process, which never runs the student's code.

Each case has `timeout` seconds of the worker's time. What can go wrong is an exception
that names the student's function (problems.py):
    StudentRaised        the student's code raised (kind "todo", "recursion", "exit", "error")
    StudentTimedOut      no answer within the time limit: the worker was stopped
    StudentProcessEnded  the worker ended (os._exit, a crash)
    LostContact          the worker sent something that is not the answer
After the last three, the next begin_case() starts a new worker and imports the file again.

This file starts the worker (Starter) and holds the conversation; problems.py has the
exceptions, sent_graph.py the nodes a call sends, pipes.py the threads that carry the
lines.

Read next: problems.py, sent_graph.py, pipes.py; then runner.py (turning these into the
report's lines).
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from .. import ops
from ..graph import is_grad_enabled
from ..tensor import Tensor, _constant, apply
from . import wire
from .pipes import (
    OutputTail,
    Printed,
    close_quietly,
    ending,
    keep_tail,
    kill_all,
    read_answers,
    start_thread,
    write_requests,
)
from .problems import (
    BACKWARD,
    BETWEEN,
    CALLING,
    IMPORTING,
    STARTING,
    LostContact,
    StudentProblem,
    StudentProcessEnded,
    StudentRaised,
    StudentTimedOut,
    raised,
)
from .sent_graph import SentGraph, checked_index, put_back, put_node_data

__all__ = [  # the problems are defined in problems.py and still import from here
    "BACKWARD",
    "BETWEEN",
    "CALLING",
    "IMPORTING",
    "STARTING",
    "LostContact",
    "StudentModule",
    "StudentProblem",
    "StudentProcess",
    "StudentProcessEnded",
    "StudentRaised",
    "StudentResult",
    "StudentTimedOut",
]

BOOT = (
    "import sys, json; sys.path[:] = json.loads(sys.argv[1]); "
    "from tinygrad_rnn.classroom.worker import main; main()"
)
START_LIMIT = 120.0  # seconds for a new worker to load Python, numpy and the engine


# --------------------------------------------------------------------------------------
# The process
# --------------------------------------------------------------------------------------
class StudentProcess:
    """One worker process for one student's file (restarted after a timeout or a crash)."""

    def __init__(self, path, timeout: float) -> None:
        self.path = str(Path(path).absolute())
        self.timeout = timeout
        self.time_left = timeout
        self.process = None
        self.requests: queue.Queue = queue.Queue()
        self.answers: queue.Queue = queue.Queue()
        self.errors = OutputTail()
        self.printed = Printed()
        self.module = StudentModule(self, ())
        self.signatures: dict = {}  # name -> its parameters, as the worker read them

    def __enter__(self) -> StudentProcess:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- the life of a worker ------------------------------------------------------------
    def start(self) -> dict:
        """Start a worker and import the file; the answer says which functions it defines
        ("callables") or where it does not parse ("syntax"). Raises StudentProblem."""
        self.launch()
        self.time_left = self.timeout
        request = {"do": "import", "path": self.path, "cwd": os.getcwd()}
        answer = self.ask(request, "", IMPORTING)
        if not isinstance(answer.get("callables", []), list):
            self.lost_contact("", IMPORTING, "its list of functions is not a list")
        names = [name for name in answer.get("callables", []) if isinstance(name, str)]
        self.module = StudentModule(self, names)
        signatures = answer.get("signatures", {})
        self.signatures = signatures if isinstance(signatures, dict) else {}
        return answer

    def begin_case(self) -> None:
        """A new case: a fresh time budget, a new worker if the last one was stopped, and
        the worker forgets what the last case's calls returned."""
        self.printed.take()  # what the student's threads printed between cases
        if self.process is None:
            syntax = self.start().get("syntax")
            if isinstance(syntax, dict):  # the file was changed while it was checked
                detail = f"SyntaxError at line {syntax.get('line')}: {syntax.get('message')}"
                raise StudentRaised("", IMPORTING, wire.clean_text(detail), "error", "")
        self.time_left = self.timeout
        self.ask({"do": "forget"}, "", BETWEEN)

    def launch(self) -> None:
        """Start the worker and wait until it says it is ready (not counted as the
        student's time: loading numpy takes a while on a busy machine)."""
        self.stop()
        self.requests = queue.Queue()
        self.answers = queue.Queue()
        self.errors = OutputTail()
        try:
            self.process = STARTER.take()
        except OSError as error:  # no Python to start, too many processes ...
            raise StudentProcessEnded("", STARTING, f"{type(error).__name__}: {error}") from None
        start_thread(write_requests, self.process.stdin, self.requests)
        start_thread(read_answers, self.process.stdout, self.answers, self.printed)
        start_thread(keep_tail, self.process.stderr, self.errors)
        self.time_left = START_LIMIT
        try:
            self.ask({"do": "forget"}, "", STARTING)
        except StudentProblem as problem:  # before the student's file: not its fault
            raise StudentProcessEnded("", STARTING, problem.detail) from None

    def stop(self, wait_for_exit: bool = False) -> str:
        """Stop the worker (if there is one) and say how it ended. `wait_for_exit`: it is
        ending by itself (its pipe closed): give it a moment, to learn its exit status."""
        process = self.process
        if process is None:
            return ""
        self.process = None
        self.requests.put(None)  # the writer thread ends
        how = "stopped by the checker"
        if wait_for_exit:
            try:
                how = ending(process.wait(timeout=2.0))
            except subprocess.TimeoutExpired:
                how = "it closed its pipe to the checker"
        kill_all(process)
        process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            close_quietly(stream)
        last_words = self.errors.last_line() if wait_for_exit else ""
        return f"{how}; its last words on stderr: {last_words}" if last_words else how

    # --- one request and its answer ----------------------------------------------------
    def ask(self, request: dict, function: str, during: str) -> dict:
        """Send a request and wait for its answer within the time left for this case."""
        if self.process is None:
            raise StudentProcessEnded(function, during, "its process had already ended")
        self.requests.put(wire.to_line(request))
        started = time.monotonic()
        try:
            answer = self.answers.get(timeout=max(self.time_left, 0.0))
        except queue.Empty:
            self.stop()
            raise StudentTimedOut(function, during, self.timeout) from None
        self.time_left -= time.monotonic() - started
        if answer is None:
            raise StudentProcessEnded(function, during, self.stop(wait_for_exit=True))
        if "error" in answer:
            raise raised(answer["error"], function, during)
        if "garbled" in answer or answer.get("done") != request["do"]:
            self.lost_contact(function, during, wire.clean_text(str(answer), 200))
        return answer

    def lost_contact(self, function: str, during: str, detail: str) -> None:
        self.stop()
        raise LostContact(function, during, f"its answer made no sense ({detail})")

    # --- calling the student's function ------------------------------------------------
    def call(self, function: str, args: tuple, kwargs: dict):
        """function(*args, **kwargs) in the worker; what it returned, decoded."""
        graph = SentGraph(list(args) + list(kwargs.values()))
        request = {
            "do": "call",
            "function": function,
            "args": [wire.encode(value, graph.encode_other) for value in args],
            "kwargs": {
                key: wire.encode(value, graph.encode_other) for key, value in kwargs.items()
            },
            "nodes": graph.specs(),
            "grad": is_grad_enabled(),
        }
        answer = self.ask(request, function, CALLING)
        try:
            result = wire.decode(answer.get("result"), self.decoder(graph, function, True))
            self.write_back(answer.get("changed"), args, kwargs, graph, function)
        except (wire.WireError, LookupError, TypeError, ValueError, AttributeError) as error:
            self.lost_contact(function, CALLING, f"{type(error).__name__}: {error}")
        return result

    def decoder(self, graph: SentGraph, function: str, with_items: bool):
        """decode_other for an answer: nodes we sent, Tensors it made, placeholders."""

        def decode_other(message: dict):
            if "node" in message:
                return graph.nodes[checked_index(message["node"], len(graph.nodes))]
            if "tensor" in message:
                return self.student_tensor(message, graph, function)
            if "opaque" in message:
                return self.placeholder(message, graph, function, with_items)
            raise wire.WireError(f"not a value: {sorted(message)}")

        return decode_other

    def placeholder(self, message: dict, graph, function: str, with_items: bool) -> wire.Opaque:
        array = wire.decode_array(message["value"]) if "value" in message else None
        items = None
        if with_items and isinstance(message.get("items"), list):
            inner = self.decoder(graph, function, False)
            items = [wire.decode_leaf(item, inner) for item in message["items"]]
        name = wire.clean_text(message["opaque"], 80)
        note = wire.clean_text(message.get("note", ""), 200)
        return wire.Opaque(name, int(message["handle"]), array, items, note)

    def student_tensor(self, message: dict, graph: SentGraph, function: str) -> Tensor:
        """A Tensor the student's function returned, as a node of this process's graph:
        its parents are the call's inputs that require grad (see StudentResult)."""
        value = np.asarray(wire.decode_array(message["data"]))
        if message.get("requires_grad") is not True:
            return _constant(value)
        positions = graph.grad_positions()
        inputs = [graph.nodes[position] for position in positions]
        return apply(
            StudentResult,
            *inputs,
            value=value,
            student=self,
            handle=int(message["tensor"]),
            positions=positions,
            function=function,
        )

    def backward(self, handle: int, grad_out, positions: tuple, shapes: tuple, function: str):
        """The gradients the student's graph sends to the call's inputs (None where
        nothing arrives), for ∂L/∂out = grad_out."""
        grad = wire.encode_array(np.asarray(grad_out))
        answer = self.ask({"do": "backward", "tensor": handle, "grad": grad}, function, BACKWARD)
        grads = answer.get("grads")
        if not isinstance(grads, list) or any(p >= len(grads) for p in positions):
            self.lost_contact(function, BACKWARD, "not one gradient per input")
        result = []
        for position, shape in zip(positions, shapes):
            result.append(self.gradient(grads[position], shape, function))
        return tuple(result)

    def gradient(self, data, shape: tuple, function: str):
        if data is None:
            return None
        try:
            grad = wire.decode_array(data)
        except wire.WireError as error:
            self.lost_contact(function, BACKWARD, str(error))
        if not isinstance(grad, np.ndarray) or grad.shape != shape or grad.dtype.kind != "f":
            self.lost_contact(function, BACKWARD, f"a gradient of shape {np.shape(grad)}")
        return grad

    # --- what the call changed in place ------------------------------------------------
    def write_back(self, changed, args: tuple, kwargs: dict, graph, function: str) -> None:
        """Copy the worker's in-place changes to the arrays and nodes of this process."""
        decode_other = self.decoder(graph, function, False)
        for key, data in changed["args"].items():
            index = checked_index(int(key), len(args))
            new = wire.decode_leaf(data, decode_other)
            put_back(args[index], new, function, f"argument {index + 1}")
        for key, data in changed["kwargs"].items():
            put_back(kwargs[key], wire.decode_leaf(data, decode_other), function, key)
        for key, data in changed["grads"].items():
            node = graph.nodes[checked_index(int(key), len(graph.nodes))]
            node.grad = wire.decode_leaf(data, decode_other)
        for key, data in changed["data"].items():
            node = graph.nodes[checked_index(int(key), len(graph.nodes))]
            put_node_data(node, wire.decode_leaf(data, decode_other))


class StudentModule:
    """Stands in for the student's module: `module.lstm_cell(...)` runs in the worker.
    `getattr(module, name, None)` is None for a name the file does not define."""

    def __init__(self, student: StudentProcess, names) -> None:
        self._student = student
        self._names = set(names)

    def __getattr__(self, name: str):
        if name not in self._names:
            raise AttributeError(f"the file defines no function {name}")
        return StudentFunction(self._student, name)


class StudentFunction:
    """One of the student's functions: calling it asks the worker."""

    def __init__(self, student: StudentProcess, name: str) -> None:
        self.student = student
        self.name = name

    def __call__(self, *args, **kwargs):
        return self.student.call(self.name, args, kwargs)

    def __repr__(self) -> str:
        return f"<your function {self.name}>"


class StudentResult(ops.Op):
    """out = what the student's function returned (computed in the worker);
    ∂L/∂inputs = what the worker's backward through the student's graph gives."""

    def forward(ctx, *inputs, value, student, handle, positions, function):
        ctx.student = student
        ctx.handle = handle
        ctx.positions = positions
        ctx.function = function
        ctx.shapes = tuple(array.shape for array in inputs)
        return value

    def backward(ctx, grad_out):
        return ctx.student.backward(ctx.handle, grad_out, ctx.positions, ctx.shapes, ctx.function)


# Named after the class statement, so that it is not registered in ops.PRIMITIVES.
StudentResult.name = "result of your function"


# --------------------------------------------------------------------------------------
# Starting the worker, and the threads that talk to it
# --------------------------------------------------------------------------------------
class Starter:
    """Starts worker processes. Loading Python and numpy takes ~0.3 s, so a process that
    checks more than one file (`check all`, a test suite) keeps one worker started ahead,
    loading while the current one works. A worker started ahead has run nothing but the
    engine's own code; the import request gives it the current folder."""

    def __init__(self) -> None:
        self.ahead = None
        self.taken = 0
        self.lock = threading.Lock()

    def take(self) -> subprocess.Popen:
        with self.lock:
            process = self.ahead
            self.ahead = None
            if process is None or process.poll() is not None:
                process = start_worker()
            self.taken += 1
            if self.taken >= 2:
                self.ahead = start_worker()
            return process

    def close(self) -> None:
        """Stop the worker started ahead (at exit)."""
        with self.lock:
            if self.ahead is not None:
                kill_all(self.ahead)
                self.ahead.wait()
                self.ahead = None


def start_worker() -> subprocess.Popen:
    return subprocess.Popen(
        worker_command(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=worker_environment(),
        start_new_session=os.name == "posix",  # its own process group: see kill_all
    )


STARTER = Starter()
atexit.register(STARTER.close)


def worker_command() -> list[str]:
    """python -I (no user site, no PYTHON* variables, no current folder on the path)
    with this process's import path, so the worker loads this very engine."""
    package_parent = str(Path(__file__).resolve().parents[2])
    path = [package_parent] + [entry for entry in sys.path if entry]
    return [sys.executable, "-I", "-c", BOOT, json.dumps(path)]


def worker_environment() -> dict:
    """One BLAS thread (the matrices are tiny), unless the user chose otherwise."""
    environment = dict(os.environ)
    environment.setdefault("OPENBLAS_NUM_THREADS", "1")
    environment.setdefault("OMP_NUM_THREADS", "1")
    return environment
