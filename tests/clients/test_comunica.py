"""Comunica's command line (comunica-sparql, from npm) against our endpoint.

Each answer is compared with the same query evaluated by rdflib over the server's own
export (``/export.nt``): another engine over the same data.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import XSD
from rdflib.query import ResultRow
from rdflib.term import Node

from ..servers import http, loopback_http
from .conftest import run_comunica

KG = Namespace("https://w3id.org/d4sme-kg/id/")
KGO = Namespace("https://w3id.org/d4sme-kg/ontology#")
LOCAL = Namespace("http://example.org/local/")
PREFIXES = (
    "PREFIX kgo: <https://w3id.org/d4sme-kg/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX local: <http://example.org/local/>\n"
)
ORGANISATIONS = PREFIXES + (
    "SELECT ?org ?label WHERE { ?org a kgo:Organization ; rdfs:label ?label }"
)
# Ranks come from the local file, types and Korean labels from our endpoint.
FEDERATED = PREFIXES + (
    "SELECT ?org ?rank ?label WHERE { ?org local:rank ?rank . ?org a kgo:Organization ; "
    'rdfs:label ?label FILTER(LANG(?label) = "ko") }'
)

#: One solution, comparable whichever engine produced it: (variable, term) pairs.
Solution = frozenset[tuple[str, tuple[str, str, str]]]


@pytest.fixture(scope="module")
def data(server: str) -> Graph:
    """What the server holds, as rdflib sees it (the union of its named graphs)."""
    reply = http("GET", f"{server}/export.nt")
    assert reply.status == 200 and reply.media_type == "application/n-triples"
    return Graph().parse(data=reply.body, format="nt")


@pytest.fixture(params=["sparql@", ""], ids=["sparql@", "discovered"])
def endpoint(request: pytest.FixtureRequest, server: str) -> str:
    """Our endpoint as a Comunica source: typed (sparql@) or left for Comunica to find out.

    Comunica finds out what an untyped URL is from what it answers to its Accept (RDF
    formats first, text/html at q=0.2): the service description, which names the
    endpoint. An HTML page there instead left the query with no answer at all.
    """
    return f"{request.param}{server}/sparql"


def test_a_select(comunica: Path, endpoint: str, data: Graph) -> None:
    expected = from_rdflib(data.query(ORGANISATIONS))
    assert len(expected) > 10
    assert from_comunica(run_comunica(comunica, [endpoint], ORGANISATIONS)) == expected


def test_a_query_joining_the_endpoint_with_a_local_turtle_file(
    comunica: Path, endpoint: str, data: Graph, tmp_path: Path
) -> None:
    organisations = sorted(
        {org for org in data.subjects(RDF.type, KGO.Organization) if isinstance(org, URIRef)}
    )
    local = Graph()
    for rank, org in enumerate(organisations[:4], start=1):
        local.add((org, LOCAL.rank, Literal(rank)))
    local.add((KG["not-in-the-graph"], LOCAL.rank, Literal(99)))  # joins with nothing
    (tmp_path / "ranks.ttl").write_text(local.serialize(format="turtle"), encoding="utf-8")

    expected = from_rdflib((data + local).query(FEDERATED))
    assert len(expected) >= 3
    with static_files(tmp_path) as files:
        answer = run_comunica(comunica, [endpoint, f"{files}/ranks.ttl"], FEDERATED)
    assert from_comunica(answer) == expected


#: Every triple with no blank node (engines label blank nodes each their own way).
TRIPLES = "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(!isBLANK(?s) && !isBLANK(?o)) }"


@pytest.mark.parametrize("path", ["/id/kakao", "/ontology"])
def test_an_entity_or_the_ontology_as_a_document(comunica: Path, server: str, path: str) -> None:
    # Comunica asks a document's URL for N-Quads first and reads its default graph: the
    # triples were all in named graphs, and it found none.
    reply = http("GET", f"{server}{path}.ttl")
    assert reply.status == 200
    expected = from_rdflib(Graph().parse(data=reply.body, format="turtle").query(TRIPLES))
    assert len(expected) > 10
    assert from_comunica(run_comunica(comunica, [f"{server}{path}"], TRIPLES)) == expected


@contextmanager
def static_files(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free loopback port (Turtle as text/turtle); yield its URL."""

    class Files(SimpleHTTPRequestHandler):
        extensions_map = {".ttl": "text/turtle"}

        def log_message(self, format: str, *args: object) -> None:
            pass

    with loopback_http(functools.partial(Files, directory=str(folder))) as url:
        yield url


def from_comunica(bindings: list[dict[str, dict[str, str]]]) -> Counter[Solution]:
    def term(value: Mapping[str, str]) -> tuple[str, str, str]:
        kind = {"uri": "uri", "bnode": "bnode"}.get(value["type"], "literal")
        extra = value.get("xml:lang") or value.get("datatype") or ""
        return kind, value["value"], "" if extra == str(XSD.string) else extra.lower()

    return Counter(frozenset((var, term(value)) for var, value in b.items()) for b in bindings)


def from_rdflib(rows: object) -> Counter[Solution]:
    def term(node: Node) -> tuple[str, str, str]:
        if isinstance(node, URIRef):
            return "uri", str(node), ""
        if isinstance(node, Literal):
            extra = node.language or (str(node.datatype) if node.datatype else "")
            return "literal", str(node), "" if extra == str(XSD.string) else extra.lower()
        return "bnode", str(node), ""

    solutions: Counter[Solution] = Counter()
    for row in rows:  # type: ignore[attr-defined]
        assert isinstance(row, ResultRow)
        solutions[
            frozenset((str(var), term(node)) for var, node in row.asdict().items() if node)
        ] += 1
    return solutions
