"""SERVICE reaches only allow-listed endpoints, wherever in the query it stands.

Our server federates with one real endpoint (Oxigraph's server, --federate); a second
endpoint, a loopback listener that records whatever reaches it, is not on the list.
Every query names both, the other one in each place a query can hold a SERVICE: the
refusal must come before evaluation, and the listener must never be called. Checking
only the first SERVICE of a query is the mistake these catch.
"""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from ..servers import Reply, d4sme_server, http, oxigraph_server

ALLOWED_LABEL = "from the allowed endpoint"


class Probe(socketserver.ThreadingTCPServer):
    """A loopback TCP server that records every connection and request, answering none."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Record)
        self.port = int(self.server_address[1])
        self.base = f"http://127.0.0.1:{self.port}/"
        self.url = self.base + "sparql"
        self.seen: list[str] = []
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


class _Record(socketserver.BaseRequestHandler):
    server: Probe

    def handle(self) -> None:
        # The connection is recorded before anything is read: one that sends nothing
        # has reached outside all the same.
        self.server.seen.append(f"connection from {self.client_address}")
        self.request.settimeout(2)
        try:
            head = self.request.recv(4096)
        except OSError:
            return
        if head:
            self.server.seen.append(head.split(b"\r\n", 1)[0].decode("latin-1"))


@pytest.fixture(scope="module")
def allowed() -> Iterator[str]:
    """The query URL of a real SPARQL endpoint holding one labelled resource."""
    with oxigraph_server() as remote:
        loaded = http(
            "POST",
            f"{remote}/store?default",
            "<urn:x-allowed:thing> <http://www.w3.org/2000/01/rdf-schema#label> "
            f'"{ALLOWED_LABEL}" .\n',
            {"Content-Type": "application/n-triples"},
        )
        assert loaded.status in (200, 201, 204), loaded.text
        yield f"{remote}/query"


@pytest.fixture(scope="module")
def federating(allowed: str) -> Iterator[str]:
    """Our server, allowed to call that endpoint and no other."""
    with d4sme_server(["--federate", allowed, "--workers", "1", "--timeout", "5"]) as base:
        yield base


@pytest.fixture
def probe() -> Iterator[Probe]:
    listening = Probe()
    yield listening
    listening.stop()


def ask(server: str, text: str) -> Reply:
    return http("GET", f"{server}/sparql?{urlencode({'query': text})}", timeout=60)


# Each query names the allowed endpoint (ALLOWED) and the probe (FAR, written as NAMES
# says), with patterns that match the allowed endpoint's data, so that evaluation
# would reach every part of it.
A = "SERVICE <ALLOWED> { ?s ?p ?o }"
L = "SERVICE FAR { ?s ?q ?x }"
POSITIONS = {
    "after": f"SELECT * WHERE {{ {A} {L} }}",
    "before": f"SELECT * WHERE {{ {L} {A} }}",
    "inside OPTIONAL": f"SELECT * WHERE {{ {A} OPTIONAL {{ {L} }} }}",
    "inside a sub-query": f"SELECT * WHERE {{ {A} {{ SELECT ?s ?x WHERE {{ {L} }} }} }}",
    "inside EXISTS": f"SELECT * WHERE {{ {A} FILTER EXISTS {{ {L} }} }}",
    "inside NOT EXISTS": f"SELECT * WHERE {{ {A} FILTER NOT EXISTS {{ {L} }} }}",
    "inside MINUS": f"SELECT * WHERE {{ {A} MINUS {{ {L} }} }}",
    "inside UNION": f"SELECT * WHERE {{ {{ {A} }} UNION {{ {L} }} }}",
    "inside GRAPH": f"SELECT * WHERE {{ {A} GRAPH ?g {{ {L} }} }}",
    "inside the allowed SERVICE": f"SELECT * WHERE {{ SERVICE <ALLOWED> {{ ?s ?p ?o {L} }} }}",
    "SILENT": f"SELECT * WHERE {{ {A} SERVICE SILENT FAR {{ ?s ?q ?x }} }}",
    "in lower case": f"select * where {{ {A} service FAR {{ ?s ?q ?x }} }}",
    "in an ASK": f"ASK {{ {A} {L} }}",
    "in a CONSTRUCT": f"CONSTRUCT {{ ?s ?q ?x }} WHERE {{ {A} {L} }}",
}
# How a query may name the probe: (prologue, name); PROBE stands for its base IRI.
NAMES = {
    "by its IRI": ("", "<PROBEsparql>"),
    "by a prefixed name": ("PREFIX far: <PROBE>\n", "far:sparql"),
    "by an IRI relative to BASE": ("BASE <PROBE>\n", "<sparql>"),
}
CASES = [
    *((position, "by its IRI") for position in POSITIONS),
    # The other names, in places the first-only mistake misses.
    *(
        (position, name)
        for name in NAMES
        if name != "by its IRI"
        for position in ("after", "inside OPTIONAL", "inside a sub-query", "SILENT")
    ),
]


@pytest.mark.parametrize(("position", "name"), CASES, ids=[f"{p}, {n}" for p, n in CASES])
def test_a_service_off_the_allowlist_is_refused_and_never_called(
    federating: str, allowed: str, probe: Probe, position: str, name: str
) -> None:
    prologue, far = NAMES[name]
    text = (prologue + POSITIONS[position].replace("FAR", far)).replace("PROBE", probe.base)
    text = text.replace("ALLOWED", allowed)
    reply = ask(federating, text)
    # An engine that had called out would have done so before answering; the probe's
    # own thread is given a moment to accept what may be waiting for it.
    time.sleep(0.3)
    assert probe.seen == [], text
    assert 400 <= reply.status < 500, (reply.status, reply.text, text)
    assert f"<{probe.url}>" in reply.json()["detail"], reply.text


def test_the_allowed_service_alone_is_answered_from_the_allowed_endpoint(
    federating: str, allowed: str, probe: Probe
) -> None:
    text = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        f"SELECT ?label WHERE {{ SERVICE <{allowed}> {{ ?thing rdfs:label ?label }} }}"
    )
    reply = ask(federating, text)
    assert reply.status == 200, reply.text
    rows = reply.json()["results"]["bindings"]
    assert [row["label"]["value"] for row in rows] == [ALLOWED_LABEL]
    assert probe.seen == []
