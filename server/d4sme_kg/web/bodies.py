"""Request bodies, read whole before any route sees them: bounded in size, time and number.

The WSGI servers hand a route a stream that blocks until the client sends; a client that
declares a body and goes quiet would hold the thread that answers, for ever (granian's
stream has no timeout of its own). So every body is read here, first, under the rules
of web.body_waits:

- where the request has a stand-in (in_place: ``d4sme-kg serve`` under granian), on
  the request's own thread, watched by the watchdog; elsewhere on a reader thread,
  while the request's own thread waits with a deadline. A body must show progress
  every ``idle_seconds`` and arrive whole within ``idle_seconds`` plus its size at
  MIN_RATE; past either, 408 and the connection is closed (which is also what ends
  the blocked read);
- at most ``slots`` slow bodies at once per process; one more is refused at once with
  503, so that the threads left keep answering queries and ``/healthz``;
- whole or not at all: a body that ends before its ``Content-Length`` is refused
  with 400 and never reaches a route, so nothing of it is applied.
"""

from __future__ import annotations

import contextlib
import io
import queue
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from werkzeug.wsgi import get_content_length

from d4sme_kg import process_id
from d4sme_kg.errors import BodyIncomplete, BodyTimeout, KGError, TooLarge, TooManyBodies
from d4sme_kg.in_place import WATCHDOG, StandIn, stand_in
from d4sme_kg.kept_threads import KeptThreads, daemon_thread
from d4sme_kg.web.body_waits import (
    BLOCKED,
    MIN_RATE,
    BodyWatch,
    Progress,
    arrives_soon,
    read_body,
)
from d4sme_kg.web.problems import RAISED
from d4sme_kg.web.standing_in import ANSWERED, CUT, STANDING_IN

#: Threads a worker has for bodies on their way that need no slot (yet), beside the
#: slots' own: up to BLOCKED each, they keep the slow ones from holding up /healthz.
ARRIVING = 8


class BodyReader:
    """Reads each request's body whole, with a deadline, at most ``slots`` at once."""

    def __init__(self, limit: int, idle_seconds: float = 10.0, slots: int = 4) -> None:
        self.limit = limit
        self.idle_seconds = idle_seconds
        self.slots = slots
        self._pid = -1
        self._lock = threading.Lock()
        self._free = threading.BoundedSemaphore(slots)

    def read_into(self, environ: dict[str, Any]) -> None:
        """Replace ``environ``'s input by the whole body, read here, or raise a KGError."""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        length = _declared_length(environ, chunked)
        if not length and not chunked:
            return
        if length is not None and length > self.limit:
            raise TooLarge(f"the request body has {length} bytes; the limit is {self.limit}")
        self._in_this_process()
        expected = self.limit + 1 if length is None else length
        progress = Progress()
        helper = stand_in()
        if helper is not None:
            body = self._read_here(environ["wsgi.input"], expected, progress, helper)
            if body is None:  # answered by the stand-in: refused or timed out
                return
        else:
            environ[_STREAM] = environ["wsgi.input"]
            job = _read_in_background(environ["wsgi.input"], expected, progress)
            # Most bodies are in at once: only a slow one takes a slot. Past the slots,
            # it is refused (after a short grace) and its connection closed.
            if not arrives_soon(job, progress) and not self._slot_or_body(job):
                _stop_reading(environ, job)
                raise self.refusal()
            body = self._wait(job, expected, progress, environ)
        if length is None:
            if len(body) > self.limit:
                raise TooLarge(f"the request body has more than {self.limit} bytes, the limit")
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        elif len(body) < length:
            raise BodyIncomplete(
                f"the request body ended after {len(body)} of the {length} bytes its "
                "Content-Length declares; nothing of it was used"
            )
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["wsgi.input_terminated"] = True

    def _read_here(
        self, stream: Any, expected: int, progress: Progress, helper: StandIn
    ) -> bytes | None:
        """Read the body on this thread, watched (see body_waits.BodyWatch); None when
        the stand-in has answered the request instead."""
        watch = BodyWatch(self, expected, progress, helper)
        WATCHDOG.watch(watch)
        try:
            body = read_body(stream, expected, progress)
        finally:
            WATCHDOG.unwatch(watch)
        return None if watch.finish() else body

    def take_slot(self) -> bool:
        """Take one of the slots for a slow body, if one is free."""
        return self._free.acquire(blocking=False)

    def give_slot(self) -> None:
        self._free.release()

    def refusal(self) -> TooManyBodies:
        """The error of a slow body refused for want of a slot."""
        return TooManyBodies(
            f"{self.slots} request bodies are being received already; try again shortly"
        )

    def timed_out(self, received: int, expected: int, waited: float) -> BodyTimeout:
        """The error of a body that did not arrive in time."""
        return BodyTimeout(
            f"the request body did not arrive in time ({received} of {expected} bytes "
            f"after {waited:g} s); send it at least {MIN_RATE // 1024} KiB/s, with no pause "
            f"longer than {self.idle_seconds:g} s"
        )

    def _slot_or_body(self, job: Future[bytes]) -> bool:
        """Take a slot for ``job``'s body, or see it arrive, within :data:`BLOCKED`.

        On a starved machine bodies look slow in bursts and fill the slots for a moment
        (small POSTs were refused under 64 clients with two processes spinning): a body
        waits that long for one of them to end before it is refused.
        """
        deadline = time.monotonic() + BLOCKED
        while not job.done():
            if self._free.acquire(timeout=0.01):
                # The slot is free once the read ends, however it ends: a stalled read
                # keeps it until its connection is closed (after the 408 in _wait), so
                # stalls stay bounded.
                job.add_done_callback(lambda _: self._free.release())
                return True
            if time.monotonic() >= deadline:
                return False
        return True

    def _wait(
        self, job: Future[bytes], expected: int, progress: Progress, environ: dict[str, Any]
    ) -> bytes:
        whole = self.idle_seconds + expected / MIN_RATE
        waited, seen = 0.0, 0
        while True:
            try:
                return job.result(timeout=self.idle_seconds)
            except FutureTimeout:
                waited += self.idle_seconds
                if progress.received == seen or waited >= whole:
                    break
                seen = progress.received
        _stop_reading(environ, job)
        raise self.timed_out(progress.received, expected, waited)

    def _in_this_process(self) -> None:
        # A semaphore held at a fork stays held in the child: each worker makes its own.
        if self._pid != process_id.current():
            with self._lock:
                if self._pid != process_id.current():
                    self._free = threading.BoundedSemaphore(self.slots)
                    self._pid = process_id.current()


def _declared_length(environ: dict[str, Any], chunked: bool) -> int | None:
    """The Content-Length of the request, as werkzeug reads it (None when there is none
    or the body is chunked, 0 when it is not a number); the usual plain number is read
    here, for werkzeug's check of it costs a small request a microsecond."""
    raw = environ.get("CONTENT_LENGTH")
    if raw is None or chunked:
        return None
    if raw.isascii() and raw.isdigit():
        return int(raw)
    return get_content_length(environ)


def _read_in_background(stream: Any, expected: int, progress: Progress) -> Future[bytes]:
    """Read the body on one of this process's reader threads."""
    job: Future[bytes] = Future()

    def run() -> None:
        try:
            job.set_result(read_body(stream, expected, progress))
        except BaseException as error:  # handed to the waiting request, never lost
            job.set_exception(error)

    _READERS.run(run)
    return job


#: Body readers, each kept for the next body (d4sme_kg.kept_threads).
_READERS = KeptThreads("body-reader", daemon_thread)


#: Where the server's own input stream is kept while its body is read.
_STREAM = "d4sme_kg.body_stream"


def _stop_reading(environ: dict[str, Any], job: Future[bytes]) -> None:
    """Wake the reader blocked on this connection, where the server lets us reach it.

    gunicorn hands over its socket: shutting its reading side ends the blocked recv at
    once. granian keeps a connection open for as long as its body stream is held, and
    the blocked reader holds it; it drops a connection whose answer fails, though, so
    the answer is made to fail (BodiesFirst).
    """
    sock = environ.get("gunicorn.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RD)
    elif not job.done() and type(environ.get(_STREAM)).__module__.startswith("granian"):
        environ[CUT] = True


class BodiesFirst:
    """WSGI wrapper: each request's body is read whole before the app runs, and at most
    ``running`` requests run the app at once (0: no bound).

    A worker has ``slots`` threads more than ``running``, for the bodies on their way:
    their waits leave the app's own threads to queries and ``/healthz``, and the bound
    keeps the extra threads from all running Python at once (a worker's threads share
    one GIL: more of them at once cost every request more CPU). A body refused here is
    answered by the app (problems.raise_what_came_before), in the one error vocabulary.

    Under granian an answer to a stalled body declares one byte more than it sends:
    granian's HTTP layer then aborts the connection once the answer is written, which
    ends the stalled body stream and frees its reader. The pause before the end lets
    what was sent leave first, so the client still gets the whole problem document.
    """

    def __init__(self, wsgi_app: Any, reader: BodyReader, running: int = 0) -> None:
        self.wsgi_app = wsgi_app
        self.reader = reader
        # Tokens in a queue rather than a semaphore: a queue's get and put are C calls,
        # a semaphore's acquire and release Python around a condition (0.03 against
        # 0.86 µs a request).
        self._running: queue.SimpleQueue[None] | None = None
        if running:
            self._running = queue.SimpleQueue()
            for _token in range(running):
                self._running.put(None)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        standing_in = STANDING_IN in environ
        if not standing_in:
            try:
                self.reader.read_into(environ)
            except KGError as error:
                environ[RAISED] = error
            if environ.get(ANSWERED):
                return []  # by the stand-in, and the connection is cut
        start = _cutting(start_response) if environ.get(CUT) else start_response
        if self._running is None or standing_in:
            answer = self.wsgi_app(environ, start)
        else:
            answer = self._run_counted(environ, start)
        return _sent_then_cut(answer) if environ.get(CUT) else answer

    def _run_counted(self, environ: dict[str, Any], start: Any) -> Any:
        assert self._running is not None
        running = self._running
        running.get()
        # Given back once: by this thread, or for it by its stand-in when the thread is
        # stuck in a runaway query (the worker, retiring, still answers the others).
        held = [running]

        def release() -> None:
            with contextlib.suppress(IndexError):
                held.pop().put(None)

        helper = stand_in()
        if helper is not None:
            helper.on_stuck(release)
        try:
            return self.wsgi_app(environ, start)
        finally:
            release()


def _cutting(start_response: Any) -> Any:
    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        headers = [
            (name, str(int(value) + 1) if name.lower() == "content-length" else value)
            for name, value in headers
        ]
        return start_response(status, headers, exc_info)

    return start


def _sent_then_cut(answer: Any) -> Iterator[bytes]:
    try:
        yield from answer
        time.sleep(0.05)
    finally:
        close = getattr(answer, "close", None)
        if close is not None:
            close()
