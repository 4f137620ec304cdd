"""Never down, never half-written: deep nesting, stalled and cut-short bodies, races."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import quote, urlencode, urlsplit

import pytest

from ..servers import d4sme_server, http
from ..test_sparql import NESTINGS
from .conftest import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}
MEDIA_TYPES = {"/sparql": "application/sparql-query", "/update": "application/sparql-update"}
LABELS = (
    "PREFIX kg: <https://w3id.org/d4sme-kg/id/> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    'SELECT ?l { kg:kakao rdfs:label ?l FILTER(LANG(?l) = "en") }'
)


@pytest.fixture(scope="module", params=["read-only", "writes"])
def mode_server(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    env = {"D4SME_KG_UPDATE_TOKEN": TOKEN} if request.param == "writes" else {}
    with d4sme_server(["--workers", "2", "--no-validate"], env=env) as base:
        yield request.param, base


def raw(base: str, data: bytes, read_for: float = 10.0, close_writing: bool = False) -> bytes:
    """Send ``data`` as it is on a new connection; what comes back until it closes.

    A server may answer and close before it has read everything (a URL past its bound):
    sending then fails, and what it answered is read all the same.
    """
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=read_for) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
            if close_writing:
                sock.shutdown(socket.SHUT_WR)
        answer = b""
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            while chunk := sock.recv(65536):
                answer += chunk
        return answer


def get_status(base: str, path: str) -> int:
    """The status of a GET of ``path``, however long (sent raw: see raw)."""
    answer = raw(base, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 "), answer[:100]
    return int(answer.split(b" ", 2)[1])


def test_queries_nested_past_the_limit_are_refused_and_the_server_stays_up(
    mode_server: tuple[str, str],
) -> None:
    mode, base = mode_server
    for name, build in NESTINGS.items():
        for depth in (1_000, 10_000, 50_000):
            text = build(depth)
            target = "/update" if name == "update" else "/sparql"
            if target == "/update" and mode == "read-only":
                continue
            for _ in range(2):  # twice in a row: a crashed worker's replacement too
                headers = {"Content-Type": MEDIA_TYPES[target], **AUTH}
                reply = http("POST", base + target, text, headers)
                # 400 nested too deeply; 413 past the query length.
                assert reply.status in (400, 413), (name, depth, reply.status)
                if reply.status == 400:
                    assert "nested too deeply" in reply.json()["detail"], reply.text
                if target == "/sparql":
                    # The same, or 414 or 431 past the length of a URL.
                    status = get_status(base, f"/sparql?query={quote(text)}")
                    assert status in (400, 413, 414, 431), (name, depth, status)
    assert http("GET", f"{base}/healthz").status == 200
    answer = http("GET", f"{base}/sparql?query={quote('ASK { ?s ?p ?o }')}")
    assert answer.status == 200 and answer.json()["boolean"] is True


@pytest.mark.parametrize("mode", ["read-only", "writes"])
def test_a_query_that_ends_its_evaluator_never_ends_the_server(mode: str) -> None:
    # The nesting limit raised past what the engine's stack survives: what the limit
    # guards against happens, and the server must outlive it (granian exited for good
    # on a second worker crash within 5.5 s).
    env = {"D4SME_KG_MAX_NESTING": "1000000"}
    if mode == "writes":
        env["D4SME_KG_UPDATE_TOKEN"] = TOKEN
    crash = NESTINGS["STR()"](12_000)
    # One worker: each crash is that worker's, so the second falls within granian's
    # crash-loop window (two workers may take turns and never meet it).
    with d4sme_server(["--workers", "1", "--no-validate"], env=env) as base:
        for _ in range(3):
            try:
                reply = http(
                    "POST",
                    f"{base}/sparql",
                    crash,
                    {"Content-Type": "application/sparql-query", "Accept": "application/json"},
                )
            except (ConnectionError, OSError):
                assert mode == "read-only"  # the worker itself died: no answer to give
            else:
                assert reply.status == 500 and reply.json()["type"].endswith("/crashed")
                assert "restarted" in reply.json()["detail"]
        deadline = time.monotonic() + 15
        while True:
            try:
                reply = http("GET", f"{base}/sparql?query={quote('ASK {}')}", timeout=5)
                if reply.status == 200:
                    break
            except (ConnectionError, OSError):
                pass
            assert time.monotonic() < deadline, "the server did not come back"
            time.sleep(0.2)
        assert http("GET", f"{base}/healthz").status == 200


def test_stalled_and_slow_bodies_neither_hang_nor_starve_the_server() -> None:
    env = {"D4SME_KG_BODY_SECONDS": "2"}
    with d4sme_server(["--workers", "2", "--no-validate"], env=env) as base:
        parts = urlsplit(base)
        address = (parts.hostname, parts.port)
        head = (
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 1000000\r\n\r\nSELECT"
        )
        stalled = []
        for _ in range(8):
            sock = socket.create_connection(address, timeout=30)
            sock.sendall(head)
            stalled.append(sock)
        stop = threading.Event()

        def slow_body() -> None:  # 10 bytes a second
            with socket.create_connection(address, timeout=30) as sock:
                try:
                    sock.sendall(head)
                    while not stop.is_set():
                        sock.sendall(b" " * 10)
                        time.sleep(1)
                except OSError:
                    return  # refused or cut: what the server may do

        slow = [threading.Thread(target=slow_body, daemon=True) for _ in range(50)]
        for thread in slow:
            thread.start()
        timings = []
        for index in range(100):
            started = time.monotonic()
            path = "/healthz" if index % 2 else f"/sparql?query={quote('ASK { ?s ?p ?o }')}"
            try:
                ok = http("GET", base + path, timeout=1).status == 200
            except OSError:
                ok = False
            timings.append(ok and time.monotonic() - started < 1.0)
            time.sleep(0.1)
        stop.set()
        assert sum(timings) >= 0.99 * len(timings), timings
        for sock in stalled:
            answer = b""
            while chunk := sock.recv(65536):  # the server closes: recv ends
                answer += chunk
            status = answer.split(b"\r\n", 1)[0]
            assert status in (b"HTTP/1.1 408 Request Timeout", b"HTTP/1.1 503 Service Unavailable")
            assert b"connection: close" in answer.lower()
            sock.close()


def test_a_body_in_parts_is_answered_while_every_slot_is_held() -> None:
    # One body slot, held by a stalled upload. Bodies that arrive at network speed (in
    # four parts 30 ms apart, as over a slow link) need no slot: none of them is refused
    # as busy. Before, any body not in within 50 ms needed a slot: all of these got 503.
    env = {"D4SME_KG_BODY_SLOTS": "1", "D4SME_KG_BODY_SECONDS": "5"}
    with d4sme_server(["--workers", "1", "--no-validate"], env=env) as base:
        parts = urlsplit(base)
        address = (parts.hostname, parts.port)
        stalled = socket.create_connection(address, timeout=30)
        stalled.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 1000\r\n\r\nASK"
        )
        time.sleep(0.5)  # its reader has blocked: it holds the slot
        query = b"ASK { ?s ?p ?o }"
        statuses: list[bytes] = []

        def in_parts() -> None:
            with socket.create_connection(address, timeout=30) as sock:
                sock.sendall(
                    b"POST /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    b"Content-Type: application/sparql-query\r\n"
                    + f"Content-Length: {len(query)}\r\n\r\n".encode()
                    + query[:4]
                )
                for start in range(4, len(query), 4):
                    time.sleep(0.03)
                    sock.sendall(query[start : start + 4])
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
                statuses.append(answer.split(b"\r\n", 1)[0])

        clients = [threading.Thread(target=in_parts) for _ in range(8)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=30)
        assert statuses == [b"HTTP/1.1 200 OK"] * 8
        stalled.close()


@pytest.fixture(scope="module")
def writable() -> Iterator[str]:
    with d4sme_server(["--workers", "2"], env={"D4SME_KG_UPDATE_TOKEN": TOKEN}) as base:
        yield base


def english_labels(base: str) -> list[str]:
    reply = http("GET", f"{base}/sparql?{urlencode({'query': LABELS})}")
    assert reply.status == 200, reply.text
    return [row["l"]["value"] for row in reply.json()["results"]["bindings"]]


def test_a_body_cut_short_is_refused_and_nothing_of_it_applied(writable: str) -> None:
    # Cut where the part that arrived is a whole update on its own (and one the shapes
    # accept): the first INSERT would be committed and the second lost.
    update = (
        b'INSERT DATA { <urn:cut> <urn:p> "first" } ; INSERT DATA { <urn:cut> <urn:p> "second" }'
    )
    sent = update[: update.index(b";") + 1]
    head = (
        f"POST /update HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-update\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Length: {len(update)}\r\n\r\n"
    ).encode()
    answer = raw(writable, head + sent, close_writing=True)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"ended after" in answer
    reply = http("GET", f"{writable}/sparql?query={quote('ASK { <urn:cut> ?p ?o }')}")
    assert reply.json()["boolean"] is False
    # A graph replaced by a PUT cut short stays as it was.
    graph = f"{writable}/store?graph=urn:cut"
    triples = "".join(f"<urn:s{i}> <urn:p> <urn:o{i}> .\n" for i in range(100))
    headers = {"Content-Type": "application/n-triples", **AUTH}
    assert http("PUT", graph, triples, headers).status == 201
    cut = triples.encode()[:640]
    head = (
        f"PUT /store?graph=urn:cut HTTP/1.1\r\nHost: x\r\nContent-Type: application/n-triples\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Length: {len(triples)}\r\n\r\n"
    ).encode()
    assert raw(writable, head + cut, close_writing=True).startswith(b"HTTP/1.1 400")
    reply = http("GET", graph, headers={"Accept": "application/n-triples"})
    assert reply.status == 200 and reply.text.count("\n") == 100
    assert http("DELETE", graph, headers=AUTH).status == 200


def test_concurrent_conflicting_writes_leave_the_data_conforming(writable: str) -> None:
    # Each write alone conforms (it replaces the one English label); two of them
    # validated against the same data and committed one after the other would leave two.
    def replace_label(name: str, outcomes: list[int]) -> None:
        text = (
            "PREFIX kg: <https://w3id.org/d4sme-kg/id/> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "DELETE { GRAPH ?g { kg:kakao rdfs:label ?l } } "
            f'INSERT {{ GRAPH ?g {{ kg:kakao rdfs:label "{name}"@en }} }} '
            'WHERE { GRAPH ?g { kg:kakao rdfs:label ?l FILTER(LANG(?l) = "en") } }'
        )
        headers = {"Content-Type": "application/sparql-update", **AUTH}
        outcomes.append(http("POST", f"{writable}/update", text, headers).status)

    original = english_labels(writable)
    for round_ in range(5):
        outcomes: list[int] = []
        writers = [
            threading.Thread(target=replace_label, args=(f"Kakao {round_}.{i}", outcomes))
            for i in range(4)
        ]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        assert outcomes == [200] * len(writers)
        labels = english_labels(writable)
        assert len(labels) == 1 and labels[0].startswith(f"Kakao {round_}."), labels
    replace_label(original[0], [])
    assert english_labels(writable) == original


@pytest.mark.parametrize("token", ["12345", "1.5", "true", "[1]", "0", "false", "null"])
def test_update_tokens_are_text_whatever_they_look_like(
    token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from d4sme_kg.web import create_app

    monkeypatch.setenv("D4SME_KG_UPDATE_TOKEN", token)
    app = create_app({"WORKERS": 1, "VALIDATE": False})
    try:
        client = app.test_client()
        text = 'INSERT DATA { <urn:token-test> <urn:p> "x" }'
        headers = {"Content-Type": "application/sparql-update"}
        reply = client.post("/update", data=text, headers={**headers, "Authorization": "Bearer x"})
        assert reply.status_code == 401
        reply = client.post(
            "/update", data=text, headers={**headers, "Authorization": f"Bearer {token}"}
        )
        # Reaches the shapes (the triple breaks none; a 500 was the bug).
        assert reply.status_code == 200, reply.get_data(as_text=True)
    finally:
        app.extensions["d4sme_kg"].backend.close()


def test_an_empty_update_token_is_refused_at_start() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "d4sme_kg", "serve", "--port", "0", "--no-validate"],
        env={**__import__("os").environ, "D4SME_KG_UPDATE_TOKEN": " "},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "D4SME_KG_UPDATE_TOKEN is set but empty" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "path",
    [
        "/sparql?query=" + quote("BASE <http://a/> BASE <http://[> SELECT * {}"),
        "/sparql?query=" + quote("ASK {}") + "&default-graph-uri=" + quote('<>"'),
        "/sparql?query=" + quote("ASK {}") + "&named-graph-uri=" + quote("a{b"),
        "/sparql?query=" + quote("ASK {}") + "&default-graph-uri=" + quote("\r\nx"),
    ],
)
def test_malformed_iris_in_a_request_are_400(server: str, path: str) -> None:
    reply = http("GET", server + path, headers={"Accept": "application/json"})
    assert reply.status == 400, reply.text
    assert json.loads(reply.body)["detail"]


def test_an_update_that_runs_past_the_time_limit_is_stopped_and_frees_the_writes() -> None:
    # An update is a query over the whole store too; it ran unbounded in the web process
    # and held the write lock, so every later write (and thread) waited behind it.
    env = {"D4SME_KG_UPDATE_TOKEN": TOKEN}
    with d4sme_server(["--workers", "2", "--timeout", "2", "--no-validate"], env=env) as base:
        headers = {"Content-Type": "application/sparql-update", **AUTH}
        runaway = (
            "INSERT { <urn:r> <urn:p> ?n } WHERE { SELECT (COUNT(*) AS ?n) "
            "{ GRAPH ?w { ?a ?b ?c } GRAPH ?x { ?d ?e ?f } GRAPH ?y { ?g ?h ?i } } }"
        )
        started = time.monotonic()
        reply = http("POST", f"{base}/update", runaway, headers, timeout=30)
        assert reply.status == 503 and reply.json()["type"].endswith("/timeout")
        assert time.monotonic() - started < 10
        reply = http("POST", f"{base}/update", 'INSERT DATA { <urn:t> <urn:p> "x" }', headers)
        assert reply.status == 200, reply.text


def test_optional_argument_calls_nested_deep_are_refused_before_the_engine_holds_the_gil() -> None:
    # SUBSTR(?s, (SUBSTR(?s, (… twenty deep: pyoxigraph's parser took seconds, doubling
    # with each level, holding the GIL, so a read-only worker could neither answer nor
    # stop; now 400 at once, and the server goes on answering.
    text = "SELECT (" + "SUBSTR(?s, (" * 24 + "1" + " AS ?x) {}"
    with d4sme_server(["--workers", "1", "--timeout", "2", "--no-validate"]) as base:
        started = time.monotonic()
        reply = http("POST", base + "/sparql", text, {"Content-Type": MEDIA_TYPES["/sparql"]})
        assert reply.status == 400, reply.text
        assert "SUBSTR, REGEX and REPLACE are nested more than" in reply.json()["detail"]
        assert time.monotonic() - started < 5
        assert http("GET", f"{base}/sparql?{urlencode({'query': 'ASK {}'})}").status == 200
