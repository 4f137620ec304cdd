"""The W3C Entity Reconciliation API at /reconcile, so OpenRefine can match its tables.

Both dialects are answered: the 0.2 protocol OpenRefine sends (form or query-string
``queries=`` / ``extend=`` JSON, optional JSONP ``callback``) and the 1.0 draft (POST
``application/json``). Names match in Korean, English and romanised forms; the SPARQL
lives in ``queries/linking/reconcile-*.rq`` and runs through the service's rules.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, current_app, request
from markupsafe import escape

from d4sme_kg.errors import QueryError
from d4sme_kg.linking import terms
from d4sme_kg.linking.matching import Entry, name_score, short_name
from d4sme_kg.linking.scoring import normalise
from d4sme_kg.service import KnowledgeGraphService

bp = Blueprint("reconcile", __name__, url_prefix="/reconcile")
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$.]{0,63}$")
DEFAULT_TYPES = (
    "ontology#Organization",
    "https://schema.org/Person",
    "https://schema.org/Place",
    "ontology#Service",
    "http://www.w3.org/2004/02/skos/core#Concept",
)


def _service() -> KnowledgeGraphService:
    service: KnowledgeGraphService = current_app.extensions["d4sme_kg"]
    return service


def _select(
    name: str, text: str | None = None, bindings: dict[str, tuple[Any, ...]] | None = None
) -> list[dict[str, Any]]:
    answer = _service().query(
        text or terms.linking_query(name), result_format="json", bindings=bindings
    )
    rows: list[dict[str, Any]] = json.loads(answer.body)["results"]["bindings"]
    return rows


def _index() -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for row in _select("reconcile-names"):
        entry = entries.setdefault(row["entity"]["value"], Entry(row["entity"]["value"]))
        name = (
            row["name"]["value"],
            row["name"].get("xml:lang", ""),
            row["preferred"]["value"] == "true",
        )
        if name not in entry.names:
            entry.names.append(name)
        if "description" in row and not entry.description:
            entry.description = row["description"]["value"]
    for row in _select("reconcile-types"):
        entry_or_none = entries.get(row["entity"]["value"])
        if entry_or_none is not None:
            kind = row["type"]["value"]
            entry_or_none.types[kind] = row.get("typeLabel", {}).get("value", short_name(kind))
            if row["direct"]["value"] == "true":
                entry_or_none.direct.add(kind)
    for entry in entries.values():
        entry.names.sort(key=lambda n: (not n[2], n[1] != "en", n[0]))
    return entries


def _expand(identifier: str) -> str:
    """Accept full IRIs and our prefixed names (kgo:Service, schema:location)."""
    prefix, sep, local = identifier.partition(":")
    known = _service().prefixes
    if sep and prefix in known and not local.startswith("//"):
        return known[prefix] + local
    return identifier


def _values(ids: list[str]) -> dict[str, list[dict[str, str]]]:
    """entity -> rows of {property, value, type, name} for the given entities."""
    valid = [i for i in ids if i.startswith(("http://", "https://"))]
    found: dict[str, list[dict[str, str]]] = {}
    if not valid:
        return found
    text = terms.fill(
        terms.linking_query("reconcile-values"), {"entity": [terms.iri(i) for i in valid]}
    )
    for row in _select("reconcile-values", text):
        found.setdefault(row["entity"]["value"], []).append(
            {
                "property": row["property"]["value"],
                "value": row["value"]["value"],
                "type": row["value"]["type"],
                "name": row.get("valueName", {}).get("value", ""),
            }
        )
    return found


def _matches(wanted: Any, row: dict[str, str]) -> bool:
    if isinstance(wanted, dict):
        return _expand(str(wanted.get("id", ""))) == row["value"]
    text = normalise(str(wanted))
    return text in (normalise(row["value"]), normalise(row["name"])) or row["value"] == wanted


def reconcile(query: dict[str, Any], entries: dict[str, Entry]) -> list[dict[str, Any]]:
    """Candidates for one query (0.2 fields; 1.0 ``conditions`` are read the same way)."""
    text = str(query.get("query", ""))
    filters = [(p.get("pid", ""), p.get("v")) for p in query.get("properties", [])]
    for condition in query.get("conditions", []):
        if condition.get("matchType") == "name":
            text = str(condition.get("propertyValue", ""))
        elif condition.get("matchType") == "property":
            filters.append((condition.get("propertyId", ""), condition.get("propertyValue")))
    wanted_types = query.get("type") or []
    wanted_types = {
        _expand(t) for t in (wanted_types if isinstance(wanted_types, list) else [wanted_types])
    }
    scored: list[tuple[float, Entry]] = []
    for entry in entries.values():
        if wanted_types and not wanted_types & set(entry.types):
            continue
        score = name_score(text, entry) if text else 0.0
        if score >= 50 or (not text and filters):
            scored.append((score, entry))
    if filters and scored:
        values = _values([e.iri for _, e in scored])
        rescored = []
        for score, entry in scored:
            rows = values.get(entry.iri, [])
            hits = 0
            for pid, wanted in filters:
                wanted_list = wanted if isinstance(wanted, list) else [wanted]
                if any(
                    r["property"] == _expand(pid) and _matches(w, r)
                    for r in rows
                    for w in wanted_list
                ):
                    hits += 1
            # Names weigh most; each matching property adds its share of the rest.
            fraction = hits / len(filters)
            new = round(0.7 * score + 30 * fraction, 1) if text else round(100 * fraction, 1)
            rescored.append((new, entry))
        scored = [p for p in rescored if p[0] > 0]
    scored.sort(key=lambda p: (-p[0], p[1].iri))
    limit = int(query.get("limit") or 10)
    top = scored[:limit]
    unique = len(top) == 1 or (len(top) > 1 and top[0][0] - top[1][0] >= 10)
    return [
        {
            "id": e.iri,
            "name": e.name(),
            "description": e.description,
            "type": [{"id": t, "name": e.types[t]} for t in sorted(e.direct)],
            "score": s,
            "match": bool(i == 0 and s >= 99 and unique),
        }
        for i, (s, e) in enumerate(top)
    ]


def _answer(payload: Any) -> Response:
    callback = request.values.get("callback")
    body = json.dumps(payload, ensure_ascii=False)
    if callback:
        if not _CALLBACK.match(callback):
            raise QueryError("callback must be a JavaScript identifier")
        return Response(f"{callback}({body});", mimetype="application/javascript")
    response = Response(body, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _json_param(name: str) -> Any:
    raw = request.values.get(name)
    try:
        return json.loads(raw) if raw is not None else None
    except ValueError:
        if name == "query":  # 0.1: a bare string is the query itself
            return {"query": raw}
        raise QueryError(f"{name} is not valid JSON") from None


@bp.route("", methods=["GET", "POST"])
def endpoint() -> Response:
    """Manifest, 0.2 queries / extension, or a 1.0 JSON batch."""
    if request.method == "POST" and request.is_json:
        document = request.get_json(silent=True)
        if not isinstance(document, dict):
            raise QueryError("the body must be a JSON object")
        if "ids" in document:
            return _answer(_extend(document, v1=True))
        entries = _index()
        return _answer(
            {
                "results": [
                    {
                        "candidates": [
                            {**c, "name": [{"str": c["name"]}]} for c in reconcile(q, entries)
                        ]
                    }
                    for q in document.get("queries", [])
                ]
            }
        )
    queries = _json_param("queries")
    if queries is None and (single := _json_param("query")) is not None:
        return _answer({"result": reconcile(single, _index())})
    if isinstance(queries, dict):
        entries = _index()
        return _answer({key: {"result": reconcile(q, entries)} for key, q in queries.items()})
    extend = _json_param("extend")
    if isinstance(extend, dict):
        return _answer(_extend(extend, v1=False))
    return _answer(manifest(request.args.get("version") == "1.0-draft"))


def manifest(v1: bool) -> dict[str, Any]:
    service = _service()
    root = request.url_root.rstrip("/") + "/reconcile"
    base = service.project.base
    types = [
        {"id": t if t.startswith("http") else base + t, "name": short_name(t)}
        for t in DEFAULT_TYPES
    ]
    document: dict[str, Any] = {
        "versions": ["0.2", "1.0-draft"],
        "name": "d4sme-kg: the D4SME article knowledge graph",
        "identifierSpace": base + "id/",
        "schemaSpace": base + "ontology#",
        "documentation": request.url_root,
        "defaultTypes": types,
        "view": {"url": "{{id}}"},
    }
    if v1:
        document.update(
            {
                "preview": {"width": 400, "height": 200},
                "suggest": {"entity": True, "property": True, "type": True},
                "extend": {"proposeProperties": True, "propertySettings": []},
            }
        )
        return document
    suggest = {
        k: {"service_url": root, "service_path": f"/suggest/{k}"}
        for k in ("entity", "type", "property")
    }
    document.update(
        {
            "preview": {"url": root + "/preview?id={{id}}", "width": 400, "height": 200},
            "suggest": suggest,
            "extend": {
                "propose_properties": {"service_url": root, "service_path": "/propose_properties"},
                "property_settings": [],
            },
        }
    )
    return document


def _extend(document: dict[str, Any], v1: bool) -> dict[str, Any]:
    ids = [str(i) for i in document.get("ids", [])]
    pids = [_expand(str(p.get("id", ""))) for p in document.get("properties", [])]
    names = {
        r["property"]["value"]: r.get("name", {}).get("value", "")
        for r in _select("reconcile-properties")
    }
    values = _values(ids)
    meta = [{"id": p, "name": names.get(p) or short_name(p)} for p in pids]

    def cells(entity: str, pid: str) -> list[dict[str, str]]:
        return [
            {"id": r["value"], "name": r["name"] or short_name(r["value"])}
            if r["type"] == "uri"
            else {"str": r["value"]}
            for r in values.get(entity, [])
            if r["property"] == pid
        ]

    if v1:
        return {
            "meta": meta,
            "rows": [
                {"id": i, "properties": [{"id": p, "values": cells(i, p)} for p in pids]}
                for i in ids
            ],
        }
    return {"meta": meta, "rows": {i: {p: cells(i, p) for p in pids} for i in ids}}


@bp.route("/extend", methods=["POST"])
def extend_v1() -> Response:
    document = request.get_json(silent=True)
    if not isinstance(document, dict):
        raise QueryError("the body must be a JSON object with ids and properties")
    return _answer(_extend(document, v1=True))


@bp.route("/suggest/<kind>")
def suggest(kind: str) -> Response:
    prefix = normalise(request.args.get("prefix", ""))
    start = int(request.args.get("cursor", "0") or 0)
    results: list[dict[str, Any]] = []
    if kind == "entity":
        ranked = []
        for entry in _index().values():
            names = [normalise(n) for n, _, _ in entry.names]
            # Whole names that start with the prefix first, then names with a word that does.
            rank = min(
                [
                    0 if n.startswith(prefix) else 1
                    for n in names
                    if n.startswith(prefix) or any(w.startswith(prefix) for w in n.split())
                ],
                default=None,
            )
            if rank is not None:
                ranked.append((rank, len(entry.name()), entry.iri, entry))
        for _rank, _length, _iri, entry in sorted(ranked, key=lambda r: r[:3]):
            results.append(
                {
                    "id": entry.iri,
                    "name": entry.name(),
                    "description": entry.description,
                    "notable": [{"id": t, "name": entry.types[t]} for t in sorted(entry.direct)],
                }
            )
    elif kind == "type":
        seen: dict[str, str] = {}
        for entry in _index().values():
            seen.update({t: entry.types[t] for t in entry.direct})
        results = [
            {"id": t, "name": n}
            for t, n in sorted(seen.items())
            if normalise(n).startswith(prefix) or prefix in normalise(short_name(t))
        ]
    elif kind == "property":
        results = [
            {
                "id": r["property"]["value"],
                "name": r.get("name", {}).get("value") or short_name(r["property"]["value"]),
            }
            for r in _select("reconcile-properties")
        ]
        results = [
            r
            for r in results
            if prefix in normalise(r["name"]) or prefix in normalise(short_name(r["id"]))
        ]
    else:
        raise QueryError(f"no suggest service for {kind!r}; use entity, type or property")
    return _answer({"result": results[start : start + 20]})


@bp.route("/propose_properties")
def propose_properties() -> Response:
    kind = _expand(request.args.get("type", ""))
    limit = int(request.args.get("limit", "20") or 20)
    if kind:
        text = terms.fill(
            terms.linking_query("reconcile-type-properties"), {"type": [terms.iri(kind)]}
        )
        rows = _select("reconcile-type-properties", text)
    else:
        rows = _select("reconcile-properties")
    properties = [
        {
            "id": r["property"]["value"],
            "name": r.get("name", {}).get("value") or short_name(r["property"]["value"]),
        }
        for r in rows[:limit]
    ]
    return _answer({"type": kind, "limit": limit, "properties": properties})


@bp.route("/preview")
def preview() -> Response:
    identifier = request.args.get("id", "")
    entry = _index().get(identifier)
    if entry is None:
        return Response("<p>unknown entity</p>", status=404, mimetype="text/html")
    names = "".join(
        f'<li lang="{escape(lang)}">{escape(text)}</li>' for text, lang, _ in entry.names
    )
    kinds = ", ".join(str(escape(entry.types[t])) for t in sorted(entry.direct))
    html = (
        f'<html><body style="font-family:sans-serif;margin:0.5em"><h3>'
        f'<a href="{escape(entry.iri)}" target="_blank">{escape(entry.name())}</a></h3>'
        f"<p>{kinds}</p><ul>{names}</ul><p>{escape(entry.description)}</p></body></html>"
    )
    return Response(html, mimetype="text/html")
