"""Section ``memory``: resident memory over many distinct queries, both modes.

Whatever a server keeps per query (parsed queries, plans, label caches, log lines,
problem documents) must not grow without bound. Four keep-alive clients send distinct
queries (lookups, label searches, scans, CONSTRUCT, ASK, BIND, and malformed ones for
the error path; by GET and POST) and the resident memory of the whole process tree is
read from /proc after every 1 % of them. What must hold: the last reading is at most
1.2 x the reading after the first 10 % (by then every cache is warm, and the workers'
copies of the store have been touched), and every query got the answer it should.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .client import Answer, Client, in_parallel
from .harness import Check, Options, Server, alive_and_healthy, failing
from .writes import PREFIXES

GROWTH = 1.2
SLUGS = ["kakao", "oecd", "d4sme-roundtable-2019", "south-korea", "mss", "posco", "france"]


def run(options: Options) -> list[Check]:
    count = options.pick(100_000, 10_000)
    checks = []
    # The quick run measures the read-only server only, for time.
    for writes in (False,) if options.quick else (False, True):
        with Server(["--workers", "2"], writes=writes) as server:
            checks.append(_one_server(server, count))
    return checks


def query(number: int) -> tuple[str, int]:
    """The ``number``-th distinct query and the status it must get."""
    kind = number % 8
    if kind == 0:
        text = f'SELECT ?s ?l WHERE {{ ?s rdfs:label ?l FILTER(CONTAINS(?l, "k{number}")) }}'
    elif kind == 1:
        slug = SLUGS[number % len(SLUGS)]
        text = f"SELECT ?p ?o WHERE {{ kg:{slug} ?p ?o }} LIMIT {number % 97 + 1}"
    elif kind == 2:
        text = f"ASK {{ ?s ?p {number} }}"
    elif kind == 3:
        text = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(STRLEN(STR(?o)) > {number}) }}"
    elif kind == 4:
        text = f"CONSTRUCT {{ ?s <urn:x-reliability:n{number}> ?o }} WHERE {{ ?s rdfs:label ?o }}"
    elif kind == 5:
        text = f'SELECT ?x ?y WHERE {{ BIND({number} AS ?x) BIND("{number}"@en AS ?y) }}'
    elif kind == 6:
        return f"SELECT ?x{number} WHERE {{ ?s ?p ", 400
    else:
        text = f"SELECT DISTINCT ?c WHERE {{ ?s a ?c }} OFFSET {number % 50}"
    return PREFIXES + text, 200


def _one_server(server: Server, count: int) -> Check:
    mode = "writes on" if server.writes else "read-only"
    began = time.monotonic()
    idle = server.rss()
    samples: list[int] = []
    problems: list[str] = []
    step = count // 100
    for start in range(0, count, step):
        jobs = [_job(number) for number in range(start, min(count, start + step))]
        answers, _ = in_parallel(server.port, [job for job, _ in jobs], seconds=120)
        for (_, expected), answer in zip(jobs, answers, strict=True):
            if answer.status != expected:
                problems.append(f"expected {expected}: {answer.describe()}")
        samples.append(server.rss())
    healthy, why = alive_and_healthy(server)
    problems += [] if healthy else [why]
    warm, last = samples[len(samples) // 10 - 1], samples[-1]
    if last > GROWTH * warm:
        problems.append(
            f"resident memory grew from {_mb(warm)} after 10 % to {_mb(last)}: readings "
            + ", ".join(_mb(s) for s in samples[:: max(1, len(samples) // 10)])
        )
    return Check(
        "memory",
        f"{mode}: {count:,} distinct queries (8 kinds, GET and POST, 1 in 8 malformed), "
        "4 keep-alive clients; RSS of the process tree after every 1 %",
        f"idle {_mb(idle)}, after 10 % {_mb(warm)}, end {_mb(last)} ({last / warm:.2f}x; "
        f"at most {GROWTH}x), peak {_mb(max(samples))}",
        not problems,
        failing(problems),
        time.monotonic() - began,
    )


def _job(number: int) -> tuple[Callable[[Client], Answer], int]:
    text, expected = query(number)
    if number % 2:
        return (lambda client: client.query_get(text)), expected
    return (lambda client: client.query_post(text)), expected


def _mb(size: int) -> str:
    return f"{size / 2**20:,.0f} MB"
