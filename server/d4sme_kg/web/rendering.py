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
from urllib.parse import quote

from flask import current_app, request, url_for
from markupsafe import Markup, escape

from d4sme_kg.errors import KGError
from d4sme_kg.queries import shipped_query
from d4sme_kg.results import literal
from d4sme_kg.store import QueryAnswer
from d4sme_kg.web import current_service
from d4sme_kg.web.problems import page_error

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


def page_language() -> str:
    """``?lang=ko|en``, else the browser's preference, else English."""
    chosen = request.args.get("lang", "").lower()
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default="en") or "en"


def page_rows(name: str, **bindings: tuple[Any, ...]) -> list[Row]:
    """Run the page query ``name`` with ``bindings``; the rows of its JSON answer."""
    answer = current_service().query(shipped_query(f"pages/{name}"), bindings=bindings)
    document = json.loads(answer.body)
    rows: list[Row] = document.get("results", {}).get("bindings", [])
    return rows


def lang_term(lang: str) -> tuple[Any, ...]:
    return literal(lang)


def _cached(what: str, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``build()`` once per store state (its size and graphs) and ``what``."""
    service = current_service()
    key = (what, service.size(), tuple(service.graphs()))
    cache: dict[Any, dict[str, Any]] = current_app.extensions.setdefault("d4sme_kg_pages", {})
    with _cache_lock:
        found = cache.get(key)
    if found is None:
        found = build()
        with _cache_lock:
            if len(cache) > 16:
                cache.clear()
            cache[key] = found
    return found


def labels(lang: str) -> dict[str, str]:
    """A label for every IRI that has one, in ``lang`` (cached until the store changes)."""
    return _cached(
        "labels-" + lang,
        lambda: {
            row["s"]["value"]: row["label"]["value"]
            for row in page_rows("labels", lang=lang_term(lang))
            if "label" in row
        },
    )


def groups() -> dict[str, str]:
    """The kind (diagram group) of every entity, from its classes (cached likewise)."""
    from d4sme_kg.web.diagram import group_of

    def build() -> dict[str, str]:
        types: dict[str, list[str]] = {}
        for row in page_rows("types"):
            types.setdefault(row["s"]["value"], []).append(row["type"]["value"])
        return {iri: group_of(found) for iri, found in types.items()}

    return _cached("groups", build)


#: The words of the pages in English and Korean.
UI: dict[str, tuple[str, str]] = {
    "query": ("Query", "질의"),
    "queries": ("Named queries", "저장된 질의"),
    "graph": ("Graph", "그래프"),
    "ontology": ("Ontology", "온톨로지"),
    "service": ("Service description", "서비스 설명"),
    "run": ("Run", "실행"),
    "load": ("load into the editor", "편집기로 불러오기"),
    "download": ("Download", "내려받기"),
    "share": ("Link to this result", "이 결과의 링크"),
    "format": ("Result format", "결과 형식"),
    "rows": ("rows", "행"),
    "labels": ("Labels", "레이블"),
    "types": ("Types", "유형"),
    "facts": ("Properties", "속성"),
    "incoming": ("Links to this entity", "이 개체를 가리키는 링크"),
    "links": ("Wikidata and OECD links", "위키데이터·OECD 링크"),
    "source": ("Sources", "출처"),
    "second_source": ("Second source", "2차 출처"),
    "confirmed_by": ("Also stated by", "함께 확인한 출처"),
    "hedged": ("hedged", "유보 표현"),
    "differs": ("Another source words this differently.", "다른 출처는 이를 다르게 표현합니다."),
    "line": ("line", "행"),
    "neighbourhood": ("Neighbourhood", "주변 그래프"),
    "parameters": ("Parameters", "매개변수"),
    "text": ("The query", "질의문"),
    "no_rows": ("No results.", "결과가 없습니다."),
    "none": ("None.", "없음."),
    "yes": ("yes", "예"),
    "no": ("no", "아니요"),
}


def ui(key: str, lang: str) -> str:
    """One word or phrase of the pages in ``lang``."""
    en, ko = UI.get(key, (key, key))
    return ko if lang == "ko" else en


def language_url(lang: str) -> str:
    """The current page in another language."""
    args = {**(request.view_args or {}), **request.args.to_dict(), "lang": lang}
    return url_for(request.endpoint or "pages.query_page", **args)


_SLUG_MARK = "__slug__"
#: The only IRIs a page links to as they are. Anyone who can query or write can make
#: an IRI <javascript:…> (or data:, vbscript:…), which a click would run on our origin.
WEB_SCHEMES = ("http://", "https://")


def web_link(iri: str) -> str | None:
    """``iri`` when it is an http(s) address a page may link to, else None."""
    return iri if iri[:8].lower().startswith(WEB_SCHEMES) else None


@dataclass(frozen=True)
class Namespaces:
    """The service's namespaces, to turn IRIs into local links and short names.

    The page URLs are worked out once per request: a table of a few thousand cells
    would otherwise spend its time in ``url_for``.
    """

    entity: str
    ontology: str
    prefixes: tuple[tuple[str, str], ...]
    entity_url: str
    ontology_url: str

    @classmethod
    def current(cls) -> Namespaces:
        service = current_service()
        table = {**service.prefixes, **EXTRA_PREFIXES}
        longest_first = tuple(sorted(table.items(), key=lambda item: -len(item[1])))
        return cls(
            service.prefixes["kg"],
            service.prefixes["kgo"],
            longest_first,
            url_for("entities.entity", slug=_SLUG_MARK),
            url_for("ontology.ontology"),
        )

    def slug(self, iri: str) -> str | None:
        """The slug of an entity IRI of ours, or None."""
        if iri.startswith(self.entity):
            rest = iri[len(self.entity) :]
            if rest and "/" not in rest and "#" not in rest and "?" not in rest:
                return rest
        return None

    def href(self, iri: str, lang: str | None = None) -> str | None:
        """Where a person clicks for ``iri``: our entity page, our ontology page, the IRI.

        None (no link) for an IRI that is not a web address: see :func:`web_link`.
        """
        query = f"?lang={lang}" if lang else ""
        slug = self.slug(iri)
        if slug is not None:
            return self.entity_url.replace(_SLUG_MARK, quote(slug, safe="")) + query
        if iri.startswith(self.ontology):
            return self.ontology_url + query + "#" + iri[len(self.ontology) :]
        return web_link(iri)

    def curie(self, iri: str) -> str:
        """``prefix:local`` when a prefix fits, else the IRI."""
        for prefix, namespace in self.prefixes:
            if iri.startswith(namespace):
                local = iri[len(namespace) :]
                if all(c.isalnum() or c in "-_." for c in local):
                    return f"{prefix}:{local}"
                break
        return iri


def cell(
    value: dict[str, str] | None, names: dict[str, str], ns: Namespaces, lang: str
) -> dict[str, Any]:
    """One SPARQL JSON term as a table cell: ``text``, ``href``, ``title``, ``note``.

    An IRI has a ``title`` (the IRI itself) and an ``href`` only when it may be linked.
    """
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


def cell_html(c: dict[str, Any]) -> Markup:
    """A cell as HTML (the same markup as the ``value`` macro, made without Jinja calls)."""
    text = escape(c["text"])
    if c.get("href"):
        return Markup(f'<a href="{escape(c["href"])}" title="{escape(c["title"])}">{text}</a>')
    if c.get("title"):  # an IRI that is not linked
        return Markup(f'<span title="{escape(c["title"])}">{text}</span>')
    lang = f' lang="{escape(c["lang"])}"' if c.get("lang") else ""
    note = f' <small class="note">{escape(c["note"])}</small>' if c.get("note") else ""
    return Markup(f"<span{lang}>{text}</span>{note}")


def answer_table(
    run: Callable[[], QueryAnswer], graph: bool, lang: str
) -> tuple[dict[str, Any] | None, dict[str, str] | None, int]:
    """What a page shows of a query: (its answer as a table, None, 200), or, when
    ``run`` (which asks the service for JSON or N-Triples) fails, (None, the alert,
    the page's status)."""
    try:
        body = run().body
    except KGError as failure:
        error, status = page_error(failure)
        return None, error, status
    return (graph_table(body, lang) if graph else result_table(body, lang)), None, 200


def result_table(body: bytes, lang: str) -> dict[str, Any]:
    """A SELECT/ASK answer (SPARQL JSON) as ``{"boolean"}`` or ``{"columns", "rows"}``."""
    document = json.loads(body)
    if "boolean" in document:
        return {"boolean": bool(document["boolean"]), "columns": [], "rows": []}
    columns: list[str] = document.get("head", {}).get("vars", [])
    bindings = document.get("results", {}).get("bindings", [])
    names = labels(lang)
    ns = Namespaces.current()
    rows = [
        [cell_html(cell(row.get(name), names, ns, lang)) for name in columns] for row in bindings
    ]
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
                cell_html(cell(_json_term(term), names, ns, lang))
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
