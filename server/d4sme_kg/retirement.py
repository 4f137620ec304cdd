"""Whether this worker process is being retired, and how it asks to be replaced.

A read-only worker that meets a runaway query cannot stop it (store.inline), so it asks
to be replaced. From then on it should shed its connections (the web layer ends each
one after its answer) so that its server can stop it without cutting requests short.

How a worker asks depends on its server, which chooses once, in each worker it starts
(serving.py): granian's main process replaces a worker that writes its pid to a pipe
(:class:`AskMainProcess`), gunicorn's arbiter one that stops (:class:`StopThisProcess`,
also what a process under no server does). Kept free of heavy imports: the web layer and
the engine both read it.
"""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass
from typing import Protocol

_retiring = threading.Event()


def retiring() -> bool:
    """True once this process has asked to be replaced."""
    return _retiring.is_set()


def start_retiring() -> bool:
    """Mark this process as retiring; False when it already was."""
    if _retiring.is_set():
        return False
    _retiring.set()
    return True


class Retirement(Protocol):
    """How this worker process asks its server to replace it."""

    def ask(self, grace: float) -> None:
        """Ask; ``grace`` is how long the process may finish its requests in flight
        when it stops by itself."""


@dataclass(frozen=True)
class StopThisProcess:
    """Stop with SIGTERM, which lets the process finish the requests in flight while its
    server (gunicorn's arbiter) forks a replacement, and for sure after ``grace``
    seconds even if the stuck evaluation would hold it."""

    def ask(self, grace: float) -> None:
        timer = threading.Timer(grace, os._exit, args=(0,))
        timer.daemon = True
        timer.start()
        os.kill(os.getpid(), signal.SIGTERM)


@dataclass(frozen=True)
class AskMainProcess:
    """Write this process's id to ``pipe``, which granian's main process reads: it forks
    the new worker first, then stops this one gracefully and kills it past its own time
    limit (a worker that stopped by itself would count as a crash). The process stops
    alone when the main process is gone."""

    #: The write end of the main process's pipe, inherited by every worker.
    pipe: int

    def ask(self, grace: float) -> None:
        try:
            os.write(self.pipe, os.getpid().to_bytes(4, "little"))
        except OSError:  # the main process is gone: stop alone
            StopThisProcess().ask(grace)


_retirement: Retirement = StopThisProcess()


def retire_with(retirement: Retirement) -> None:
    """Choose how this process asks to be replaced (its server, once, in each worker)."""
    global _retirement
    _retirement = retirement


def retire_this_process(grace: float = 5.0) -> None:
    """Have this worker process replaced, and its stuck evaluation ended with it: asked
    once, the way its server chose (:func:`retire_with`)."""
    if start_retiring():
        _retirement.ask(grace)
