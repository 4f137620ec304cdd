"""In-process evaluation for read-only serving: no hop to another process per query.

pyoxigraph releases the GIL while it evaluates, so a query can run on a thread of the web
process while that process keeps answering others. What a thread cannot do is stop a
query, so a request that runs past its limit is answered with an error and the whole
process is *retired*: the caller's ``on_runaway`` has the server replace the worker (a
fresh fork from granian's main process, or from gunicorn's arbiter; see
retirement.retire_this_process), which ends the stuck evaluation with it.
This only suits read-only stores: a retired process takes nothing with it but the query.
"""

from __future__ import annotations

import threading
import time
from _thread import allocate_lock
from collections.abc import Callable
from typing import Any

from d4sme_kg import process_id
from d4sme_kg.in_place import WATCHDOG, StandIn, stand_in
from d4sme_kg.kept_threads import KeptThreads
from d4sme_kg.store.engine import evaluate
from d4sme_kg.store.engine_errors import EngineError
from d4sme_kg.store.messages import Answer, EngineMessage
from d4sme_kg.store.pool import QueryTimeout, StoreFactory
from d4sme_kg.store.stacks import engine_thread, on_big_enough_stack


class _Job:
    __slots__ = ("done", "error", "message", "reply", "store")

    def __init__(self, store: Any, message: EngineMessage[Any]) -> None:
        self.store = store
        self.message = message
        # A bare lock, held until the answer is in: the cheapest wait with a timeout.
        self.done = allocate_lock()
        self.done.acquire()
        self.reply: Any = None
        self.error: EngineError | None = None

    def outcome(self) -> Any:
        """The answer, or the engine's error raised."""
        if self.error is not None:
            raise self.error
        return self.reply


class InlineEngine:
    """Evaluate messages on daemon threads of this process, each under a time limit."""

    def __init__(self, factory: StoreFactory, on_runaway: Callable[[], None]) -> None:
        self._factory = factory
        self._on_runaway = on_runaway
        self._lock = threading.Lock()
        # Store handles do not survive a fork: each belongs to one process id.
        self._pid = -1
        self._store: Any = None
        self._evaluators = KeptThreads("evaluator", engine_thread)

    def start(self) -> None:
        """Open this process's store now rather than on the first query."""
        self._process_store()

    def run(self, message: EngineMessage[Answer], timeout: float) -> Answer:
        """Answer ``message``; past ``timeout`` seconds raise QueryTimeout and retire."""
        helper = stand_in()
        if helper is not None and on_big_enough_stack():
            return self._run_here(message, timeout, helper)
        job = _Job(self._process_store(), message)
        self._evaluators.run(lambda: _evaluate(job), then=job.done.release)
        if not job.done.acquire(timeout=timeout):
            self._on_runaway()
            raise QueryTimeout(timeout)
        answer: Answer = job.outcome()
        return answer

    def _run_here(self, message: EngineMessage[Answer], timeout: float, helper: StandIn) -> Answer:
        """Answer ``message`` on this thread (in_place): past ``timeout`` the watchdog
        retires the process and the request's stand-in answers 503 in its place."""
        job = _Job(self._process_store(), message)
        deadline = _Deadline(time.monotonic() + timeout, lambda: self._late(helper, timeout))
        WATCHDOG.watch(deadline)
        try:
            _evaluate(job)
        finally:
            WATCHDOG.unwatch(deadline)
        if deadline.passed:
            raise QueryTimeout(timeout)
        answer: Answer = job.outcome()
        return answer

    def _late(self, helper: StandIn, timeout: float) -> None:
        self._on_runaway()
        helper.answer(QueryTimeout(timeout), stuck=True)

    def _process_store(self) -> Any:
        if self._pid != process_id.current():
            with self._lock:
                if self._pid != process_id.current():
                    self._store = self._factory()
                    self._pid = process_id.current()
        return self._store

    def close(self) -> None:
        """Nothing to stop: the threads are daemons and end with the process."""


class _Deadline:
    """A query evaluated in place, as the watchdog sees it."""

    __slots__ = ("at", "late", "passed")

    def __init__(self, at: float, late: Callable[[], None]) -> None:
        self.at = at
        self.late = late
        self.passed = False

    def check(self, now: float, late: float) -> bool:
        if now < self.at:
            return True
        self.passed = True
        self.late()
        return False


def _evaluate(job: _Job) -> None:
    try:
        job.reply = evaluate(job.store, job.message)
    except EngineError as error:
        job.error = error  # evaluate() raises it free of pyoxigraph objects
    except Exception as error:  # a reply, never a silent death of the thread
        job.error = EngineError("internal", f"{type(error).__name__}: {error}")
