"""Every route that answers RDF serves the six formats of the one table (issue 13, item 2).

By ``Accept`` (with q-values) on every route, and by suffix where the route has
suffixes. Each answer is the same graph as the Turtle one (compared as graphs); TriG and
N-Quads put each triple in the graph it comes from where that is known, else in the
default graph. A bad ``Accept`` gets 406 with what is served.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from d4sme_kg.formats import GRAPH_FORMATS, Format

from ..graphs import assert_same_graph

BASE = "https://w3id.org/d4sme-kg/"
DATA, LINKS, ONTOLOGY = (BASE + "graph/" + g for g in ("data", "links", "ontology"))
CONSTRUCT = "CONSTRUCT WHERE { <https://w3id.org/d4sme-kg/id/kakao> ?p ?o }"
#: Every route that answers RDF, and the graph its triples come from (None: the default).
ROUTES: dict[str, tuple[str, str | None]] = {
    "construct": ("/sparql?query=" + quote(CONSTRUCT), None),
    "describe": ("/sparql?query=" + quote(f"DESCRIBE <{BASE}id/kakao>"), None),
    "service description": ("/sparql", None),
    "void": ("/.well-known/void", None),
    "entity": ("/id/south-korea", "several"),
    "ontology": ("/ontology", ONTOLOGY),
    "export": ("/export", "several"),
    "store, default graph": ("/store?default", None),
    "store, named graph": ("/store?graph=" + quote(LINKS), LINKS),
    "named graph": ("/graph/links", LINKS),
}
#: The routes with suffixes: the suffix goes before any query string.
SUFFIXED = {"entity": "/id/south-korea", "ontology": "/ontology", "export": "/export"}
SUFFIXED["named graph"] = "/graph/links"
FORMATS = {f.name: f for f in GRAPH_FORMATS}
RDFLIB = {"turtle": "turtle", "nt": "nt", "jsonld": "json-ld", "xml": "xml"}


def read(body: bytes, fmt: Format) -> Dataset:
    """The answer as an rdflib Dataset (triple formats fill its default graph)."""
    dataset = Dataset()
    if fmt.quads:
        dataset.parse(data=body, format=fmt.rdflib_name)
    else:
        dataset.default_context.parse(data=body, format=RDFLIB[fmt.name])
    return dataset


def union(dataset: Dataset) -> Graph:
    graph = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def graph_names(dataset: Dataset) -> set[str | None]:
    """The graphs that hold triples (None: the default graph)."""
    return {
        None if g.identifier == DATASET_DEFAULT_GRAPH_ID else str(g.identifier)
        for g in dataset.graphs()
        if len(g)
    }


@pytest.fixture(scope="module")
def turtle(app: Flask) -> Callable[[str], Graph]:
    """The Turtle answer of a route (asked once), to compare the other formats with."""
    client = app.test_client()

    @cache
    def answer(route: str) -> Graph:
        reply = client.get(ROUTES[route][0], headers={"Accept": "text/turtle"})
        assert reply.status_code == 200, (route, reply.get_data(as_text=True)[:300])
        return union(read(reply.data, FORMATS["turtle"]))

    return answer


@pytest.mark.parametrize("name", list(FORMATS))
@pytest.mark.parametrize("route", list(ROUTES))
def test_every_route_serves_every_format_by_accept(
    client: FlaskClient, turtle: Callable[[str], Graph], route: str, name: str
) -> None:
    fmt = FORMATS[name]
    path, source = ROUTES[route]
    reply = client.get(path, headers={"Accept": fmt.media_type})
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    assert reply.mimetype == fmt.media_type
    assert "Accept" in reply.vary
    dataset = read(reply.data, fmt)
    assert_same_graph(turtle(route), union(dataset))
    if fmt.quads:
        names = graph_names(dataset)
        if source == "several":
            assert None not in names and len(names) >= 2, names
        else:  # the store's own default graph is empty: no graph at all then
            assert names == ({source} if len(dataset) else set()), names


@pytest.mark.parametrize("name", list(FORMATS))
@pytest.mark.parametrize("route", list(SUFFIXED))
def test_every_suffix_of_the_table_works(
    client: FlaskClient, turtle: Callable[[str], Graph], route: str, name: str
) -> None:
    fmt = FORMATS[name]
    # The suffix wins over an Accept header that asks for something else.
    reply = client.get(SUFFIXED[route] + fmt.suffix, headers={"Accept": "text/html"})
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    assert reply.mimetype == fmt.media_type
    assert_same_graph(turtle(route), union(read(reply.data, fmt)))


def test_entities_keep_the_graph_of_each_triple(client: FlaskClient) -> None:
    reply = client.get("/id/south-korea.trig")
    dataset = read(reply.data, FORMATS["trig"])
    korea = URIRef(BASE + "id/south-korea")
    label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    same_as = URIRef("https://schema.org/sameAs")
    assert {str(g) for _, _, _, g in dataset.quads((korea, label, None, None))} == {DATA}
    assert {str(g) for _, _, _, g in dataset.quads((korea, same_as, None, None))} == {LINKS}


@pytest.mark.parametrize(
    ("accept", "name"),
    [
        ("application/n-quads;q=0.5, application/trig", "trig"),
        ("text/turtle;q=0.1, application/n-quads", "nquads"),
        ("application/n-quads, application/trig;q=0.95, text/html;q=0.2", "nquads"),
        ("application/json", "jsonld"),
        ("application/*", "nt"),
        ("*/*", "turtle"),
    ],
)
@pytest.mark.parametrize("route", ["void", "entity", "ontology", "store, named graph"])
def test_accept_by_q_values(client: FlaskClient, route: str, accept: str, name: str) -> None:
    reply = client.get(ROUTES[route][0], headers={"Accept": accept})
    assert reply.status_code == 200
    if route in ("entity", "ontology") and name == "turtle":
        name = "html"  # */*: a page of ours is first for a browser
    expected = FORMATS[name].media_type if name in FORMATS else "text/html"
    assert reply.mimetype == expected


@pytest.mark.parametrize("route", list(ROUTES))
def test_a_bad_accept_gets_406_with_what_is_served(client: FlaskClient, route: str) -> None:
    reply = client.get(ROUTES[route][0], headers={"Accept": "application/yaml"})
    assert reply.status_code == 406
    detail = reply.get_json()["detail"]
    for fmt in GRAPH_FORMATS:
        assert fmt.media_type in detail, (fmt.media_type, detail)


@pytest.mark.parametrize("route", ["void", "entity", "ontology", "named graph"])
def test_the_format_parameter_names_any_format_of_the_table(
    client: FlaskClient, route: str
) -> None:
    for fmt in GRAPH_FORMATS:
        path = ROUTES[route][0]
        reply = client.get(f"{path}{'&' if '?' in path else '?'}format={fmt.name}")
        assert (reply.status_code, reply.mimetype) == (200, fmt.media_type), fmt.name
