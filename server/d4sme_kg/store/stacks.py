"""Threads with a stack deep enough for the engine.

pyoxigraph parses and evaluates SPARQL by recursion on the calling thread's native
stack. The threads a WSGI server answers on are small (granian's are 2 MiB: a query
nested some 200 levels deep overflows one and the whole process dies of SIGSEGV), so
every call that hands the engine a client's text runs on a thread made here, with
:data:`ENGINE_STACK`. ``sparql.MAX_NESTING`` is set well within what this size survives
(measured by benchmarks/nesting.py). Only the pages touched are ever used: the size is
address space, not memory.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

#: The native stack of a thread that runs the engine.
ENGINE_STACK = 64 * 1024 * 1024

T = TypeVar("T")

# threading.stack_size is process-wide: set and restored around each start.
_sizing = threading.Lock()


def engine_thread(target: Callable[[], object], name: str) -> threading.Thread:
    """A daemon thread with the engine's stack, started."""
    with _sizing:
        previous = threading.stack_size(ENGINE_STACK)
        try:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
    return thread


def on_engine_stack(action: Callable[[], T]) -> T:
    """Run ``action`` on a thread with the engine's stack and return what it returns.

    For the rare calls (writes, start-up) that are not on an evaluator already: a thread
    per call, which costs far less than the validation a write does anyway.
    """
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(action())
        except BaseException as error:  # handed to the caller's thread as it is
            failure.append(error)

    engine_thread(run, "engine-call").join()
    if failure:
        raise failure[0]
    return outcome[0]
