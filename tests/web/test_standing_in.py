"""A request's stand-in answers for its stuck thread (web.standing_in, in_place).

The app runs as the server runs it, on a thread with the engine's stack, with a body
that arrives through a real socket; ``respond`` is the server's side of
in_place.ANSWER_EARLY (granian's response object under ``d4sme-kg serve``: the
served cases are in test_robustness and the reliability suite).
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import EnvironBuilder

from d4sme_kg.in_place import ANSWER_EARLY, stand_in
from d4sme_kg.logs import ACCESS_LOGGER
from d4sme_kg.store.pool import QueryTimeout
from d4sme_kg.store.stacks import engine_thread
from d4sme_kg.web import create_app
from d4sme_kg.web.standing_in import STANDING_IN, AnswerInPlace


@pytest.fixture(scope="module")
def slow_bodies_app() -> Iterator[Flask]:
    """One slot for slow bodies, which may pause 0.5 s at most."""
    app = create_app({"WORKERS": 1, "VALIDATE": False, "BODY_SECONDS": 0.5, "BODY_SLOTS": 1})
    yield app
    app.extensions["d4sme_kg"].backend.close()


class Exchange:
    """One request whose body trickles in over a socket pair, run on its own thread."""

    def __init__(self, app: Flask, declared: int, sent: bytes) -> None:
        self.client, self.server_side = socket.socketpair()
        self.answers: list[tuple[int, dict[str, str], bytes, float]] = []
        self.returned: list[Any] = []
        environ = EnvironBuilder(
            path="/sparql",
            method="POST",
            headers={"Content-Type": "application/sparql-query", "Origin": "https://example.org"},
        ).get_environ()
        environ["CONTENT_LENGTH"] = str(declared)
        self.stream = self.server_side.makefile("rb")
        environ["wsgi.input"] = self.stream
        environ[ANSWER_EARLY] = self.respond
        self.client.sendall(sent)
        self.started = time.monotonic()

        def run() -> None:
            answer = app.wsgi_app(environ, lambda status, headers, exc_info=None: None)
            self.returned.append(list(answer))

        engine_thread(run, "request")

    def respond(self, status: int, headers: list[tuple[str, str]], chunks: Iterable[bytes]) -> None:
        body = b"".join(chunks)
        self.answers.append((status, dict(headers), body, time.monotonic() - self.started))

    def close(self) -> None:
        """The client goes (what the cut does to a connection): the read ends."""
        self.client.close()
        self.wait(self.returned)
        self.stream.close()
        self.server_side.close()

    def wait(self, what: list[Any], seconds: float = 5) -> None:
        deadline = time.monotonic() + seconds
        while not what and time.monotonic() < deadline:
            time.sleep(0.01)
        assert what, "nothing came"


def test_a_stalled_body_is_timed_out_by_the_stand_in_while_its_thread_waits(
    slow_bodies_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    exchange = Exchange(slow_bodies_app, declared=100, sent=b"ASK")
    exchange.wait(exchange.answers)
    [(status, headers, body, after)] = exchange.answers
    assert status == 408 and 0.5 <= after < 2
    problem = json.loads(body)
    assert problem["status"] == 408 and "did not arrive in time" in problem["detail"]
    assert headers["Content-Type"] == "application/problem+json"
    assert headers["Access-Control-Allow-Origin"] == "*"
    # The answer ends the connection: it declares a byte more than it sends.
    assert int(headers["Content-Length"]) == len(body) + 1
    assert exchange.returned == []  # its own thread is still in its read
    exchange.close()
    assert exchange.returned == [[]]  # and it answers nothing more
    lines = [r.getMessage() for r in caplog.records if r.name == ACCESS_LOGGER]
    assert len(lines) == 1 and lines[0].startswith("POST /sparql 408")
    assert float(lines[0].split()[-1].removesuffix("ms")) >= 500  # timed from the start


def test_a_slow_body_past_the_slots_is_refused_by_the_stand_in(slow_bodies_app: Flask) -> None:
    holding = Exchange(slow_bodies_app, declared=100, sent=b"ASK")
    time.sleep(0.3)  # slow by now (0.15 s blocked): it holds the one slot
    refused = Exchange(slow_bodies_app, declared=100, sent=b"ASK")
    refused.wait(refused.answers)
    [(status, _headers, body, after)] = refused.answers
    assert status == 503 and json.loads(body)["title"] == "Server busy"
    assert after < 1  # refused after its grace, not timed out
    holding.wait(holding.answers)  # the slot's holder is timed out in its turn
    assert [answer[0] for answer in holding.answers] == [408]
    for exchange in (holding, refused):
        exchange.close()


def test_a_body_that_arrives_is_answered_by_its_own_thread(slow_bodies_app: Flask) -> None:
    query = b"ASK { ?s ?p ?o }"
    exchange = Exchange(slow_bodies_app, declared=len(query), sent=query)
    exchange.wait(exchange.returned)
    assert exchange.answers == []
    assert b"true" in b"".join(exchange.returned[0])
    exchange.close()


def test_a_stand_in_whose_app_fails_still_answers_500_and_ends_the_connection() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if STANDING_IN in environ:
            raise RuntimeError("broken on purpose")
        helper = stand_in()
        assert helper is not None
        helper.answer(QueryTimeout(1.0))
        start_response("200 OK", [])
        return [b"late"]

    answers: list[tuple[int, dict[str, str], bytes]] = []

    def respond(status: int, headers: list[tuple[str, str]], chunks: Iterable[bytes]) -> None:
        answers.append((status, dict(headers), b"".join(chunks)))

    layer = AnswerInPlace(app)
    assert list(layer({ANSWER_EARLY: respond}, lambda *args: None)) == [b"late"]
    deadline = time.monotonic() + 5
    while not answers and time.monotonic() < deadline:
        time.sleep(0.01)
    [(status, headers, body)] = answers
    assert status == 500 and headers["Connection"] == "close"
    assert json.loads(body)["status"] == 500 and int(headers["Content-Length"]) == len(body)
