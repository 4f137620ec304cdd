"""The remote store (issue 15, items 1-7) on real servers: the Oxigraph server and Virtuoso.

Each test names the defect it guards against. ``remote`` runs a test on each engine;
the tests that need a remote of their own (stopped, paused, limited) start one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pyoxigraph as ox
import pytest

from d4sme_kg.loading import KnowledgeGraph
from d4sme_kg.project import CONTENT_PARTS
from d4sme_kg.store import QueryRequest, StoreUnavailable
from d4sme_kg.store.remote import READY_SECONDS, RemoteBackend

from ..servers import Reply, ServerURL, d4sme_server, free_port, http, wait_until_ready
from .conftest import Remote, need_virtuoso
from .virtuoso import virtuoso_server

KG = "https://w3id.org/d4sme-kg/id/"
GRAPH = "https://w3id.org/d4sme-kg/graph/"


def triples(reply_body: bytes, fmt: ox.RdfFormat = ox.RdfFormat.N_TRIPLES) -> list[ox.Triple]:
    return [quad.triple for quad in ox.parse(reply_body, format=fmt)]


def sparql(base: str, text: str, accept: str = "application/sparql-results+json") -> Reply:
    return http("GET", f"{base}/sparql?{urlencode({'query': text})}", headers={"Accept": accept})


@contextmanager
def own_oxigraph(
    location: Path, port: int | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """An Oxigraph server of this test's own (to stop, pause or start again): its
    endpoint and process."""
    port = port or free_port()
    binary = str(Path(sys.executable).parent / "oxigraph")
    command = [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}/query"
    try:
        wait_until_ready(endpoint + "?query=ASK%7B%7D", 30)
        yield endpoint, process
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGCONT)
            process.terminate()
        process.wait(timeout=10)


# -- 1. Parameter bindings ----------------------------------------------------------------


def test_named_query_parameters_reach_the_remote(
    remote_server: ServerURL, memory_server: ServerURL
) -> None:
    path = "/queries/quotes-on-line?line=11&format=json"
    rows = http("GET", remote_server + path).json()["results"]["bindings"]
    expected = http("GET", memory_server + path).json()["results"]["bindings"]
    assert {row["line"]["value"] for row in rows} == {"11"}
    assert len(rows) == len(expected) < 20


def test_an_entity_is_described_alone(remote_server: ServerURL, kg: KnowledgeGraph) -> None:
    reply = http("GET", remote_server + "/id/kakao.nt")
    assert reply.status == 200, reply.text
    found = triples(reply.body)
    kakao = ox.NamedNode(KG + "kakao")
    assert all(kakao in (t.subject, t.object) or isinstance(t.subject, ox.BlankNode) for t in found)
    assert 10 < len(found) < len(kg.union()) / 10


def test_the_graph_store_returns_one_graph(remote_server: ServerURL, kg: KnowledgeGraph) -> None:
    reply = http(
        "GET",
        f"{remote_server}/store?graph={GRAPH}links",
        headers={"Accept": "application/n-triples"},
    )
    assert reply.status == 200, reply.text
    assert len(triples(reply.body)) == len(kg.parts["links"])


def test_parameter_values_are_escaped(remote_server: ServerURL, memory_server: ServerURL) -> None:
    # A value that would end the literal, and the query with it, if it were pasted.
    value = 'x" } } SELECT * WHERE { ?s ?p ?o } #\\\n카카오'
    path = f"/queries/search?{urlencode({'text': value, 'lang': 'en'})}&format=json"
    reply = http("GET", remote_server + path)
    assert reply.status == http("GET", memory_server + path).status == 200, reply.text
    assert reply.json()["results"]["bindings"] == []
    search = urlencode({"text": "카카오", "format": "json"})
    found = http("GET", f"{remote_server}/queries/search?{search}").json()
    assert KG + "kakao" in {row["entity"]["value"] for row in found["results"]["bindings"]}


# -- 2. Prefixes the local engine supplies, and unknown entities ------------------------


@pytest.mark.parametrize("path", ["/id/kakao", "/ontology", "/graph", "/graph/data"])
def test_pages_answer_through_the_remote(remote_server: ServerURL, path: str) -> None:
    reply = http("GET", remote_server + path, headers={"Accept": "text/html"})
    assert reply.status == 200, reply.text[:500]
    assert reply.media_type == "text/html"


def test_an_unknown_entity_is_not_found(remote_server: ServerURL) -> None:
    reply = http("GET", remote_server + "/id/no-such-entity", headers={"Accept": "text/turtle"})
    assert reply.status == 404, reply.text
    reply = http("GET", remote_server + "/id/no-such-entity", headers={"Accept": "text/html"})
    assert reply.status == 404


def test_a_query_may_use_the_service_prefixes(remote_server: ServerURL) -> None:
    reply = sparql(
        remote_server, "SELECT ?l WHERE { kg:kakao rdfs:label ?l FILTER(LANG(?l) = 'ko') }"
    )
    assert reply.status == 200, reply.text
    assert [r["l"]["value"] for r in reply.json()["results"]["bindings"]] == ["카카오"]


# -- 3. Counts ----------------------------------------------------------------------------


def test_health_counts_the_service_graphs(remote_server: ServerURL, kg: KnowledgeGraph) -> None:
    health = http("GET", remote_server + "/healthz").json()
    assert health["triples"] == sum(len(kg.parts[part]) for part in CONTENT_PARTS)
    assert health["namedGraphs"] == len(CONTENT_PARTS)
    assert all(kg.project.graph_iri(part) in health["counted"] for part in CONTENT_PARTS)
    assert health["countedAt"]


def test_a_query_without_a_dataset_sees_the_service_graphs_only(
    remote_server: ServerURL, memory_server: ServerURL, kg: KnowledgeGraph
) -> None:
    reply = sparql(remote_server, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    graphs = {row["g"]["value"] for row in reply.json()["results"]["bindings"]}
    assert graphs == {kg.project.graph_iri(part) for part in CONTENT_PARTS}
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert sparql(remote_server, count).json() == sparql(memory_server, count).json()


# -- 4. Answers cut by the remote -----------------------------------------------------------

#: More solutions than Virtuoso's default limit of 10,000 (the store has about 6,300
#: triples), fewer than the service's own limit.
TWICE_EVERY_TRIPLE = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } VALUES ?copy { 1 2 } }"
CONSTRUCT_TWICE = "CONSTRUCT { ?s ?p ?copy } WHERE { GRAPH ?g { ?s ?p ?o } VALUES ?copy { 1 2 } }"


def test_a_cut_answer_is_an_error(
    remote: Remote, remote_server: ServerURL, kg: KnowledgeGraph
) -> None:
    total = sum(len(kg.parts[part]) for part in CONTENT_PARTS)
    select = sparql(remote_server, TWICE_EVERY_TRIPLE, "text/tab-separated-values")
    construct = sparql(remote_server, CONSTRUCT_TWICE, "application/n-triples")
    if remote.engine == "virtuoso":  # ResultSetMaxRows = 10,000
        assert select.status == construct.status == 413, select.text
        assert "10000" in select.json()["detail"] and "LIMIT" in select.json()["detail"]
    else:  # no limit of its own: the whole answer
        assert select.status == construct.status == 200
        assert select.text.count("\n") == 2 * total + 1
    within = sparql(remote_server, TWICE_EVERY_TRIPLE + " LIMIT 9000", "text/tab-separated-values")
    assert within.status == 200 and within.text.count("\n") == 9001


def test_a_query_stopped_by_the_remote_time_limit_is_not_an_answer(kg: KnowledgeGraph) -> None:
    need_virtuoso()
    with virtuoso_server(max_seconds=1) as server:
        server.load(
            ox.serialize(
                [
                    ox.Triple(*(ox.NamedNode(f"{KG}n{i}-{k}") for k in range(3)))
                    for i in range(2000)
                ],
                format=ox.RdfFormat.N_TRIPLES,
            )
            or b"",
            kg.project.graph_iri("data"),
        )
        with d4sme_server(["--store", f"sparql+{server.endpoint}", "--workers", "1"]) as base:
            heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?x ?y ?z }"
            reply = sparql(base, heavy)
            assert reply.status == 503, reply.text
            assert "own time limit" in reply.json()["detail"]


# -- 5. Start ------------------------------------------------------------------------------


class _Recorder(ThreadingHTTPServer):
    """A forwarding proxy to a real SPARQL server that keeps the queries it passed on."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.queries: list[str] = []
        super().__init__(("127.0.0.1", 0), _Forward)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/query"


class _Forward(BaseHTTPRequestHandler):
    server: _Recorder

    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.queries += parse_qs(body.decode("utf-8")).get("query", [])
        request = urllib.request.Request(
            self.server.target, data=body, method="POST", headers=dict(self.headers)
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            data = answer.read()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.headers["Content-Type"])
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return None


@contextmanager
def recorder(target: str) -> Iterator[_Recorder]:
    proxy = _Recorder(target)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_start_asks_the_remote_one_trivial_question(oxigraph_remote: Remote) -> None:
    with recorder(oxigraph_remote.endpoint) as proxy:
        command = [sys.executable, "-m", "d4sme_kg", "serve", "--port", "0", "--workers", "1"]
        process = subprocess.Popen(
            [*command, "--store", f"sparql+{proxy.url}"],
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(process.stderr or []), daemon=True)
        reader.start()
        try:
            deadline = time.monotonic() + 60
            while not any("serving" in line for line in lines) and time.monotonic() < deadline:
                time.sleep(0.05)
            started = list(proxy.queries)  # everything asked before the server was ready
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
            reader.join(timeout=10)
            if process.stderr is not None:
                process.stderr.close()
    assert any("serving" in line for line in lines), lines
    assert started and all(q.rstrip().endswith("ASK {}") for q in started), started


def serve_once(store: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``d4sme-kg serve`` on ``store`` until it stops by itself (it must, with an error)."""
    return subprocess.run(
        [sys.executable, "-m", "d4sme_kg", "serve", "--port", "0", "--store", store, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_unreachable_remote_is_a_one_line_error() -> None:
    done = serve_once(f"sparql+http://127.0.0.1:{free_port()}/query")
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "cannot be reached" in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1


def test_a_remote_that_does_not_answer_is_a_one_line_error(tmp_path: Path) -> None:
    with own_oxigraph(tmp_path / "store") as (endpoint, process):
        os.kill(process.pid, signal.SIGSTOP)  # listening, never answering
        done = serve_once(f"sparql+{endpoint}", "--timeout", "2")
        os.kill(process.pid, signal.SIGCONT)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and "did not answer within" in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1


# -- 6. Readiness ---------------------------------------------------------------------------


def test_readiness_follows_the_remote(tmp_path: Path) -> None:
    port = free_port()
    with (
        own_oxigraph(tmp_path / "store", port) as (endpoint, process),
        d4sme_server(["--store", f"sparql+{endpoint}", "--workers", "1"]) as base,
    ):
        assert http("GET", base + "/healthz").status == 200
        process.terminate()
        process.wait(timeout=10)
        health = _health_once(base, 503, READY_SECONDS + 5)
        assert health["live"] is True and health["ready"] is False
        assert sparql(base, "ASK { ?s ?p ?o }").status == 503
        with own_oxigraph(tmp_path / "store", port):
            assert _health_once(base, 200, READY_SECONDS + 5)["ready"] is True


def _health_once(base: str, status: int, seconds: float) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + seconds
    while True:
        reply = http("GET", base + "/healthz")
        if reply.status == status or time.monotonic() > deadline:
            assert reply.status == status, reply.text
            return reply.json()
        time.sleep(0.2)


# -- 7. The remote's error messages ------------------------------------------------------


def test_remote_errors_are_decoded(remote: Remote, remote_server: ServerURL) -> None:
    reply = sparql(remote_server, "SELECT * WHERE { ?s 카카오:이름 ?o }")
    assert reply.status == 400, reply.text
    detail = reply.json()["detail"]
    assert "\\x" not in detail and "b'" not in detail and "\n" not in detail
    if remote.engine == "virtuoso":  # Virtuoso repeats the part of the query it stopped at
        assert "Undefined namespace prefix" in detail and "카카오" in detail


def test_an_unreachable_remote_store_is_a_clear_error() -> None:
    backend = RemoteBackend(f"http://127.0.0.1:{free_port()}/query", [GRAPH + "data"], timeout=2)
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        backend.query(QueryRequest.for_text("ASK { ?s ?p ?o }"))
    assert backend.ready() is False


def test_queries_are_forwarded_in_every_format(remote_server: ServerURL) -> None:
    text = f"SELECT ?l WHERE {{ GRAPH ?g {{ <{KG}kakao> rdfs:label ?l }} }} ORDER BY ?l"
    reply = sparql(remote_server, text, "text/csv")
    assert reply.status == 200, reply.text
    assert reply.text.split("\r\n")[:3] == ["l", "Kakao", "카카오"]
    construct = f"CONSTRUCT {{ <{KG}kakao> ?p ?o }} WHERE {{ <{KG}kakao> ?p ?o }}"
    reply = sparql(remote_server, construct, "text/turtle")
    assert reply.status == 200 and len(triples(reply.body, ox.RdfFormat.TURTLE)) >= 5
    assert sparql(remote_server, "SELECT * WHERE {").status == 400
    ask = sparql(remote_server, f"ASK {{ <{KG}kakao> ?p ?o }}")
    assert ask.json()["boolean"] is True
    assert sparql(remote_server, f"ASK {{ <{KG}nobody> ?p ?o }}").json()["boolean"] is False
