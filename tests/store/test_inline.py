"""In-process evaluation: answers, errors, and what happens past the time limit."""

from __future__ import annotations

import os
import threading
import time

import pyoxigraph as ox
import pytest

from d4sme_kg.store import QueryRequest
from d4sme_kg.store.engine import EngineError
from d4sme_kg.store.inline import InlineEngine
from d4sme_kg.store.messages import RunQuery
from d4sme_kg.store.pool import QueryTimeout

EX = "http://example.org/"


def small_store(size: int) -> ox.Store:
    store = ox.Store()
    store.extend(
        ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(i))
        for i in range(size)
    )
    return store


def request(text: str) -> RunQuery:
    return RunQuery.of(QueryRequest.for_text(text, result_format="csv"))


def test_answers_in_this_process_and_reports_errors() -> None:
    retired: list[int] = []
    engine = InlineEngine(lambda: small_store(10), lambda: retired.append(os.getpid()))
    reply = engine.run(request(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{EX}p> ?o }}"), 5)
    assert reply.body.decode().split() == ["n", "10"]
    with pytest.raises(EngineError) as error:
        engine.run(request("SELECT WHERE {"), 5)
    assert error.value.kind == "syntax"
    assert retired == []


def test_concurrent_requests_each_get_their_own_answer() -> None:
    engine = InlineEngine(lambda: small_store(50), lambda: None)
    answers: dict[int, bytes] = {}

    def ask(number: int) -> None:
        text = f"SELECT ?o WHERE {{ <{EX}s{number}> <{EX}p> ?o }}"
        answers[number] = engine.run(request(text), 5).body

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {n: body.decode().split()[1] for n, body in answers.items()} == {
        n: str(n) for n in range(20)
    }


def test_a_query_past_its_limit_raises_and_retires_the_process() -> None:
    retired: list[int] = []
    # About 2.7e7 combinations: seconds of work, far past the 0.2 s limit, yet bounded.
    engine = InlineEngine(lambda: small_store(300), lambda: retired.append(os.getpid()))
    started = time.monotonic()
    with pytest.raises(QueryTimeout) as error:
        engine.run(request("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"), 0.2)
    assert time.monotonic() - started < 1.0
    assert "0.2 s limit" in str(error.value)
    assert retired == [os.getpid()]
    # The engine still answers on other threads while the runaway one is busy.
    reply = engine.run(request(f"ASK {{ <{EX}s1> ?p ?o }}"), 5)
    assert b"true" in reply.body
