import json
import os
import subprocess
import sys

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF

from d4sme_kg.export import export_graph
from d4sme_kg.formats import GRAPH_FORMATS, find_format
from d4sme_kg.loading import KnowledgeGraph
from d4sme_kg.project import CONTENT_PARTS

from .graphs import assert_same_graph


@pytest.mark.parametrize("fmt", [f for f in GRAPH_FORMATS if not f.quads], ids=lambda f: f.name)
def test_triple_formats_round_trip(kg: KnowledgeGraph, fmt) -> None:
    payload = export_graph(kg, fmt)
    parsed = Graph().parse(data=payload, format=fmt.rdflib_name)
    assert_same_graph(kg.union(), parsed)


@pytest.mark.parametrize("fmt", [f for f in GRAPH_FORMATS if f.quads], ids=lambda f: f.name)
def test_quad_formats_keep_one_named_graph_per_part(kg: KnowledgeGraph, fmt) -> None:
    dataset = Dataset()
    dataset.parse(data=export_graph(kg, fmt), format=fmt.rdflib_name)
    for part in CONTENT_PARTS:
        named = dataset.graph(URIRef(kg.project.graph_iri(part)))
        assert_same_graph(kg.parts[part], named)
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert names == {kg.project.graph_iri(p) for p in CONTENT_PARTS}


def test_turtle_uses_our_prefixes(kg: KnowledgeGraph) -> None:
    text = export_graph(kg, find_format("turtle")).decode("utf-8")
    for prefix in ("kg:", "kgo:", "schema:", "oa:", "prov:", "skos:"):
        assert f"@prefix {prefix} " in text or f"PREFIX {prefix} " in text
    assert "http://schema.org/" not in text


def test_jsonld_has_a_context(kg: KnowledgeGraph) -> None:
    document = json.loads(export_graph(kg, find_format("jsonld")))
    assert document["@context"]["kg"] == "https://w3id.org/d4sme-kg/id/"
    assert document["@context"]["schema"] == "https://schema.org/"


def test_graph_option_selects_parts(kg: KnowledgeGraph) -> None:
    payload = export_graph(kg, find_format("nt"), parts=["links"])
    parsed = Graph().parse(data=payload, format="nt")
    assert_same_graph(kg.parts["links"], parsed)


def test_inferred_adds_the_closure_in_its_own_graph(kg: KnowledgeGraph) -> None:
    kakao = URIRef("https://w3id.org/d4sme-kg/id/kakao")
    # kgo:Organization is a subclass of schema:Organization: reasoning says so of Kakao.
    entailed = (kakao, RDF.type, URIRef("https://schema.org/Organization"))
    assert entailed not in kg.union()
    payload = export_graph(kg, find_format("trig"), inferred=True)
    dataset = Dataset()
    dataset.parse(data=payload, format="trig")
    inferred = dataset.graph(URIRef(kg.project.graph_iri("inferred")))
    assert entailed in inferred
    assert not any(isinstance(s, Literal) for s in inferred.subjects())
    assert len(inferred) > 1000


@pytest.mark.parametrize("fmt", ["turtle", "nt", "jsonld", "xml", "trig", "nquads"])
def test_output_is_byte_identical_across_processes(fmt: str) -> None:
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-m", "d4sme_kg", "export", "-f", fmt],
            capture_output=True,
            env=env,
            check=True,
            timeout=120,
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert len(outputs.pop()) > 10_000


def test_validation_after_an_inferred_export_in_the_same_process(kg: KnowledgeGraph) -> None:
    # owlrl swaps rdflib's lexical converters for its own, process-wide; its xsd:gDay and
    # xsd:gMonth ones reject "---29" and "--11", and the data then failed its shapes.
    from d4sme_kg.export import closure
    from d4sme_kg.validation import validate_knowledge_graph

    closure(kg.parts["data"])
    assert not Literal("---29", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gDay")).ill_typed
    assert validate_knowledge_graph(kg).conforms
