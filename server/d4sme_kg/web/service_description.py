"""The SPARQL service description (with VoID statistics), by content negotiation."""

from __future__ import annotations

import json
from typing import Any

from flask import Request, Response
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID, XSD

from d4sme_kg.formats import GRAPH_FORMATS, RESULT_FORMATS
from d4sme_kg.namespaces import bind_prefixes
from d4sme_kg.queries import system_query
from d4sme_kg.store import QueryRequest
from d4sme_kg.web.negotiation import choose

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ENT = Namespace("http://www.w3.org/ns/entailment/")


def statistics(service: Any) -> dict[str, Any]:
    """Triples per named graph and instances per class, cached until the store changes."""
    size = service.backend.size()
    cached = getattr(service, "_statistics", None)
    if cached and cached["size"] == size:
        return dict(cached)
    graphs = _select(service, "graph-sizes")
    classes = _select(service, "class-partitions")
    stats = {
        "size": size,
        "graphs": {row["g"]["value"]: int(row["triples"]["value"]) for row in graphs},
        "classes": {
            row["class"]["value"]: int(row["instances"]["value"])
            for row in classes
            if row["class"]["type"] == "uri"
        },
    }
    service._statistics = stats
    return dict(stats)


def describe(service: Any, endpoint: str) -> Graph:
    """The sd:Service graph for ``endpoint``."""
    graph = bind_prefixes(Graph(), service.project.base)
    graph.bind("sd", SD)
    node = URIRef(endpoint)
    graph.add((node, RDF.type, SD.Service))
    graph.add((node, SD.endpoint, node))
    graph.add((node, SD.supportedLanguage, SD.SPARQL11Query))
    if service.writes_enabled:
        graph.add((node, SD.supportedLanguage, SD.SPARQL11Update))
    for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS):
        graph.add((node, SD.resultFormat, URIRef(fmt.w3c)))
    graph.add((node, SD.feature, SD.UnionDefaultGraph))
    if service.settings.federate:
        graph.add((node, SD.feature, SD.BasicFederatedQuery))
    graph.add((node, SD.defaultEntailmentRegime, ENT.Simple))
    stats = statistics(service)
    dataset = URIRef(f"{service.project.base}id/dataset")
    graph.add((node, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, VOID.triples, Literal(stats["size"], datatype=XSD.integer)))
    graph.add((dataset, VOID.sparqlEndpoint, node))
    default = BNode("defaultgraph")
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add(
        (
            default,
            DCTERMS.description,
            Literal("The union of every named graph of the store.", lang="en"),
        )
    )
    graph.add((default, VOID.triples, Literal(stats["size"], datatype=XSD.integer)))
    for index, (name, triples) in enumerate(sorted(stats["graphs"].items())):
        named, inner = BNode(f"named{index}"), BNode(f"graph{index}")
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
        graph.add((named, SD.graph, inner))
        graph.add((inner, RDF.type, SD.Graph))
        graph.add((inner, VOID.triples, Literal(triples, datatype=XSD.integer)))
    for index, (cls, instances) in enumerate(sorted(stats["classes"].items())):
        partition = BNode(f"class{index}")
        graph.add((dataset, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], URIRef(cls)))
        graph.add((partition, VOID.entities, Literal(instances, datatype=XSD.integer)))
    return graph


def service_description(service: Any, request: Request) -> Response:
    fmt = choose(request, GRAPH_FORMATS, request.args.get("format"))
    endpoint = request.base_url
    graph = describe(service, endpoint)
    if fmt.quads:
        # rdflib writes N-Quads and TriG only from a dataset: the description is its
        # default graph.
        dataset = Dataset()
        for prefix, namespace in graph.namespaces():
            dataset.bind(prefix, namespace)
        for triple in graph:
            dataset.add(triple)
        body = dataset.serialize(format=fmt.rdflib_name, encoding="utf-8")
    else:
        body = graph.serialize(format=fmt.rdflib_name, encoding="utf-8")
    response = Response(body, mimetype=fmt.media_type)
    response.vary.add("Accept")
    return response


def _select(service: Any, name: str) -> list[dict[str, Any]]:
    request = QueryRequest(
        system_query(name), result_format="json", timeout=service.settings.timeout, max_rows=10**7
    )
    answer = service.backend.query(request)
    bindings: list[dict[str, Any]] = json.loads(answer.body)["results"]["bindings"]
    return bindings
