"""The threads that talk to the worker process, and how a worker ends.

One thread writes the requests (write_requests), one reads the answers and what the
student's code printed (read_answers, Printed), one keeps the end of its stderr
(keep_tail, OutputTail): a worker that stops reading or floods a pipe cannot block the
checker. kill_all stops the worker and every process it started; ending() says how it
ended, in words.

Read next: runner.py (turning the student's answers and problems into the report's lines).
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading

from . import wire

CRASH_SIGNALS = ("SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE", "SIGABRT")


def kill_all(process: subprocess.Popen) -> None:
    """Kill the worker and, on POSIX, every process the student's code started from it
    (its process group: a `subprocess.run(["sleep", "1000"])` must not outlive it)."""
    if os.name == "posix":
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if process.poll() is None:
        process.kill()


def start_thread(target, *args) -> None:
    threading.Thread(target=target, args=args, daemon=True).start()


def write_requests(stream, requests: queue.Queue) -> None:
    """Thread: send each request line; ends at None or when the pipe breaks (a thread
    of its own, so that a worker that stops reading cannot block the checker)."""
    while True:
        line = requests.get()
        if line is None:
            return
        try:
            stream.write(line)
            stream.flush()
        except (OSError, ValueError):
            return


def read_answers(stream, answers: queue.Queue, printed: Printed) -> None:
    """Thread: every line from the worker; what it printed goes to `printed`, answers
    to `answers`, and None when the pipe closes."""
    while True:
        try:
            line = stream.readline(wire.MAX_LINE)
        except (OSError, ValueError):
            line = b""
        if not line or not line.endswith(b"\n"):
            answers.put(None if not line else {"garbled": "a line too long"})
            return
        try:
            message = wire.from_line(line)
        except wire.WireError as error:
            answers.put({"garbled": str(error)})
            continue
        if "printed" in message:
            printed.add(message)
        else:
            answers.put(message)


def keep_tail(stream, tail: OutputTail) -> None:
    """Thread: read the worker's stderr (descriptor 2), keeping only its end."""
    while True:
        try:
            chunk = stream.read1(4096)
        except (OSError, ValueError):
            return
        if not chunk:
            return
        tail.add(chunk)


def close_quietly(stream) -> None:
    try:
        stream.close()
    except (OSError, ValueError):
        pass


class OutputTail:
    """The last few thousand bytes a stream carried."""

    def __init__(self, size: int = 4000) -> None:
        self.size = size
        self.data = b""
        self.lock = threading.Lock()

    def add(self, chunk: bytes) -> None:
        with self.lock:
            self.data = (self.data + chunk)[-self.size :]

    def last_line(self) -> str:
        with self.lock:
            lines = self.data.decode("utf-8", "replace").strip().splitlines()
        return wire.clean_text(lines[-1], 300) if lines else ""


class Printed:
    """What the student's code printed since the last take() (the worker sends at most
    wire.MAX_TEXT characters per case and says when it cut the rest)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.parts: list[str] = []
        self.cut = False

    def add(self, message: dict) -> None:
        with self.lock:
            if isinstance(message.get("printed"), str):
                self.parts.append(message["printed"])
            if message.get("cut"):
                self.cut = True

    def take(self) -> str:
        with self.lock:
            text = "".join(self.parts)[: wire.MAX_TEXT]
            if self.cut:
                text += "\n[... the rest of what it printed is left out]"
            self.parts = []
            self.cut = False
        return wire.clean_text(text, wire.MAX_TEXT + 100)


def ending(code) -> str:
    """How a process ended, in words: 'exit status 3', 'killed by SIGSEGV (a crash)'."""
    if code is None:
        return "it stopped answering"
    if code >= 0:
        return f"exit status {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    return f"killed by {name}" + (", a crash" if name in CRASH_SIGNALS else "")
