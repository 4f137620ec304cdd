"""This process's id, known without a system call.

Objects that keep state for one process (kept threads, semaphores, a slot in a table
the workers share) compare the id they were set up in with the current one on every
request, so that a forked worker starts afresh. ``os.getpid()`` is a system call each
time (glibc stopped caching it); seven of them a request came to 4 % of a small
query's Python (``benchmarks/in_process.py``: 60.4 against 57.2 µs). The id is read
once here and again in each child after a fork.
"""

from __future__ import annotations

import os

_pid = os.getpid()


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


def current() -> int:
    """The id of this process."""
    return _pid
