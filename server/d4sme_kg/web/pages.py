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

from d4sme_kg.errors import KGError
from d4sme_kg.formats import RESULT_FORMATS
from d4sme_kg.store.engine import EngineError
from d4sme_kg.web.diagram import Edge, Node, article_svg, legend_entries
from d4sme_kg.web.named_queries import named
from d4sme_kg.web.protocol import CONSTRUCT_FORMATS, query_form
from d4sme_kg.web.rendering import (
    Namespaces,
    graph_table,
    groups,
    labels,
    lang_term,
    language_url,
    page_language,
    result_table,
    select,
    service,
    ui,
)

bp = Blueprint("pages", __name__)


@bp.app_context_processor
def page_helpers() -> dict[str, Any]:
    return {"ui": ui, "language_url": language_url}


EXAMPLE = "attendees"
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
        try:
            form = query_form(text)
            graph = form in ("CONSTRUCT", "DESCRIBE")
            answer = service().query(
                text, result_format="json", graph_format="nt", base_iri=request.host_url + "sparql"
            )
            table = graph_table(answer.body, lang) if graph else result_table(answer.body, lang)
        except KGError as failure:
            error, status = {"title": failure.title, "detail": failure.message}, failure.http_status
        except EngineError as failure:
            error, status = {"title": "Query error", "detail": failure.message}, 400
    if text is None:
        name = chosen if chosen in examples else EXAMPLE
        text = examples[name].text if name in examples else FALLBACK
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
        examples=sorted(examples.values(), key=lambda q: (q.folder, q.title(lang).lower())),
        triples=service().backend.size(),
        result_formats=[f.name for f in RESULT_FORMATS],
        graph_formats=[f.name for f in CONSTRUCT_FORMATS],
        ran=table is not None,
        share=url_for("pages.query_page", query=text, lang=lang, _external=True),
    )
    return Response(body, status=status, mimetype="text/html")


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
    for row in select("article-graph", lang=lang_term(lang)):
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
