"""Keep-alive connections spread over the workers; a retiring worker sheds its own.

The workers share one listening socket (d4sme_kg.serving), and whichever wakes first
takes every connection of a burst: eight clients that connect at once all land on one
worker, whose one GIL then answers them all while the other worker idles. So a worker
whose requests wait for a thread (more in flight than it runs at once) ends one in
:data:`SHED_EVERY` of those requests' connections after the answer (``Connection:
close``). The client connects again, and a worker with threads to spare, quicker to
accept, most often takes the connection: the connections drift to the idle workers,
at the cost of a reconnection now and then while every worker is busy.

A worker that is being retired (d4sme_kg.retirement) ends every connection after its
answer, so that its clients move to the live workers and it can stop without cutting
a request short.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from d4sme_kg.retirement import retiring

#: A busy worker ends the connection of one in this many of its answers.
SHED_EVERY = 64
_CLOSE = ("Connection", "close")


class SpreadConnections:
    """WSGI layer: ``Connection: close`` on some answers of a busy worker and on every
    answer of a retiring one. ``running``: the requests a worker runs at once (0: no
    bound, never busy)."""

    def __init__(self, wsgi_app: Any, running: int) -> None:
        self.wsgi_app = wsgi_app
        self.running = running or 1 << 30
        self.in_flight = 0
        self._busy_answers = 0
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self._lock:
            self.in_flight += 1
            # Counted as the request comes: one past the threads waits for one.
            busy = self.in_flight > self.running
            if busy:
                self._busy_answers += 1
                shed = self._busy_answers % SHED_EVERY == 0
            else:
                shed = False

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if shed or retiring():
                headers = [h for h in headers if h[0].lower() != "connection"]
                headers.append(_CLOSE)
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, start)
        finally:
            with self._lock:
                self.in_flight -= 1
