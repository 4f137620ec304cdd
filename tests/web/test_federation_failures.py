"""An allowed SERVICE endpoint that fails: 502 Bad Gateway, an RFC 9457 problem that names
it, and never the client's fault (400) or ours (500).

Our server is allowed two endpoints: a loopback port where nothing listens, and a real
Oxigraph server asked at a path that is not its SPARQL endpoint (it answers 404).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from ..servers import Reply, d4sme_server, free_port, http, oxigraph_server


@pytest.fixture(scope="module")
def not_an_endpoint() -> Iterator[str]:
    with oxigraph_server() as remote:
        yield f"{remote}/no-such-path"


@pytest.fixture(scope="module")
def refused() -> str:
    return f"http://127.0.0.1:{free_port()}/sparql"


@pytest.fixture(scope="module")
def federating(refused: str, not_an_endpoint: str) -> Iterator[str]:
    args = ["--federate", refused, "--federate", not_an_endpoint, "--workers", "1"]
    with d4sme_server([*args, "--timeout", "5"]) as base:
        yield base


def ask(server: str, text: str, method: str) -> Reply:
    if method == "GET":
        return http("GET", f"{server}/sparql?{urlencode({'query': text})}", timeout=30)
    headers = {"Content-Type": "application/sparql-query"}
    return http("POST", f"{server}/sparql", text, headers, timeout=30)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("which", ["refused", "not_an_endpoint"])
def test_a_failing_service_endpoint_is_a_bad_gateway(
    federating: str, request: pytest.FixtureRequest, which: str, method: str
) -> None:
    endpoint = request.getfixturevalue(which)
    reply = ask(federating, f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}", method)
    assert reply.status == 502, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    problem = reply.json()
    assert problem["status"] == 502 and problem["type"].endswith("/service"), problem
    assert problem["detail"].startswith(f"a SERVICE endpoint failed (<{endpoint}>): "), problem
    # An error is never offered for reuse.
    assert "etag" not in reply.headers


def test_silent_skips_the_failing_endpoint(federating: str, refused: str) -> None:
    text = f"SELECT * WHERE {{ SERVICE SILENT <{refused}> {{ ?s ?p ?o }} }}"
    reply = ask(federating, text, "POST")
    assert reply.status == 200, reply.text
    assert reply.json()["results"]["bindings"] == [{}]


def test_the_server_answers_on_after_the_failures(federating: str, refused: str) -> None:
    text = f"ASK {{ SERVICE <{refused}> {{ ?s ?p ?o }} }}"
    for _ in range(3):
        assert ask(federating, text, "POST").status == 502
    assert ask(federating, "ASK { ?s ?p ?o }", "GET").status == 200
