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
import socket
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
    alone when the main process is gone.

    Before it asks, the worker stops taking connections from ``listener`` (see
    :func:`stop_accepting`): granian's graceful stop closes at once every connection
    whose first request it has not begun to read, so a client that had just connected
    to the leaving worker lost its request (a new connection, which no client retries).
    """

    #: The write end of the main process's pipe, inherited by every worker.
    pipe: int
    #: The descriptor of the listening socket the workers share (None: not stopped).
    listener: int | None = None
    #: Seconds past ``grace`` after which a worker that stopped accepting and is still
    #: running stops by itself: more than the main process takes to replace it (it
    #: looks for the worker for up to 20 s, then allows ``grace`` to stop it). With
    #: one worker, one never replaced would otherwise leave no one accepting; stopped,
    #: it is respawned as a crashed worker.
    unanswered: float = 30.0

    def ask(self, grace: float) -> None:
        if self.listener is not None:
            # With no socket to spare, it accepts until stopped, as before: asking matters
            # more (its stuck query runs until the process ends).
            try:
                stop_accepting(self.listener)
            except OSError:
                pass
            else:
                timer = threading.Timer(grace + self.unanswered, StopThisProcess().ask, (grace,))
                timer.daemon = True
                timer.start()
        try:
            os.write(self.pipe, os.getpid().to_bytes(4, "little"))
        except OSError:  # the main process is gone: stop alone
            StopThisProcess().ask(grace)


def stop_accepting(listener: int) -> None:
    """Stop this process from accepting connections on ``listener``, a listening socket
    it shares with the other workers, which go on accepting on it.

    The server's accept loop cannot be reached from Python, so the descriptor is pointed
    at a listening socket of its own that nobody connects to: the loop then finds no
    connection to take (EAGAIN) whenever the shared socket wakes it. Clients wait in the
    shared socket's queue for a live worker (or for the replacement, with one worker).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as unreached:
        unreached.bind(("127.0.0.1", 0))
        unreached.listen(1)
        unreached.setblocking(False)  # as the shared socket: its accept must not block
        os.dup2(unreached.fileno(), listener)


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
