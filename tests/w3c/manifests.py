"""The W3C test suite's vocabulary and manifests: namespaces, media types, and a
manifest file read into a small store with helpers to walk its entries."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
QT = "http://www.w3.org/2001/sw/DataAccess/tests/test-query#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"
DAWGT = "http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#"
HT = "http://www.w3.org/2011/http#"
CNT = "http://www.w3.org/2011/content#"
RS = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"
SD = "http://www.w3.org/ns/sparql-service-description#"
XSD = "http://www.w3.org/2001/XMLSchema#"

RESULT_MEDIA = {
    ".srx": "application/sparql-results+xml",
    ".srj": "application/sparql-results+json",
    ".tsv": "text/tab-separated-values",
    ".csv": "text/csv",
}
RDF_SUFFIXES = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
}
RDF_MEDIA = (
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "application/trig",
    "application/n-quads",
)
TABULAR_MEDIA = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)

# -- manifests -------------------------------------------------------------------------------


class Manifest:
    """A manifest file read into a small store, with helpers to walk it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.base = path.resolve().as_uri()
        self.store = ox.Store()
        self.store.extend(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=self.base))

    def objects(self, subject: Any, predicate: str) -> list[Any]:
        return [
            q.object
            for q in self.store.quads_for_pattern(subject, ox.NamedNode(predicate), None, None)
        ]

    def one(self, subject: Any, predicate: str) -> Any:
        found = self.objects(subject, predicate)
        return found[0] if found else None

    def items(self, head: Any) -> list[Any]:
        out = []
        while head is not None and head != ox.NamedNode(RDF + "nil"):
            out.append(self.one(head, RDF + "first"))
            head = self.one(head, RDF + "rest")
        return out

    def entries(self) -> list[Any]:
        return self.items(self.one(ox.NamedNode(self.base), MF + "entries"))

    def approved(self, test: Any) -> bool:
        return ox.NamedNode(DAWGT + "Approved") in self.objects(test, DAWGT + "approval")

    def types(self, test: Any) -> set[str]:
        return {t.value for t in self.objects(test, RDF + "type")}

    def name(self, test: Any) -> str:
        value = self.one(test, MF + "name")
        return value.value if value is not None else test.value


def file_path(iri: str) -> Path:
    """The local path of a ``file:`` IRI of the test suite."""
    from urllib.parse import unquote

    return Path(unquote(urlsplit(iri).path))
