"""The one table of formats: name, media type, suffix and the library that writes it.

Negotiation (web), export and the CLI's ``--format`` choices all read this table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from d4sme_kg.errors import FormatError

_W3C = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    """One serialisation: ``name`` is what users type, ``rdflib_name`` what rdflib expects."""

    name: str
    media_type: str
    suffix: str
    rdflib_name: str
    aliases: tuple[str, ...] = ()
    #: True when the format can hold several named graphs.
    quads: bool = False
    #: Other media types clients send for this format (e.g. application/json).
    also: tuple[str, ...] = ()
    #: The W3C format IRI (https://www.w3.org/ns/formats/), for service descriptions.
    w3c: str = ""

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.also)


#: RDF graph formats, the first one is the default.
GRAPH_FORMATS: tuple[Format, ...] = (
    Format(
        "turtle",
        "text/turtle",
        ".ttl",
        "turtle",
        # Turtle is N3 without N3's extensions: what N3 clients (SPARQLWrapper's N3) read.
        ("ttl", "n3"),
        also=("application/x-turtle", "text/n3", "text/rdf+n3"),
        w3c=_W3C + "Turtle",
    ),
    Format(
        "nt",
        "application/n-triples",
        ".nt",
        "nt",
        ("ntriples", "n-triples"),
        w3c=_W3C + "N-Triples",
    ),
    Format(
        "jsonld",
        "application/ld+json",
        ".jsonld",
        "json-ld",
        ("json-ld", "json"),
        also=("application/json",),
        w3c=_W3C + "JSON-LD",
    ),
    Format(
        "xml",
        "application/rdf+xml",
        ".rdf",
        "xml",
        ("rdfxml", "rdf-xml", "rdf+xml", "rdf", "owl"),
        also=("application/xml", "text/xml"),
        w3c=_W3C + "RDF_XML",
    ),
    Format("trig", "application/trig", ".trig", "trig", (), quads=True, w3c=_W3C + "TriG"),
    Format(
        "nquads",
        "application/n-quads",
        ".nq",
        "nquads",
        ("nq", "n-quads"),
        quads=True,
        w3c=_W3C + "N-Quads",
    ),
)

#: SPARQL SELECT/ASK result formats, the first one is the default.
RESULT_FORMATS: tuple[Format, ...] = (
    Format(
        "json",
        "application/sparql-results+json",
        ".srj",
        "json",
        ("srj",),
        also=("application/json",),
        w3c=_W3C + "SPARQL_Results_JSON",
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        ".srx",
        "xml",
        ("srx",),
        also=("application/xml", "text/xml"),
        w3c=_W3C + "SPARQL_Results_XML",
    ),
    Format("csv", "text/csv", ".csv", "csv", w3c=_W3C + "SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", ".tsv", "tsv", w3c=_W3C + "SPARQL_Results_TSV"),
)


def oxigraph_format(fmt: Format | str) -> ox.RdfFormat:
    """The pyoxigraph RdfFormat of a graph format (by Format or by name)."""
    name = fmt if isinstance(fmt, str) else fmt.name
    return {
        "turtle": ox.RdfFormat.TURTLE,
        "nt": ox.RdfFormat.N_TRIPLES,
        "jsonld": ox.RdfFormat.JSON_LD,
        "xml": ox.RdfFormat.RDF_XML,
        "trig": ox.RdfFormat.TRIG,
        "nquads": ox.RdfFormat.N_QUADS,
    }[name]


def write_rdf(
    statements: Iterable[ox.Triple | ox.Quad],
    fmt: Format,
    prefixes: Mapping[str, str] | None = None,
    graph: str | None = None,
) -> bytes:
    """Serialise triples or quads in ``fmt`` (any of GRAPH_FORMATS), in a stable order.

    In a quad format (TriG, N-Quads) a quad stays in its graph, and a triple goes into
    ``graph`` when it is named (the graph the triples are known to come from) or else
    into the default graph. A triple format gets each triple once, whatever its graph.
    """
    namespaces = dict(prefixes) if prefixes else None
    if fmt.quads:
        name = ox.NamedNode(graph) if graph is not None else ox.DefaultGraph()
        written: list[ox.Quad] = [
            s if isinstance(s, ox.Quad) else ox.Quad(s.subject, s.predicate, s.object, name)
            for s in statements
        ]
        # By graph first: TriG writes one block per run of quads of a graph.
        written = sorted(set(written), key=lambda q: (str(q.graph_name), str(q)))
        return ox.serialize(written, format=oxigraph_format(fmt), prefixes=namespaces) or b""
    triples = sorted({s.triple if isinstance(s, ox.Quad) else s for s in statements}, key=str)
    return ox.serialize(triples, format=oxigraph_format(fmt), prefixes=namespaces) or b""


def find_format(name: str, table: tuple[Format, ...] = GRAPH_FORMATS) -> Format:
    """Look a format up by name, alias, media type or suffix; raise FormatError if unknown."""
    key = name.strip().lower()
    for fmt in table:
        if key in (fmt.name, *fmt.media_types, fmt.suffix, fmt.suffix.lstrip("."), *fmt.aliases):
            return fmt
    known = ", ".join(fmt.name for fmt in table)
    raise FormatError(f"unknown format {name!r}; use one of: {known}")


def format_for_path(path: Path) -> Format | None:
    """The graph format a file's suffix implies, or None for other files."""
    for fmt in GRAPH_FORMATS:
        if path.suffix.lower() == fmt.suffix:
            return fmt
    return None


def names(table: tuple[Format, ...] = GRAPH_FORMATS) -> list[str]:
    """Format names, for CLI choices."""
    return [fmt.name for fmt in table]
