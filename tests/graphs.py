"""Compare graphs as graphs: RDF Dataset Canonicalization (RDFC-1.0, via pyoxigraph).

rdflib's ``isomorphic`` relies on its own canonical labelling, which gave two different
blank nodes of this project's graph the same label; RDFC-1.0 is the W3C algorithm.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph


def canonical_lines(graph: Graph) -> set[str]:
    dataset = ox.Dataset(
        ox.parse(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(quad.triple) for quad in dataset}


def assert_same_graph(expected: Graph, actual: Graph) -> None:
    want, got = canonical_lines(expected), canonical_lines(actual)
    missing, extra = sorted(want - got), sorted(got - want)
    assert not missing and not extra, (
        f"{len(missing)} triple(s) missing, {len(extra)} extra:\n"
        + "\n".join(f"- {t}" for t in missing[:8])
        + "\n"
        + "\n".join(f"+ {t}" for t in extra[:8])
    )
