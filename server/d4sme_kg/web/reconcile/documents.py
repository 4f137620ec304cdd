"""The JSON documents of the reconciliation service, in the shape of each version.

Where 0.2 and the 1.0 draft differ (manifest, result batch, data extension rows) there
is one function per version; suggest answers and property proposals have one shape,
valid in both. Names and descriptions are given in the language asked for, with
``lang`` saying which language they are in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import escape

from d4sme_kg.web.reconcile.index import Index, Property, Record, Text, Value
from d4sme_kg.web.reconcile.parsing import MAX_BATCH
from d4sme_kg.web.reconcile.scoring import XSD, Scored

V1 = "1.0-draft"
V02 = "0.2"
DEFAULT_TYPES = (
    "ontology#Organization",
    "https://schema.org/Person",
    "https://schema.org/Place",
    "ontology#Service",
    "http://www.w3.org/2004/02/skos/core#Concept",
)
SERVICE_NAME = {
    "en": "d4sme-kg: the D4SME article knowledge graph",
    "ko": "d4sme-kg: D4SME 기사 지식 그래프",
}
PREVIEW = {"width": 400, "height": 200}
_DATE_TIME = XSD + "dateTime"
_ISO_DATE_TIME = re.compile(
    r"^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
    r"T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?$"
)
_INTEGER = {XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger")}
_FLOAT = {XSD + t for t in ("decimal", "double", "float")}


def default_types(base: str) -> list[str]:
    return [t if t.startswith("http") else base + t for t in DEFAULT_TYPES]


def manifest(
    version: str, root: str, base: str, lang: str, type_names: Mapping[str, Text]
) -> dict[str, Any]:
    """The service manifest; ``root`` is the endpoint URL (…/reconcile)."""
    types = [
        _with_lang({"id": t, "name": type_names[t][0]}, type_names[t][1])
        for t in default_types(base)
    ]
    document: dict[str, Any] = {
        # The version this manifest is written in, only: a client reads a manifest by the
        # versions it lists, and no manifest can be valid in both (0.2's suggest services
        # are objects, 1.0's booleans). The other version is served too, at the same
        # endpoint, with its own manifest (?version=, Accept; see web.reconcile).
        "versions": [version],
        "name": SERVICE_NAME.get(lang, SERVICE_NAME["en"]),
        "documentation": root.rsplit("/", 1)[0] + "/",
        "defaultTypes": types,
    }
    if version == V1:
        return {
            **document,
            "lang": lang,
            # Our identifiers are IRIs already: RFC 6570's {+id} leaves them as they are.
            "view": {"url": "{+id}"},
            "preview": dict(PREVIEW),
            "suggest": {"entity": True, "property": True, "type": True},
            "extend": {"proposeProperties": True, "propertySettings": []},
            "batchSize": MAX_BATCH,
            "standardizedScore": True,
        }
    return {
        **document,
        "identifierSpace": base + "id/",
        "schemaSpace": base + "ontology#",
        "view": {"url": "{{id}}"},
        "preview": {"url": root + "/preview?id={{id}}", **PREVIEW},
        "suggest": {
            kind: {"service_url": root, "service_path": f"/suggest/{kind}"}
            for kind in ("entity", "type", "property")
        },
        "extend": {
            "propose_properties": {"service_url": root, "service_path": "/propose_properties"},
            "property_settings": [],
        },
    }


def candidate(scored: Scored, index: Index, lang: str) -> dict[str, Any]:
    """One candidate; the same fields in 0.2 and 1.0 (``name`` is a string in both)."""
    record = scored.record
    return {
        **entity(record, index, lang),
        "type": types(record, index, lang),
        "score": scored.score,
        "match": scored.match,
    }


def entity(record: Record, index: Index, lang: str) -> dict[str, Any]:
    """id, name and description; ``lang`` when both are in one language."""
    name, name_lang = record.label(lang)
    document: dict[str, Any] = {"id": record.iri, "name": name}
    described = record.described(lang)
    if described is not None:
        document["description"] = described[0]
    if name_lang and (described is None or described[1] == name_lang):
        document["lang"] = name_lang
    return document


def types(record: Record, index: Index, lang: str) -> list[dict[str, Any]]:
    return [type_(t, index.type_name(t, lang)) for t in sorted(record.direct)]


def type_(iri: str, name: Text) -> dict[str, Any]:
    return _with_lang({"id": iri, "name": name[0]}, name[1])


def results_v1(batches: Sequence[list[dict[str, Any]]]) -> dict[str, Any]:
    return {"results": [{"candidates": found} for found in batches]}


def results_v02(batches: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {key: {"result": found} for key, found in batches.items()}


def suggested_entity(record: Record, index: Index, lang: str) -> dict[str, Any]:
    return {**entity(record, index, lang), "notable": types(record, index, lang)}


def property_(prop: Property, lang: str) -> dict[str, Any]:
    name, tag = prop.name(lang)
    return _with_lang({"id": prop.iri, "name": name}, tag)


def proposal(kind: str, limit: int, properties: list[dict[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {"properties": properties, "limit": limit}
    if kind:
        document["type"] = kind
    return document


def extension(
    version: str,
    ids: Sequence[str],
    properties: Sequence[Property],
    values: Mapping[str, list[Value]],
    lang: str,
) -> dict[str, Any]:
    """A data extension response: ``rows`` is an array in 1.0, an object by id in 0.2."""
    v1 = version == V1
    meta = [property_(p, lang) for p in properties]

    def cells(identifier: str, pid: str) -> list[dict[str, Any]]:
        return [cell(v, lang, v1) for v in values.get(identifier, []) if v.property == pid]

    if v1:
        rows: Any = [
            {
                "id": i,
                "properties": [{"id": p.iri, "values": cells(i, p.iri)} for p in properties],
            }
            for i in ids
        ]
    else:
        rows = {i: {p.iri: cells(i, p.iri) for p in properties} for i in ids}
    return {"meta": meta, "rows": rows}


def cell(value: Value, lang: str, v1: bool) -> dict[str, Any]:
    """One value: an entity, a number, a date-time or a string (0.2 allows no ``lang``)."""
    if value.kind != "literal":
        label = value.label(lang)
        if label is None:
            return {"id": value.value, "name": value.value}
        document = {"id": value.value, "name": label[0]}
        return _with_lang(document, label[1]) if v1 else document
    try:
        if value.datatype in _INTEGER:
            return {"int": int(value.value)}
        if value.datatype in _FLOAT and math.isfinite(float(value.value)):
            return {"float": float(value.value)}
    except ValueError:
        pass  # an ill-typed literal is still a string
    if value.datatype == _DATE_TIME and _ISO_DATE_TIME.match(value.value):
        return {"date": value.value}
    document = {"str": value.value}
    return _with_lang(document, value.lang) if v1 else document


def preview_html(record: Record, index: Index, lang: str) -> str:
    """A small page for an iframe: names in every language, types and description."""
    name, name_lang = record.label(lang)
    names = "".join(
        f'<li lang="{escape(tag)}">{escape(text)}</li>' for text, tag, _ in record.names
    )
    kinds = ", ".join(str(escape(index.type_name(t, lang)[0])) for t in sorted(record.direct))
    described = record.described(lang)
    description = (
        f'<p lang="{escape(described[1])}">{escape(described[0])}</p>' if described else ""
    )
    return (
        f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        f"<title>{escape(name)}</title></head>"
        f'<body style="font-family:sans-serif;margin:0.5em"><h3 lang="{escape(name_lang)}">'
        f'<a href="{escape(record.iri)}" target="_blank">{escape(name)}</a></h3>'
        f"<p>{kinds}</p>{description}<ul>{names}</ul></body></html>"
    )


def _with_lang(document: dict[str, Any], tag: str) -> dict[str, Any]:
    if tag:
        document["lang"] = tag
    return document
