"""An HTTP client that tells a complete answer from a dropped connection.

Every section asks the same of each request: did a whole HTTP answer come back (status
line, headers, and as many body bytes as announced), and what was it. ``http.client``
does the parsing; this keeps a keep-alive connection per client as SPARQL clients do,
and handles a connection the server closed while it was idle the way HTTP clients
must (RFC 9112, 9.3.1): it looks before reusing one (as urllib3 does), and retries a
read-only request once, on a new connection, when a reused one ends before any byte of
the answer. Those retries are counted and reported, never hidden: a request that fails
on a new connection, or after part of its answer, is a dropped one.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote_from_bytes

#: What a Python traceback looks like in a body that leaks one.
TRACEBACK_MARKERS = (b"Traceback (most recent call last)", b'File "/')


@dataclass
class Answer:
    """A complete answer (``status`` set) or why there was none (``error``)."""

    status: int | None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""
    seconds: float = 0.0
    #: Sent again on a new connection after a reused one ended first (see the module).
    retried: bool = False

    @property
    def problem_type(self) -> str:
        """The last part of an RFC 9457 problem's ``type`` ("timeout", …), or ""."""
        if not self.headers.get("content-type", "").startswith("application/problem+json"):
            return ""
        try:
            return str(json.loads(self.body).get("type", "")).rsplit("/", 1)[-1]
        except (ValueError, AttributeError):
            return ""

    @property
    def traceback(self) -> bool:
        return any(marker in self.body for marker in TRACEBACK_MARKERS)

    def describe(self) -> str:
        if self.status is None:
            return f"no answer: {self.error}"
        return f"{self.status} {self.body[:300]!r}"


class Client:
    """One keep-alive connection to 127.0.0.1:``port``, reopened when it has to be."""

    def __init__(self, port: int, timeout: float = 60.0, keep_alive: bool = True) -> None:
        self.port = port
        self.timeout = timeout
        self.keep_alive = keep_alive
        self._connection: http.client.HTTPConnection | None = None
        self._used = False
        #: Requests sent again after a reused connection ended before answering.
        self.retries = 0

    def send(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        retry: bool = True,
    ) -> Answer:
        """One request; ``retry`` only for requests that change nothing (queries)."""
        began = time.perf_counter()
        reused = self._connection is not None and self._used and not self._closed_by_server()
        answer = self._attempt(method, path, body, headers or {})
        if answer.status is None and answer.error.startswith("before") and reused and retry:
            self.retries += 1
            answer = self._attempt(method, path, body, headers or {})
            answer.retried = True
        answer.seconds = time.perf_counter() - began
        if not self.keep_alive:
            self.close()
        return answer

    def _attempt(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> Answer:
        if self._connection is None:
            self._connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=self.timeout
            )
            self._used = False
        connection = self._connection
        try:
            # A server may answer (413, 414, 408) and close before it has read the whole
            # request: sending then fails, and the answer it sent is read all the same.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
        except (OSError, http.client.HTTPException) as error:
            self.close()
            return Answer(None, error=f"before the answer: {type(error).__name__}: {error}")
        try:
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.close()
            # What did arrive says which answer it was.
            partial = getattr(error, "partial", b"")
            return Answer(
                None,
                partial,
                {k.lower(): v for k, v in response.getheaders()},
                f"in the body of a {response.status}: {type(error).__name__}: {error} "
                f"(received: {partial[:200]!r})",
            )
        self._used = True
        if response.will_close:
            self.close()
        headers_seen = {k.lower(): v for k, v in response.getheaders()}
        return Answer(response.status, data, headers_seen)

    def _closed_by_server(self) -> bool:
        """True (and the connection dropped) when the server has ended it meanwhile."""
        assert self._connection is not None
        sock = self._connection.sock
        if sock is None:
            return False
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        # Readable while idle: the end of the connection, or bytes nobody asked for.
        self.close()
        return True

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    # -- the requests the sections make ----------------------------------------------------

    def query_get(self, query: str | bytes, extra: str = "") -> Answer:
        return self.send("GET", "/sparql?query=" + _encoded(query) + extra)

    def query_post(self, query: str | bytes, extra: str = "") -> Answer:
        headers = {"Content-Type": "application/sparql-query", "Accept": "*/*"}
        return self.send("POST", "/sparql" + extra, _bytes(query), headers)

    def query_form(self, query: str | bytes) -> Answer:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.send("POST", "/sparql", b"query=" + _encoded(query).encode(), headers)

    def update(self, token: str, text: str | bytes, form: bool = False) -> Answer:
        auth = {"Authorization": f"Bearer {token}"}
        if form:
            body = b"update=" + _encoded(text).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", **auth}
        else:
            body = _bytes(text)
            headers = {"Content-Type": "application/sparql-update", **auth}
        return self.send("POST", "/update", body, headers, retry=False)


def once(port: int, timeout: float = 30.0) -> Client:
    """A client for one request: its connection is closed once the answer is in."""
    return Client(port, timeout, keep_alive=False)


def _bytes(text: str | bytes) -> bytes:
    # Lone surrogates stand for bytes that are not UTF-8: they are sent as such.
    return text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")


def _encoded(text: str | bytes) -> str:
    return quote_from_bytes(_bytes(text), safe="")


def connect(port: int, timeout: float = 30.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def in_parallel(
    port: int,
    jobs: list[Callable[[Client], Answer]],
    clients: int = 4,
    seconds: float = 600.0,
    timeout: float = 30.0,
) -> tuple[list[Answer], int]:
    """Every job's answer (in the jobs' order), sent by ``clients`` keep-alive clients;
    and how many requests were sent again after a reused connection ended first.

    A server that hangs must not hang the suite: once ``2 x clients`` requests in a row
    got no answer within ``timeout``, or after ``seconds``, the jobs left are not sent,
    and their answers say so.
    """
    answers: list[Answer | None] = [None] * len(jobs)
    work = iter(enumerate(jobs))
    lock = threading.Lock()
    retries = [0]
    unanswered = [0]  # requests in a row that timed out
    deadline = time.monotonic() + seconds

    def client() -> None:
        own = Client(port, timeout)
        while time.monotonic() < deadline and unanswered[0] < 2 * clients:
            with lock:
                item = next(work, None)
            if item is None:
                break
            index, job = item
            answer = answers[index] = job(own)
            with lock:
                timed_out = answer.status is None and "timed out" in answer.error
                unanswered[0] = unanswered[0] + 1 if timed_out else 0
        own.close()
        with lock:
            retries[0] += own.retries

    together([client] * clients)
    why = (
        f"{unanswered[0]} requests in a row got no answer within {timeout:g} s"
        if unanswered[0] >= 2 * clients
        else f"the {seconds:.0f} s this part may take had passed"
    )
    unsent = Answer(None, error=f"not sent: {why}")
    return [unsent if a is None else a for a in answers], retries[0]


def together(work: list[Callable[[], None]]) -> None:
    """Run each of ``work`` on a thread of its own, all at once, until every one ends."""
    threads = [threading.Thread(target=part) for part in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
