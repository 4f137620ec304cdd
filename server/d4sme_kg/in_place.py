"""Requests answered in place: on the thread that took them, with a stand-in for when
that thread is stuck.

Handing a request's work to another thread (a body reader, an evaluator) and waiting
for it cost a small request more than the work itself: each hand-over is a wake-up and
a pass of the GIL. Without the two of them ``ASK {}`` took 0.66 times the server CPU
and went 1.5 times as fast (benchmarks/ab.py). They were there for the waits that may
not end: a body that stalls, a query that runs past its limit. When the server lets
any thread answer a request (``d4sme-kg serve`` under granian puts granian's response
object in the environ, under :data:`ANSWER_EARLY`), the request's own thread reads the
body and evaluates the query itself, and the :data:`WATCHDOG`, one thread per process,
looks after those waits: past a limit, the request's *stand-in* answers the client
from another thread (408 or 503, as before), while the stuck thread is left to the cut
connection (a body) or to the worker's retirement (a query).

The web layer makes the stand-ins (web.standing_in); the body reader and the inline
engine ask :func:`stand_in` whether the request they work for has one. Elsewhere (under
gunicorn, in tests through Flask's client) there is none, and they hand the work over.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from d4sme_kg import process_id

log = logging.getLogger(__name__)

#: The environ key of a function that answers the request from any thread:
#: ``respond(status_code, headers, chunks)``; a later answer, the app's own included,
#: is ignored.
ANSWER_EARLY = "d4sme_kg.answer_early"


class StandIn(Protocol):
    """Answers a request in place of its own thread, which is stuck."""

    def answer(self, error: Exception, *, cut: bool = False, stuck: bool = False) -> None:
        """Answer the request with ``error`` now (once; later calls do nothing).

        ``cut``: the answer ends the connection (a body still arriving is dropped).
        ``stuck``: the request's thread may never come back, so what it holds for the
        process (a running slot) is given back now.
        """

    def on_stuck(self, release: Callable[[], None]) -> None:
        """Call ``release`` if the request's thread is declared stuck."""


_this_thread = threading.local()


def stand_in() -> StandIn | None:
    """The stand-in of the request this thread works for, if it has one."""
    found: StandIn | None = getattr(_this_thread, "stand_in", None)
    return found


def standing_in(helper: StandIn) -> _StandingIn:
    """Make ``helper`` this thread's stand-in while the block runs."""
    return _StandingIn(helper)


class _StandingIn:
    # A class rather than @contextmanager: entered on every request, and a generator's
    # context manager cost twice as much (0.75 against 0.3 µs).
    __slots__ = ("helper",)

    def __init__(self, helper: StandIn) -> None:
        self.helper = helper

    def __enter__(self) -> None:
        _this_thread.stand_in = self.helper

    def __exit__(self, *_exc: object) -> None:
        _this_thread.stand_in = None


class Watched(Protocol):
    """A wait in progress that the watchdog looks at on each tick."""

    def check(self, now: float, late: float) -> bool:
        """Act if the wait is past its limit; False once it needs no more looking at.

        ``late``: how much later than planned this tick came (time the machine was too
        busy to run the watchdog, which a limit may forgive).
        """


class Watchdog:
    """One thread per process that checks every watched wait each ``tick`` seconds.

    Watching costs a request two set operations: no lock (each is atomic under the GIL)
    and no wake-up; the watchdog sleeps its ticks whether or not anything is watched.
    """

    def __init__(self, tick: float = 0.02) -> None:
        self.tick = tick
        self._entries: set[Watched] = set()
        self._pid = -1
        self._lock = threading.Lock()

    def watch(self, entry: Watched) -> None:
        if self._pid != process_id.current():
            self._start()
        self._entries.add(entry)

    def unwatch(self, entry: Watched) -> None:
        self._entries.discard(entry)

    def _start(self) -> None:
        # Threads do not survive a fork: each process starts its own, once.
        with self._lock:
            if self._pid == process_id.current():
                return
            self._entries = set()
            threading.Thread(target=self._run, name="watchdog", daemon=True).start()
            self._pid = process_id.current()

    def _run(self) -> None:
        planned = time.monotonic() + self.tick
        while True:
            time.sleep(max(0.0, planned - time.monotonic()))
            now = time.monotonic()
            late = max(0.0, now - planned)
            planned = now + self.tick
            for entry in list(self._entries):
                try:
                    keep = entry.check(now, late)
                except Exception:  # one faulty entry must not stop the watching
                    log.exception("watchdog: checking %r failed", entry)
                    keep = False
                if not keep:
                    self._entries.discard(entry)


#: This process's watchdog.
WATCHDOG = Watchdog()
