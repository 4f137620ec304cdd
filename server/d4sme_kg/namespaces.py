"""Namespaces and the prefixes every output of the project uses."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SKOS,
    TIME,
    VOID,
    XSD,
)

#: The canonical base the files under ``ontology/`` and ``data/`` are written with.
#: A deployment may serve them under another base (see :mod:`d4sme_kg.project`).
DEFAULT_BASE = "https://w3id.org/d4sme-kg/"

OA = Namespace("http://www.w3.org/ns/oa#")
SH = Namespace("http://www.w3.org/ns/shacl#")
VANN = Namespace("http://purl.org/vocab/vann/")
WD = Namespace("http://www.wikidata.org/entity/")
SCHEMA = SDO  # https://schema.org/ -- never the http:// form


def base_namespaces(base: str) -> dict[str, Namespace]:
    """The project's own namespaces under ``base``."""
    return {
        "kg": Namespace(f"{base}id/"),
        "kgo": Namespace(f"{base}ontology#"),
        "kgsh": Namespace(f"{base}shapes#"),
    }


STANDARD_PREFIXES: dict[str, Namespace] = {
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "owl": Namespace(str(OWL)),
    "xsd": Namespace(str(XSD)),
    "schema": Namespace(str(SCHEMA)),
    "org": Namespace(str(ORG)),
    "foaf": Namespace(str(FOAF)),
    "dcterms": Namespace(str(DCTERMS)),
    "skos": Namespace(str(SKOS)),
    "prov": Namespace(str(PROV)),
    "oa": OA,
    "time": Namespace(str(TIME)),
    "void": Namespace(str(VOID)),
    "dcat": Namespace(str(DCAT)),
    "vann": VANN,
    "sh": SH,
    "wd": WD,
}


def prefixes(base: str = DEFAULT_BASE) -> dict[str, Namespace]:
    """Every prefix we write, ours first."""
    return {**base_namespaces(base), **STANDARD_PREFIXES}


def bind_prefixes(graph: Graph, base: str = DEFAULT_BASE) -> Graph:
    """Bind our prefixes on ``graph`` (replacing rdflib's defaults) and return it."""
    for prefix, namespace in prefixes(base).items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph
