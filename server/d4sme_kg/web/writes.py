"""SPARQL Update (/update) and the Graph Store HTTP Protocol (/store).

Writes are off unless the operator sets a token; then a request must carry it as a
bearer token. Every write is validated with SHACL before it is committed (service.py).
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import UnsupportedMediaType

from d4sme_kg.errors import KGError, QueryError
from d4sme_kg.formats import GRAPH_FORMATS, find_format, oxigraph_format, write_rdf
from d4sme_kg.service import Forbidden, KnowledgeGraphService
from d4sme_kg.web import current_service
from d4sme_kg.web.negotiation import choose

bp = Blueprint("writes", __name__)


class Unauthorized(KGError):
    title = "Unauthorized"
    http_status = 401


def _require_token() -> KnowledgeGraphService:
    service = current_service()
    if not service.writes_enabled:
        raise Forbidden(
            "writes are turned off on this server (the operator enables them by "
            "setting D4SME_KG_UPDATE_TOKEN)"
        )
    if not service.authorised(request.headers.get("Authorization")):
        raise Unauthorized("this write needs the operator's token as 'Authorization: Bearer …'")
    return service


@bp.route("/update", methods=["POST"])
def update() -> Response:
    service = _require_token()
    if request.mimetype == "application/x-www-form-urlencoded":
        updates = request.form.getlist("update")
        if "query" in request.form:
            raise QueryError("this is a query; send it to /sparql")
    elif request.mimetype == "application/sparql-update":
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise UnsupportedMediaType(f"send the update in UTF-8, not {charset}")
        updates = [request.get_data(as_text=True)]
    else:
        raise UnsupportedMediaType(
            "POST /update takes application/x-www-form-urlencoded or application/sparql-update"
        )
    if len(updates) != 1:
        raise QueryError("the request needs exactly one 'update' parameter")
    return jsonify(
        service.update(
            updates[0],
            base_iri=request.base_url,
            using_graphs=request.values.getlist("using-graph-uri"),
            using_named_graphs=request.values.getlist("using-named-graph-uri"),
        )
    )


@bp.route("/store", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def graph_store() -> Response:
    graph = _target_graph()
    if request.method in ("GET", "HEAD"):
        service = current_service()
        if graph is not None and graph not in service.graphs():
            raise NotFoundGraph(f"graph <{graph}> is not in the store")
        fmt = choose(request, GRAPH_FORMATS, request.args.get("format"))
        if fmt.quads and graph is not None:
            # TriG and N-Quads hold the triples in the graph they come from.
            read = ox.parse(service.graph_content(graph, "nt"), format=ox.RdfFormat.N_TRIPLES)
            body = write_rdf((q.triple for q in read), fmt, service.prefixes, graph=graph)
        else:
            body = service.graph_content(graph, fmt.name)
        response = Response(b"" if request.method == "HEAD" else body, mimetype=fmt.media_type)
        response.vary.add("Accept")
        return response
    service = _require_token()
    if request.method == "DELETE":
        return jsonify(service.delete_graph(graph))
    try:
        fmt = find_format(request.mimetype or "")
    except KGError:
        raise UnsupportedMediaType(
            f"cannot read {request.mimetype or 'no content type'!r}; "
            "send Turtle, N-Triples, JSON-LD or RDF/XML"
        ) from None
    if fmt.quads:
        raise UnsupportedMediaType("send one graph (Turtle, N-Triples, JSON-LD or RDF/XML)")
    created = graph is not None and graph not in service.graphs()
    result = service.replace_graph(
        graph, request.get_data(), oxigraph_format(fmt), merge=request.method == "POST"
    )
    response = jsonify(result)
    response.status_code = 201 if created else 200
    return response


class NotFoundGraph(KGError):
    title = "Graph not found"
    http_status = 404


def _target_graph() -> str | None:
    has_default = "default" in request.args
    graph = request.args.get("graph")
    if has_default == (graph is not None):
        raise QueryError("name exactly one graph: ?graph=IRI or ?default")
    return graph


__all__ = ["bp", "ox"]
