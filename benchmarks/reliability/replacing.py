"""Section ``replacing``: new connections while runaway queries keep workers replaced.

A read-only worker that meets a runaway query asks to be replaced; granian forks the
new worker, then stops the old one gracefully. Clients that open a new connection for
every request (SPARQLWrapper's default, through urllib) land on whichever worker
accepts first, so some would land on the leaving one; a graceful stop closes at once a
connection whose request it has not begun to read, and no client sends a request again
after a new connection failed. Here 8 such clients and 8 keep-alive ones send small
queries for 60 s (10 quick) to a server whose workers are replaced every 1.5 s or so
(``--timeout 1`` and a cross join sent again 0.5 s after each answer). Before the
leaving worker stopped accepting (d4sme_kg.retirement.stop_accepting), this lost about
one request in 40,000 (13 in 120 s of a longer run); every one must now get its 200.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import Counter

from .client import Answer, Client, once, together
from .harness import Check, Options, Server, alive_and_healthy, failing
from .load import RUNAWAY

#: Clients of each kind: one connection per request, one kept alive.
CLIENTS = 8
#: The pause after a runaway's answer before the next one.
PAUSE = 0.5
QUERY = "ASK { ?s ?p ?o }"


def run(options: Options) -> list[Check]:
    seconds = options.pick(60, 10)
    with Server(["--workers", "2", "--timeout", "1"]) as server:
        return [_one_server(server, seconds)]


def _one_server(server: Server, seconds: float) -> Check:
    began = time.monotonic()
    deadline = began + seconds
    lock = threading.Lock()
    statuses: Counter[int | None] = Counter()
    problems: list[str] = []
    retries = [0]
    runaways: list[Answer] = []

    def client(number: int, fresh: bool) -> None:
        kept = Client(server.port, timeout=30)
        kind = "new connection" if fresh else "kept alive"
        sent = 0
        while time.monotonic() < deadline:
            own = once(server.port, 30) if fresh else kept
            answer = own.query_get(f"{QUERY} # client {number} request {sent}")
            sent += 1
            with lock:
                statuses[answer.status] += 1
                if answer.status != 200:
                    problems.append(f"client {number} ({kind}): {answer.describe()}")
        kept.close()
        with lock:
            retries[0] += kept.retries

    def runaway() -> None:
        number = 0
        while time.monotonic() < deadline:
            runaways.append(once(server.port, 30).query_get(f"{RUNAWAY} # {number}"))
            number += 1
            time.sleep(PAUSE)

    clients = [
        functools.partial(client, n, fresh) for n in range(CLIENTS) for fresh in (True, False)
    ]
    together([*clients, runaway])
    elapsed = time.monotonic() - began
    stopped = sum(1 for a in runaways if a.status == 503 and a.problem_type == "timeout")
    problems += [f"a runaway query: {a.describe()}" for a in runaways if a.status != 503]
    if stopped < seconds / 4:
        problems.append(f"only {stopped} runaways stopped at the limit: too few replacements")
    healthy, why = alive_and_healthy(server)
    if not healthy:
        problems.append(why)
    total = sum(statuses.values())
    return Check(
        "replacing",
        f"read-only: {CLIENTS} clients with a new connection per request and {CLIENTS} "
        f"kept alive, {seconds:.0f} s of ASK by GET; a runaway cross join {PAUSE:g} s "
        "after each answer (--timeout 1), each retiring its worker",
        f"{total:,} requests ({total / elapsed:,.0f}/s), {total - statuses[200]} not 200; "
        f"{len(runaways)} runaways, {stopped} stopped with 503; "
        f"{retries[0]} keep-alive retries",
        not problems,
        failing(problems) + ([server.notes()] if problems else []),
        elapsed,
    )
