"""Daemon threads kept for the next piece of work, one started only when none is free.

Starting a thread cost a small request as much as the work it was started for (reading
a query body, evaluating ``ASK {}``), so the threads that do such work are kept once it
is done. A new one is started only when every kept thread is busy: work that blocks (a
stalled body, a runaway query) holds its own thread, never another's. They are daemons,
not an executor's threads, which are joined when the process ends: one blocked for ever
would keep a stopping worker alive until its server killed it, with its requests.
Threads do not survive a fork, so each process starts with none of its own.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from d4sme_kg import process_id

Work = tuple[Callable[[], None], Callable[[], None]]


class KeptThreads:
    """Run work on kept daemon threads, started by ``start(target, name)``."""

    def __init__(self, name: str, start: Callable[[Callable[[], None], str], object]) -> None:
        self._name = name
        self._start = start
        self._lock = threading.Lock()
        self._pid = -1
        self._jobs: queue.SimpleQueue[Work] = queue.SimpleQueue()
        self._idle = 0

    def run(self, work: Callable[[], None], then: Callable[[], None] = lambda: None) -> None:
        """Run ``work``, then ``then`` once the thread counts as free again (a caller
        woken by ``then`` finds a free thread, and the GIL, rather than this
        bookkeeping)."""
        with self._lock:
            if self._pid != process_id.current():
                self._jobs, self._idle, self._pid = queue.SimpleQueue(), 0, process_id.current()
            jobs = self._jobs
            start = self._idle == 0
            if not start:
                self._idle -= 1
        jobs.put((work, then))
        if start:
            self._start(lambda: self._serve(jobs), self._name)

    def _serve(self, jobs: queue.SimpleQueue[Work]) -> None:
        while True:
            work, then = jobs.get()
            work()
            with self._lock:
                self._idle += 1
            then()


def daemon_thread(target: Callable[[], None], name: str) -> threading.Thread:
    """Start a daemon thread with the interpreter's default stack."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread
