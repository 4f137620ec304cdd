"""At most ``running`` requests run the app at once in a worker (web.bodies.BodiesFirst)."""

from __future__ import annotations

import io
import threading
import time
from typing import Any

import pytest
from werkzeug.wsgi import get_content_length

from d4sme_kg.web.bodies import BodiesFirst, BodyReader, _declared_length


def a_get() -> dict[str, Any]:
    return {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "wsgi.input": io.BytesIO()}


def test_a_request_past_the_bound_waits_for_a_running_one_to_end() -> None:
    inside: list[str] = []
    let_go = threading.Event()

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        inside.append(threading.current_thread().name)
        let_go.wait(10)
        start_response("200 OK", [])
        return [b""]

    bodies = BodiesFirst(app, BodyReader(1000), running=2)
    requests = [
        threading.Thread(target=bodies, args=(a_get(), lambda *_: None), name=f"r{n}")
        for n in range(3)
    ]
    for request in requests:
        request.start()
    deadline = time.monotonic() + 10
    while len(inside) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # the third would be in by now, were it let in
    assert len(inside) == 2
    let_go.set()
    for request in requests:
        request.join(10)
    assert sorted(inside) == ["r0", "r1", "r2"]


def test_the_bound_holds_request_after_request() -> None:
    """Each request gives its place back once: many in a row never exceed the bound,
    and never wait for a place that was not given back."""
    at_once = [0]
    most = [0]
    lock = threading.Lock()

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with lock:
            at_once[0] += 1
            most[0] = max(most[0], at_once[0])
        time.sleep(0.001)
        with lock:
            at_once[0] -= 1
        start_response("200 OK", [])
        return [b""]

    bodies = BodiesFirst(app, BodyReader(1000), running=2)

    def many() -> None:
        for _ in range(50):
            bodies(a_get(), lambda *_: None)

    threads = [threading.Thread(target=many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    assert most[0] == 2


@pytest.mark.parametrize("encoding", ["", "chunked", "gzip, Chunked"])
@pytest.mark.parametrize(
    "declared", [None, "0", "12", "0012", "-3", "1e3", "", " 7", "7 ", "+5", "²", "9" * 25]
)
def test_a_declared_length_is_read_as_werkzeug_reads_it(
    declared: str | None, encoding: str
) -> None:
    environ: dict[str, Any] = {"HTTP_TRANSFER_ENCODING": encoding} if encoding else {}
    if declared is not None:
        environ["CONTENT_LENGTH"] = declared
    chunked = "chunked" in encoding.lower()
    assert _declared_length(environ, chunked) == get_content_length(environ)
