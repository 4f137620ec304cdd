"""Serialise a loaded project to RDF, byte-identical from run to run.

Blank nodes are relabelled canonically (rdflib.compare) and line-based formats are
sorted, so that a diff of two exports shows only what changed in the graph.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph

from d4sme_kg.formats import Format
from d4sme_kg.loading import KnowledgeGraph
from d4sme_kg.namespaces import bind_prefixes, prefixes
from d4sme_kg.project import CONTENT_PARTS

INFERRED_PART = "inferred"


def export_graph(kg: KnowledgeGraph, fmt: Format, parts: Iterable[str] = CONTENT_PARTS,
                 inferred: bool = False) -> bytes:
    """Serialise ``parts`` of ``kg`` in ``fmt``; with ``inferred``, add the RDFS/OWL RL closure.

    Quad formats (TriG, N-Quads) keep one named graph per part (and one for the
    inferred triples); triple formats merge the parts.
    """
    chosen = tuple(parts)
    graphs = {part: canonical(kg.parts[part], kg.project.base) for part in chosen}
    if inferred:
        graphs[INFERRED_PART] = canonical(closure(kg.union(chosen)), kg.project.base)
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
    if fmt.name == "jsonld":
        context = {prefix: str(ns) for prefix, ns in prefixes(base).items()}
        text = graph.serialize(format="json-ld", context=context, auto_compact=True)
        return (json.dumps(_sorted_jsonld(json.loads(text)), ensure_ascii=False, indent=2,
                           sort_keys=True) + "\n").encode("utf-8")
    if fmt.name == "turtle":
        # longturtle writes subjects in sorted order and nests blank nodes: stable and diffable.
        return graph.serialize(format="longturtle", encoding="utf-8")
    return graph.serialize(format=fmt.rdflib_name, encoding="utf-8")


def canonical(graph: Graph, base: str) -> Graph:
    """A copy of ``graph`` whose blank-node labels depend only on the graph's content."""
    if not any(isinstance(term, BNode) for triple in graph for term in triple):
        copy = bind_prefixes(Graph(), base)
        for triple in graph:
            copy.add(triple)
        return copy
    stable = bind_prefixes(Graph(), base)
    for triple in to_canonical_graph(graph):
        stable.add(triple)
    return stable


def closure(graph: Graph) -> Graph:
    """The triples RDFS + OWL 2 RL reasoning adds to ``graph`` (owlrl), without the input."""
    import owlrl  # imported here: only --inferred needs it

    expanded = Graph()
    for triple in graph:
        expanded.add(triple)
    owlrl.DeductiveClosure(owlrl.RDFS_OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(expanded)
    added = Graph()
    for triple in expanded:
        if triple not in graph:
            added.add(triple)
    return added


def _sorted_jsonld(document: object) -> object:
    # rdflib's JSON-LD writer follows the store's iteration order; sort nodes by @id.
    if isinstance(document, dict) and isinstance(document.get("@graph"), list):
        document["@graph"] = sorted(document["@graph"], key=lambda node: json.dumps(node, sort_keys=True))
    elif isinstance(document, list):
        return sorted(document, key=lambda node: json.dumps(node, sort_keys=True))
    return document
