"""Serialise a loaded project to RDF, byte-identical from run to run.

Blank nodes are relabelled canonically (rdflib.compare) and line-based formats are
sorted, so that a diff of two exports shows only what changed in the graph.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import _toPythonMapping

from d4sme_kg.formats import Format
from d4sme_kg.loading import KnowledgeGraph, add_oxigraph_triples
from d4sme_kg.namespaces import bind_prefixes, prefixes
from d4sme_kg.project import CONTENT_PARTS

INFERRED_PART = "inferred"


def export_graph(
    kg: KnowledgeGraph, fmt: Format, parts: Iterable[str] = CONTENT_PARTS, inferred: bool = False
) -> bytes:
    """Serialise ``parts`` of ``kg`` in ``fmt``; with ``inferred``, add the RDFS/OWL RL closure.

    Quad formats (TriG, N-Quads) keep one named graph per part (and one for the
    inferred triples); triple formats merge the parts.
    """
    chosen = tuple(parts)
    # Each part is canonicalised on its own; its name prefixes its blank-node labels so
    # that labels never collide once the parts share one document.
    graphs = {part: canonical(kg.parts[part], kg.project.base, part) for part in chosen}
    if inferred:
        graphs[INFERRED_PART] = canonical(closure(kg.union(chosen)), kg.project.base, INFERRED_PART)
    if fmt.quads:
        dataset = Dataset()
        bind_prefixes(dataset, kg.project.base)
        for part, graph in graphs.items():
            named = dataset.graph(URIRef(kg.project.graph_iri(part)))
            for triple in graph:
                named.add(triple)
        return serialize(dataset, fmt, kg.project.base)
    merged = bind_prefixes(Graph(), kg.project.base)
    for graph in graphs.values():
        for triple in graph:
            merged.add(triple)
    return serialize(merged, fmt, kg.project.base)


def serialize(graph: Graph, fmt: Format, base: str) -> bytes:
    """Serialise with our prefixes in a stable order."""
    if fmt.name in ("nt", "nquads"):
        text = graph.serialize(format=fmt.rdflib_name, encoding="utf-8").decode("utf-8")
        lines = sorted(line for line in text.splitlines() if line.strip())
        return ("\n".join(lines) + "\n").encode("utf-8")
    if fmt.name == "turtle":
        # longturtle writes subjects in sorted order and nests blank nodes: stable and diffable.
        return graph.serialize(format="longturtle", encoding="utf-8")
    if fmt.name == "jsonld":
        context = {prefix: str(ns) for prefix, ns in prefixes(base).items()}
        text = graph.serialize(format="json-ld", context=context, auto_compact=True)
        return (
            json.dumps(
                _sorted_jsonld(json.loads(text)), ensure_ascii=False, indent=2, sort_keys=True
            )
            + "\n"
        ).encode("utf-8")
    # RDF/XML and TriG: pyoxigraph writes quads in the order given, so sort them first
    # (rdflib's writers follow hash order, which changes from process to process).
    quads = sorted(_oxigraph_quads(graph), key=str)
    namespaces = {prefix: str(ns) for prefix, ns in prefixes(base).items()}
    if fmt.name == "xml":
        return (
            ox.serialize(
                [q.triple for q in quads], format=ox.RdfFormat.RDF_XML, prefixes=namespaces
            )
            or b""
        )
    return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=namespaces) or b""


def _oxigraph_quads(graph: Graph) -> list[ox.Quad]:
    if isinstance(graph, Dataset):
        payload = graph.serialize(format="nquads", encoding="utf-8")
        return list(ox.parse(payload, format=ox.RdfFormat.N_QUADS))
    payload = graph.serialize(format="nt", encoding="utf-8")
    return list(ox.parse(payload, format=ox.RdfFormat.N_TRIPLES))


def canonical(graph: Graph, base: str, label_prefix: str = "") -> Graph:
    """A copy of ``graph`` whose blank-node labels depend only on the graph's content.

    Uses RDF Dataset Canonicalization (RDFC-1.0) as pyoxigraph implements it; rdflib's
    own ``to_canonical_graph`` gave two different blank nodes of this graph one label.
    """
    stable = bind_prefixes(Graph(), base)
    if not any(isinstance(term, BNode) for triple in graph for term in triple):
        stable.addN((s, p, o, stable) for s, p, o in graph)
        return stable
    dataset = ox.Dataset(
        ox.parse(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    if label_prefix:
        dataset = ox.Dataset(_prefixed(quad, label_prefix) for quad in dataset)
    return add_oxigraph_triples(stable, dataset)


def _prefixed(quad: ox.Quad, prefix: str) -> ox.Quad:
    subject, value = quad.subject, quad.object
    if isinstance(subject, ox.BlankNode):
        subject = ox.BlankNode(f"{prefix}-{subject.value}")
    if isinstance(value, ox.BlankNode):
        value = ox.BlankNode(f"{prefix}-{value.value}")
    return ox.Quad(subject, quad.predicate, value, quad.graph_name)


def closure(graph: Graph) -> Graph:
    """The triples RDFS + OWL 2 RL reasoning adds to ``graph`` (owlrl), without the input."""
    import owlrl  # imported here: only --inferred needs it

    expanded = Graph()
    for triple in graph:
        expanded.add(triple)
    # owlrl swaps in its own lexical converters for rdflib's, process-wide, and its
    # xsd:gDay / xsd:gMonth ones reject valid values; put rdflib's back after it, or a
    # later validation in this process finds "---29"^^xsd:gDay ill-typed.
    converters = dict(_toPythonMapping)
    try:
        owlrl.DeductiveClosure(
            owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
        ).expand(expanded)
    finally:
        _toPythonMapping.clear()
        _toPythonMapping.update(converters)
    added = Graph()
    for triple in expanded:
        # OWL RL's rules also yield "generalised" triples with a literal subject: not RDF.
        if triple not in graph and not isinstance(triple[0], Literal):
            added.add(triple)
    return added


def _sorted_jsonld(document: object) -> object:
    """Sort JSON-LD node arrays and value arrays (rdflib follows hash order); keep @list."""
    if isinstance(document, dict):
        return {
            key: (value if key == "@list" else _sorted_jsonld(value))
            for key, value in document.items()
        }
    if isinstance(document, list):
        items = [_sorted_jsonld(item) for item in document]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False))
    return document
