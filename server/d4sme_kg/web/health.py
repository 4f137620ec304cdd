"""/healthz: liveness and readiness in one answer, with the triple count."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from d4sme_kg import __version__

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz() -> Response:
    service = current_app.extensions["d4sme_kg"]
    try:
        triples = service.backend.size()
        graphs = len(service.backend.graphs())
        ready = triples >= 0
    except Exception:  # a store that cannot answer is "live but not ready"
        triples, graphs, ready = -1, 0, False
    response = jsonify(
        {
            "status": "ok" if ready else "unavailable",
            "live": True,
            "ready": ready,
            "triples": triples,
            "namedGraphs": graphs,
            "store": service.backend.description,
            "writes": service.writes_enabled,
            "version": __version__,
            "startSeconds": round(service.start_seconds, 3),
        }
    )
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
