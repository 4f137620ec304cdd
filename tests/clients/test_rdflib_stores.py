"""rdflib's SPARQLStore and SPARQLUpdateStore on our endpoint, as a Python user sets them up.

What the stores read is compared with rdflib's own reading of the server's TriG export;
writes go through ``/update`` with the token in an ``Authorization`` header, as the
store's ``headers=`` sends it.
"""

from __future__ import annotations

import urllib.error
from collections.abc import Iterator

import pytest
from rdflib import RDFS, SKOS, BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore

from ..servers import d4sme_server, http

TOKEN = "rdflib-store-token-5Kd"
KG = Namespace("https://w3id.org/d4sme-kg/id/")
DATA = URIRef("https://w3id.org/d4sme-kg/graph/data")
LABELS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?thing ?label WHERE { ?thing rdfs:label ?label FILTER(LANG(?label) = "ko") }"""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with d4sme_server(["--workers", "1"], env={"D4SME_KG_UPDATE_TOKEN": TOKEN}) as base:
        yield base


@pytest.fixture(scope="module")
def export(server: str) -> Dataset:
    """The server's data with its named graphs, as rdflib reads the TriG export."""
    reply = http("GET", f"{server}/export.trig")
    assert reply.status == 200
    return Dataset().parse(data=reply.body, format="trig")


def test_sparqlstore_reads_the_union_and_each_named_graph(server: str, export: Dataset) -> None:
    store = SPARQLStore(f"{server}/sparql")

    expected_graphs = {g.identifier for g in export.graphs() if len(g)}
    assert DATA in expected_graphs
    assert set(store.contexts()) >= expected_graphs

    expected = export.graph(DATA)
    data = Graph(store=store, identifier=DATA)
    assert len(data) == len(expected)
    about_kakao = {t for t in expected.triples((KG.kakao, None, None)) if _no_bnode(t)}
    assert about_kakao
    assert {t for t in data.triples((KG.kakao, None, None)) if _no_bnode(t)} == about_kakao

    # A query on the store's default graph: the union of the named graphs.
    union = Graph()
    for graph in export.graphs():
        union += graph
    rows = {tuple(row) for row in Graph(store=store).query(LABELS)}  # type: ignore[arg-type]
    assert rows and rows == {tuple(row) for row in union.query(LABELS)}  # type: ignore[arg-type]


def test_sparqlupdatestore_writes_with_the_token_in_a_header(server: str) -> None:
    triple = (KG.kakao, SKOS.altLabel, Literal("Kakao (written by rdflib)", lang="en"))
    reader = Graph(store=SPARQLStore(f"{server}/sparql"), identifier=DATA)
    assert triple not in reader

    without_token = SPARQLUpdateStore(f"{server}/sparql", f"{server}/update")
    with pytest.raises(urllib.error.HTTPError) as refused:
        Graph(store=without_token, identifier=DATA).add(triple)
    refused.value.close()  # the error holds the answer's connection
    assert refused.value.code in (401, 403)
    assert triple not in reader

    store = SPARQLUpdateStore(
        f"{server}/sparql", f"{server}/update", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    writer = Graph(store=store, identifier=DATA)
    writer.add(triple)
    assert triple in reader and triple in writer
    writer.remove(triple)
    assert triple not in reader

    # A write that breaks a shape (a label in no language) is refused as a whole.
    with pytest.raises(urllib.error.HTTPError) as broken:
        writer.add((KG.kakao, RDFS.label, Literal(42)))
    broken.value.close()
    assert broken.value.code == 422
    assert (KG.kakao, RDFS.label, Literal(42)) not in reader


def _no_bnode(triple: tuple[object, object, object]) -> bool:
    return not any(isinstance(term, BNode) for term in triple)
