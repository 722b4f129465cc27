"""allocator.py: freed memory is kept for the next step (glibc), or given back on request.

Each check runs in a fresh Python process, since malloc's settings belong to the process.
It allocates 48 arrays of 1 MiB (each above glibc's default mmap threshold of 128 KiB,
below the 32 MiB the engine sets), writes them, frees them, and reads the resident size
from /proc/self/statm: kept memory stays resident, given-back memory does not.
"""

import subprocess
import sys
import textwrap

import pytest

from tinygrad_rnn import allocator

needs_glibc = pytest.mark.skipif(allocator.glibc() is None, reason="glibc's malloc only")

PROGRAM = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    import tinygrad_rnn as tg

    def resident_mib():
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20

    if sys.argv[1] == "off":
        assert tg.set_keep_freed_memory(False)
    arrays = [np.ones(2**20 // 8) for _ in range(48)]  # 48 MiB, every page written
    before = resident_mib()
    del arrays
    print(before - resident_mib(), tg.keeps_freed_memory())
    """
)


def freed_and_returned(setting: str) -> tuple[float, str]:
    """(MiB the process gave back after freeing 48 MiB, keeps_freed_memory())."""
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, setting], capture_output=True, text=True, check=True
    )
    returned, keeping = result.stdout.split()
    return float(returned), keeping


@needs_glibc
def test_importing_the_engine_keeps_freed_memory_for_reuse():
    returned, keeping = freed_and_returned("on")
    assert keeping == "True"
    assert returned < 8  # the 48 MiB stay with the process, ready for the next step


@needs_glibc
def test_glibc_defaults_give_freed_memory_back():
    returned, keeping = freed_and_returned("off")
    assert keeping == "False"
    assert returned > 40  # each 1 MiB array had its own pages, returned on free


def test_without_glibc_nothing_is_set(monkeypatch):
    monkeypatch.setattr(allocator.sys, "platform", "darwin")
    assert allocator.glibc() is None
    assert allocator.set_keep_freed_memory(True) is False
