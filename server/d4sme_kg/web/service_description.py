"""The SPARQL service description (with the VoID of its dataset), by content negotiation.

``sd:resultFormat`` lists exactly what /sparql answers in: the result formats of SELECT
and ASK and the graph formats of CONSTRUCT and DESCRIBE, from the one format table.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Request, Response

from d4sme_kg.formats import GRAPH_FORMATS, RESULT_FORMATS, write_rdf
from d4sme_kg.service import KnowledgeGraphService
from d4sme_kg.web.negotiation import choose
from d4sme_kg.web.void import RDF_TYPE, VOID, dataset_iri, statistics, void_triples

SD = "http://www.w3.org/ns/sparql-service-description#"
ENT = "http://www.w3.org/ns/entailment/"
DCTERMS = "http://purl.org/dc/terms/"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
#: What /sparql answers in: SELECT/ASK results, then CONSTRUCT/DESCRIBE graphs.
ANSWER_FORMATS = (*RESULT_FORMATS, *GRAPH_FORMATS)


def description_triples(
    service: KnowledgeGraphService, endpoint: str, root: str
) -> list[ox.Triple]:
    """The sd:Service at ``endpoint`` and the VoID of its dataset (the app at ``root``)."""
    triples: list[ox.Triple] = []

    def add(
        subject: ox.NamedNode | ox.BlankNode,
        predicate: str,
        value: ox.NamedNode | ox.BlankNode | ox.Literal | str | int,
    ) -> None:
        if isinstance(value, int):
            value = ox.Literal(str(value), datatype=XSD_INTEGER)
        elif isinstance(value, str):
            value = ox.NamedNode(value)
        triples.append(ox.Triple(subject, ox.NamedNode(predicate), value))

    node = ox.NamedNode(endpoint)
    add(node, RDF_TYPE, SD + "Service")
    add(node, SD + "endpoint", node)
    add(node, SD + "supportedLanguage", SD + "SPARQL11Query")
    if service.writes_enabled:
        add(node, SD + "supportedLanguage", SD + "SPARQL11Update")
    for fmt in ANSWER_FORMATS:
        add(node, SD + "resultFormat", fmt.w3c)
    add(node, SD + "feature", SD + "UnionDefaultGraph")
    if service.settings.federate:
        add(node, SD + "feature", SD + "BasicFederatedQuery")
    add(node, SD + "defaultEntailmentRegime", ENT + "Simple")
    stats = statistics(service)
    dataset = ox.NamedNode(dataset_iri(service))
    add(node, SD + "defaultDataset", dataset)
    add(dataset, RDF_TYPE, SD + "Dataset")
    default = ox.BlankNode("defaultgraph")
    add(dataset, SD + "defaultGraph", default)
    add(default, RDF_TYPE, SD + "Graph")
    add(
        default,
        DCTERMS + "description",
        ox.Literal("The union of every named graph of the store.", language="en"),
    )
    add(default, VOID + "triples", stats.size)
    for index, (name, count) in enumerate(sorted(stats.graphs.items())):
        named, inner = ox.BlankNode(f"named{index}"), ox.BlankNode(f"graph{index}")
        add(dataset, SD + "namedGraph", named)
        add(named, RDF_TYPE, SD + "NamedGraph")
        add(named, SD + "name", name)
        add(named, SD + "graph", inner)
        add(inner, RDF_TYPE, SD + "Graph")
        add(inner, VOID + "triples", count)
    return triples + void_triples(service, root)


def service_description(service: KnowledgeGraphService, request: Request) -> Response:
    fmt = choose(request, GRAPH_FORMATS, request.args.get("format"))
    triples = description_triples(service, request.base_url, request.url_root)
    response = Response(write_rdf(triples, fmt, service.prefixes), mimetype=fmt.media_type)
    response.vary.add("Accept")
    return response
