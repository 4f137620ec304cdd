"""The SPARQL client against real tiny local servers: 429 then 200, Retry-After, cache."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from d4sme_kg.errors import QueryError
from d4sme_kg.linking import terms
from d4sme_kg.linking.client import USER_AGENT, EndpointError, SparqlClient, retry_after

ANSWER = {
    "head": {"vars": ["x"]},
    "results": {"bindings": [{"x": {"type": "literal", "value": "ok"}}]},
}


@contextmanager
def flaky_server(
    failures: int, status: int = 429, retry: str | None = "1"
) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A real HTTP server: ``failures`` answers of ``status``, then SPARQL JSON results."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen.append(
                {"time": str(time.monotonic()), "agent": self.headers.get("User-Agent", "")}
            )
            if len(seen) <= failures:
                self.send_response(status)
                if retry is not None:
                    self.send_header("Retry-After", retry)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = json.dumps(ANSWER).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_429_then_200_honours_retry_after(tmp_path: Path) -> None:
    with flaky_server(1, 429, "1") as (url, seen):
        client = SparqlClient(url, tmp_path, timeout=5, retries=2, backoff=0.01)
        rows = client.select("SELECT ?x WHERE {}")
    assert rows[0]["x"]["value"] == "ok"
    assert len(seen) == 2
    assert float(seen[1]["time"]) - float(seen[0]["time"]) >= 0.95  # waited Retry-After
    assert seen[0]["agent"] == USER_AGENT


def test_503_without_retry_after_backs_off() -> None:
    waits: list[float] = []
    with flaky_server(2, 503, None) as (url, seen):
        client = SparqlClient(url, None, timeout=5, retries=3, backoff=0.05, sleep=waits.append)
        client.select("SELECT ?x WHERE {}")
    assert waits == [0.05, 0.1] and len(seen) == 3


def test_gives_up_after_the_retries() -> None:
    with flaky_server(10, 429, "0") as (url, _seen):
        client = SparqlClient(url, None, timeout=5, retries=1, sleep=lambda _s: None)
        with pytest.raises(EndpointError, match="after 1 retries"):
            client.select("SELECT ?x WHERE {}")


def test_cache_answers_the_second_time(tmp_path: Path) -> None:
    with flaky_server(0) as (url, seen):
        client = SparqlClient(url, tmp_path)
        client.select("SELECT ?x WHERE {}")
        client.select("SELECT ?x WHERE {}")
    assert len(seen) == 1 and client.cache_hits == 1


def test_retry_after_forms() -> None:
    assert retry_after("7") == 7.0
    assert retry_after(None) is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_terms_escape_and_refuse() -> None:
    assert terms.literal('a"b\\c\nd', "en") == '"a\\"b\\\\c\\nd"@en'
    assert terms.literal("x\x01") == '"x\\u0001"'
    with pytest.raises(QueryError):
        terms.iri("http://x/> } ; DROP ALL #")
    with pytest.raises(QueryError):
        terms.literal("x", "en } UNION {")
    text = terms.fill("SELECT * { VALUES ?n { } }", {"n": [terms.literal("파리", "ko")]})
    assert text == 'SELECT * { VALUES ?n { "파리"@ko } }'
    with pytest.raises(QueryError):
        terms.fill("SELECT * {}", {"n": []})
