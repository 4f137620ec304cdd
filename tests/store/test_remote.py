"""The remote backend: our service over a real Oxigraph server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from d4sme_kg.export import export_graph
from d4sme_kg.formats import find_format
from d4sme_kg.loading import KnowledgeGraph

from ..servers import d4sme_server, http, oxigraph_server


@pytest.fixture(scope="module")
def remote(kg: KnowledgeGraph) -> Iterator[str]:
    with oxigraph_server() as base:
        payload = export_graph(kg, find_format("nquads"))
        reply = http("POST", f"{base}/store", payload, {"Content-Type": "application/n-quads"})
        assert reply.status in (200, 201, 204), reply.text
        yield base


def test_queries_go_through_to_the_remote_store(remote: str) -> None:
    with d4sme_server(["--store", f"sparql+{remote}/query"]) as base:
        text = (
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?l WHERE { "
            "GRAPH ?g { <https://w3id.org/d4sme-kg/id/kakao> rdfs:label ?l } } ORDER BY ?l"
        )
        reply = http(
            "GET", f"{base}/sparql?{urlencode({'query': text})}", headers={"Accept": "text/csv"}
        )
        assert reply.status == 200, reply.text
        assert reply.text.split("\r\n")[:3] == ["l", "Kakao", "카카오"]
        construct = (
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o . "
            "FILTER(?s = <https://w3id.org/d4sme-kg/id/kakao>) } }"
        )
        reply = http(
            "GET",
            f"{base}/sparql?{urlencode({'query': construct})}",
            headers={"Accept": "application/n-triples"},
        )
        assert reply.status == 200 and reply.text.count("\n") >= 5
        health = http("GET", f"{base}/healthz").json()
        assert health["store"].startswith("remote SPARQL endpoint")
        assert health["triples"] > 4000
        bad = http("GET", f"{base}/sparql?{urlencode({'query': 'SELECT * WHERE {'})}")
        assert bad.status == 400


def test_an_unreachable_remote_store_is_a_clear_error() -> None:
    from d4sme_kg.store import QueryRequest, StoreUnavailable
    from d4sme_kg.store.remote import RemoteBackend

    from ..servers import free_port

    backend = RemoteBackend(f"http://127.0.0.1:{free_port()}/query", timeout=2)
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        backend.query(QueryRequest("ASK { ?s ?p ?o }"))
