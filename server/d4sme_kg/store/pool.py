"""Evaluator processes: queries run outside the web process so that they can be stopped.

pyoxigraph evaluates a query in native code that neither signals nor threads can
interrupt. Each evaluator is a forked child that owns (or shares copy-on-write) the
store; a request that runs past its time limit is answered with an error while the
child is killed and replaced, and the other evaluators keep answering meanwhile.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from d4sme_kg.store.engine import EngineError, evaluate

log = logging.getLogger(__name__)

#: Builds the store inside the child; the memory backend's factory returns the parent's
#: store, shared copy-on-write by fork, the on-disk one opens the folder.
StoreFactory = Callable[[], Any]


class QueryTimeout(Exception):
    """The request ran past its limit; its evaluator was stopped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the query ran past the {seconds:g} s limit and was stopped")
        self.seconds = seconds


class PoolBusy(Exception):
    """Every evaluator stayed busy for the whole time limit."""


class _Evaluator:
    def __init__(self, context: Any, factory: StoreFactory, siblings: list[Connection]) -> None:
        self.connection, child = context.Pipe()
        # The child inherits the parent's ends of its siblings' pipes; it closes them so
        # that each evaluator sees EOF, and ends, as soon as the web process is gone.
        inherited = [*siblings, self.connection]
        self.process: BaseProcess = context.Process(
            target=_serve, args=(child, factory, inherited), daemon=True
        )
        self.process.start()
        child.close()

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class EvaluatorPool:
    """A fixed number of evaluator processes handing out one request at a time each.

    The evaluators are started on first use, by the process that uses them: a pool made
    before gunicorn forks its worker belongs to that worker, not to the arbiter.
    """

    def __init__(self, factory: StoreFactory, size: int, start: bool = True) -> None:
        self._context = multiprocessing.get_context("fork")
        self._factory = factory
        self.size = max(1, size)
        self._start_lock = threading.Lock()
        self._pid = -1
        self._idle: queue.Queue[_Evaluator] = queue.Queue()
        self._all: list[_Evaluator] = []
        self._lock = threading.Lock()
        if start:
            self.start()

    def start(self) -> None:
        """Start this process's evaluators, if not yet done (forking is safest before any
        thread exists: a lock held by another thread would stay held in the child)."""
        self._ready()

    def _ready(self) -> None:
        if self._pid == os.getpid():
            return
        with self._start_lock:
            if self._pid != os.getpid():
                self._idle = queue.Queue()
                self._all = []
                self._lock = threading.Lock()
                for _ in range(self.size):
                    self._add()
                self._pid = os.getpid()

    def _add(self) -> None:
        with self._lock:
            siblings = [e.connection for e in self._all]
        evaluator = _Evaluator(self._context, self._factory, siblings)
        with self._lock:
            self._all.append(evaluator)
        self._idle.put(evaluator)

    def run(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send ``request`` to an idle evaluator; raise QueryTimeout past ``timeout`` seconds."""
        self._ready()
        deadline = time.monotonic() + timeout
        try:
            evaluator = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise PoolBusy("every evaluator is busy; try again shortly") from None
        try:
            evaluator.connection.send(request)
            remaining = max(0.0, deadline - time.monotonic())
            if not evaluator.connection.poll(remaining):
                # Never back to the idle queue, even if replacing it fails: it is busy.
                stuck, evaluator = evaluator, None  # type: ignore[assignment]
                self._replace(stuck)
                raise QueryTimeout(timeout)
            reply: dict[str, Any] = evaluator.connection.recv()
        except (EOFError, OSError, BrokenPipeError):
            if evaluator is not None:
                broken, evaluator = evaluator, None  # type: ignore[assignment]
                self._replace(broken)
            raise EngineError("internal", "the evaluator stopped unexpectedly") from None
        finally:
            if evaluator is not None:
                self._idle.put(evaluator)
        if "error" in reply:
            raise EngineError(reply["error"], reply["message"])
        return reply

    def broadcast(self, request: dict[str, Any]) -> None:
        """Send ``request`` to every evaluator, waiting until each is idle (for writes)."""
        self._ready()
        taken = [self._idle.get() for _ in range(self.size)]
        try:
            for evaluator in taken:
                evaluator.connection.send(request)
            for evaluator in taken:
                reply = evaluator.connection.recv()
                if "error" in reply:
                    raise EngineError(reply["error"], reply["message"])
        finally:
            for evaluator in taken:
                self._idle.put(evaluator)

    def _replace(self, evaluator: _Evaluator) -> None:
        log.warning("stopping evaluator pid %s", evaluator.process.pid)
        evaluator.stop()
        with self._lock:
            self._all.remove(evaluator)
        self._add()

    def close(self) -> None:
        if self._pid != os.getpid():
            return  # started by another process (or never): not ours to stop
        with self._lock:
            evaluators = list(self._all)
            self._all.clear()
        for evaluator in evaluators:
            evaluator.stop()


def _serve(connection: Connection, factory: StoreFactory, inherited: list[Connection]) -> None:
    for other in inherited:
        other.close()
    # The handlers of the web process (gunicorn's worker catches SIGTERM to stop
    # gracefully) must not keep an evaluator alive: back to the defaults. Ctrl-C in a
    # terminal reaches the whole process group; the server stops its evaluators itself.
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.set_wakeup_fd(-1)
    _die_with_parent()
    store = factory()
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply = evaluate(store, request)
        except EngineError as error:
            reply = {"error": error.kind, "message": error.message}
        except Exception as error:  # never let one request kill the evaluator silently
            reply = {"error": "internal", "message": f"{type(error).__name__}: {error}"}
        connection.send(reply)


def _die_with_parent() -> None:
    """Ask Linux to kill this evaluator when the web process dies, however it dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: EOF on the pipe still ends the loop
        pass
