"""Section ``load``: 64 keep-alive clients, with a runaway query every 5 s, both modes.

Each client sends ordinary queries (lookups, label searches, an aggregate, ASK,
CONSTRUCT; by GET and POST, each made distinct) as fast as it is answered, on one
keep-alive connection, for the section's seconds. Meanwhile another client sends a
cross join every 5 s that runs past the server's short limit (``--timeout 2``): read-only
that retires the worker that ran it (a fresh fork takes over), with writes on it ends an
evaluator process. The runaways may get 503; every ordinary request must get its 200.
"""

from __future__ import annotations

import functools
import statistics
import threading
import time
from collections import Counter

from .client import Answer, Client, once, together
from .harness import Check, Options, Server, alive_and_healthy, failing
from .writes import PREFIXES

CLIENTS = 64
RUNAWAY_EVERY = 5.0
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
KGO = "PREFIX kgo: <https://w3id.org/d4sme-kg/ontology#> "
NORMAL = [
    PREFIXES + "SELECT ?p ?o WHERE { kg:kakao ?p ?o }",
    PREFIXES + 'SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(?l, "카카오")) }',
    PREFIXES + 'SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(?l), "digital")) }',
    "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n)",
    PREFIXES + KGO + "ASK { kg:kakao a kgo:Organization }",
    PREFIXES + "CONSTRUCT { kg:kakao ?p ?o } WHERE { kg:kakao ?p ?o }",
    PREFIXES + "SELECT ?s WHERE { ?s skos:prefLabel ?l } LIMIT 20",
]


def run(options: Options) -> list[Check]:
    seconds = options.pick(30, 5)
    checks = []
    for writes in (False, True):
        with Server(["--workers", "2", "--timeout", "2"], writes=writes) as server:
            checks.append(_one_server(server, seconds))
    return checks


def _one_server(server: Server, seconds: float) -> Check:
    mode = "writes on" if server.writes else "read-only"
    began = time.monotonic()
    deadline = began + seconds
    lock = threading.Lock()
    statuses: Counter[int | None] = Counter()
    wrong: Counter[str] = Counter()
    latencies: list[float] = []
    problems: list[str] = []
    retries = [0]

    def client(number: int) -> None:
        own = Client(server.port, timeout=30)
        sent = 0
        mine: list[tuple[str, Answer]] = []
        while time.monotonic() < deadline:
            query = f"{NORMAL[sent % len(NORMAL)]} # client {number} request {sent}"
            if sent % 2:
                mine.append(("GET", own.query_get(query)))
            else:
                mine.append(("POST", own.query_post(query)))
            sent += 1
        own.close()
        with lock:
            retries[0] += own.retries
            for how, answer in mine:
                statuses[answer.status] += 1
                latencies.append(answer.seconds)
                if answer.status != 200:
                    status = answer.status or "cut-off"
                    wrong[f"{status} {answer.problem_type} ({how})".replace("  ", " ")] += 1
                    problems.append(f"client {number}, {how}: {answer.describe()}")

    runaways: list[Answer] = []

    def runaway() -> None:
        number = 0
        while time.monotonic() < deadline:
            started = time.monotonic()
            runaways.append(once(server.port, 30).query_get(f"{RUNAWAY} # {number}"))
            number += 1
            time.sleep(max(0.0, started + RUNAWAY_EVERY - time.monotonic()))

    together([functools.partial(client, n) for n in range(CLIENTS)] + [runaway])
    elapsed = time.monotonic() - began
    for answer in runaways:
        if answer.status is None or (answer.status >= 500 and answer.status != 503):
            problems.append(f"a runaway query: {answer.describe()}")
    healthy, why = alive_and_healthy(server)
    if not healthy:
        problems.append(why)
    total = sum(statuses.values())
    stopped = sum(1 for a in runaways if a.status == 503)
    p50 = statistics.median(latencies) * 1000 if latencies else 0
    p99 = _percentile(latencies, 0.99) * 1000
    return Check(
        "load",
        f"{mode}: {CLIENTS} keep-alive clients, {seconds:.0f} s of ordinary queries "
        f"(GET and POST), a runaway cross join every {RUNAWAY_EVERY:.0f} s (--timeout 2)",
        f"{total:,} ordinary requests ({total / elapsed:,.0f}/s, p50 {p50:.0f} ms, p99 "
        f"{p99:.0f} ms), {total - statuses[200]} not 200{_listed(wrong)}; "
        f"{len(runaways)} runaways, {stopped} stopped with 503; {retries[0]} keep-alive retries",
        not problems,
        failing(problems) + ([server.notes()] if problems else []),
        elapsed,
    )


def _listed(counts: Counter[str]) -> str:
    return " (" + ", ".join(f"{k}: {n}" for k, n in counts.most_common()) + ")" if counts else ""


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
