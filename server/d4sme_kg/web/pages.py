"""Pages for people: the query page (/) and the picture of the whole graph (/graph).

The query page keeps the query in the URL (``/?query=…``) so that a result can be
shared; it shows SELECT/ASK answers as a table and CONSTRUCT/DESCRIBE answers as
triples, IRIs as links to their pages and labelled in the chosen language, with
download links in every format of /sparql. The named queries are its examples.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from d4sme_kg.formats import RESULT_FORMATS
from d4sme_kg.queries import StoredQuery
from d4sme_kg.web import current_service
from d4sme_kg.web.diagram import Edge, Node, article_svg, legend_entries
from d4sme_kg.web.named_queries import named
from d4sme_kg.web.protocol import CONSTRUCT_FORMATS, query_form
from d4sme_kg.web.rendering import (
    Namespaces,
    answer_table,
    groups,
    labels,
    lang_term,
    language_url,
    page_language,
    page_rows,
    ui,
)

bp = Blueprint("pages", __name__)


@bp.app_context_processor
def page_helpers() -> dict[str, Any]:
    return {"ui": ui, "language_url": language_url}


EXAMPLE = "attendees"
#: The folders of named queries listed apart from the main questions, each under its own
#: collapsed heading (English, Korean), in this order; other folders follow by name.
QUERY_SECTIONS: dict[str, tuple[str, str]] = {
    "checks": ("Data checks", "데이터 점검"),
    "linking": ("Linking and reconciliation", "연결과 대조"),
}
FALLBACK = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?entity ?label WHERE { ?entity rdfs:label ?label . FILTER(LANG(?label) = "ko") }
LIMIT 20
"""


@bp.route("/")
def query_page() -> BaseResponse:
    lang = page_language()
    examples = named()
    text = request.args.get("query")
    chosen = request.args.get("example")
    fmt = request.args.get("format", "html") or "html"
    if text and fmt != "html":
        return redirect(url_for("sparql.sparql", query=text, format=fmt))
    table: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    status = 200
    form = None
    if text:
        form = query_form(text)
        asked, base = text, request.host_url + "sparql"
        table, error, status = answer_table(
            lambda: current_service().query(
                asked, result_format="json", graph_format="nt", base_iri=base
            ),
            form in ("CONSTRUCT", "DESCRIBE"),
            lang,
        )
    if text is None:
        name = chosen if chosen in examples else EXAMPLE
        text = examples[name].text if name in examples else FALLBACK
    main_queries, sections = query_sections(list(examples.values()), lang)
    graph_formats = form in ("CONSTRUCT", "DESCRIBE")
    downloads = [
        (f.name, url_for("sparql.sparql", query=text, format=f.name))
        for f in (CONSTRUCT_FORMATS if graph_formats else RESULT_FORMATS)
    ]
    body = render_template(
        "query.html",
        lang=lang,
        text=text,
        table=table,
        error=error,
        downloads=downloads,
        examples=main_queries,
        sections=sections,
        triples=current_service().size(),
        result_formats=[f.name for f in RESULT_FORMATS],
        graph_formats=[f.name for f in CONSTRUCT_FORMATS],
        ran=table is not None,
        share=url_for("pages.query_page", query=text, lang=lang, _external=True),
        prefix_lines="\n".join(
            f"PREFIX {p}: <{ns}>" for p, ns in current_service().prefixes.items()
        ),
    )
    return Response(body, status=status, mimetype="text/html")


def query_sections(
    queries: list[StoredQuery], lang: str
) -> tuple[list[StoredQuery], list[dict[str, Any]]]:
    """The main questions (top-level queries), then one section per subfolder.

    Each list is sorted by title in ``lang``; the sections are ``checks/`` and ``linking/``
    (in that order), then any other folder by name, each with its heading in ``lang``.
    """

    def by_title(found: list[StoredQuery]) -> list[StoredQuery]:
        return sorted(found, key=lambda q: (q.title(lang).lower(), q.name))

    main = by_title([q for q in queries if not q.folder])
    folders = sorted({q.folder for q in queries if q.folder})
    order = [f for f in QUERY_SECTIONS if f in folders] + [
        f for f in folders if f not in QUERY_SECTIONS
    ]
    sections = []
    for folder in order:
        en, ko = QUERY_SECTIONS.get(folder, (folder, folder))
        sections.append(
            {
                "folder": folder,
                "title": ko if lang == "ko" else en,
                "queries": by_title([q for q in queries if q.folder == folder]),
            }
        )
    return main, sections


@bp.route("/graph")
def graph_page() -> Response:
    lang = page_language()
    body = render_template(
        "graph.html", lang=lang, svg=article_picture(lang), legend=legend_entries(lang)
    )
    return Response(body, mimetype="text/html")


@bp.route("/graph.svg")
def graph_svg() -> Response:
    return Response(article_picture(page_language()), mimetype="image/svg+xml")


def article_picture(lang: str) -> str:
    """The article's entities and the links between them, as one SVG."""
    ns = Namespaces.current()
    names = labels(lang)
    kinds = groups()
    nodes: dict[str, Node] = {}
    edges: list[Edge] = []
    for row in page_rows("article-graph", lang=lang_term(lang)):
        s, o = row["s"]["value"], row["o"]["value"]
        for iri in (s, o):
            if iri not in nodes:
                nodes[iri] = Node(
                    iri,
                    names.get(iri) or ns.curie(iri),
                    ns.href(iri, lang),
                    kinds.get(iri, "other"),
                )
        edges.append(Edge(s, o, row.get("pLabel", {}).get("value") or ns.curie(row["p"]["value"])))
    return article_svg(list(nodes.values()), edges)
