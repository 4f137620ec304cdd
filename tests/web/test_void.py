"""VoID at /.well-known/void and named graphs that dereference (issue 13, item 6).

The counts are checked against the export, counted here in Python: the dataset's
triples, each property's, each named graph's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, VOID
from rdflib.term import Node

from d4sme_kg.formats import GRAPH_FORMATS
from d4sme_kg.web import create_app
from d4sme_kg.web.security import PAGE_POLICY
from d4sme_kg.web.void import statistics

from ..graphs import assert_same_graph
from .conftest import TOKEN

BASE = "https://w3id.org/d4sme-kg/"
DATASET = URIRef(BASE + "id/dataset")
ROOT = "http://localhost/"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")


@pytest.fixture(scope="module")
def void(app: Flask) -> Graph:
    reply = app.test_client().get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert reply.status_code == 200 and reply.mimetype == "text/turtle"
    return Graph().parse(data=reply.data, format="turtle")


@pytest.fixture(scope="module")
def export(app: Flask) -> list[ox.Quad]:
    reply = app.test_client().get("/export.nq")
    return list(ox.parse(reply.data, format=ox.RdfFormat.N_QUADS))


def number(graph: Graph, node: Node, prop: URIRef) -> int:
    value = graph.value(node, prop)
    assert isinstance(value, Literal), (node, prop)
    return int(value)


def texts(graph: Graph, prop: URIRef) -> dict[str, str]:
    return {o.language: str(o) for o in graph.objects(DATASET, prop) if isinstance(o, Literal)}  # type: ignore[misc]


def test_title_and_description_in_english_and_korean(void: Graph) -> None:
    titles, descriptions = texts(void, DCTERMS.title), texts(void, DCTERMS.description)
    assert set(titles) == set(descriptions) == {"en", "ko"}
    assert "knowledge graph" in titles["en"] and "지식 그래프" in titles["ko"]
    assert "Kakao" in descriptions["en"] and "카카오" in descriptions["ko"]


def test_licence_publisher_uri_space_and_endpoint(void: Graph) -> None:
    # The data gives the dataset CC BY 4.0 (data/article.ttl, kg:dataset).
    assert set(void.objects(DATASET, DCTERMS.license)) == {CC_BY}
    # No publisher in the data: the agent named as the package's author.
    assert set(void.objects(DATASET, DCTERMS.publisher)) == {URIRef(BASE + "id/d4sme-kg-team")}
    assert set(void.objects(DATASET, VOID.uriSpace)) == {Literal(BASE + "id/")}
    assert set(void.objects(DATASET, VOID.sparqlEndpoint)) == {URIRef(ROOT + "sparql")}
    assert (DATASET, RDF.type, VOID.Dataset) in void


def test_vocabularies_are_those_of_every_property_and_class(
    void: Graph, export: list[ox.Quad]
) -> None:
    terms = {q.predicate.value for q in export}
    terms |= {q.object.value for q in export if q.predicate.value == str(RDF.type)}
    used = {t[: max(t.rfind("#"), t.rfind("/")) + 1] for t in terms if t.startswith("http")}
    listed = {str(o) for o in void.objects(DATASET, VOID.vocabulary)}
    assert listed == used
    assert {BASE + "ontology#", "https://schema.org/", str(RDF)} <= listed


def test_data_dumps_are_the_exports(
    client: FlaskClient, void: Graph, export: list[ox.Quad]
) -> None:
    dumps = {str(o) for o in void.objects(DATASET, VOID.dataDump)}
    assert dumps == {f"{ROOT}export{f.suffix}" for f in GRAPH_FORMATS}
    for dump in dumps:
        reply = client.get(dump[len(ROOT) - 1 :])
        assert reply.status_code == 200, dump
    assert number(void, DATASET, VOID.triples) == len(export)


def test_property_partitions_count_every_property(void: Graph, export: list[ox.Quad]) -> None:
    expected = Counter(q.predicate.value for q in export)
    found = {
        str(void.value(partition, VOID.property)): number(void, partition, VOID.triples)
        for partition in void.objects(DATASET, VOID.propertyPartition)
    }
    assert found == dict(expected)
    assert sum(found.values()) == number(void, DATASET, VOID.triples)
    assert number(void, DATASET, VOID.properties) == len(expected)


def test_class_partitions(void: Graph, export: list[ox.Quad]) -> None:
    typed = {(q.subject, q.object.value) for q in export if q.predicate.value == str(RDF.type)}
    expected = Counter(cls for _, cls in typed)
    found = {
        str(void.value(partition, VOID["class"])): number(void, partition, VOID.entities)
        for partition in void.objects(DATASET, VOID.classPartition)
    }
    assert found == dict(expected)


def test_one_subset_per_named_graph_with_its_count_and_dumps(
    client: FlaskClient, void: Graph, export: list[ox.Quad]
) -> None:
    sizes = Counter(q.graph_name.value for q in export)  # type: ignore[union-attr]
    subsets = set(void.objects(DATASET, VOID.subset))
    assert {str(s) for s in subsets} == set(sizes) and len(sizes) >= 4
    for subset in subsets:
        assert number(void, subset, VOID.triples) == sizes[str(subset)]
        assert {t.language for t in void.objects(subset, DCTERMS.title)} == {"en", "ko"}  # type: ignore[attr-defined]
        name = str(subset)[len(BASE + "graph/") :]
        dumps = {str(o) for o in void.objects(subset, VOID.dataDump)}
        assert dumps == {f"{ROOT}graph/{name}{f.suffix}" for f in GRAPH_FORMATS}
        reply = client.get(f"/graph/{name}.nq")
        assert reply.status_code == 200
        quads = list(ox.parse(reply.data, format=ox.RdfFormat.N_QUADS))
        assert len(quads) == sizes[str(subset)]
        assert {q.graph_name.value for q in quads} == {str(subset)}  # type: ignore[union-attr]


def test_void_in_every_format_is_the_same_graph(client: FlaskClient, void: Graph) -> None:
    for fmt in GRAPH_FORMATS:
        reply = client.get("/.well-known/void", headers={"Accept": fmt.media_type})
        assert (reply.status_code, reply.mimetype) == (200, fmt.media_type)
        dataset = Dataset()
        dataset.parse(data=reply.data, format=fmt.rdflib_name)
        assert_same_graph(void, dataset.default_context)


def test_statistics_are_kept_for_one_state_of_the_store(app: Flask) -> None:
    with app.app_context():
        service = app.extensions["d4sme_kg"]
        assert statistics(service) is statistics(service)


# -- named graphs dereference --------------------------------------------------------------


@pytest.mark.parametrize("name", ["data", "links", "ontology", "source"])
def test_a_named_graph_iri_gives_that_graph(
    client: FlaskClient, export: list[ox.Quad], name: str
) -> None:
    iri = BASE + "graph/" + name
    lines = [f"{q.triple} ." for q in export if q.graph_name.value == iri]  # type: ignore[union-attr]
    expected = Graph().parse(data="\n".join(lines), format="nt")
    for fmt in GRAPH_FORMATS:
        reply = client.get(f"/graph/{name}", headers={"Accept": fmt.media_type})
        assert (reply.status_code, reply.mimetype) == (200, fmt.media_type)
        dataset = Dataset()
        dataset.parse(data=reply.data, format=fmt.rdflib_name)
        if fmt.quads:
            assert {str(g.identifier) for g in dataset.graphs() if len(g)} == {iri}
            got = dataset.graph(URIRef(iri))
        else:
            got = dataset.default_context
        assert_same_graph(expected, got)


def test_a_named_graph_page_for_browsers(client: FlaskClient, export: list[ox.Quad]) -> None:
    size = sum(1 for q in export if q.graph_name.value == BASE + "graph/links")  # type: ignore[union-attr]
    reply = client.get("/graph/links", headers=BROWSER)
    assert reply.status_code == 200 and reply.mimetype == "text/html"
    assert reply.headers["Content-Security-Policy"] == PAGE_POLICY
    text = reply.get_data(as_text=True)
    assert "Links to Wikidata and the OECD" in text and BASE + "graph/links" in text
    assert f"a named graph of {size} triples" in text
    for fmt in GRAPH_FORMATS:
        assert f'href="/graph/links{fmt.suffix}"' in text
    assert "<script>" not in text and "style=" not in text and " onclick" not in text
    assert 'title="http://www.wikidata.org/entity/Q884"' in text  # South Korea's link
    korean = client.get("/graph/links?lang=ko", headers=BROWSER).get_data(as_text=True)
    assert "위키데이터·OECD 링크" in korean and 'lang="ko"' in korean


def test_a_big_graph_page_shows_a_part_and_says_so(client: FlaskClient) -> None:
    text = client.get("/graph/data", headers=BROWSER).get_data(as_text=True)
    assert "The first 500 of" in text


@pytest.mark.parametrize("path", ["/graph/nothing", "/graph/nothing.ttl", "/graph/shapes"])
def test_an_unknown_graph_is_a_404_problem(client: FlaskClient, path: str) -> None:
    reply = client.get(path, headers={"Accept": "text/turtle"})
    assert reply.status_code == 404 and reply.mimetype == "application/problem+json"
    assert BASE + "graph/data" in reply.get_json()["detail"]
    page = client.get(path, headers=BROWSER)
    assert page.status_code == 404 and page.mimetype == "text/html"


# -- a change to the store, and a project whose data says less ----------------------------


@pytest.fixture
def writable() -> Iterator[Flask]:
    app = create_app({"WORKERS": 1, "VALIDATE": False, "UPDATE_TOKEN": TOKEN})
    yield app
    app.extensions["d4sme_kg"].backend.close()


def test_a_new_graph_is_counted_and_dereferences(writable: Flask) -> None:
    client = writable.test_client()
    before = Graph().parse(
        data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).data,
        format="turtle",
    )
    iri = BASE + "graph/extra"
    body = f'<{BASE}id/kakao> <http://www.w3.org/2004/02/skos/core#altLabel> "주식회사 카카오"@ko .'
    put = client.put(
        "/store?graph=" + quote(iri),
        data=body.encode(),
        headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"},
    )
    assert put.status_code == 201, put.get_data(as_text=True)
    after = Graph().parse(
        data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).data,
        format="turtle",
    )
    assert number(after, DATASET, VOID.triples) == number(before, DATASET, VOID.triples) + 1
    assert number(after, URIRef(iri), VOID.triples) == 1
    assert URIRef(iri) in set(after.objects(DATASET, VOID.subset))
    page = client.get("/graph/extra.trig")
    assert page.status_code == 200 and "주식회사 카카오" in page.get_data(as_text=True)
    assert (
        client.delete(
            "/store?graph=" + quote(iri), headers={"Authorization": f"Bearer {TOKEN}"}
        ).status_code
        == 200
    )
    assert client.get("/graph/extra").status_code == 404


def test_without_a_licence_or_agent_in_the_data_the_packages_are_used(
    project_copy: Callable[[], Path],
) -> None:
    root = project_copy()
    article = root / "data" / "article.ttl"
    article.write_text(
        article.read_text(encoding="utf-8").replace(
            "    dcterms:license <https://creativecommons.org/licenses/by/4.0/> ;\n", ""
        ),
        encoding="utf-8",
    )
    links = root / "data" / "links" / "wikidata.ttl"
    links.write_text(
        links.read_text(encoding="utf-8").replace('"d4sme-kg team"@en', '"the curators"@en'),
        encoding="utf-8",
    )
    app = create_app({"WORKERS": 1, "VALIDATE": False, "ROOT": str(root)})
    try:
        reply = app.test_client().get("/.well-known/void", headers={"Accept": "text/turtle"})
    finally:
        app.extensions["d4sme_kg"].backend.close()
    graph = Graph().parse(data=reply.data, format="turtle")
    # pyproject.toml: license = "MIT", authors = [{ name = "d4sme-kg team" }]
    assert set(graph.objects(DATASET, DCTERMS.license)) == {URIRef("https://spdx.org/licenses/MIT")}
    (publisher,) = graph.objects(DATASET, DCTERMS.publisher)
    assert graph.value(publisher, FOAF.name) == Literal("d4sme-kg team")


def _update(client: FlaskClient, text: str) -> None:
    reply = client.post(
        "/update",
        data=text.encode(),
        headers={
            "Content-Type": "application/sparql-update",
            "Authorization": f"Bearer {TOKEN}",
        },
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)


def _void(client: FlaskClient) -> Graph:
    reply = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    return Graph().parse(data=reply.data, format="turtle")


def _partitioned(graph: Graph) -> set[str]:
    return {
        str(graph.value(partition, VOID.property))
        for partition in graph.objects(DATASET, VOID.propertyPartition)
    }


def test_terms_with_no_namespace_are_no_vocabulary(writable: Flask) -> None:
    # urn:isbn:… has no "/" or "#" to end a namespace at: it names no vocabulary, and the
    # description must still be made (it was a 500, the vocabulary left unbound).
    client = writable.test_client()
    _update(
        client,
        "INSERT DATA { GRAPH <https://example.org/g/extra> {"
        ' <https://example.org/a> <urn:isbn:0451450523> "x" .'
        " <https://example.org/a> a <urn:x:Thing> } }",
    )
    graph = _void(client)
    assert "urn:isbn:0451450523" in _partitioned(graph)
    vocabularies = {str(o) for o in graph.objects(DATASET, VOID.vocabulary)}
    assert BASE + "ontology#" in vocabularies
    assert not {v for v in vocabularies if v.startswith("urn:") or not v}
    for fmt in GRAPH_FORMATS:
        reply = client.get("/sparql", headers={"Accept": fmt.media_type})
        assert (reply.status_code, reply.mimetype) == (200, fmt.media_type)


def test_a_write_that_keeps_the_size_and_graphs_is_seen(writable: Flask) -> None:
    client = writable.test_client()
    # Not about an entity of ours: the shapes would ask for a claim with its provenance.
    extra, thing = "<https://example.org/g/extra>", "<https://example.org/a>"
    _update(
        client, f'INSERT DATA {{ GRAPH {extra} {{ {thing} <https://example.org/ns#one> "x" }} }}'
    )
    before = _void(client)
    assert "https://example.org/ns#one" in _partitioned(before)
    # The same number of triples in the same graphs, by another property.
    _update(
        client,
        f'DELETE DATA {{ GRAPH {extra} {{ {thing} <https://example.org/ns#one> "x" }} }} ;'
        f' INSERT DATA {{ GRAPH {extra} {{ {thing} <https://example.org/ns#two> "x" }} }}',
    )
    after = _void(client)
    assert number(after, DATASET, VOID.triples) == number(before, DATASET, VOID.triples)
    partitioned = _partitioned(after)
    assert "https://example.org/ns#two" in partitioned
    assert "https://example.org/ns#one" not in partitioned
    described = client.get("/sparql", headers={"Accept": "application/n-triples"})
    assert b"https://example.org/ns#two" in described.data
    assert b"https://example.org/ns#one" not in described.data
