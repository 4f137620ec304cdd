"""The W3C Entity Reconciliation API at /reconcile, so OpenRefine can match its tables.

Both protocol versions are answered at the one endpoint, each request in the version
its form says:

- **1.0 draft**: ``POST /reconcile/match`` and ``POST /reconcile/extend`` with JSON
  bodies, ``GET /reconcile/extend/propose``; a JSON body POSTed to ``/reconcile`` is
  read the same way (an array of queries is 1.0, an object of queries by key is 0.2).
- **0.2**: the form-encoded or query-string ``queries=``/``extend=`` that OpenRefine
  sends, JSONP ``callback=``, ``GET /reconcile/propose_properties``.
- Suggest (``/suggest/entity|property|type``) and ``/preview`` are the same in both.

The manifest (``GET /reconcile``) is negotiated: ``?version=0.2|1.0-draft`` when given,
0.2 for JSONP, else by ``Accept``: ``application/reconciliation.v1+json`` (the media type
of the Community Group's version negotiation proposal) is the 1.0 manifest, plain
``application/json`` the 0.2 one, and ``*/*`` or no Accept at all the 1.0 one.
OpenRefine asks with jQuery's ``application/json, text/javascript, */*; q=0.01`` and so
keeps its 0.2 manifest.

Names and descriptions come in the language of ``?lang=`` or ``Accept-Language`` (else
of the query's ``lang``), English or Korean. The SPARQL lives in
``queries/linking/reconcile-*.rq``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Response, request
from werkzeug.exceptions import NotFound, UnsupportedMediaType

from d4sme_kg.errors import QueryError
from d4sme_kg.formats import Format
from d4sme_kg.linking.matching import short_name
from d4sme_kg.linking.scoring import normalise
from d4sme_kg.web import current_service
from d4sme_kg.web.negotiation import choose
from d4sme_kg.web.reconcile import documents, parsing
from d4sme_kg.web.reconcile.documents import V02, V1
from d4sme_kg.web.reconcile.index import (
    LANGUAGES,
    Index,
    Property,
    Value,
    entity_iri,
    expand,
    load_index,
    load_properties,
    load_type_labels,
    load_values,
    primary,
    term_iri,
)
from d4sme_kg.web.reconcile.parsing import Query
from d4sme_kg.web.reconcile.scoring import candidates

bp = Blueprint("reconcile", __name__, url_prefix="/reconcile")
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$.]{0,63}$")
#: The manifest's two representations; the first is what */* gets.
MANIFESTS = (
    Format(V1, "application/reconciliation.v1+json", "", "", aliases=("1.0",)),
    Format(V02, "application/json", "", ""),
)
SUGGESTIONS = 20  # default number of suggestions per page
MAX_PREFIX = 200


def _language(fallback: str | None = None) -> str:
    """``?lang=``, else the best of Accept-Language, else ``fallback``, else English."""
    explicit = request.args.get("lang", "")
    if primary(explicit) in LANGUAGES:
        return primary(explicit)
    best = request.accept_languages.best_match(LANGUAGES)
    if best:
        return best
    if fallback and primary(fallback) in LANGUAGES:
        return primary(fallback)
    return LANGUAGES[0]


def _answer(
    payload: Any, langs: list[str] | None = None, media_type: str = "application/json"
) -> Response:
    body = json.dumps(payload, ensure_ascii=False)
    callback = request.values.get("callback")
    if callback:
        if not _CALLBACK.match(callback):
            raise QueryError("callback must be a JavaScript identifier")
        response = Response(f"{callback}({body});", mimetype="application/javascript")
    else:
        response = Response(body, mimetype=media_type)
    if langs:
        response.headers["Content-Language"] = ", ".join(sorted(set(langs)))
        response.vary.add("Accept-Language")
    return response


def _json_body() -> Any:
    """The request's JSON document; 415 for another media type, 400 when it is broken."""
    if not request.is_json:
        raise UnsupportedMediaType("send the request as application/json")
    return parsing.parse_json(request.get_data(), "the request body")


def _form_json(name: str) -> Any:
    raw = request.values.get(name)
    if raw is None:
        return None
    if name == "query" and not raw.lstrip().startswith(("{", "[")):
        return raw  # 0.1: a bare string is the query itself
    return parsing.parse_json(raw, name)


@bp.route("", methods=["GET", "POST"])
def endpoint() -> Response:
    """The manifest, 0.2 queries and extension (form), or a JSON body of either version."""
    if request.method == "POST" and request.is_json:
        document = _json_body()
        if isinstance(document, dict) and "ids" in document:
            return _extend(parsing.parse_extension(document), V1)
        if isinstance(document, dict) and isinstance(document.get("queries"), dict):
            return _match_v02(parsing.batch_v02(document["queries"]))
        return _match_v1(parsing.batch_v1(document))
    queries = _form_json("queries")
    if queries is not None:
        return _match_v02(parsing.batch_v02(queries))
    single = _form_json("query")
    if single is not None:  # 0.1: one query, answered as {"result": [ … ]}
        query = parsing.parse_query(single, "query")
        (found,), langs = _reconcile([query])
        return _answer({"result": found}, langs)
    extend = _form_json("extend")
    if extend is not None:
        return _extend(parsing.parse_extension(extend), V02)
    return _manifest()


def _manifest() -> Response:
    version = request.args.get("version")
    if version is not None and version not in (V1, V02, "1.0"):
        raise QueryError(f"version must be {V02} or {V1}")
    if version is None and request.args.get("callback"):
        version = V02  # JSONP is 0.2 only
    chosen = choose(request, MANIFESTS, version)
    service, lang = current_service(), _language()
    _, labels = load_type_labels(service)
    known = Index({}, labels)
    base = service.project.base
    names = {t: known.type_name(t, lang) for t in documents.default_types(base)}
    root = request.url_root.rstrip("/") + (bp.url_prefix or "")
    document = documents.manifest(chosen.name, root, base, lang, names)
    response = _answer(document, [lang], chosen.media_type)
    response.vary.add("Accept")
    return response


def _reconcile(queries: list[Query]) -> tuple[list[list[dict[str, Any]]], list[str]]:
    """The candidates of each query (as JSON objects) and the languages they are in."""
    service = current_service()
    index = load_index(service)
    read: dict[str, list[Value]] = {}

    def read_values(ids: Iterable[str]) -> dict[str, list[Value]]:
        missing = [i for i in ids if i not in read]
        if missing:
            found = load_values(service, missing)
            read.update({i: found.get(i, []) for i in missing})
        return read

    answers, langs = [], []
    for query in queries:
        lang = _language(query.lang)
        langs.append(lang)
        scored = candidates(query, index, read_values, service.prefixes)
        answers.append([documents.candidate(s, index, lang) for s in scored])
    return answers, langs


@bp.route("/match", methods=["POST"])
def match() -> Response:
    """1.0: a batch of queries as JSON, answered with ``{"results": [ … ]}``."""
    return _match_v1(parsing.batch_v1(_json_body()))


def _match_v1(queries: list[Query]) -> Response:
    answers, langs = _reconcile(queries)
    return _answer(documents.results_v1(answers), langs)


def _match_v02(queries: dict[str, Query]) -> Response:
    answers, langs = _reconcile(list(queries.values()))
    return _answer(documents.results_v02(dict(zip(queries, answers, strict=True))), langs)


@bp.route("/extend", methods=["POST"])
def extend() -> Response:
    """1.0: the values of some properties of some entities."""
    return _extend(parsing.parse_extension(_json_body()), V1)


def _extend(query: parsing.Extension, version: str) -> Response:
    service, lang = current_service(), _language()
    known = {p.iri: p for p in load_properties(service)}
    pids = [term_iri(p, service.prefixes) for p in query.properties]
    properties = [known.get(p) or Property(p, ()) for p in pids]
    # Each row under the id as it was asked for (a bare slug too), its values by IRI.
    iris = {i: entity_iri(i, service.prefixes) for i in query.ids}
    found = load_values(service, set(iris.values()))
    values = {i: found.get(iri, []) for i, iri in iris.items()}
    return _answer(documents.extension(version, query.ids, properties, values, lang), [lang])


@bp.route("/extend/propose")
def propose() -> Response:
    """1.0: the properties worth fetching for entities of ``type``."""
    return _propose()


@bp.route("/propose_properties")
def propose_properties() -> Response:
    """0.2: the same, at the path the 0.2 manifest names."""
    return _propose()


def _propose() -> Response:
    service, lang = current_service(), _language()
    kind = term_iri(request.args.get("type", ""), service.prefixes)
    if len(kind) > parsing.MAX_TEXT:
        raise QueryError(f"type is longer than {parsing.MAX_TEXT} characters")
    limit = parsing.parse_count(request.args.get("limit"), "limit", SUGGESTIONS, 500)
    found = load_properties(service, kind or None)[:limit]
    properties = [documents.property_(p, lang) for p in found]
    return _answer(documents.proposal(kind, limit, properties), [lang])


@bp.route("/suggest/<any(entity, property, type):kind>")
def suggest(kind: str) -> Response:
    """Names that start with ``prefix`` (or have a word that does), in any language."""
    raw = request.args.get("prefix", "")
    if len(raw) > MAX_PREFIX:
        raise QueryError(f"prefix is longer than {MAX_PREFIX} characters")
    # 1.0 says offset, 0.2 said cursor.
    start = parsing.parse_count(
        request.args.get("offset", request.args.get("cursor")), "offset", 0, 10**6
    )
    limit = parsing.parse_count(request.args.get("limit"), "limit", SUGGESTIONS, 100)
    service, lang = current_service(), _language()
    if kind == "property":
        results = [
            documents.property_(p, lang)
            for p in load_properties(service)
            if _identifies(raw, p.iri)
            or _ranks(raw, [t for t, _ in p.labels] + [short_name(p.iri)]) is not None
        ]
    else:
        index = load_index(service)
        if kind == "entity":
            ranked = [
                (0 if _identifies(raw, r.iri) else rank, len(r.label(lang)[0]), r.iri)
                for r in index.records.values()
                if (rank := _ranks(raw, [n for n, _, _ in r.names])) is not None
                or _identifies(raw, r.iri)
            ]
            results = [
                documents.suggested_entity(index.records[iri], index, lang)
                for *_, iri in sorted(ranked)
            ]
        else:
            kinds = index.direct_types() | set(documents.default_types(service.project.base))
            typed = []
            for t in kinds:
                names = [n for n, _ in index.type_labels.get(t, [])] + [short_name(t)]
                rank = 0 if _identifies(raw, t) else _ranks(raw, names)
                if rank is not None:
                    typed.append((rank, index.type_name(t, lang)[0].casefold(), t))
            results = [documents.type_(t, index.type_name(t, lang)) for *_, t in sorted(typed)]
    return _answer({"result": results[start : start + limit]}, [lang])


def _identifies(raw: str, iri: str) -> bool:
    """True when the prefix is the identifier itself, in full or prefixed."""
    return bool(raw.strip()) and expand(raw.strip(), current_service().prefixes) == iri


def _ranks(raw: str, names: list[str]) -> int | None:
    """0: a name starts with the prefix; 1: a word of a name does; None: neither."""
    prefix = normalise(raw)
    folded = [normalise(n) for n in names]
    if any(n.startswith(prefix) for n in folded):
        return 0
    if any(w.startswith(prefix) for n in folded for w in n.split()):
        return 1
    return None


@bp.route("/preview")
def preview() -> Response:
    """An HTML card of one entity, for OpenRefine's preview frame."""
    service, lang = current_service(), _language()
    identifier = entity_iri(request.args.get("id", ""), service.prefixes)
    index = load_index(service)
    record = index.records.get(identifier)
    if record is None:
        raise NotFound(f"no entity {identifier!r} to preview")
    response = Response(documents.preview_html(record, index, lang), mimetype="text/html")
    response.headers["Content-Language"] = lang
    response.vary.add("Accept-Language")
    return response
