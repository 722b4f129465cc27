"""Keeping freed memory for the next training step (glibc's malloc, on Linux).

A training step builds a graph, runs backward and drops it: tens of MiB allocated and
freed again, every step. glibc's malloc hands freed memory at the top of its heap back
to the operating system as soon as more than its *trim threshold* is free there, and
gives arrays above its *mmap threshold* their own pages, returned on `free`. The next
step then asks the kernel for the same memory again, and the first write to each fresh
4 KiB page is a page fault: thousands per char-LSTM step, a large part of the step's
time on a virtual machine (benchmarks/README.md, "page faults", measures it). The
hand-written numpy baseline does not pay this: its arrays fit into memory its previous
step freed.

`set_keep_freed_memory(True)` (done when tinygrad_rnn is imported) sets

    M_MMAP_THRESHOLD = 32 MiB    arrays up to 32 MiB come from the heap (glibc's own
                                 upper limit for the threshold it adjusts by itself)
    M_TRIM_THRESHOLD = 256 MiB   up to 256 MiB of freed heap stays with the process

with `mallopt`, so the next step reuses the pages of the last one. The process keeps
the memory of its largest step (its peak does not grow); other programs get it back when
the process ends. `tg.set_keep_freed_memory(False)` sets glibc's documented defaults
again (128 KiB each; glibc's own adjusting of them stays off once they were set).
Elsewhere (macOS, Windows, musl) there is no such setting and nothing is done.

Read next: graph.py (the backward loop whose arrays this is about).
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD = -1  # mallopt's parameter numbers (glibc's malloc.h)
M_MMAP_THRESHOLD = -3
KEEP = {M_MMAP_THRESHOLD: 32 * 2**20, M_TRIM_THRESHOLD: 256 * 2**20}
GLIBC_DEFAULTS = {M_MMAP_THRESHOLD: 128 * 2**10, M_TRIM_THRESHOLD: 128 * 2**10}

_keeping = False  # what the last call set


def glibc():
    """The process's C library if it is glibc (it has `mallopt`), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)  # the C library this Python is linked against
    except OSError:
        return None
    if not hasattr(libc, "gnu_get_libc_version") or not hasattr(libc, "mallopt"):
        return None  # musl (Alpine): no glibc thresholds to set
    return libc


def set_keep_freed_memory(enabled: bool = True) -> bool:
    """Keep freed memory for reuse (True), or let glibc return it as by default (False).

    Returns whether the setting took effect (False where there is no glibc).
    """
    global _keeping
    libc = glibc()
    if libc is None:
        return False
    values = KEEP if enabled else GLIBC_DEFAULTS
    for parameter, value in values.items():
        if libc.mallopt(ctypes.c_int(parameter), ctypes.c_int(value)) != 1:
            return False
    _keeping = bool(enabled)
    return True


def keeps_freed_memory() -> bool:
    """True if freed memory is being kept for reuse (`set_keep_freed_memory`)."""
    return _keeping
