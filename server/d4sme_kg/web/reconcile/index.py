"""What the reconciliation service reads from the graph: entities, types, values, properties.

Everything comes from the stored queries ``queries/linking/reconcile-*.rq`` and is read
per request: a writable server's graph can change between two requests. Names and
descriptions are kept in every language the graph has, and chosen per request.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from d4sme_kg.errors import QueryError
from d4sme_kg.linking import terms
from d4sme_kg.linking.matching import Entry, short_name
from d4sme_kg.queries import shipped_query
from d4sme_kg.service import KnowledgeGraphService

#: The languages the graph labels its entities in; the first is the default.
LANGUAGES = ("en", "ko")

#: (text, language tag) of a label or description.
Text = tuple[str, str]


def primary(tag: str) -> str:
    """The primary language subtag: ``ko`` for ``ko-Latn`` (romanised Korean)."""
    return tag.split("-", 1)[0].lower()


def pick(texts: Sequence[Text], lang: str) -> Text | None:
    """The text in ``lang`` (exact tag, then same primary subtag), else English, else any."""
    for wanted in (lang, "en"):
        exact = [t for t in texts if t[1].lower() == wanted]
        same = [t for t in texts if primary(t[1]) == wanted]
        if exact or same:
            return (exact or same)[0]
    return texts[0] if texts else None


@dataclass
class Record(Entry):
    """One entity: its names (text, lang, preferred), descriptions and types."""

    descriptions: list[Text] = field(default_factory=list)

    def label(self, lang: str) -> Text:
        """The name to show in ``lang``: a preferred label when there is one."""
        preferred = [(t, tag) for t, tag, p in self.names if p]
        others = [(t, tag) for t, tag, p in self.names if not p]
        return pick(preferred, lang) or pick(others, lang) or (short_name(self.iri), "")

    def described(self, lang: str) -> Text | None:
        return pick(self.descriptions, lang)


@dataclass
class Index:
    """The reconcilable entities by IRI, and the labels of every type they have."""

    records: dict[str, Record]
    type_labels: dict[str, list[Text]]

    def type_name(self, iri: str, lang: str) -> Text:
        return pick(self.type_labels.get(iri, []), lang) or (short_name(iri), "")

    def direct_types(self) -> set[str]:
        return {t for record in self.records.values() for t in record.direct}


@dataclass
class Value:
    """One value of one property of an entity; a resource comes with its labels."""

    property: str
    value: str
    kind: str  # "uri", "literal" or "bnode", as in SPARQL JSON results
    lang: str = ""
    datatype: str = ""
    labels: list[tuple[str, str, bool]] = field(default_factory=list)

    def label(self, lang: str) -> Text | None:
        preferred = [(t, tag) for t, tag, p in self.labels if p]
        return pick(preferred, lang) or pick([(t, tag) for t, tag, _ in self.labels], lang)


@dataclass(frozen=True)
class Property:
    iri: str
    labels: tuple[Text, ...]

    def name(self, lang: str) -> Text:
        return pick(self.labels, lang) or (short_name(self.iri), "")


def linking_rows(
    service: KnowledgeGraphService, name: str, blocks: dict[str, Sequence[str]] | None = None
) -> list[dict[str, Any]]:
    """The rows of the stored query ``linking/{name}``, its VALUES blocks filled in."""
    text = shipped_query(f"linking/{name}")
    if blocks:
        text = terms.fill(text, blocks)
    answer = service.query(text, result_format="json")
    rows: list[dict[str, Any]] = json.loads(answer.body)["results"]["bindings"]
    return rows


def _text(term: dict[str, str]) -> Text:
    return term["value"], term.get("xml:lang", "")


def load_type_labels(
    service: KnowledgeGraphService,
) -> tuple[list[dict[str, Any]], dict[str, list[Text]]]:
    """The rows of the types query, and every type's labels."""
    rows = linking_rows(service, "reconcile-types")
    labels: dict[str, list[Text]] = {}
    for row in rows:
        found = labels.setdefault(row["type"]["value"], [])
        if "typeLabel" in row and _text(row["typeLabel"]) not in found:
            found.append(_text(row["typeLabel"]))
    return rows, labels


def load_index(service: KnowledgeGraphService) -> Index:
    records: dict[str, Record] = {}
    for row in linking_rows(service, "reconcile-names"):
        iri = row["entity"]["value"]
        record = records.setdefault(iri, Record(iri))
        name = (*_text(row["name"]), row["preferred"]["value"] == "true")
        if name not in record.names:
            record.names.append(name)
    ranks: dict[tuple[str, str], int] = {}
    for row in linking_rows(service, "reconcile-descriptions"):
        record_or_none = records.get(row["entity"]["value"])
        if record_or_none is None:
            continue
        text, tag = _text(row["description"])
        rank, key = int(row["rank"]["value"]), (record_or_none.iri, tag)
        # schema:description wins over skos:definition and rdfs:comment, per language.
        if key not in ranks or rank < ranks[key]:
            if key in ranks:
                record_or_none.descriptions = [
                    d for d in record_or_none.descriptions if d[1] != tag
                ]
            ranks[key] = rank
            record_or_none.descriptions.append((text, tag))
    rows, type_labels = load_type_labels(service)
    for row in rows:
        record_or_none = records.get(row["entity"]["value"])
        if record_or_none is not None:
            kind = row["type"]["value"]
            record_or_none.types.setdefault(kind, short_name(kind))
            if row["direct"]["value"] == "true":
                record_or_none.direct.add(kind)
    for record in records.values():
        record.names.sort(key=lambda n: (not n[2], n[1] != "en", n[0]))
    return Index(records, type_labels)


def load_values(service: KnowledgeGraphService, ids: Iterable[str]) -> dict[str, list[Value]]:
    """entity -> its property values, for the given entity IRIs (others have none)."""
    valid = []
    for identifier in ids:
        try:
            valid.append(terms.iri(identifier))
        except QueryError:
            continue  # not an IRI: no entity of ours, so no values
    found: dict[str, list[Value]] = {}
    if not valid:
        return found
    seen: dict[tuple[str, str, str, str, str], Value] = {}
    for row in linking_rows(service, "reconcile-values", {"entity": valid}):
        entity, term = row["entity"]["value"], row["value"]
        key = (
            entity,
            row["property"]["value"],
            term["value"],
            term.get("xml:lang", ""),
            term.get("datatype", ""),
        )
        value = seen.get(key)
        if value is None:
            value = Value(key[1], key[2], term["type"], key[3], key[4])
            seen[key] = value
            found.setdefault(entity, []).append(value)
        if "valueName" in row:
            value.labels.append((*_text(row["valueName"]), row["preferred"]["value"] == "true"))
    return found


def load_properties(service: KnowledgeGraphService, kind: str | None = None) -> list[Property]:
    """The properties used on our entities (of class ``kind`` when given), most used first."""
    if kind:
        rows = linking_rows(service, "reconcile-type-properties", {"type": [terms.iri(kind)]})
    else:
        rows = linking_rows(service, "reconcile-properties")
    return [
        Property(
            row["property"]["value"],
            tuple(
                (row[column]["value"], lang)
                for column, lang in (("nameEn", "en"), ("nameKo", "ko"))
                if column in row
            ),
        )
        for row in rows
    ]


def expand(identifier: str, prefixes: Mapping[str, str]) -> str:
    """A full IRI for our prefixed names (``kgo:Service``, ``kg:kakao``); others unchanged."""
    prefix, sep, local = identifier.partition(":")
    if sep and prefix in prefixes and not local.startswith("//"):
        return prefixes[prefix] + local
    return identifier


def entity_iri(identifier: str, prefixes: Mapping[str, str]) -> str:
    """An entity's IRI: given in full, prefixed (``kg:kakao``) or as its bare slug (``kakao``)."""
    return _bare(identifier.strip(), prefixes, "kg")


def term_iri(identifier: str, prefixes: Mapping[str, str]) -> str:
    """A property's or type's IRI: in full, prefixed (``kgo:basedIn``, ``schema:Person``)
    or as the bare name of a term of our ontology (``basedIn``, ``Organization``)."""
    return _bare(identifier.strip(), prefixes, "kgo")


def _bare(identifier: str, prefixes: Mapping[str, str], namespace: str) -> str:
    """``identifier`` expanded; a bare name (no ":") is one of ``prefixes[namespace]``."""
    if identifier and ":" not in identifier and namespace in prefixes:
        return prefixes[namespace] + identifier
    return expand(identifier, prefixes)
