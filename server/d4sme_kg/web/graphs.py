"""Named graph IRIs dereference: /graph/{name} is the graph ``{base}graph/{name}``.

RDF clients get the graph's triples in any format of the table (``Accept`` or suffix,
``/graph/data.trig``); TriG and N-Quads keep them in that graph. Browsers get a page:
what the graph holds, how many triples of each property, its downloads and its triples.
An unknown graph is a 404 problem.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request

from d4sme_kg.formats import GRAPH_FORMATS, Format, find_format, write_rdf
from d4sme_kg.logs import printable
from d4sme_kg.queries import shipped_query
from d4sme_kg.web import current_service
from d4sme_kg.web.negotiation import (
    HTML,
    alternates,
    choose,
    link_header,
    split_suffix,
    suffixes,
)
from d4sme_kg.web.problems import problem
from d4sme_kg.web.rendering import Namespaces, cell, cell_html, graph_table, labels, page_language
from d4sme_kg.web.void import PART_TITLES, graph_name

bp = Blueprint("graphs", __name__)

OFFERED = (HTML, *GRAPH_FORMATS)
#: How many triples a graph's page shows (the downloads have them all).
SHOWN_TRIPLES = 500
#: How much of an unknown graph's IRI an answer repeats.
SHOWN_LENGTH = 300
#: The link relation from a document to a dataset it is part of (VoID).
IN_DATASET = "http://rdfs.org/ns/void#inDataset"


def quads(query: str, **bindings: tuple[Any, ...]) -> list[ox.Quad]:
    """The quads of a page query that selects ``?g ?s ?p ?o``, with ``bindings``."""
    answer = current_service().query(shipped_query(f"pages/{query}"), bindings=bindings)
    solutions = ox.parse_query_results(answer.body, ox.QueryResultsFormat.JSON)
    if not isinstance(solutions, ox.QuerySolutions):  # an ASK: not a query of this kind
        raise TypeError(f"{query} is not a SELECT of ?g ?s ?p ?o")
    return [ox.Quad(row["s"], row["p"], row["o"], row["g"]) for row in solutions]


def rdf_response(found: Iterable[ox.Quad | ox.Triple], fmt: Format) -> Response:
    """``found`` in ``fmt``: a quad in its graph in TriG and N-Quads, a triple in the
    default graph; each triple once in the other formats."""
    body = write_rdf(found, fmt, current_service().prefixes)
    return Response(body, mimetype=fmt.media_type)


def in_dataset(graphs: Iterable[str]) -> list[str]:
    """Links to the named graphs (VoID subsets) a document's triples come from.

    ``rel`` is VoID's ``void:inDataset`` (a document is part of that dataset); each
    target is the graph's URL here, /graph/{name}, where it dereferences. A graph
    outside /graph/ is not linked.
    """
    service = current_service()
    names = sorted({name for g in graphs if (name := graph_name(service, g)) is not None})
    return [f'<{request.script_root}/graph/{name}>; rel="{IN_DATASET}"' for name in names]


@bp.route("/graph/<path:name>")
def named_graph(name: str) -> Response:
    name, by_suffix = split_suffix(name, OFFERED)
    fmt = choose(request, OFFERED, by_suffix or request.args.get("format"))
    service = current_service()
    iri = service.project.graph_iri(name)
    if iri not in service.graphs():
        known = ", ".join(sorted(service.graphs()))
        # The name is the client's: shown on one line and not at any length.
        shown = printable(iri)[:SHOWN_LENGTH]
        detail = f"there is no named graph {shown}; the graphs are: {known}"
        if by_suffix is None and "." in name:
            detail += f" (a suffix names a format: {suffixes(OFFERED)})"
        return problem(404, "Not Found", detail, "not-found")
    found = quads("graph-quads", g=("uri", iri))
    response = _page(name, iri, found) if fmt is HTML else rdf_response(found, fmt)
    response.vary.add("Accept")
    response.headers["Link"] = link_header(f"/graph/{name}")
    return response


def _page(name: str, iri: str, found: list[ox.Quad]) -> Response:
    lang = page_language()
    ns = Namespaces.current()
    names = labels(lang)
    en, ko = PART_TITLES.get(name, (name, name))
    triples = sorted({q.triple for q in found}, key=str)
    shown = write_rdf(triples[:SHOWN_TRIPLES], find_format("nt"))
    properties = Counter(q.predicate.value for q in found)
    body = render_template(
        "named_graph.html",
        lang=lang,
        iri=iri,
        title=ko if lang == "ko" else en,
        subtitle=en if lang == "ko" else ko,
        count=len(triples),
        shown=min(len(triples), SHOWN_TRIPLES),
        alternates=[(f.name, href, f.media_type) for f, href in alternates(f"/graph/{name}")],
        links=[(f.name, href) for f, href in alternates(f"/graph/{name}")],
        properties=[
            (cell_html(cell({"type": "uri", "value": p}, names, ns, lang)), n)
            for p, n in sorted(properties.items(), key=lambda item: (-item[1], item[0]))
        ],
        table=graph_table(shown, lang),
    )
    return Response(body, mimetype="text/html")
