"""Every error leaves through here: RFC 9457 problem+json for clients, HTML for browsers."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from d4sme_kg.errors import KGError
from d4sme_kg.logs import printable
from d4sme_kg.web.negotiation import prefers_html

log = logging.getLogger(__name__)

PROBLEM_TYPE = "https://w3id.org/d4sme-kg/problems/"
#: Where a layer before the app (the body reader, the protocol's fast path) leaves the
#: error it met, for the app to answer like any other.
RAISED = "d4sme_kg.raised"


def problem(
    status: int,
    title: str,
    detail: str,
    slug: str,
    headers: dict[str, str] | None = None,
    **extra: object,
) -> Response:
    """One error response in the shape the client asked for."""
    if prefers_html(request):
        body = render_template("error.html", status=status, title=title, detail=detail)
        response = Response(body, status=status, mimetype="text/html")
    else:
        document = {
            "type": PROBLEM_TYPE + slug,
            "title": title,
            "status": status,
            "detail": detail,
            **extra,
        }
        response = jsonify(document)
        response.status_code = status
        response.mimetype = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(KGError, _kg_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal)


def raise_what_came_before() -> None:
    """Flask hook: raise the error a layer before the app met (see RAISED)."""
    error = request.environ.get(RAISED)
    if error is not None:
        raise error


def _kg_error(error: KGError) -> Response:
    extra = error.problem_fields()
    report = getattr(error, "report", None)
    if report is not None:
        extra["report"] = [
            {
                "severity": r.severity.split("#")[-1],
                "focusNode": str(r.focus),
                "resultPath": str(r.path) if r.path is not None else None,
                "constraintComponent": r.component.split("#")[-1],
                "message": r.message("en"),
            }
            for r in report.results
        ]
    logged = error.logged()
    if logged is not None:
        log.error("%s", printable(logged))
    slug = error.slug or type(error).__name__.lower()
    headers = {"WWW-Authenticate": 'Bearer realm="d4sme-kg"'} if error.http_status == 401 else {}
    if error.closes_connection:
        headers["Connection"] = "close"
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return problem(error.http_status, error.title, error.detail, slug, headers, **extra)


def page_error(error: KGError) -> tuple[dict[str, str], int]:
    """The alert (title and detail) and the status of a page that shows ``error``."""
    return {"title": error.page_title, "detail": error.detail}, error.page_status


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    response = problem(
        status, error.name, error.description or error.name, error.name.lower().replace(" ", "-")
    )
    if status == 405 and error.get_response().headers.get("Allow"):
        response.headers["Allow"] = error.get_response().headers["Allow"]
    return response


def _internal(error: Exception) -> Response:
    # Logged with its traceback here; the client learns nothing about the internals.
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem(
        500, "Internal Server Error", "the server could not answer this request", "internal"
    )
