"""Evaluator processes: a runaway costs one evaluator, a dead one is replaced unseen."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest

from d4sme_kg.store import QueryAnswer, QueryRequest
from d4sme_kg.store.engine_errors import EngineError
from d4sme_kg.store.messages import ApplyChange, Change, RunQuery
from d4sme_kg.store.pool import EvaluatorPool, PoolBusy, QueryTimeout

EX = "http://example.org/"
# A cross join of 300^4 rows: runs for minutes.
RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SMALL = "ASK { ?s ?p ?o }"


@pytest.fixture
def pool() -> Iterator[EvaluatorPool]:
    store = ox.Store()
    store.extend(
        ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(i))
        for i in range(300)
    )
    pool = EvaluatorPool(lambda: store, size=2)
    try:
        yield pool
    finally:
        pool.close()


def ask(pool: EvaluatorPool, text: str, timeout: float) -> QueryAnswer:
    return pool.run(RunQuery.of(QueryRequest.for_text(text)), timeout)


def on_a_thread_that_ends(action: Any) -> Any:
    """Run ``action`` on a thread that then ends (as a server's idle request threads do)."""
    outcome: list[Any] = []
    thread = threading.Thread(target=lambda: outcome.append(action()))
    thread.start()
    thread.join()
    return outcome[0]


def test_queries_waiting_behind_a_runaway_get_their_own_time_limit(pool: EvaluatorPool) -> None:
    # One evaluator is held by a runaway (limit 3 s); three small queries with a 1 s limit
    # queue for the other, and one more arrives when the runaway is stopped. Before, the
    # wait counted against their limit: one stuck in line was stopped as a runaway.
    slow_started = threading.Event()
    outcomes: list[object] = []

    def runaway() -> None:
        slow_started.set()
        try:
            ask(pool, RUNAWAY, 3.0)
        except QueryTimeout as error:
            outcomes.append(error)

    thread = threading.Thread(target=runaway)
    thread.start()
    slow_started.wait()
    time.sleep(0.2)
    for _ in range(30):
        assert ask(pool, SMALL, 1.0).kind == "boolean"
    thread.join()
    assert isinstance(outcomes[0], QueryTimeout)
    assert ask(pool, SMALL, 1.0).kind == "boolean"


def test_a_request_waits_for_an_evaluator_at_most_its_limit(pool: EvaluatorPool) -> None:
    threads = [threading.Thread(target=lambda: _swallow(ask, pool, RUNAWAY, 3.0)) for _ in "ab"]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    with pytest.raises(PoolBusy):
        ask(pool, SMALL, 0.5)
    assert time.monotonic() - started < 2.0
    for thread in threads:
        thread.join()


def _swallow(action: Any, *args: Any) -> None:
    with contextlib.suppress(QueryTimeout, PoolBusy):
        action(*args)


def test_evaluators_forked_from_a_thread_that_ended_live_on(pool: EvaluatorPool) -> None:
    # A replacement is forked by whichever request thread met the runaway. Linux's
    # parent-death signal fired when *that thread* ended, killing the replacement, and
    # the next query got an error.
    stopped = on_a_thread_that_ends(lambda: _raising(ask, pool, RUNAWAY, 0.3))
    assert isinstance(stopped, QueryTimeout)
    time.sleep(1.0)
    for _ in range(4):
        assert on_a_thread_that_ends(lambda: ask(pool, SMALL, 2.0)).kind == "boolean"


def _raising(action: Any, *args: Any) -> Any:
    try:
        return action(*args)
    except QueryTimeout as error:
        return error


def test_a_dead_idle_evaluator_is_replaced_without_an_error(pool: EvaluatorPool) -> None:
    ask(pool, SMALL, 2.0)
    for pid in _evaluators(pool):
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.3)
    for _ in range(4):
        assert ask(pool, SMALL, 2.0).kind == "boolean"
    assert len(_evaluators(pool)) == 2


def test_a_change_reaches_every_evaluator_even_past_a_dead_one(pool: EvaluatorPool) -> None:
    ask(pool, SMALL, 2.0)
    os.kill(_evaluators(pool)[0], signal.SIGKILL)
    time.sleep(0.3)
    quad = ox.Quad(ox.NamedNode(f"{EX}new"), ox.NamedNode(f"{EX}p"), ox.Literal("x"))
    added = ox.serialize([quad], format=ox.RdfFormat.N_QUADS) or b""
    pool.broadcast(ApplyChange(Change(add=added, remove=b"")))
    # Both evaluators (one of them new) hold the change, and answer.
    for _ in range(6):
        reply = ask(pool, f"ASK {{ <{EX}new> ?p ?o }}", 2.0)
        assert reply.body == b'{"head":{},"boolean":true}'


def test_an_evaluator_that_dies_mid_query_is_a_clear_error_then_replaced(
    pool: EvaluatorPool,
) -> None:
    def kill_soon() -> None:
        time.sleep(0.3)
        # The busy one only: the one answering the runaway.
        idle = {e.process.pid for e in list(pool._idle.queue)}
        for pid in set(_evaluators(pool)) - idle:
            os.kill(pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_soon)
    killer.start()
    with pytest.raises(EngineError) as caught:
        ask(pool, RUNAWAY, 5.0)
    killer.join()
    assert caught.value.kind == "crashed" and "restarted" in caught.value.message
    assert ask(pool, SMALL, 2.0).kind == "boolean"


def _evaluators(pool: EvaluatorPool) -> list[int]:
    return [e.process.pid for e in pool._all if e.process.pid is not None]
