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

import ctypes
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


_sized = threading.local()


def on_big_enough_stack() -> bool:
    """Whether this thread's own native stack is at least :data:`ENGINE_STACK`.

    True on the threads made here, and on granian's when ``d4sme-kg serve`` has given
    every native thread that size (RUST_MIN_STACK). Measured once per thread; False
    where it cannot be measured (not Linux with glibc).
    """
    big: bool | None = getattr(_sized, "big", None)
    if big is None:
        big = _stack_size() >= ENGINE_STACK
        _sized.big = big
    return big


def _stack_size() -> int:
    try:
        libc = ctypes.CDLL(None)
        get_attributes = libc.pthread_getattr_np
    except (OSError, AttributeError):
        return 0
    libc.pthread_self.restype = ctypes.c_ulong
    get_attributes.argtypes = [ctypes.c_ulong, ctypes.c_void_p]
    attributes = ctypes.create_string_buffer(256)  # pthread_attr_t: 56 bytes on x86-64
    if get_attributes(libc.pthread_self(), attributes) != 0:
        return 0
    try:
        base, size = ctypes.c_void_p(), ctypes.c_size_t()
        found = libc.pthread_attr_getstack(attributes, ctypes.byref(base), ctypes.byref(size))
        return int(size.value) if found == 0 else 0
    finally:
        libc.pthread_attr_destroy(attributes)
