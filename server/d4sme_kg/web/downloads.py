"""The whole dataset as a file: /export.ttl, .nt, .jsonld, .rdf, .trig, .nq, or /export by Accept.

TriG and N-Quads keep every triple in its named graph; the other formats merge them.
The VoID description that lists these dumps is web.void's.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, request
from werkzeug.exceptions import NotFound

from d4sme_kg.formats import GRAPH_FORMATS, write_rdf
from d4sme_kg.web import current_service
from d4sme_kg.web.negotiation import choose

bp = Blueprint("downloads", __name__)


@bp.route("/export")
@bp.route("/export.<suffix>")
def export(suffix: str | None = None) -> Response:
    """The store as it is now, in the format the suffix names or else the Accept header."""
    if suffix is None:
        fmt = choose(request, GRAPH_FORMATS, request.args.get("format"))
    else:
        found = next((f for f in GRAPH_FORMATS if f.suffix == f".{suffix}"), None)
        if found is None:
            offered = ", ".join(f"/export{f.suffix}" for f in GRAPH_FORMATS)
            raise NotFound(f"no export in {suffix!r}; the exports are {offered}")
        fmt = found
    service = current_service()
    quads = ox.parse(service.backend.dump(), format=ox.RdfFormat.N_QUADS)
    # write_rdf sorts: two downloads of one state are identical.
    response = Response(write_rdf(quads, fmt, service.prefixes), mimetype=fmt.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="d4sme-kg{fmt.suffix}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    if suffix is None:
        response.vary.add("Accept")
    return response
