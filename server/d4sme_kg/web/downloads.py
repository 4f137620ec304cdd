"""The whole dataset as a file: /export.ttl, .nt, .jsonld, .rdf, .trig, .nq, or /export by Accept.

Suffixes are read in any case (/export.TTL); another suffix is 404, naming the six.

TriG and N-Quads keep every triple in its named graph; the other formats merge them.
The VoID description that lists these dumps is web.void's.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, request

from d4sme_kg.formats import GRAPH_FORMATS, write_rdf
from d4sme_kg.web import current_service
from d4sme_kg.web.negotiation import asked_format, choose, link_header

bp = Blueprint("downloads", __name__)


@bp.route("/export")
@bp.route("/export.<suffix>")
def export(suffix: str | None = None) -> Response:
    """The store as it is now, in the format the suffix names or else the Accept header."""
    explicit = asked_format("export", suffix, GRAPH_FORMATS)
    fmt = choose(request, GRAPH_FORMATS, explicit)
    service = current_service()
    quads = ox.parse(service.dump(), format=ox.RdfFormat.N_QUADS)
    # write_rdf sorts: two downloads of one state are identical.
    response = Response(write_rdf(quads, fmt, service.prefixes), mimetype=fmt.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="d4sme-kg{fmt.suffix}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Link"] = link_header("/export")
    if suffix is None:
        response.vary.add("Accept")
    return response
