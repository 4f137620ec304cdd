"""A busy worker ends some of its connections; a retiring one all (web.spreading)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from d4sme_kg import retirement
from d4sme_kg.web.spreading import SHED_EVERY, SpreadConnections


class HeldApp:
    """A WSGI app whose requests wait until released: requests in flight at once."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ.get("hold"):
            self.release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Connection", "keep-alive")])
        return [b"ok"]


def answer_headers(layer: SpreadConnections, **environ: Any) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        found.extend(headers)

    layer(environ, start)
    return found


def closes(headers: list[tuple[str, str]]) -> bool:
    connection = [value for name, value in headers if name.lower() == "connection"]
    assert len(connection) == 1, headers  # never two Connection headers
    return connection == ["close"]


@pytest.fixture
def held() -> Iterator[tuple[SpreadConnections, HeldApp]]:
    app = HeldApp()
    layer = SpreadConnections(app, running=1)
    yield layer, app
    app.release.set()


def test_a_worker_with_threads_to_spare_keeps_its_connections(held: Any) -> None:
    layer, _app = held
    answers = [answer_headers(layer) for _ in range(3 * SHED_EVERY)]
    assert not any(closes(headers) for headers in answers)


def test_a_busy_worker_ends_one_connection_in_shed_every(held: Any) -> None:
    layer, app = held
    # One request holds the worker's one thread: every other request has to wait.
    holder = threading.Thread(target=answer_headers, args=(layer,), kwargs={"hold": True})
    holder.start()
    try:
        while layer.in_flight < 1:
            pass
        answers = [answer_headers(layer) for _ in range(3 * SHED_EVERY)]
    finally:
        app.release.set()
        holder.join()
    assert sum(closes(headers) for headers in answers) == 3
    assert layer.in_flight == 0


def test_a_retiring_worker_ends_every_connection(held: Any) -> None:
    layer, _app = held
    assert retirement.start_retiring()
    try:
        assert all(closes(answer_headers(layer)) for _ in range(5))
    finally:
        retirement._retiring.clear()  # this test process goes on serving tests
