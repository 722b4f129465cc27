"""Ctrl-C during training: finish the step, then stop (StopOnInterrupt).

Read next: tinygrad_rnn/commands/charlm.py (the command line that uses all of this).
"""

from __future__ import annotations

import signal
import threading


class StopOnInterrupt:
    """While active, the first Ctrl-C (SIGINT) only sets `.requested`; the training loop
    checks it after each step, so the checkpoint it then saves holds whole steps (an
    interrupt in the middle of `optimizer.step()` would leave half the weights updated).
    A second Ctrl-C raises KeyboardInterrupt at once. Outside the main thread (where
    Python cannot install signal handlers) it does nothing.

        with StopOnInterrupt() as interrupt:
            for step, loss in train(run, ids, 4000):
                if interrupt.requested:
                    break
    """

    def __init__(self) -> None:
        self.requested = False
        self.previous = None
        self.installed = False

    def __enter__(self) -> StopOnInterrupt:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self.handle)
            self.installed = True
        return self

    def handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc_info) -> None:
        if self.installed:
            signal.signal(signal.SIGINT, self.previous)
            self.installed = False
