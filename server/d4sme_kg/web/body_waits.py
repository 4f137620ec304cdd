"""How long a request body may take: the rules, and the read they watch.

A body is *slow* once one read has waited :data:`BLOCKED` on the network, or once it is
not in after :data:`SLOW`, each grown by the time lost to a starved machine (up to
:data:`STARVED`): not merely when it is not in yet, since on a busy machine the thread
that reads may wait that long for its turn on the CPU, and a small body that was all
sent must not be refused for that. A slow body needs one of the reader's slots
(web.bodies). With a slot, it must show progress every ``idle_seconds`` and arrive
whole within ``idle_seconds`` plus its size at :data:`MIN_RATE`.

The same rules in two forms: :func:`arrives_soon`, for a request's thread that waits on
a reader thread, and :class:`BodyWatch`, for the watchdog (in_place) looking at a body
that its request's own thread reads.
"""

from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any

from d4sme_kg.errors import KGError
from d4sme_kg.in_place import StandIn

if TYPE_CHECKING:
    from d4sme_kg.web.bodies import BodyReader

#: Read size: a slow client shows progress every PIECE bytes.
PIECE = 16 * 1024
#: The slowest average a body may arrive at (bytes per second), past its first piece.
MIN_RATE = 16 * 1024
#: How long one read may wait on the network before its body needs one of the slots (s).
BLOCKED = 0.15
#: How long a body may take in all before it needs one of the slots (seconds).
SLOW = 1.0
#: The most time lost to a starved machine that is added to those two (seconds).
STARVED = 2.0


class BodyWatch:
    """The watchdog's view of a body read on its request's own thread.

    The same rules as a body read by a reader thread: slow once one read has waited
    :data:`BLOCKED` on the network or the body is not in after :data:`SLOW` (each grown
    by the time the watchdog itself lost to a starved machine, up to :data:`STARVED`),
    it needs one of the slots, or waits up to :data:`BLOCKED` more for one; refused past
    that (503), and past ``idle_seconds`` with no progress, or its whole allowance, timed
    out (408). Either answer comes from the stand-in and cuts the connection, which ends
    the read the request's thread is blocked in.
    """

    __slots__ = (
        "_began",
        "_expected",
        "_helper",
        "_lock",
        "_lost",
        "_progress",
        "_reader",
        "_refuse_at",
        "_seen",
        "_seen_at",
        "_slot",
        "answered",
        "done",
    )

    def __init__(
        self, reader: BodyReader, expected: int, progress: Progress, helper: StandIn
    ) -> None:
        self._reader = reader
        self._expected = expected
        self._progress = progress
        self._helper = helper
        self._lock = threading.Lock()
        self._began = self._seen_at = time.monotonic()
        self._seen = 0
        self._lost = 0.0
        self._slot = False
        self._refuse_at: float | None = None
        self.answered = False
        self.done = False

    def finish(self) -> bool:
        """The read is over (however it ended): give the slot back; True if the
        stand-in answered the request meanwhile."""
        with self._lock:
            self.done = True
            if self._slot:
                self._slot = False
                self._reader.give_slot()
            return self.answered

    def check(self, now: float, late: float) -> bool:
        self._lost = min(STARVED, self._lost + late)
        with self._lock:
            if self.done:
                return False
            error = self._slow_verdict(now) if not self._slot else self._slot_verdict(now)
            if error is None:
                return True
            self.answered = True
        self._helper.answer(error, cut=True)
        return False

    def _slow_verdict(self, now: float) -> KGError | None:
        if time_to_slow(self._progress, self._began, now, self._lost) > 0:
            return None
        if self._reader.take_slot():
            self._slot = True
            self._seen, self._seen_at = self._progress.received, now
            return None
        if self._refuse_at is None:
            self._refuse_at = now + BLOCKED
        return self._reader.refusal() if now >= self._refuse_at else None

    def _slot_verdict(self, now: float) -> KGError | None:
        received = self._progress.received
        if received != self._seen:
            self._seen, self._seen_at = received, now
        idle = self._reader.idle_seconds
        whole = idle + self._expected / MIN_RATE + self._lost
        if now - self._seen_at < idle + self._lost and now - self._began < whole:
            return None
        return self._reader.timed_out(received, self._expected, round(now - self._began, 1))


class Progress:
    """How far a reader is, written by the reader and read by the request's thread."""

    __slots__ = ("received", "waiting_since")

    def __init__(self) -> None:
        self.received = 0
        #: When the read in progress began (monotonic), None between reads.
        self.waiting_since: float | None = None


def time_to_slow(progress: Progress, began: float, now: float, lost: float) -> float:
    """Seconds until a body counts as slow (none left: it is): one read blocked on the
    network for :data:`BLOCKED`, or the body not in :data:`SLOW` after ``began``, each
    grown by ``lost``, the time lost to a starved machine."""
    since = progress.waiting_since
    blocked = now - since if since is not None else 0.0
    return min(BLOCKED + lost - blocked, SLOW + lost - (now - began))


def arrives_soon(job: Future[bytes], progress: Progress) -> bool:
    """Wait while the body is on its way at network speed; False once it is slow.

    On a starved machine the reader may wait for the CPU (and the GIL) long after its
    bytes are in, and that is not a slow client: this thread, waiting with timeouts,
    is woken late by as much, so the time it loses is added to the reader's allowance
    (up to :data:`STARVED` in all). Under 64 keep-alive clients with two other
    processes spinning, small POSTs were refused as slow bodies without it.
    """
    began = time.monotonic()
    lost = 0.0
    while True:
        now = time.monotonic()
        left = time_to_slow(progress, began, now, lost)
        if left <= 0:
            return job.done()
        # Woken when the read ends, else when the body would count as slow.
        step = left + 0.001
        with contextlib.suppress(FutureTimeout):
            job.result(timeout=step)
            return True
        late = time.monotonic() - now - step
        lost = min(STARVED, lost + max(0.0, late))


def read_body(stream: Any, expected: int, progress: Progress) -> bytes:
    pieces = []
    while progress.received < expected:
        progress.waiting_since = time.monotonic()
        try:
            piece = stream.read(min(PIECE, expected - progress.received))
        except OSError:  # the connection broke (gunicorn's socket): a body cut short
            break
        finally:
            progress.waiting_since = None
        if not piece:
            break  # the end: all of a chunked body, or a body cut short
        pieces.append(piece)
        progress.received += len(piece)
    return b"".join(pieces)
