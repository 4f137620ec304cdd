"""``serve`` turns glibc's fast bins off (serving.skip_the_fast_bins).

Checked in a process of its own, through glibc's own account (mallinfo2): once off,
small chunks freed past each thread's cache stay out of the fast bins.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="the setting is glibc's own"
)

# Frees 200 chunks of 48 bytes (a thread's cache keeps 7 of a size) and prints the bytes
# glibc then holds in its fast bins (mallinfo2's fsmblks), after the call if asked.
FREED_SMALL_CHUNKS = textwrap.dedent(
    """
    import ctypes, sys
    from d4sme_kg.serving import skip_the_fast_bins

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost")]

    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    libc.mallinfo2.restype = MallInfo2
    done = skip_the_fast_bins() if sys.argv[1] == "skip" else None
    chunks = [libc.malloc(48) for _ in range(200)]
    for chunk in chunks:
        libc.free(chunk)
    print(done, libc.mallinfo2().fsmblks)
    """
)


def fast_bin_bytes(mode: str) -> tuple[str, int]:
    found = subprocess.run(
        [sys.executable, "-c", FREED_SMALL_CHUNKS, mode],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    return found[0], int(found[1])


def test_without_the_call_freed_small_chunks_wait_in_the_fast_bins() -> None:
    assert fast_bin_bytes("keep")[1] > 0


def test_after_the_call_none_do() -> None:
    assert fast_bin_bytes("skip") == ("True", 0)
