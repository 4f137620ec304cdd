"""In-process evaluation: answers, errors, and what happens past the time limit."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

import pyoxigraph as ox
import pytest

from d4sme_kg.in_place import standing_in
from d4sme_kg.store import QueryRequest
from d4sme_kg.store.engine_errors import EngineError
from d4sme_kg.store.inline import InlineEngine
from d4sme_kg.store.messages import RunQuery
from d4sme_kg.store.pool import QueryTimeout
from d4sme_kg.store.stacks import engine_thread

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


class RecordingStandIn:
    """The web layer's side of in_place.StandIn, recording what it is asked."""

    def __init__(self) -> None:
        self.answers: list[tuple[Exception, bool, float]] = []
        self.released: list[str] = []
        self.answered = threading.Event()

    def answer(self, error: Exception, *, cut: bool = False, stuck: bool = False) -> None:
        self.answers.append((error, stuck, time.monotonic()))
        self.answered.set()

    def on_stuck(self, release: object) -> None:
        self.released.append("registered")


def on_engine_thread(action: Callable[[], object]) -> list[object]:
    """Run ``action`` on a thread with the engine's stack; its outcome once it ends."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(action())
        except Exception as error:
            outcome.append(error)

    engine_thread(run, "test-request")
    return outcome


def test_with_a_stand_in_on_a_big_stack_the_query_is_answered_on_the_same_thread() -> None:
    engine = InlineEngine(lambda: small_store(10), lambda: None)
    helper = RecordingStandIn()
    threads: list[int] = []

    def ask() -> bytes:
        with standing_in(helper):
            engine.run(request(f"ASK {{ <{EX}s2> ?p ?o }}"), 5)  # the watchdog starts
            threads.append(threading.active_count())
            body = engine.run(request(f"ASK {{ <{EX}s1> ?p ?o }}"), 5).body
            threads.append(threading.active_count())
            return body

    outcome = on_engine_thread(ask)
    deadline = time.monotonic() + 5
    while not outcome and time.monotonic() < deadline:
        time.sleep(0.01)
    assert outcome and b"true" in outcome[0]  # type: ignore[operator]
    # No evaluator thread was started for it (a hand-over would start one and keep it).
    assert threads[0] == threads[1]
    assert helper.answers == []


def test_on_a_small_stack_the_query_is_handed_to_an_evaluator_even_with_a_stand_in() -> None:
    engine = InlineEngine(lambda: small_store(10), lambda: None)
    counts: list[int] = []

    def ask() -> None:
        with standing_in(RecordingStandIn()):
            before = threading.active_count()
            engine.run(request(f"ASK {{ <{EX}s1> ?p ?o }}"), 5)
            counts.extend([before, threading.active_count()])

    thread = threading.Thread(target=ask)  # the interpreter's default stack
    thread.start()
    thread.join()
    assert counts[1] == counts[0] + 1  # its evaluator, kept for the next query


def test_in_place_past_its_limit_the_stand_in_answers_and_the_process_retires() -> None:
    retired: list[float] = []
    engine = InlineEngine(lambda: small_store(300), lambda: retired.append(time.monotonic()))
    helper = RecordingStandIn()
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

    def ask() -> object:
        with standing_in(helper):
            return engine.run(request(runaway), 0.2)

    started = time.monotonic()
    outcome = on_engine_thread(ask)
    assert helper.answered.wait(5)
    [(error, stuck, answered_at)] = helper.answers
    assert isinstance(error, QueryTimeout) and stuck
    assert 0.2 <= answered_at - started < 1.0
    # Retired before the answer, so that the answer already closes the connection.
    assert len(retired) == 1 and retired[0] <= answered_at
    # Its own thread, once the query ends (seconds later), raises the same error.
    deadline = time.monotonic() + 60
    while not outcome and time.monotonic() < deadline:
        time.sleep(0.05)
    assert outcome and isinstance(outcome[0], QueryTimeout)
