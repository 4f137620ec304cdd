"""The service description advertises exactly what /sparql answers in (issue 13, item 2)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, URIRef

from d4sme_kg.formats import GRAPH_FORMATS, RESULT_FORMATS

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
SELECT = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 2"
CONSTRUCT = "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2"
#: Every format the table knows, by W3C format IRI, and a query that would answer in it.
BY_IRI = {
    **{f.w3c: (f, SELECT) for f in RESULT_FORMATS},
    **{f.w3c: (f, CONSTRUCT) for f in GRAPH_FORMATS},
}


def description(client: FlaskClient) -> Graph:
    reply = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert reply.status_code == 200
    return Graph().parse(data=reply.data, format="turtle")


def served(client: FlaskClient) -> set[str]:
    """The W3C IRIs of the formats /sparql answers a query in, found by asking."""
    found = set()
    for iri, (fmt, query) in BY_IRI.items():
        reply = client.get("/sparql?query=" + quote(query), headers={"Accept": fmt.media_type})
        if reply.status_code == 200 and reply.mimetype == fmt.media_type:
            found.add(iri)
    return found


def test_result_formats_are_exactly_those_served(client: FlaskClient) -> None:
    graph = description(client)
    advertised = {str(o) for o in graph.objects(None, URIRef(SD + "resultFormat"))}
    assert advertised == served(client)
    assert len(advertised) == len(RESULT_FORMATS) + len(GRAPH_FORMATS)


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda f: f.name)
def test_every_advertised_graph_format_answers_a_construct(client: FlaskClient, fmt) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/sparql?query=" + quote(CONSTRUCT), headers={"Accept": fmt.media_type})
    assert (reply.status_code, reply.mimetype) == (200, fmt.media_type)


def test_the_default_dataset_is_described_with_its_void(client: FlaskClient) -> None:
    graph = description(client)
    datasets = list(graph.objects(None, URIRef(SD + "defaultDataset")))
    assert len(datasets) == 1
    dataset = datasets[0]
    assert graph.value(dataset, URIRef(VOID + "sparqlEndpoint")) == URIRef(
        "http://localhost/sparql"
    )
    names = {str(o) for o in graph.objects(None, URIRef(SD + "name"))}
    subsets = {str(o) for o in graph.objects(dataset, URIRef(VOID + "subset"))}
    assert names == subsets and "https://w3id.org/d4sme-kg/graph/data" in names
