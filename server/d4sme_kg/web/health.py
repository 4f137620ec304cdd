"""/healthz: liveness and readiness in one answer, with the triple count.

Liveness is this process answering; readiness is the store answering too. A remote
store is ready when it answered a trivial question within the last few seconds (see
RemoteBackend.ready); a local one always is. The answer says what its count counts.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify

from d4sme_kg import __version__
from d4sme_kg.web import current_service

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz() -> Response:
    service = current_service()
    ready = service.ready()
    triples: int | None = None
    counted_at: str | None = None
    if ready:
        try:
            triples, at = service.counted()
            counted_at = datetime.fromtimestamp(at, UTC).isoformat()
        except Exception:  # a count past the time limit: ready, count unknown
            triples = None
    response = jsonify(
        {
            "status": "ok" if ready else "unavailable",
            "live": True,
            "ready": ready,
            "triples": triples,
            "counted": service.what_is_counted,
            "countedAt": counted_at,
            "namedGraphs": len(service.graphs()),
            "store": service.description,
            "writes": service.writes_enabled,
            "version": __version__,
            "startSeconds": round(service.start_seconds, 3),
        }
    )
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
