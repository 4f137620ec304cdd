"""Section ``bodies``: stalled, slow and cut-short request bodies; slow headers.

Per server (read-only, then with writes on): 8 clients declare a body of 1,000,000 bytes,
send a few, and go quiet; then 50 send a 200-byte query at 10 bytes per second and 8
send their request headers a byte per second, never ending them. Meanwhile a client
asks for /healthz and a small query (GET) every 100 ms. What must hold: at least 99 %
of those are answered within 1 s; each stalled body is answered 408 (or 503 at once
when every body slot of its worker is taken) and its connection closed, within two of
the server's body pauses and a little more; every slow client gets a whole answer, not
a dropped connection. With writes on, two updates are cut short (221 bytes declared,
the first 111 sent, then the client stops sending or goes): neither may be applied,
though those 111 bytes alone are a valid update.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from dataclasses import dataclass

from .client import Client, connect, once
from .harness import TOKEN, Check, Options, Server, alive_and_healthy, failing

STALLED, SLOW, SLOW_HEADERS = 8, 50, 8


@dataclass
class Raw:
    """What came back on a socket: the answer's status and body, and when it ended."""

    status: int | None = None
    body: bytes = b""
    closed_after: float | None = None  # seconds from the request's start to the close
    error: str = ""

    def problem(self) -> bool:
        """True when the body is a whole problem document (RFC 9457)."""
        try:
            return "status" in json.loads(self.body)
        except ValueError:
            return False


def run(options: Options) -> list[Check]:
    # The server's body pause: its default (10 s) in the full run, 2 s in the quick one.
    pause = options.pick(10, 2)
    env = {"D4SME_KG_BODY_SECONDS": str(pause)}
    # Long enough, quick, for the slow-header clients to meet granian's 10 s limit.
    seconds = options.pick(30, 11)
    checks = []
    with Server(["--workers", "2"], env=env) as server:
        checks.append(_slow_clients(server, pause, seconds))
    with Server(["--workers", "2"], writes=True, env=env) as server:
        # With writes on there is one web worker, with its own body slots (4, for 8
        # stalled bodies); the quick run leaves it out for time.
        if not options.quick:
            checks.append(_slow_clients(server, pause, seconds))
        checks.append(_cut_short(server))
    return checks


def _slow_clients(server: Server, pause: float, seconds: float) -> Check:
    mode = "writes on" if server.writes else "read-only"
    began = time.monotonic()
    until = began + seconds
    probes: list[tuple[str, int | None, float]] = []
    prober = threading.Thread(target=_probe, args=(server.port, until, probes))
    prober.start()
    outcomes: dict[str, list[Raw]] = {"stalled": [], "slow": [], "headers": []}
    threads = []
    for _ in range(STALLED):
        threads.append(_start(_stalled, server.port, until, outcomes["stalled"]))
        time.sleep(0.05)
    for _ in range(SLOW_HEADERS):
        threads.append(_start(_slow_header, server.port, until, outcomes["headers"]))
    # Spread over the first half: the early ones meet slots the stalled bodies hold (503),
    # the later ones get a slot and are timed out themselves.
    for number in range(SLOW):
        threads.append(_start(_slow_body, server.port, until, outcomes["slow"], number))
        time.sleep(seconds / 2 / SLOW)
    for thread in [prober, *threads]:
        thread.join()
    problems = []
    quick = [p for p in probes if p[1] == 200 and p[2] <= 1.0]
    share = len(quick) / max(1, len(probes))
    if share < 0.99:
        slow = [f"{what}: {status} after {took:.2f} s" for what, status, took in probes]
        problems += [f"{share:.1%} of the probes answered within 1 s"] + [
            s for s in slow if not s.split(": ")[1].startswith("200 after 0.")
        ]
    bound = 2 * pause + 3
    for raw in outcomes["stalled"]:
        if raw.status not in (408, 503) or not raw.problem():
            problems.append(f"a stalled body got {raw.status} {raw.body[:200]!r} {raw.error}")
        if raw.closed_after is None or raw.closed_after > bound:
            problems.append(f"a stalled body's connection was not closed within {bound} s")
    for raw in outcomes["slow"]:
        if raw.status is None or not raw.problem() and raw.status != 200:
            problems.append(f"a slow body got no whole answer: {raw.status} {raw.body[:200]!r}")
    healthy, why = alive_and_healthy(server)
    if not healthy:
        problems.append(why)
    return Check(
        "bodies",
        f"{mode}: {STALLED} stalled bodies (1,000,000 declared), {SLOW} slow ones (10 bytes/s), "
        f"{SLOW_HEADERS} slow-header clients for {seconds:.0f} s, body pause {pause:g} s; "
        "/healthz and a small query every 100 ms",
        f"{len(quick)}/{len(probes)} probes within 1 s; stalled: "
        f"{_statuses(outcomes['stalled'])}, closed after ≤ "
        f"{_longest(outcomes['stalled'])}; slow: {_statuses(outcomes['slow'])}; slow headers: "
        f"{_statuses(outcomes['headers'])}, closed after ≤ {_longest(outcomes['headers'])}",
        not problems,
        failing(problems),
        time.monotonic() - began,
    )


def _cut_short(server: Server) -> Check:
    """Two updates whose bodies stop halfway: one client half-closes, one goes away."""
    problems, statuses = [], []
    for how in ("half-closed", "gone"):
        marker = f"urn:x-reliability:cut-{how}"
        first = f'INSERT DATA{{GRAPH<urn:x-reliability:g>{{<{marker}><urn:x-reliability:p>"1"}}}}'
        rest = f' ; INSERT DATA{{GRAPH<urn:x-reliability:g>{{<{marker}><urn:x-reliability:p>"2"}}}}'
        body = (first.ljust(111) + rest).ljust(221).encode()
        assert len(body) == 221 and len(first) <= 111
        sock = connect(server.port)
        sock.sendall(
            b"POST /update HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 221\r\n"
            + f"Authorization: Bearer {TOKEN}\r\n".encode()
            + b"Content-Type: application/sparql-update\r\n\r\n"
            + body[:111]
        )
        if how == "half-closed":
            sock.shutdown(socket.SHUT_WR)
            raw = _read(sock, time.monotonic(), time.monotonic() + 30)
            statuses.append(f"{how}: {raw.status}")
            if raw.status is not None and raw.status < 300:
                problems.append(f"the cut-short update was answered {raw.status} {raw.body!r}")
        else:
            statuses.append(f"{how}: -")
        sock.close()
    time.sleep(1)  # what the server does once it notices the client gone
    for number in range(3):
        answer = once(server.port, 10).query_get(
            f"ASK {{ GRAPH ?g {{ ?s <urn:x-reliability:p> ?o }} }} # {number}"
        )
        if answer.status != 200 or json.loads(answer.body)["boolean"]:
            problems.append(f"a cut-short update was applied (or not checked): {answer.describe()}")
            break
    return Check(
        "bodies",
        "writes on: 2 updates cut short (Content-Length 221, 111 bytes sent, a valid update "
        "alone, then the client half-closes, or goes)",
        f"answers: {', '.join(statuses)}; applied: {'yes' if problems else 'no'}",
        not problems,
        failing(problems),
    )


def _start(target: object, *args: object) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
    thread.start()
    return thread


def _probe(port: int, until: float, seen: list[tuple[str, int | None, float]]) -> None:
    client = Client(port, timeout=5)
    number = 0
    while time.monotonic() < until:
        started = time.monotonic()
        if number % 2:
            answer, what = client.query_get(f"ASK {{}} # probe {number}"), "small query"
        else:
            answer, what = client.send("GET", "/healthz"), "/healthz"
        seen.append((what, answer.status, answer.seconds))
        number += 1
        time.sleep(max(0.0, started + 0.1 - time.monotonic()))
    client.close()


def _stalled(port: int, until: float, out: list[Raw]) -> None:
    sock = connect(port)
    started = time.monotonic()
    sock.sendall(
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n"
        b"Content-Type: application/sparql-query\r\n\r\nASK"
    )
    out.append(_read(sock, started, until + 5))
    sock.close()


def _slow_body(port: int, until: float, out: list[Raw], number: int) -> None:
    query = f"ASK {{}} # slow body {number} ".ljust(200, "x").encode()
    sock = connect(port)
    started = time.monotonic()
    sock.sendall(
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 200\r\n"
        b"Content-Type: application/sparql-query\r\n\r\n"
    )
    _trickle(sock, query, 10, until)
    out.append(_read(sock, started, until + 5))
    sock.close()


def _slow_header(port: int, until: float, out: list[Raw]) -> None:
    sock = connect(port)
    started = time.monotonic()
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 1000
    _trickle(sock, head, 1, until)
    out.append(_read(sock, started, until + 5))
    sock.close()


def _trickle(sock: socket.socket, data: bytes, per_second: int, until: float) -> None:
    """Send ``per_second`` bytes a second until sent, answered, closed, or ``until``."""
    for start in range(0, len(data), per_second):
        if time.monotonic() > until or select.select([sock], [], [], 0)[0]:
            return
        try:
            sock.sendall(data[start : start + per_second])
        except OSError:
            return
        time.sleep(1)


def _read(sock: socket.socket, started: float, until: float) -> Raw:
    """Read the answer until the server closes the connection or sends it whole."""
    data = b""
    raw = Raw()
    while time.monotonic() < until:
        sock.settimeout(max(0.01, until - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except OSError as error:
            raw.error = type(error).__name__
            chunk = b""
        if not chunk:
            raw.closed_after = time.monotonic() - started
            break
        data += chunk
        # A whole answer ends the read, unless it says the connection ends too: then the
        # close is what is waited for (and timed).
        if _whole(data) and b"connection: close" not in data.partition(b"\r\n\r\n")[0].lower():
            break
    head, _, raw.body = data.partition(b"\r\n\r\n")
    if head.startswith(b"HTTP/1.1 "):
        raw.status = int(head.split()[1])
    return raw


def _whole(data: bytes) -> bool:
    head, separator, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return bool(separator) and len(body) >= int(value)
    return False


def _statuses(raws: list[Raw]) -> str:
    counts: dict[str, int] = {}
    for raw in raws:
        key = str(raw.status) if raw.status is not None else "closed" if raw.closed_after else "-"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{key}: {n}" for key, n in sorted(counts.items()))


def _longest(raws: list[Raw]) -> str:
    times = [raw.closed_after for raw in raws if raw.closed_after is not None]
    return f"{max(times):.1f} s" if times else "-"
