"""Every route that answers RDF serves the six formats of the one table (issue 13, item 2).

By ``Accept`` (with q-values) on every route, and by suffix where the route has
suffixes. Each answer is the same graph as the Turtle one (compared as graphs). In TriG
and N-Quads a dataset (an export, a Graph Store GET, a named graph) keeps each triple
in its graph; a document about a resource (an entity, the ontology) and a generated
graph (a CONSTRUCT, the service description, VoID) are in the default graph, where
clients such as Comunica read them. A bad ``Accept`` gets 406 with what is served; a
``format=`` that names nothing leaves the choice to ``Accept``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from werkzeug.test import TestResponse

from d4sme_kg.formats import GRAPH_FORMATS, Format

from ..graphs import assert_same_graph

BASE = "https://w3id.org/d4sme-kg/"
LINKS, ONTOLOGY = (BASE + "graph/" + g for g in ("links", "ontology"))
CONSTRUCT = "CONSTRUCT WHERE { <https://w3id.org/d4sme-kg/id/kakao> ?p ?o }"
#: Every route that answers RDF, and the graph its triples come from (None: the default).
ROUTES: dict[str, tuple[str, str | None]] = {
    "construct": ("/sparql?query=" + quote(CONSTRUCT), None),
    "describe": ("/sparql?query=" + quote(f"DESCRIBE <{BASE}id/kakao>"), None),
    "service description": ("/sparql", None),
    "void": ("/.well-known/void", None),
    "entity": ("/id/south-korea", None),
    "ontology": ("/ontology", None),
    "export": ("/export", "several"),
    "store, default graph": ("/store?default", None),
    "store, named graph": ("/store?graph=" + quote(LINKS), LINKS),
    "named graph": ("/graph/links", LINKS),
}
#: The routes with suffixes: the suffix goes before any query string.
SUFFIXED = {
    "entity": "/id/south-korea",
    "ontology": "/ontology",
    "export": "/export",
    "named graph": "/graph/links",
    "void": "/.well-known/void",
}
FORMATS = {f.name: f for f in GRAPH_FORMATS}
RDFLIB = {"turtle": "turtle", "nt": "nt", "jsonld": "json-ld", "xml": "xml"}
IN_DATASET = "http://rdfs.org/ns/void#inDataset"


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


def the_same_graph_in(fmt: Format, reply: TestResponse, turtle_answer: Graph) -> Dataset:
    """The answer as a Dataset; it must be a 200 in ``fmt`` and hold the same graph as the
    route's Turtle answer."""
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    assert reply.mimetype == fmt.media_type
    dataset = read(reply.data, fmt)
    assert_same_graph(turtle_answer, union(dataset))
    return dataset


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
    dataset = the_same_graph_in(fmt, reply, turtle(route))
    assert "Accept" in reply.vary
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
    the_same_graph_in(fmt, reply, turtle(route))


def linked_graphs(reply: TestResponse) -> set[str]:
    """The named graphs a Link header says the document's triples come from."""
    return set(re.findall(rf'<([^>]+)>; rel="{re.escape(IN_DATASET)}"', reply.headers["Link"]))


def test_entities_are_documents_whose_graphs_are_linked(client: FlaskClient) -> None:
    dataset = read(client.get("/id/south-korea.trig").data, FORMATS["trig"])
    assert graph_names(dataset) == {None}
    # Where each triple comes from: the graphs the Link header names, one /graph/{name}
    # each (HTML and RDF alike), which hold every triple of the document between them.
    for accept in ("text/html", "application/n-quads"):
        reply = client.get("/id/south-korea", headers={"Accept": accept})
        assert linked_graphs(reply) == {"/graph/data", "/graph/links"}, accept
    held = Graph()
    for href in ("/graph/data", "/graph/links"):
        held.parse(data=client.get(href + ".nt").data, format="nt")
    korea = URIRef(BASE + "id/south-korea")
    same_as = URIRef("https://schema.org/sameAs")
    assert set(union(dataset)) <= set(held) and (korea, same_as, None) in union(dataset)
    links = Graph().parse(data=client.get("/graph/links.nt").data, format="nt")
    assert (korea, same_as, None) in links


def test_the_ontology_is_a_document_whose_graph_is_linked(client: FlaskClient) -> None:
    reply = client.get("/ontology.nq")
    dataset = read(reply.data, FORMATS["nquads"])
    assert graph_names(dataset) == {None} and len(dataset) > 100
    assert linked_graphs(reply) == {"/graph/ontology"}
    named = read(client.get("/graph/ontology.nq").data, FORMATS["nquads"])
    assert graph_names(named) == {ONTOLOGY}
    assert_same_graph(union(named), union(dataset))


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


def with_format(path: str, value: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}format={value}"


@pytest.mark.parametrize("route", list(ROUTES))
def test_a_format_that_names_nothing_leaves_it_to_accept(client: FlaskClient, route: str) -> None:
    for value in ("bogus", "text/x-nothing", "x" * 200):
        for fmt in (FORMATS["trig"], FORMATS["xml"]):
            reply = client.get(
                with_format(ROUTES[route][0], value), headers={"Accept": fmt.media_type}
            )
            assert (reply.status_code, reply.mimetype) == (200, fmt.media_type), (value, fmt.name)


def test_the_query_page_for_a_browser_whose_format_names_nothing(client: FlaskClient) -> None:
    reply = client.get("/sparql?format=bogus", headers={"Accept": "text/html"})
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/")
    assert client.get("/sparql?format=turtle", headers={"Accept": "text/html"}).status_code == 200


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("rdf xml", "xml"),
        ("application/rdf xml", "xml"),
        ("ld json", "jsonld"),
        ("application/ld json", "jsonld"),
        ("ld+json", "jsonld"),
        (" N-Quads ", "nquads"),
    ],
)
@pytest.mark.parametrize("route", list(ROUTES))
def test_a_space_in_a_format_is_a_plus(
    client: FlaskClient, route: str, value: str, name: str
) -> None:
    # A "+" sent unencoded in a query string arrives as a space.
    reply = client.get(with_format(ROUTES[route][0], value), headers={"Accept": "text/turtle"})
    assert (reply.status_code, reply.mimetype) == (200, FORMATS[name].media_type)


@pytest.mark.parametrize(
    ("value", "media_type"),
    [
        ("sparql-results xml", "application/sparql-results+xml"),
        ("application/sparql-results xml", "application/sparql-results+xml"),
        ("sparql-results json", "application/sparql-results+json"),
        ("tab-separated-values", "text/tab-separated-values"),
    ],
)
def test_a_space_in_a_result_format_is_a_plus(
    client: FlaskClient, value: str, media_type: str
) -> None:
    query = quote("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")
    reply = client.get(f"/sparql?query={query}&format={value}", headers={"Accept": "text/csv"})
    assert (reply.status_code, reply.mimetype) == (200, media_type)


@pytest.mark.parametrize("route", list(SUFFIXED))
def test_suffixes_are_read_in_any_case(client: FlaskClient, route: str) -> None:
    for fmt in GRAPH_FORMATS:
        for suffix in (fmt.suffix.upper(), fmt.suffix.title()):
            reply = client.get(SUFFIXED[route] + suffix)
            assert (reply.status_code, reply.mimetype) == (200, fmt.media_type), suffix


@pytest.mark.parametrize("route", list(SUFFIXED))
def test_an_unknown_suffix_is_a_404_naming_the_suffixes(client: FlaskClient, route: str) -> None:
    for accept in ("text/turtle", "application/json"):
        reply = client.get(SUFFIXED[route] + ".xyz", headers={"Accept": accept})
        assert reply.status_code == 404 and reply.mimetype == "application/problem+json"
        detail = reply.get_json()["detail"]
        for fmt in GRAPH_FORMATS:
            assert fmt.suffix in detail, (fmt.suffix, detail)


@pytest.mark.parametrize("route", list(SUFFIXED))
def test_every_suffixed_route_links_its_alternates(client: FlaskClient, route: str) -> None:
    reply = client.get(SUFFIXED[route], headers={"Accept": "text/turtle"})
    links = re.findall(r'<([^>]+)>; rel="alternate"; type="([^"]+)"', reply.headers.get("Link", ""))
    assert {media for _, media in links} == {f.media_type for f in GRAPH_FORMATS}
    for href, media in links:
        answer = client.get(href)
        assert (answer.status_code, answer.mimetype) == (200, media), href


@pytest.mark.parametrize(
    "accept", ["text/html", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"]
)
def test_void_in_a_browser_is_turtle_as_text(client: FlaskClient, accept: str) -> None:
    reply = client.get("/.well-known/void", headers={"Accept": accept})
    assert (reply.status_code, reply.mimetype) == (200, "text/plain")
    assert "Accept" in reply.vary
    shown = Graph().parse(data=reply.data, format="turtle")
    turtle = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert_same_graph(Graph().parse(data=turtle.data, format="turtle"), shown)
