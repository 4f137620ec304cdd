"""Queries that sort run outside a read-only worker: a panic in the sort costs one evaluator."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from d4sme_kg.store.split import sorts

from ..servers import Reply, d4sme_server, http

# Eighty literals, numbers and strings whose characters interleave with their values:
# pyoxigraph 0.5.13's ORDER BY hands Rust's sort a comparison that is not a total order,
# and the process aborts, every time (from about thirty pairs on).
MIXED = " ".join(f'{n} "{n * 7 % 100}"' for n in range(40))
CRASHING_SORT = f"SELECT ?x {{ VALUES ?x {{ {MIXED} }} }} ORDER BY ?x"
# About a second of work that does not sort: a query in flight on the same worker.
SLOW = (
    "SELECT (COUNT(*) AS ?n) { { SELECT ?b { ?a ?p ?b } LIMIT 2500 } "
    "{ SELECT ?d { ?c ?q ?d } LIMIT 2500 } FILTER(STRLEN(STR(?b)) + STRLEN(STR(?d)) = 3) }"
)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { ?s ?p ?o } ORDER BY ?s",
        "select * { ?s ?p ?o } order\n\t by ?s",
        "SELECT * { ?s ?p ?o } ORDER # a comment\n BY ?s",
        "SELECT * { { SELECT ?s { ?s ?p ?o } OrDeR bY ?s LIMIT 1 } }",
        'SELECT * { BIND("\\u0041" AS ?a) }',  # escapes may spell keywords: cautious
    ],
)
def test_texts_that_may_sort_are_seen(text: str) -> None:
    assert sorts(text)


@pytest.mark.parametrize(
    "text",
    ["ASK {}", "SELECT * { ?s ?p ?o } LIMIT 10", "SELECT ?order ?by { ?order ?p ?by }"],
)
def test_texts_that_do_not_sort_are_not(text: str) -> None:
    assert not sorts(text)


def test_the_engine_still_aborts_on_that_sort() -> None:
    # Where this fails, pyoxigraph sorts safely: the split (store.split) may go.
    program = f"import pyoxigraph; list(pyoxigraph.Store().query({CRASHING_SORT!r}))"
    ended = subprocess.run([sys.executable, "-c", program], capture_output=True, timeout=60)
    assert ended.returncode == -signal.SIGABRT, ended.stderr[-500:]
    assert b"total order" in ended.stderr


@pytest.mark.parametrize("mode", ["read-only", "writes"])
def test_a_sort_that_crashes_the_engine_is_a_clear_4xx_and_nothing_else_is_lost(
    mode: str,
) -> None:
    # Read-only with one worker: before the split, the crash took the worker and the slow
    # query it held. With writes on, the crash ended an evaluator and answered 500.
    env = {"D4SME_KG_UPDATE_TOKEN": "a-token-for-this-test"} if mode == "writes" else {}
    workers = "1" if mode == "read-only" else "2"
    with d4sme_server(["--workers", workers, "--timeout", "20", "--no-validate"], env) as base:
        web_workers = base.workers()
        answers: dict[str, int] = {}

        def slow() -> None:
            answers["slow"] = query(base, SLOW).status

        in_flight = threading.Thread(target=slow)
        in_flight.start()
        time.sleep(0.3)
        for _ in range(2):
            reply = query(base, CRASHING_SORT)
            assert reply.status == 422, reply.text
            problem = reply.json()
            assert problem["type"].endswith("/unsortable")
            assert "ORDER BY STR(?x)" in problem["detail"]
        in_flight.join(timeout=60)
        assert answers == {"slow": 200}
        # The same web workers answer on: nothing in them died.
        assert base.workers() == web_workers
        assert not any("Unexpected exit" in line for line in base.log), "".join(base.log)
        assert http("GET", base + "/sparql?query=" + "ASK%20%7B%7D").status == 200
        ordered = query(base, "SELECT ?x { VALUES ?x { 3 1 2 } } ORDER BY ?x", "text/csv")
        assert ordered.text.split() == ["x", "1", "2", "3"]


def query(base: str, text: str, accept: str = "application/sparql-results+json") -> Reply:
    headers = {"Content-Type": "application/sparql-query", "Accept": accept}
    return http("POST", base + "/sparql", text, headers)


def test_an_update_whose_evaluator_dies_while_working_it_out_is_worked_out_again() -> None:
    import pyoxigraph

    from d4sme_kg.store.messages import DiffUpdate
    from d4sme_kg.store.pool import EvaluatorPool
    from d4sme_kg.store.split import SplitEngine

    store = pyoxigraph.Store()
    values = " ".join(f"<urn:s:{i}>" for i in range(1500))
    store.update(f"INSERT {{ ?a <urn:p> ?b }} WHERE {{ VALUES ?a {{ {values} }} BIND(?a AS ?b) }}")
    pool = EvaluatorPool(lambda: store, 1)
    engine = SplitEngine(pool, pool)
    # About a second of work in the evaluator, then one triple to add.
    update = (
        "INSERT { <urn:x> <urn:count> ?n } WHERE { SELECT (COUNT(*) AS ?n) "
        "{ ?a <urn:p> ?b . ?c <urn:p> ?d FILTER(STR(?b) < STR(?d)) } }"
    )
    try:
        (first,) = [e.process.pid for e in pool._all]
        killer = threading.Timer(0.3, os.kill, args=(first, signal.SIGKILL))
        killer.start()
        change = engine.run(DiffUpdate(update, base_iri=None), timeout=60)
        killer.join()
        assert b"<urn:count>" in change.add
        assert first not in [e.process.pid for e in pool._all]
    finally:
        pool.close()


def test_a_long_query_text_is_parsed_in_an_evaluator_process() -> None:
    # pyoxigraph parses holding the GIL: a long text parsed in the web process would
    # stop its other threads meanwhile. The evaluator is a process of its own.
    import pyoxigraph

    from d4sme_kg.store import QueryRequest
    from d4sme_kg.store.messages import EngineMessage, RunQuery
    from d4sme_kg.store.pool import EvaluatorPool
    from d4sme_kg.store.split import LONG_TEXT, SplitEngine

    class NotHere:
        def run(self, message: EngineMessage[object], timeout: float) -> object:
            raise AssertionError("a long text was evaluated in the web process")

    store = pyoxigraph.Store()
    pool = EvaluatorPool(lambda: store, 1)
    engine = SplitEngine(NotHere(), pool)  # type: ignore[arg-type]
    text = "# " + "x" * LONG_TEXT + "\nASK {}"
    try:
        answer = engine.run(RunQuery.of(QueryRequest.for_text(text)), timeout=30)
        assert answer.kind == "boolean"
        with pytest.raises(AssertionError):
            engine.run(RunQuery.of(QueryRequest.for_text("ASK {}")), timeout=30)
    finally:
        pool.close()
