"""VoID: the description of the dataset at /.well-known/void, by content negotiation.

The dataset (``kg:dataset``) with its title and description in English and Korean, its
licence and publisher (as the data states them), where its IRIs live
(``void:uriSpace``), the vocabularies it uses, its dumps (the exports), its SPARQL
endpoint, how many triples it has, one class and one property partition per class and
property, and one subset per named graph with its own count and dumps. The numbers come
from the SPARQL in ``queries/system/`` and are worked out once per state of the store;
``dcterms:date`` says when.
The service description (/sparql) describes its default dataset with the same triples.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from d4sme_kg.formats import GRAPH_FORMATS, write_rdf
from d4sme_kg.queries import shipped_query
from d4sme_kg.results import literal
from d4sme_kg.service import KnowledgeGraphService
from d4sme_kg.web import current_service
from d4sme_kg.web.negotiation import (
    asked_format,
    choose,
    html_wins,
    link_header,
)

bp = Blueprint("void", __name__)

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV_AGENT = "http://www.w3.org/ns/prov#Agent"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
XSD_DATE_TIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
#: The package whose metadata names the licence and the author when the data does not.
PACKAGE = "d4sme-kg"
#: What each named graph of a project holds, in English and Korean (VoID subsets, pages).
PART_TITLES: dict[str, tuple[str, str]] = {
    "ontology": ("The ontology (kgo:)", "온톨로지 (kgo:)"),
    "shapes": ("The SHACL shapes", "SHACL 셰이프"),
    "data": ("The facts of the article, with their evidence", "기사의 사실과 그 근거"),
    "links": ("Links to Wikidata and the OECD", "위키데이터·OECD 링크"),
    "source": ("The text of the article, line by line", "기사 원문 (행별)"),
}


@dataclass(frozen=True)
class Statistics:
    """What the VoID description counts, for one state of the store."""

    size: int
    #: Triples per named graph.
    graphs: dict[str, int]
    #: Instances per class.
    classes: dict[str, int]
    #: Triples per property.
    properties: dict[str, int]
    vocabularies: tuple[str, ...]
    #: What the data says of the dataset: (property IRI, term) pairs.
    about: tuple[tuple[str, ox.NamedNode | ox.Literal | ox.BlankNode], ...]
    #: When the store in this state was counted (time.time()), said as dcterms:date.
    counted_at: float = 0.0


_lock = threading.Lock()


def statistics(service: KnowledgeGraphService) -> Statistics:
    """The counts of :class:`Statistics`, worked out once per state of the store.

    The state is the store's version (d4sme_kg.store_version: a token and the count of
    writes), so that a write that keeps the size and the graphs (one property for
    another) is seen.
    A store with no version (a remote one, changed behind our back) is told by its
    size and its named graphs, the most it lets us know cheaply.
    """
    version = service.version
    if version is not None:
        key: Any = str(version)
    else:
        key = (service.size(), tuple(service.graphs()))
    cache: dict[Any, Statistics] = current_app.extensions.setdefault("d4sme_kg_void", {})
    with _lock:
        found = cache.get(key)
    if found is not None:
        return found
    size = key[0] if version is None else service.size()
    graphs = _system_rows(service, "graph-sizes")
    classes = _system_rows(service, "class-partitions")
    properties = _system_rows(service, "void-property-partitions")
    vocabularies = _system_rows(service, "void-vocabularies")
    about = _system_rows(
        service,
        "void-dataset",
        dataset=("uri", dataset_iri(service)),
        author=literal(_package("Author") or PACKAGE),
    )
    found = Statistics(
        size=size,
        graphs={str(row["g"].value): _count(row["triples"]) for row in graphs},
        classes={
            row["class"].value: _count(row["instances"])
            for row in classes
            if isinstance(row["class"], ox.NamedNode)
        },
        properties={row["property"].value: _count(row["triples"]) for row in properties},
        # An IRI with no namespace leaves ?vocabulary unbound (the query skips them too).
        vocabularies=tuple(row["vocabulary"].value for row in vocabularies if "vocabulary" in row),
        about=tuple((row["property"].value, row["value"]) for row in about),
        # The store's own count time: the same in every worker, unlike the moment
        # this worker happened to read the statistics.
        counted_at=service.counted()[1],
    )
    with _lock:
        cache.clear()  # one state of the store at a time
        cache[key] = found
    return found


def dataset_iri(service: KnowledgeGraphService) -> str:
    """The dataset's IRI: ``kg:dataset``, which the data describes too."""
    return f"{service.project.base}id/dataset"


def graph_name(service: KnowledgeGraphService, graph: str) -> str | None:
    """The name of a graph served at /graph/{name}, or None for a graph outside it."""
    prefix = service.project.graph_iri("")
    if graph.startswith(prefix) and len(graph) > len(prefix):
        return graph[len(prefix) :]
    return None


def void_triples(service: KnowledgeGraphService, root: str) -> list[ox.Triple]:
    """The VoID description of the dataset served at ``root`` (the app's URL, with "/")."""
    stats = statistics(service)
    triples: list[ox.Triple] = []

    def add(subject: ox.NamedNode | ox.BlankNode, predicate: str, value: Any) -> None:
        if isinstance(value, int):
            value = ox.Literal(str(value), datatype=XSD_INTEGER)
        triples.append(ox.Triple(subject, ox.NamedNode(predicate), value))

    dataset = ox.NamedNode(dataset_iri(service))
    add(dataset, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
    stated = {prop for prop, _ in stats.about}
    for prop, value in stats.about:
        if prop != PROV_AGENT:
            add(dataset, prop, value)
    if DCTERMS + "publisher" not in stated:
        _publisher(add, dataset, stats)
    if DCTERMS + "license" not in stated:
        licence = _package("License-Expression")
        if licence:  # the package's licence (pyproject.toml), as an SPDX IRI
            add(dataset, DCTERMS + "license", ox.NamedNode(f"https://spdx.org/licenses/{licence}"))
    add(dataset, VOID + "uriSpace", ox.Literal(service.prefixes["kg"]))
    for vocabulary in stats.vocabularies:
        add(dataset, VOID + "vocabulary", ox.NamedNode(vocabulary))
    add(dataset, VOID + "sparqlEndpoint", ox.NamedNode(root + "sparql"))
    for fmt in GRAPH_FORMATS:
        add(dataset, VOID + "dataDump", ox.NamedNode(f"{root}export{fmt.suffix}"))
    add(dataset, VOID + "triples", stats.size)
    counted = datetime.fromtimestamp(stats.counted_at, UTC).isoformat()
    add(dataset, DCTERMS + "date", ox.Literal(counted, datatype=XSD_DATE_TIME))
    add(dataset, VOID + "classes", len(stats.classes))
    add(dataset, VOID + "properties", len(stats.properties))
    for index, (cls, instances) in enumerate(sorted(stats.classes.items())):
        partition = ox.BlankNode(f"class{index}")
        add(dataset, VOID + "classPartition", partition)
        add(partition, VOID + "class", ox.NamedNode(cls))
        add(partition, VOID + "entities", instances)
    for index, (prop, count) in enumerate(sorted(stats.properties.items())):
        partition = ox.BlankNode(f"property{index}")
        add(dataset, VOID + "propertyPartition", partition)
        add(partition, VOID + "property", ox.NamedNode(prop))
        add(partition, VOID + "triples", count)
    for graph, count in sorted(stats.graphs.items()):
        subset = ox.NamedNode(graph)
        add(dataset, VOID + "subset", subset)
        add(subset, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
        add(subset, VOID + "triples", count)
        add(subset, VOID + "sparqlEndpoint", ox.NamedNode(root + "sparql"))
        name = graph_name(service, graph)
        if name is None:
            continue
        for text, lang in zip(PART_TITLES.get(name, (name, name)), ("en", "ko"), strict=True):
            add(subset, DCTERMS + "title", ox.Literal(text, language=lang))
        for fmt in GRAPH_FORMATS:
            add(subset, VOID + "dataDump", ox.NamedNode(f"{root}graph/{name}{fmt.suffix}"))
    return triples


def _publisher(add: Any, dataset: ox.NamedNode, stats: Statistics) -> None:
    """The publisher when the data names none: the agent of the data named as the
    package's author (pyproject.toml), else a new agent with that name."""
    agents = [value for prop, value in stats.about if prop == PROV_AGENT]
    if agents:
        add(dataset, DCTERMS + "publisher", agents[0])
        return
    agent = ox.BlankNode("publisher")
    add(dataset, DCTERMS + "publisher", agent)
    add(agent, RDF_TYPE, ox.NamedNode(FOAF + "Agent"))
    add(agent, FOAF + "name", ox.Literal(_package("Author") or PACKAGE))


@bp.route("/.well-known/void")
@bp.route("/.well-known/void.<suffix>")
def void(suffix: str | None = None) -> Response:
    """The VoID description of the dataset, in the RDF format the client asks for.

    By suffix (``/.well-known/void.ttl``, in any case; another suffix is 404) or by
    ``format=`` and ``Accept``. A browser, which ranks HTML above every RDF type, gets
    the Turtle labelled ``text/plain``: VoID is a document for programs and has no page
    of its own here (``/id/dataset`` shows what the data says of the dataset, not these
    counts), a browser shows text/plain where it would download text/turtle, and a 406
    would show its user nothing. Fuseki answers an Accept that matches nothing with its
    default syntax the same way; programs asking for no RDF type still get 406.
    """
    explicit = asked_format("void", suffix, GRAPH_FORMATS)
    readable = suffix is None and html_wins(request, GRAPH_FORMATS, explicit)
    fmt = GRAPH_FORMATS[0] if readable else choose(request, GRAPH_FORMATS, explicit)
    service = current_service()
    body = write_rdf(void_triples(service, request.url_root), fmt, service.prefixes)
    response = Response(body, mimetype="text/plain" if readable else fmt.media_type)
    response.headers["Link"] = link_header("/.well-known/void")
    if suffix is None:
        response.vary.add("Accept")
    return response


def _package(field: str) -> str | None:
    """A field of the installed package's metadata (from pyproject.toml), if any."""
    try:
        values = metadata.metadata(PACKAGE).get_all(field) or []
    except metadata.PackageNotFoundError:
        return None
    return str(values[0]) if values else None


def _count(term: Any) -> int:
    return int(term.value)


def _system_rows(service: KnowledgeGraphService, name: str, **bindings: Any) -> list[Any]:
    """The solutions of a system query as pyoxigraph terms by variable name."""
    answer = service.query(shipped_query(f"system/{name}"), bindings=bindings)
    solutions = ox.parse_query_results(answer.body, ox.QueryResultsFormat.JSON)
    if not isinstance(solutions, ox.QuerySolutions):  # an ASK: not a query of this kind
        raise TypeError(f"{name} is not a SELECT")
    variables = [v.value for v in solutions.variables]
    return [
        {var: solution[var] for var in variables if solution[var] is not None}
        for solution in solutions
    ]
