"""What the HTML pages share: the page language, labels for IRIs, links and table cells.

Every page runs its SPARQL from ``queries/pages/*.rq`` with bound parameters and turns
the SPARQL JSON answer into plain dictionaries the templates show.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for

from d4sme_kg.queries import page_query
from d4sme_kg.results import literal
from d4sme_kg.service import KnowledgeGraphService

LANGUAGES = ("en", "ko")
XSD = "http://www.w3.org/2001/XMLSchema#"
#: Extra prefixes for showing IRIs the service does not declare (alignment targets).
EXTRA_PREFIXES = {
    "swc": "http://data.semanticweb.org/ns/swc/ontology#",
    "conf": "https://w3id.org/scholarlydata/ontology/conference-ontology.owl#",
    "event": "http://purl.org/NET/c4dm/event.owl#",
    "sem": "http://semanticweb.cs.vu.nl/2009/11/sem/",
}
_cache_lock = threading.Lock()

Row = dict[str, dict[str, str]]


def service() -> KnowledgeGraphService:
    kg: KnowledgeGraphService = current_app.extensions["d4sme_kg"]
    return kg


def page_language() -> str:
    """``?lang=ko|en``, else the browser's preference, else English."""
    chosen = request.args.get("lang", "").lower()
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default="en") or "en"


def select(name: str, **bindings: tuple[Any, ...]) -> list[Row]:
    """Run the page query ``name`` with ``bindings``; the rows of its JSON answer."""
    answer = service().query(page_query(name), bindings=bindings)
    document = json.loads(answer.body)
    rows: list[Row] = document.get("results", {}).get("bindings", [])
    return rows


def lang_term(lang: str) -> tuple[Any, ...]:
    return literal(lang)


def labels(lang: str) -> dict[str, str]:
    """A label for every IRI that has one, in ``lang`` (cached until the store changes)."""
    kg = service()
    key = (lang, kg.backend.size(), tuple(kg.backend.graphs()))
    cache: dict[Any, dict[str, str]] = current_app.extensions.setdefault("d4sme_kg_labels", {})
    with _cache_lock:
        found = cache.get(key)
    if found is None:
        found = {
            row["s"]["value"]: row["label"]["value"]
            for row in select("labels", lang=lang_term(lang))
            if "label" in row
        }
        with _cache_lock:
            cache.clear()
            cache[key] = found
    return found


@dataclass(frozen=True)
class Namespaces:
    """The service's namespaces, to turn IRIs into local links and short names."""

    entity: str
    ontology: str
    prefixes: dict[str, str]

    @classmethod
    def current(cls) -> Namespaces:
        kg = service()
        return cls(kg.prefixes["kg"], kg.prefixes["kgo"], {**kg.prefixes, **EXTRA_PREFIXES})

    def slug(self, iri: str) -> str | None:
        """The slug of an entity IRI of ours, or None."""
        if iri.startswith(self.entity):
            rest = iri[len(self.entity) :]
            if rest and "/" not in rest and "#" not in rest and "?" not in rest:
                return rest
        return None

    def href(self, iri: str, lang: str | None = None) -> str:
        """Where a person clicks for ``iri``: our entity page, our ontology page, or the IRI."""
        slug = self.slug(iri)
        if slug is not None:
            return url_for("entities.entity", slug=slug, lang=lang)
        if iri.startswith(self.ontology):
            return url_for("ontology.ontology", lang=lang) + "#" + iri[len(self.ontology) :]
        return iri

    def curie(self, iri: str) -> str:
        """``prefix:local`` when a prefix fits, else the IRI."""
        best = ""
        for prefix, namespace in self.prefixes.items():
            if iri.startswith(namespace) and len(namespace) > len(self.prefixes.get(best, "")):
                best = prefix
        if best and all(c.isalnum() or c in "-_." for c in iri[len(self.prefixes[best]) :]):
            return f"{best}:{iri[len(self.prefixes[best]) :]}"
        return iri


def cell(
    value: dict[str, str] | None, names: dict[str, str], ns: Namespaces, lang: str
) -> dict[str, Any]:
    """One SPARQL JSON term as a table cell: ``text``, ``href``, ``title``, ``note``."""
    if value is None:
        return {"text": ""}
    kind = value["type"]
    if kind == "uri":
        iri = value["value"]
        return {"text": names.get(iri) or ns.curie(iri), "href": ns.href(iri, lang), "title": iri}
    if kind == "bnode":
        return {"text": "_:" + value["value"]}
    if kind == "triple":
        return {"text": "<< … >>"}
    note = value.get("xml:lang") or ""
    datatype = value.get("datatype", "")
    if datatype and datatype.startswith(XSD) and not note:
        note = datatype[len(XSD) :]
        if note in ("string", "integer", "decimal"):
            note = ""
    return {"text": value["value"], "note": note, "lang": value.get("xml:lang")}


def result_table(body: bytes, lang: str) -> dict[str, Any]:
    """A SELECT/ASK answer (SPARQL JSON) as ``{"boolean"}`` or ``{"columns", "rows"}``."""
    document = json.loads(body)
    if "boolean" in document:
        return {"boolean": bool(document["boolean"]), "columns": [], "rows": []}
    columns: list[str] = document.get("head", {}).get("vars", [])
    bindings = document.get("results", {}).get("bindings", [])
    names = labels(lang)
    ns = Namespaces.current()
    rows = [[cell(row.get(name), names, ns, lang) for name in columns] for row in bindings]
    return {"boolean": None, "columns": columns, "rows": rows}


def graph_table(body: bytes, lang: str) -> dict[str, Any]:
    """A CONSTRUCT/DESCRIBE answer (N-Triples) as a subject/predicate/object table."""
    import pyoxigraph as ox

    names = labels(lang)
    ns = Namespaces.current()
    rows = []
    for triple in ox.parse(body, format=ox.RdfFormat.N_TRIPLES):
        rows.append(
            [
                cell(_json_term(term), names, ns, lang)
                for term in (triple.subject, triple.predicate, triple.object)
            ]
        )
    return {"boolean": None, "columns": ["subject", "predicate", "object"], "rows": rows}


def _json_term(term: Any) -> dict[str, str]:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value, "datatype": term.datatype.value}
        if term.language:
            out["xml:lang"] = term.language
        return out
    return {"type": "triple", "value": str(term)}
