"""Every error leaves through here: RFC 9457 problem+json for clients, HTML for browsers."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from d4sme_kg.errors import KGError
from d4sme_kg.logs import printable
from d4sme_kg.store.engine import EngineError
from d4sme_kg.store.pool import PoolBusy, QueryTimeout
from d4sme_kg.web.negotiation import prefers_html

log = logging.getLogger(__name__)

PROBLEM_TYPE = "https://w3id.org/d4sme-kg/problems/"

#: EngineError kinds -> (status, title)
_ENGINE = {
    "syntax": (400, "Malformed query"),
    "evaluation": (400, "Query evaluation error"),
    "too_many_rows": (413, "Result too large"),
    "internal": (500, "Internal error"),
    "crashed": (500, "Evaluator crashed"),
    "unsortable": (422, "Cannot sort these values"),
}

#: How many of the parser's expected tokens a syntax error keeps before "…".
EXPECTED_SHOWN = 8
_EXPECTED = "expected one of "


def engine_detail(error: EngineError) -> str:
    """What a client or a person is told about ``error``.

    A syntax error keeps its position ("error at LINE:COL") and a short message: the
    parser's list of expected tokens, which can run to dozens of alternatives and
    Unicode ranges, is cut to the first :data:`EXPECTED_SHOWN` followed by "…".
    """
    if error.kind != "syntax":
        return error.message
    return shorten_expected(error.message)


def shorten_expected(message: str, keep: int = EXPECTED_SHOWN) -> str:
    """``message`` with its "expected one of A, B, …" list cut to ``keep`` alternatives."""
    start = message.find(_EXPECTED)
    if start < 0:
        return message
    head = message[: start + len(_EXPECTED)]
    alternatives = _alternatives(message[len(head) :])
    if alternatives is None or len(alternatives) <= keep:
        return message
    return head + ", ".join(alternatives[:keep]) + ", …"


def _alternatives(text: str) -> list[str] | None:
    """The comma-separated items of the parser's list, or None when it is not one.

    Items are quoted tokens ("," or "\\""), bracketed character classes (which may hold
    commas, quotes and line breaks) or bare words (VERSION).
    """
    items: list[str] = []
    i, n = 0, len(text)
    while i < n:
        begin = i
        if text[i] == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif text[i] == "[":
            depth, quoted = 0, False
            while i < n:
                char = text[i]
                if quoted:
                    if char == "\\":
                        i += 1
                    elif char == "'":
                        quoted = False
                elif char == "'":
                    quoted = True
                elif char == "[":
                    depth += 1
                elif char == "]":
                    depth -= 1
                    if depth == 0:
                        i += 1
                        break
                i += 1
        else:
            while i < n and text[i] != ",":
                i += 1
        if i > n or i == begin:
            return None
        items.append(text[begin:i].strip())
        if i < n:
            if text[i] != ",":
                return None
            i += 1
            while i < n and text[i] in " \n":
                i += 1
    return items


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
    app.register_error_handler(EngineError, _engine_error)
    app.register_error_handler(QueryTimeout, _timeout)
    app.register_error_handler(PoolBusy, _busy)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal)


def _kg_error(error: KGError) -> Response:
    extra: dict[str, object] = {}
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
    slug = type(error).__name__.lower()
    headers = {"WWW-Authenticate": 'Bearer realm="d4sme-kg"'} if error.http_status == 401 else {}
    if error.closes_connection:
        headers["Connection"] = "close"
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return problem(error.http_status, error.title, error.message, slug, headers, **extra)


def _engine_error(error: EngineError) -> Response:
    status, title = _ENGINE.get(error.kind, (500, "Internal error"))
    if error.kind == "crashed":
        log.error("engine error: %s", printable(error.message))
        return problem(status, title, error.message, "crashed")
    if status == 500:
        log.error("engine error: %s", printable(error.message))
        return problem(500, title, "the server could not answer this request", "internal")
    return problem(status, title, engine_detail(error), error.kind.replace("_", "-"))


def _timeout(error: QueryTimeout) -> Response:
    return problem(
        503,
        "Query timed out",
        str(error),
        "timeout",
        {"Retry-After": "1"},
        limitSeconds=error.seconds,
    )


def _busy(error: PoolBusy) -> Response:
    return problem(503, "Server busy", str(error), "busy", {"Retry-After": "1"})


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
