"""The one format table and its writer: quads keep their graph, triples get one."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Dataset

from d4sme_kg.formats import GRAPH_FORMATS, find_format, write_rdf

A = "http://example.org/"
G1, G2 = ox.NamedNode(A + "g1"), ox.NamedNode(A + "g2")
S, P = ox.NamedNode(A + "s"), ox.NamedNode(A + "p")
QUADS = [
    ox.Quad(S, P, ox.Literal("in g1", language="en"), G1),
    ox.Quad(S, P, ox.Literal("in both"), G1),
    ox.Quad(S, P, ox.Literal("in both"), G2),
    ox.Quad(ox.BlankNode("b"), P, ox.Literal("1", datatype=ox.NamedNode(A + "t")), G2),
]


def parsed(body: bytes, name: str) -> set[ox.Quad]:
    return set(ox.parse(body, format=ox.RdfFormat.from_media_type(find_format(name).media_type)))


def test_the_table_has_the_six_rdf_formats_each_with_its_suffix_and_type() -> None:
    assert {f.name for f in GRAPH_FORMATS} == {"turtle", "nt", "nquads", "trig", "jsonld", "xml"}
    assert len({f.suffix for f in GRAPH_FORMATS}) == len({f.media_type for f in GRAPH_FORMATS}) == 6
    assert {f.name for f in GRAPH_FORMATS if f.quads} == {"trig", "nquads"}


@pytest.mark.parametrize("name", ["trig", "nquads"])
def test_quad_formats_keep_each_quad_in_its_graph(name: str) -> None:
    got = parsed(write_rdf(QUADS, find_format(name), {"ex": A}), name)
    assert {(q.graph_name, q.object) for q in got} == {(q.graph_name, q.object) for q in QUADS}


@pytest.mark.parametrize("name", ["trig", "nquads"])
def test_triples_go_into_the_graph_they_come_from_or_the_default_graph(name: str) -> None:
    triples = [q.triple for q in QUADS[:2]]
    named = parsed(write_rdf(triples, find_format(name), graph=A + "g1"), name)
    assert {q.graph_name for q in named} == {G1} and len(named) == 2
    default = parsed(write_rdf(triples, find_format(name)), name)
    assert {q.graph_name for q in default} == {ox.DefaultGraph()} and len(default) == 2


@pytest.mark.parametrize("name", ["turtle", "nt", "jsonld", "xml"])
def test_triple_formats_merge_the_graphs(name: str) -> None:
    got = parsed(write_rdf(QUADS, find_format(name), {"ex": A}), name)
    assert len(got) == 3  # "in both" once
    assert {q.graph_name for q in got} == {ox.DefaultGraph()}


def test_rdflib_reads_the_graphs_of_trig_as_written() -> None:
    dataset = Dataset()
    dataset.parse(data=write_rdf(QUADS, find_format("trig")), format="trig")
    sizes = {str(g.identifier): len(g) for g in dataset.graphs() if len(g)}
    assert sizes == {A + "g1": 2, A + "g2": 2}


def test_the_writer_is_stable() -> None:
    for fmt in GRAPH_FORMATS:
        assert write_rdf(QUADS, fmt) == write_rdf(list(reversed(QUADS)), fmt), fmt.name
