"""Evaluator processes: queries run outside the web process so that they can be stopped.

pyoxigraph evaluates a query in native code that neither signals nor threads can
interrupt. Each evaluator is a forked child that owns (or shares copy-on-write) the
store; a request that runs past its time limit is answered with an error while the
child is killed and replaced, and the other evaluators keep answering meanwhile.
Requests and answers cross the pipe pickled: the messages of store.messages, their
answers, and a :class:`_Failure` for an answer that is an EngineError.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.util
import os
import pickle
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from d4sme_kg import process_id
from d4sme_kg.errors import KGError
from d4sme_kg.store.engine import evaluate
from d4sme_kg.store.engine_errors import EngineError
from d4sme_kg.store.messages import Answer, EngineMessage
from d4sme_kg.store.stacks import engine_thread

log = logging.getLogger(__name__)

#: Builds the store inside the child; the memory backend's factory returns the parent's
#: store, shared copy-on-write by fork, the on-disk one opens the folder.
StoreFactory = Callable[[], Any]


class QueryTimeout(KGError):
    """The request ran past its limit; its evaluator was stopped."""

    title = "Query timed out"
    http_status = 503
    retry_after = 1
    slug = "timeout"

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the query ran past the {seconds:g} s limit and was stopped")
        self.seconds = seconds

    def problem_fields(self) -> dict[str, object]:
        return {"limitSeconds": self.seconds}


class PoolBusy(KGError):
    """Every evaluator stayed busy for the whole time limit."""

    title = "Server busy"
    http_status = 503
    retry_after = 1
    slug = "busy"


@dataclass(frozen=True)
class _Failure:
    """An evaluator's answer when evaluating raised: the EngineError, as plain data (the
    exception itself would not pickle: it is rebuilt from its message alone)."""

    kind: str
    message: str

    def error(self) -> EngineError:
        return EngineError(self.kind, self.message)


class _Evaluator:
    def __init__(self, context: Any, factory: StoreFactory, siblings: list[Connection]) -> None:
        self.connection, child = context.Pipe()
        # The child inherits the parent's ends of its siblings' pipes; it closes them so
        # that each evaluator sees EOF, and ends, as soon as the web process is gone.
        inherited = [*siblings, self.connection]
        self.process: BaseProcess = context.Process(
            target=_serve, args=(child, factory, inherited, os.getpid()), daemon=True
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
        if self._pid == process_id.current():
            return
        with self._start_lock:
            if self._pid != process_id.current():
                self._idle = queue.Queue()
                self._all = []
                self._lock = threading.Lock()
                for _ in range(self.size):
                    self._add()
                self._pid = process_id.current()
                # A worker process that ends joins its child processes first, after
                # SIGTERM; an evaluator forked while another thread held a lock may hang
                # before it resets SIGTERM, and the worker would then never end. Killed
                # here first (multiprocessing runs this before its own join).
                multiprocessing.util.Finalize(self, self.close, exitpriority=100)

    def _add(self, idle: bool = True) -> None:
        with self._lock:
            siblings = [e.connection for e in self._all]
            evaluator = _Evaluator(self._context, self._factory, siblings)
            self._all.append(evaluator)
        if idle:
            self._idle.put(evaluator)

    def run(self, message: EngineMessage[Answer], timeout: float) -> Answer:
        """Send ``message`` to an idle evaluator; raise QueryTimeout past ``timeout`` seconds.

        The time limit counts the evaluation only: a request that waits for an evaluator
        (behind a slow one) waits at most ``timeout`` too, then gets PoolBusy, and is
        never mistaken for a runaway itself.
        """
        self._ready()
        evaluator = self._take(timeout)
        try:
            # Each try replaces one dead evaluator: past them all, a fresh one is taken.
            for _ in range(self.size + 1):
                if self._send(evaluator, message):
                    break
                # It died while idle (killed, or its parent gone): the request never
                # reached it. A fresh one takes it.
                dead, evaluator = evaluator, None  # type: ignore[assignment]
                self._replace(dead)
                evaluator = self._take(timeout)
            else:
                raise EOFError
            if not evaluator.connection.poll(timeout):
                # Never back to the idle queue, even if replacing it fails: it is busy.
                stuck, evaluator = evaluator, None  # type: ignore[assignment]
                self._replace(stuck)
                raise QueryTimeout(timeout)
            reply = evaluator.connection.recv()
        except (EOFError, OSError):
            if evaluator is not None:
                broken, evaluator = evaluator, None  # type: ignore[assignment]
                self._replace(broken)
            raise EngineError(
                "crashed",
                "the evaluator stopped while answering this request (it has been "
                "restarted); if this query fails again, simplify it",
            ) from None
        finally:
            if evaluator is not None:
                self._idle.put(evaluator)
        if isinstance(reply, _Failure):
            raise reply.error()
        answer: Answer = reply
        return answer

    def _take(self, timeout: float) -> _Evaluator:
        try:
            return self._idle.get(timeout=timeout)
        except queue.Empty:
            raise PoolBusy("every evaluator is busy; try again shortly") from None

    @staticmethod
    def _send(evaluator: _Evaluator, message: EngineMessage[Any]) -> bool:
        if not evaluator.process.is_alive():
            return False
        try:
            evaluator.connection.send_bytes(_pickled(message))
        except OSError:
            return False
        return True

    def broadcast(self, message: EngineMessage[None]) -> None:
        """Send ``message`` to every evaluator, waiting until each is idle (for writes).

        The message must be idempotent (a change already applied, applied again, changes
        nothing): an evaluator that dies on the way is replaced and the replacement gets
        the message too, whether or not the one that died had applied it.
        """
        self._ready()
        taken = [self._idle.get() for _ in range(self.size)]
        try:
            for index, evaluator in enumerate(taken):
                if not self._ask(evaluator, message):
                    self._replace(evaluator, idle=False)
                    taken[index] = evaluator = self._newest()
                    if not self._ask(evaluator, message):
                        raise EngineError("crashed", "an evaluator stopped while applying a change")
        finally:
            for evaluator in taken:
                self._idle.put(evaluator)

    def _ask(self, evaluator: _Evaluator, message: EngineMessage[None]) -> bool:
        """Whether ``evaluator`` answered (False: it died first); a failure raises."""
        if not self._send(evaluator, message):
            return False
        try:
            reply = evaluator.connection.recv()
        except (EOFError, OSError):
            return False
        if isinstance(reply, _Failure):
            raise reply.error()
        return True

    def _newest(self) -> _Evaluator:
        with self._lock:
            return self._all[-1]

    def _replace(self, evaluator: _Evaluator, idle: bool = True) -> None:
        log.warning("stopping evaluator pid %s", evaluator.process.pid)
        evaluator.stop()
        with self._lock:
            self._all.remove(evaluator)
        self._add(idle)

    def close(self) -> None:
        if self._pid != process_id.current():
            return  # started by another process (or never): not ours to stop
        with self._lock:
            evaluators = list(self._all)
            self._all.clear()
        for evaluator in evaluators:
            evaluator.stop()


def _serve(
    connection: Connection, factory: StoreFactory, inherited: list[Connection], parent: int
) -> None:
    for other in inherited:
        other.close()
    # The handlers of the web process (gunicorn's worker catches SIGTERM to stop
    # gracefully) must not keep an evaluator alive: back to the defaults. Ctrl-C in a
    # terminal reaches the whole process group; the server stops its evaluators itself.
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.set_wakeup_fd(-1)
    engine_thread(partial(_watch, parent), "parent-watch")
    # The engine recurses on this thread's stack, which is the stack of whichever
    # thread forked it (2 MiB for a server's request thread): it runs on one of its own.
    engine_thread(partial(_answer, connection, factory), "evaluator").join()


def _answer(connection: Connection, factory: StoreFactory) -> None:
    store = factory()
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply = evaluate(store, message)
        except EngineError as error:
            reply = _Failure(error.kind, error.message)
        except Exception as error:  # never let one request kill the evaluator silently
            reply = _Failure("internal", f"{type(error).__name__}: {error}")
        connection.send_bytes(_pickled(reply))


def _pickled(message: object) -> bytes:
    # Messages and answers are plain data: pickled as they are, without the reducers
    # that Connection.send brings for sockets and file descriptors (a table of them is
    # copied for each message: a microsecond on every query). recv() reads either.
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


def _watch(parent: int) -> None:
    """End this evaluator when the web process is gone, however it went.

    Not Linux's parent-death signal: that fires when the *thread* that forked the child
    ends, and a server's request threads end when idle (granian's after 30 s).
    """
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
