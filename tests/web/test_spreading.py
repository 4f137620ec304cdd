"""A worker busier than another ends some of its connections; a retiring one all
(web.spreading)."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from d4sme_kg import retirement
from d4sme_kg.web.spreading import _SLOT, SHED_EVERY, SpreadConnections, WorkerLoads


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
def peer() -> Iterator[subprocess.Popen[bytes]]:
    """Another live process, posted in the table as a second worker."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


@pytest.fixture
def held() -> Iterator[tuple[SpreadConnections, HeldApp]]:
    app = HeldApp()
    layer = SpreadConnections(app, running=1, loads=WorkerLoads())
    yield layer, app
    app.release.set()


def post_peer(loads: WorkerLoads, pid: int, requests: int) -> None:
    _SLOT.pack_into(loads._table, _SLOT.size * 10, pid, requests)


def busy_answers(layer: SpreadConnections, app: HeldApp, count: int) -> list[bool]:
    """Whether each of ``count`` answers ends its connection, while two requests are held
    (the worker runs one at a time: the others wait)."""
    holders = [
        threading.Thread(target=answer_headers, args=(layer,), kwargs={"hold": True})
        for _ in range(2)
    ]
    for holder in holders:
        holder.start()
    try:
        while layer.in_flight < 2:
            pass
        return [closes(answer_headers(layer)) for _ in range(count)]
    finally:
        app.release.set()
        for holder in holders:
            holder.join()


def test_a_worker_with_threads_to_spare_keeps_its_connections(held: Any, peer: Any) -> None:
    layer, _app = held
    post_peer(layer.loads, peer.pid, 0)
    answers = [answer_headers(layer) for _ in range(3 * SHED_EVERY)]
    assert not any(closes(headers) for headers in answers)


def test_a_busy_worker_sheds_to_an_idle_one(held: Any, peer: Any) -> None:
    layer, app = held
    post_peer(layer.loads, peer.pid, 0)
    assert sum(busy_answers(layer, app, 3 * SHED_EVERY)) == 3
    assert layer.in_flight == 0


def test_evenly_busy_workers_keep_their_connections(held: Any, peer: Any) -> None:
    layer, app = held
    post_peer(layer.loads, peer.pid, 3)  # as busy as this one
    assert not any(busy_answers(layer, app, 3 * SHED_EVERY))


def test_a_busy_worker_alone_keeps_its_connections(held: Any, peer: Any) -> None:
    layer, app = held
    post_peer(layer.loads, peer.pid, 0)
    peer.kill()
    peer.wait()  # an ended worker's slot is not an idle worker
    assert not any(busy_answers(layer, app, 3 * SHED_EVERY))


def test_a_retiring_worker_ends_every_connection(held: Any) -> None:
    layer, _app = held
    assert retirement.start_retiring()
    try:
        assert all(closes(answer_headers(layer)) for _ in range(5))
    finally:
        retirement._retiring.clear()  # this test process goes on serving tests


def test_a_retiring_worker_is_not_one_to_shed_to(held: Any, peer: Any) -> None:
    layer, app = held
    post_peer(layer.loads, peer.pid, -1)  # what a retiring worker posts
    assert not any(busy_answers(layer, app, 3 * SHED_EVERY))


def test_a_busy_worker_sheds_to_an_idle_one_while_another_retires(held: Any, peer: Any) -> None:
    layer, app = held
    post_peer(layer.loads, peer.pid, -1)
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _SLOT.pack_into(layer.loads._table, _SLOT.size * 11, idle.pid, 0)
        assert sum(busy_answers(layer, app, 3 * SHED_EVERY)) == 3
    finally:
        idle.kill()
        idle.wait()
