"""The named queries at /queries: a list, and /queries/{name} to run one.

``/queries`` answers JSON to programs and HTML to browsers. ``/queries/{name}`` runs
the query with its parameters taken from the query string (bound as values, never
pasted into the text) and answers in every format /sparql offers, chosen the same way
(``format=`` or ``Accept``), or as an HTML page with a table for browsers.
``/queries/{name}.rq`` is the query's text.
"""

from __future__ import annotations

import difflib
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from d4sme_kg.formats import RESULT_FORMATS, Format
from d4sme_kg.parameters import bind_values
from d4sme_kg.queries import StoredQuery, public_queries
from d4sme_kg.sparql import analyse
from d4sme_kg.store import QueryAnswer
from d4sme_kg.web import current_service
from d4sme_kg.web.negotiation import HTML, choose
from d4sme_kg.web.problems import problem
from d4sme_kg.web.protocol import CONSTRUCT_FORMATS, requested_timeout
from d4sme_kg.web.rendering import answer_table, page_language

bp = Blueprint("named_queries", __name__)

JSON = Format("json", "application/json", ".json", "json")
#: Query-string keys that steer the answer rather than bind a parameter.
RESERVED = ("format", "timeout")


def named() -> dict[str, StoredQuery]:
    return public_queries(current_service().project.queries_dir)


def summary(query: StoredQuery) -> dict[str, Any]:
    """What the listing says about one query."""
    return {
        "name": query.name,
        "title": query.titles,
        "description": query.descriptions,
        "form": analyse(query.text).form,
        "parameters": [
            {"name": p.name, "type": p.type, "default": p.default, "description": p.description}
            for p in query.parameters
        ],
        "url": url_for("named_queries.run", name=query.name, _external=True),
        "text": url_for("named_queries.run", name=query.name + ".rq", _external=True),
    }


@bp.route("/queries")
def listing() -> Response:
    fmt = choose(request, (JSON, HTML), request.args.get("format"))
    queries = named()
    if fmt is HTML:
        lang = page_language()
        folders: dict[str, list[StoredQuery]] = {}
        for query in queries.values():
            folders.setdefault(query.folder, []).append(query)
        body = render_template("queries.html", lang=lang, folders=sorted(folders.items()))
        response = Response(body, mimetype="text/html")
    else:
        response = jsonify({"queries": [summary(q) for q in queries.values()]})
    response.vary.add("Accept")
    return response


@bp.route("/queries/<path:name>")
def run(name: str) -> Response:
    queries = named()
    if name.endswith(".rq") and name[:-3] in queries:
        return Response(queries[name[:-3]].text, mimetype="application/sparql-query")
    if name not in queries:
        return _unknown(name, queries)
    query = queries[name]
    form = analyse(query.text).form or "SELECT"
    graph = form in ("CONSTRUCT", "DESCRIBE")
    offered = (*(CONSTRUCT_FORMATS if graph else RESULT_FORMATS), HTML)
    fmt = choose(request, offered, request.args.get("format"))
    values = {k: v for k, v in request.args.items() if k not in RESERVED}
    if "lang" in values and "lang" not in {p.name for p in query.parameters}:
        values.pop("lang")  # the page's language, not a parameter of this query
    if fmt is HTML:
        response = _page(query, form, values)
    else:
        bindings = bind_values(query, values, current_service().prefixes)
        answer = current_service().query(
            query.text,
            result_format=fmt.name,
            graph_format=fmt.name,
            bindings=bindings,
            timeout=requested_timeout(),
        )
        response = Response(answer.body, mimetype=fmt.media_type)
    response.vary.add("Accept")
    return response


def _page(query: StoredQuery, form: str, values: dict[str, str]) -> Response:
    """The HTML page of one query: what it asks, its parameters, the answer as a table."""
    lang = page_language()
    graph = form in ("CONSTRUCT", "DESCRIBE")

    def run() -> QueryAnswer:
        bindings = bind_values(query, values, current_service().prefixes)
        return current_service().query(
            query.text,
            result_format="json",
            graph_format="nt",
            bindings=bindings,
            timeout=requested_timeout(),
        )

    table, error, status = answer_table(run, graph, lang)
    shown: dict[str, Any] = {k: v for k, v in values.items() if v != ""}
    downloads = [
        (f.name, url_for("named_queries.run", **{**shown, "name": query.name, "format": f.name}))
        for f in (CONSTRUCT_FORMATS if graph else RESULT_FORMATS)
    ]
    parameters = [
        {
            "name": p.name,
            "type": p.type,
            "default": p.default or "",
            "description": p.description,
            "value": values.get(p.name, ""),
        }
        for p in query.parameters
    ]
    body = render_template(
        "named_query.html",
        lang=lang,
        query=query,
        form=form,
        parameters=parameters,
        table=table,
        error=error,
        downloads=downloads,
    )
    return Response(body, status=status, mimetype="text/html")


def _unknown(name: str, queries: dict[str, StoredQuery]) -> Response:
    close = difflib.get_close_matches(name, list(queries), n=5, cutoff=0.4)
    detail = f"there is no named query {name!r}"
    if close:
        detail += "; did you mean: " + ", ".join(close)
    return problem(
        404,
        "Not Found",
        detail,
        "not-found",
        suggestions=[url_for("named_queries.run", name=c) for c in close],
    )
