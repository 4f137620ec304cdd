"""A stand-in for each request, where the server lets another thread answer it.

The outermost WSGI layer: when the environ holds the server's ``respond`` function
(in_place.ANSWER_EARLY, put there by ``d4sme-kg serve`` under granian), the request's
thread gets a stand-in (in_place.standing_in) for as long as the app runs on it. Called
by the watchdog when a body stalls or a query runs past its limit, the stand-in runs
the same app, on a thread of its own, with the error raised before the app
(problems.RAISED), and hands its answer to ``respond``: the client gets the answer it
would have had from the request's thread (RFC 9457, CORS, security headers, access
log), at once. The request's thread, when it comes back, finds the request answered and
its own answer is dropped by the server.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from d4sme_kg.in_place import ANSWER_EARLY, standing_in
from d4sme_kg.kept_threads import daemon_thread
from d4sme_kg.web.problems import PROBLEM_TYPE, RAISED

#: Set in a request's environ once its stand-in has answered it.
ANSWERED = "d4sme_kg.answered"
#: Set in the environ the stand-in runs the app with: no body to read, no running slot
#: to wait for (the stand-in answers an error, at once).
STANDING_IN = "d4sme_kg.standing_in"
#: Set, with the stand-in's environ, when its answer must end the connection (see
#: web.bodies: a body still arriving is dropped that way).
CUT = "d4sme_kg.cut_connection"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

log = logging.getLogger(__name__)


class AnswerInPlace:
    """WSGI layer: each request the server lets answer early gets a stand-in."""

    def __init__(self, wsgi_app: WSGIApp) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        respond = environ.get(ANSWER_EARLY)
        if respond is None or STANDING_IN in environ:
            return self.wsgi_app(environ, start_response)
        with standing_in(_StandIn(self.wsgi_app, environ, respond)):
            return self.wsgi_app(environ, start_response)


class _StandIn:
    __slots__ = ("_app", "_answered", "_environ", "_releases", "_respond")

    def __init__(self, app: WSGIApp, environ: dict[str, Any], respond: Any) -> None:
        self._app = app
        self._environ = environ
        self._respond = respond
        # No lock: only the watchdog's one thread answers (a body's or a query's wait).
        self._answered = False
        self._releases: list[Callable[[], None]] = []

    def on_stuck(self, release: Callable[[], None]) -> None:
        self._releases.append(release)

    def answer(self, error: Exception, *, cut: bool = False, stuck: bool = False) -> None:
        if self._answered:
            return
        self._answered = True
        self._environ[ANSWERED] = True
        if stuck:
            for release in self._releases:
                release()
        environ = {
            **self._environ,
            RAISED: error,
            STANDING_IN: True,
            "wsgi.input": io.BytesIO(b""),
            "CONTENT_LENGTH": "0",
        }
        environ.pop(ANSWERED, None)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        if cut:
            environ[CUT] = True
        # On a thread of its own: a cut answer lingers before it ends the connection,
        # and the watchdog must go on watching the others meanwhile.
        daemon_thread(lambda: self._send(environ), "stand-in")

    def _send(self, environ: dict[str, Any]) -> None:
        started: list[Any] = []

        def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
            started[:] = [status, headers]

        try:
            answer = self._app(environ, start_response)
            status, headers = started
            code, chunks = int(status.split(" ", 1)[0]), _Chunks(answer)
        except Exception:  # the client still gets an answer, and the connection ends
            log.exception("a stand-in could not make its answer")
            code, headers, chunks = 500, list(_FAILED_HEADERS), _Chunks([_FAILED])
        try:
            self._respond(code, headers, chunks)
        except Exception:  # the connection is gone: nobody is left to answer
            log.debug("a stand-in's answer could not be sent", exc_info=True)


#: What a stand-in answers when the app could not make the answer (never expected).
_FAILED = json.dumps(
    {
        "status": 500,
        "title": "Internal error",
        "detail": "the server could not answer this request",
        "type": PROBLEM_TYPE + "internal",
    }
).encode()
_FAILED_HEADERS = (
    ("Content-Type", "application/problem+json"),
    ("Content-Length", str(len(_FAILED))),
    ("Connection", "close"),
)


class _Chunks:
    """An answer's chunks, as the server's ``respond`` iterates them (with ``close``)."""

    __slots__ = ("_answer", "_chunks")

    def __init__(self, answer: Iterable[bytes]) -> None:
        self._answer = answer
        self._chunks: Iterator[bytes] = iter(answer)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        close = getattr(self._answer, "close", None)
        if close is not None:
            close()
