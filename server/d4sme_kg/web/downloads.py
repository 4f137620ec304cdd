"""The whole dataset as a file (/export.ttl, .nt, .jsonld, .rdf, .trig, .nq) and its VoID."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import NotFound

from d4sme_kg.formats import GRAPH_FORMATS, oxigraph_format
from d4sme_kg.service import KnowledgeGraphService
from d4sme_kg.web.negotiation import choose
from d4sme_kg.web.service_description import describe

bp = Blueprint("downloads", __name__)


def _service() -> KnowledgeGraphService:
    service: KnowledgeGraphService = current_app.extensions["d4sme_kg"]
    return service


@bp.route("/export.<suffix>")
def export(suffix: str) -> Response:
    """The store as it is now, in the format the suffix names (quads keep their graphs)."""
    fmt = next((f for f in GRAPH_FORMATS if f.suffix == f".{suffix}"), None)
    if fmt is None:
        offered = ", ".join(f"/export{f.suffix}" for f in GRAPH_FORMATS)
        raise NotFound(f"no export in {suffix!r}; the exports are {offered}")
    service = _service()
    quads = list(ox.parse(service.backend.dump(), format=ox.RdfFormat.N_QUADS))
    quads.sort(key=str)  # a stable order, so that two downloads of one state are identical
    if fmt.quads:
        body = ox.serialize(quads, format=oxigraph_format(fmt), prefixes=service.prefixes)
    else:
        triples = list(dict.fromkeys(q.triple for q in quads))
        body = ox.serialize(triples, format=oxigraph_format(fmt), prefixes=service.prefixes)
    response = Response(body or b"", mimetype=fmt.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="d4sme-kg{fmt.suffix}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/.well-known/void")
def void() -> Response:
    """The VoID description of the dataset (with statistics), by content negotiation."""
    fmt = choose(
        request, tuple(f for f in GRAPH_FORMATS if not f.quads), request.args.get("format")
    )
    graph = describe(_service(), request.url_root.rstrip("/") + "/sparql")
    response = Response(
        graph.serialize(format=fmt.rdflib_name, encoding="utf-8"), mimetype=fmt.media_type
    )
    response.vary.add("Accept")
    return response
