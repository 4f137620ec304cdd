"""Entity pages at /id/{slug}: Linked Data by the book.

The same IRI answers a browser with HTML and an RDF client with any format of the
table (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML) by ``Accept`` (``Vary:
Accept``) or by suffix (``/id/kakao.ttl``, ``/id/kakao.trig``). The RDF is a document
about the entity: in TriG and N-Quads too its triples are in the default graph, and
the ``Link`` header names the named graphs they come from (``void:inDataset``). An
unknown slug gives 404 with the closest slugs. The HTML shows labels in both
languages, types, every property with readable labels, incoming links, the Wikidata and
OECD links, a picture of the neighbourhood, and for every fact every source it comes
from: first the Korean quotes of the article (the primary source) with their English
translation, then the second sources, each with its statement in our words and where in
it the fact stands. Two queries per page (plus cached labels).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request

from d4sme_kg.formats import GRAPH_FORMATS
from d4sme_kg.logs import printable
from d4sme_kg.web.diagram import Edge, Node, legend_entries, neighbourhood_svg
from d4sme_kg.web.graphs import in_dataset, quads, rdf_response
from d4sme_kg.web.negotiation import (
    HTML,
    alternates,
    choose,
    link_header,
    prefers_html,
    split_suffix,
    suffixes,
)
from d4sme_kg.web.problems import problem
from d4sme_kg.web.rendering import (
    Namespaces,
    Row,
    cell,
    groups,
    labels,
    lang_term,
    page_language,
    page_rows,
    ui,
    web_link,
)

bp = Blueprint("entities", __name__)

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
WIKIDATA = "http://www.wikidata.org/entity/"
LABEL_PROPERTIES = (RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel")
#: The label rows of a page come in this order of language, then the others by tag.
LANGUAGE_ORDER = {"ko": 0, "en": 1}
#: What an entity IRI offers: HTML, then every RDF format (Turtle is the default for RDF).
OFFERED = (HTML, *GRAPH_FORMATS)
#: How much of an unknown entity's IRI an answer repeats.
SHOWN_LENGTH = 300


@bp.route("/id/<slug>")
def entity(slug: str) -> Response:
    slug, by_suffix = split_suffix(slug, OFFERED)
    fmt = choose(request, OFFERED, by_suffix or request.args.get("format"))
    ns = Namespaces.current()
    iri = ns.entity + slug
    reason = not_an_iri(iri, slug)
    graphs: list[str] = []
    if reason is not None:
        response = _missing(slug, ns, reason)
    elif fmt is HTML:
        response = _html(iri, slug, ns)
        if response.status_code == 200:
            rows = page_rows("entity-graphs", entity=("uri", iri))
            graphs = [row["g"]["value"] for row in rows]
    else:
        found = quads("entity-quads", entity=("uri", iri))
        # A document about the entity: its triples in the default graph in every format
        # (Comunica and the like read an N-Quads document's default graph); which named
        # graph each comes from, the Link header says (void:inDataset, /graph/{name}).
        triples = [q.triple for q in found]
        response = rdf_response(triples, fmt) if found else _missing(slug, ns)
        graphs = [q.graph_name.value for q in found if isinstance(q.graph_name, ox.NamedNode)]
    response.vary.add("Accept")
    if response.status_code == 200:
        response.headers["Link"] = link_header(f"/id/{slug}", *in_dataset(graphs))
    return response


def _html(iri: str, slug: str, ns: Namespaces) -> Response:
    lang = page_language()
    term = lang_term(lang)
    outgoing = page_rows("entity-outgoing", entity=("uri", iri), lang=term)
    incoming = page_rows("entity-incoming", entity=("uri", iri), lang=term)
    if not outgoing and not incoming:
        return _missing(slug, ns)
    names = labels(lang)
    view = entity_view(iri, outgoing, incoming, names, ns, lang)
    view["svg"] = _picture(iri, view["title"], outgoing, incoming, names, ns, lang)
    body = render_template(
        "entity.html",
        lang=lang,
        iri=iri,
        slug=slug,
        view=view,
        legend=legend_entries(lang),
        alternates=[(f.name, href, f.media_type) for f, href in alternates(f"/id/{slug}")],
    )
    return Response(body, mimetype="text/html")


def entity_view(
    iri: str,
    outgoing: list[Row],
    incoming: list[Row],
    names: dict[str, str],
    ns: Namespaces,
    lang: str,
) -> dict[str, Any]:
    """The page's content from the two query answers."""
    label_rows: dict[tuple[str, str, str], None] = {}
    types: dict[str, dict[str, Any]] = {}
    facts: dict[tuple[str, str, str], dict[str, Any]] = {}
    wikidata: dict[str, None] = {}
    pages: dict[str, None] = {}
    for row in outgoing:
        p, o = row["p"]["value"], row["o"]
        if p in LABEL_PROPERTIES and o["type"] == "literal":
            label_rows[(ns.curie(p), o["value"], o.get("xml:lang", ""))] = None
            continue
        if p == RDF + "type":
            types[o["value"]] = cell(o, names, ns, lang)
            continue
        if o["type"] == "uri" and o["value"].startswith(WIKIDATA):
            wikidata[o["value"]] = None
        elif p == RDFS + "seeAlso":
            pages[o["value"]] = None
        key = (p, o["type"], o["value"] + "@" + o.get("xml:lang", ""))
        fact = facts.get(key)
        if fact is None:
            value = cell(o, names, ns, lang)
            if "oLabel" in row and o["type"] == "uri":
                value["text"] = row["oLabel"]["value"]
            if "oQuote" in row:
                value["quote"] = row["oQuote"]["value"]
                value["translation"] = row.get("oTranslation", {}).get("value")
                value["line"] = row.get("oLine", {}).get("value")
            elif "oStatement" in row:
                value["statement"] = row["oStatement"]["value"]
                value["statement_lang"] = row["oStatement"].get("xml:lang", "")
                value["locator"] = row.get("oLocator", {}).get("value")
                value["source"] = _source_cell(row, "oSource", "oSourceLabel", names, ns, lang)
            fact = facts[key] = {
                "property": row.get("pLabel", {}).get("value") or ns.curie(p),
                "property_href": ns.href(p, lang),
                "property_iri": p,
                "value": value,
                "sources": {},
                "differs": False,
            }
        if "otherWording" in row:
            fact["differs"] = True
        source = fact_source(row, names, ns, lang)
        if source is not None:
            fact["sources"][tuple(sorted(source.items()))] = source
    ordered = sorted(facts.values(), key=lambda f: (f["property"].lower(), f["value"]["text"]))
    for fact in ordered:
        fact["sources"] = sorted(fact["sources"].values(), key=source_order)
    links_in: dict[tuple[str, str], dict[str, Any]] = {}
    for row in incoming:
        s, p = row["s"], row["p"]["value"]
        subject = cell(s, names, ns, lang)
        if "sLabel" in row:
            subject["text"] = row["sLabel"]["value"]
        links_in[(s["value"], p)] = {
            "subject": subject,
            "property": row.get("pLabel", {}).get("value") or ns.curie(p),
            "property_href": ns.href(p, lang),
        }
    title = names.get(iri) or iri.rsplit("/", 1)[-1]
    return {
        "title": title,
        "labels": [
            {"property": p, "value": v, "lang": lg}
            for p, v, lg in sorted(label_rows, key=label_order)
        ],
        "types": list(types.values()),
        "facts": ordered,
        "incoming": sorted(
            links_in.values(), key=lambda i: (i["property"].lower(), i["subject"]["text"])
        ),
        "wikidata": [
            {
                "iri": w,
                "id": w[len(WIKIDATA) :],
                "page": "https://www.wikidata.org/wiki/" + w[len(WIKIDATA) :],
            }
            for w in wikidata
        ],
        "pages": [{"text": page, "href": web_link(page)} for page in pages],
    }


def fact_source(
    row: Row, names: dict[str, str], ns: Namespaces, lang: str
) -> dict[str, Any] | None:
    """One source of a fact from a row of the page query, or None if the row has none.

    A quote of the article: its derivation mode (stated or inferred), the quote, its
    translation and line, and the article's hedge on it if any. A second source's
    statement: whether it is the fact's evidence (a fact from that source) or confirms a
    fact of the article, the source, its date, where in it the fact stands and what it
    says, in our words; never a quote.
    """
    if "quote" in row:
        return {
            "kind": "article",
            "mode": names.get(row["mode"]["value"], ns.curie(row["mode"]["value"])),
            "quote": row["quote"]["value"],
            "translation": row.get("translation", {}).get("value") or "",
            "line": row.get("line", {}).get("value") or "",
            "hedge": row.get("hedge", {}).get("value") or "",
        }
    if "statement" in row:
        confirms = row.get("confirms", {}).get("value") == "true"
        return {
            "kind": "confirms" if confirms else "second",
            "mode": ui("confirmed_by" if confirms else "second_source", lang),
            "statement": row["statement"]["value"],
            "statement_lang": row["statement"].get("xml:lang", ""),
            "locator": row.get("locator", {}).get("value") or "",
            "date": row.get("statementDate", {}).get("value") or "",
            **_source_cell(row, "statementSource", "statementSourceLabel", names, ns, lang),
        }
    return None


def _source_cell(
    row: Row, key: str, label_key: str, names: dict[str, str], ns: Namespaces, lang: str
) -> dict[str, Any]:
    iri = row[key]["value"]
    return {
        "source": row.get(label_key, {}).get("value") or names.get(iri) or ns.curie(iri),
        "source_href": ns.href(iri, lang),
        "source_iri": iri,
    }


#: The article's quotes first (by line), then what confirms them, then the facts' other sources.
_SOURCE_KINDS = {"article": 0, "confirms": 1, "second": 2}


def source_order(source: dict[str, Any]) -> tuple[int, int, str, str, str]:
    """The article (the primary source) first, by line; then the second sources."""
    line = source.get("line") or ""
    return (
        _SOURCE_KINDS[source["kind"]],
        int(line) if line.isdigit() else 0,
        source.get("date", ""),
        source.get("source", ""),
        source.get("quote") or source.get("statement", ""),
    )


def label_order(row: tuple[str, str, str]) -> tuple[int, str, str, str]:
    """Korean labels first, then English, then the others by language tag.

    The query's rows come in no fixed order, so the label table would change from run to
    run without this; within one language, by property (CURIE) and then text.
    """
    prop, text, tag = row
    rank = LANGUAGE_ORDER.get(tag.lower(), len(LANGUAGE_ORDER))
    return (rank, tag.lower(), prop, text)


def _picture(
    iri: str,
    title: str,
    outgoing: list[Row],
    incoming: list[Row],
    names: dict[str, str],
    ns: Namespaces,
    lang: str,
) -> str:
    """The neighbourhood: the entity and the named entities it links to or from."""
    kinds = groups()
    neighbours: dict[str, Node] = {}
    edges: list[Edge] = []
    skipped = (RDF + "type", RDFS + "seeAlso")
    for row in outgoing:
        other, p = row["o"], row["p"]["value"]
        if (
            other["type"] != "uri"
            or p in skipped
            or ns.slug(other["value"]) is None
            or "oQuote" in row
            or "oStatement" in row
        ):
            continue
        label = (
            row.get("oLabel", {}).get("value")
            or names.get(other["value"])
            or ns.curie(other["value"])
        )
        neighbours[other["value"]] = Node(
            other["value"], label, ns.href(other["value"], lang), kinds.get(other["value"], "other")
        )
        edges.append(Edge(iri, other["value"], row.get("pLabel", {}).get("value") or ns.curie(p)))
    for row in incoming:
        other, p = row["s"], row["p"]["value"]
        if other["type"] != "uri" or ns.slug(other["value"]) is None:
            continue
        label = row.get("sLabel", {}).get("value") or ns.curie(other["value"])
        neighbours[other["value"]] = Node(
            other["value"], label, ns.href(other["value"], lang), kinds.get(other["value"], "other")
        )
        edges.append(Edge(other["value"], iri, row.get("pLabel", {}).get("value") or ns.curie(p)))
    center = Node(iri, title, ns.href(iri, lang), kinds.get(iri, "other"))
    return neighbourhood_svg(center, list(neighbours.values()), edges)


def not_an_iri(iri: str, slug: str) -> str | None:
    """Why ``iri`` (our namespace, then ``slug``) cannot be an IRI, in words; else None.

    A URL's path may hold what an IRI may not (``/id/a%7Bb`` is ``a{b``); no entity can
    have such a name, and the store refuses to be asked about it.
    """
    try:
        ox.NamedNode(iri)
    except ValueError as error:
        reason = str(error)
    else:
        return None
    for index, char in enumerate(slug):
        if char == "%":
            if not _PERCENT_ENCODED.match(slug, index):
                return "a % in an IRI must begin a percent-encoded byte such as %20"
        elif not _iri_character(char):
            return "an IRI cannot hold " + _character_name(char)
    return reason  # one the checks above do not name (a second "#", say)


_PERCENT_ENCODED = re.compile("%[0-9A-Fa-f]{2}")


@lru_cache(maxsize=1024)
def _iri_character(char: str) -> bool:
    try:
        ox.NamedNode("http://x/" + char)
    except ValueError:
        return False
    return True


def _character_name(char: str) -> str:
    """``'{' (U+007B LEFT CURLY BRACKET)``, ``U+0020 SPACE``, ``the control character U+000D``."""
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "")
    if not name:
        return f"the control character {code}" if unicodedata.category(char) == "Cc" else code
    if char.isprintable() and not char.isspace():
        return f"'{char}' ({code} {name})"
    return f"{code} {name}"


def _missing(slug: str, ns: Namespaces, reason: str | None = None) -> Response:
    """404 with the closest slugs, as HTML for browsers and problem+json for the rest.

    ``reason`` says why there can be no such entity, for a slug that is not an IRI's.
    """
    known = sorted({s for row in page_rows("slugs") if (s := ns.slug(row["s"]["value"]))})
    close = difflib.get_close_matches(slug.lower(), known, n=6, cutoff=0.5)
    close += [k for k in known if slug.lower() in k and k not in close][: 6 - len(close)]
    # The slug is the client's: shown on one line and not at any length.
    iri = printable(ns.entity + slug)
    if len(iri) > SHOWN_LENGTH:
        iri = iri[:SHOWN_LENGTH] + "…"
    detail = f"there is no entity {iri}"
    if reason is not None:
        detail += f": {reason}"
    elif "." in slug:
        detail += f" (a suffix names a format: {suffixes(OFFERED)})"
    if close:
        detail += "; did you mean: " + ", ".join(close)
    if prefers_html(request) or request.args.get("format") == "html":
        lang = page_language()
        body = render_template(
            "entity_missing.html",
            lang=lang,
            slug=slug,
            iri=iri,
            reason=reason,
            suggestions=close,
        )
        return Response(body, status=404, mimetype="text/html")
    return problem(
        404, "Not Found", detail, "not-found", suggestions=[ns.entity + s for s in close]
    )
