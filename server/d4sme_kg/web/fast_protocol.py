"""The protocol's fast path: a query to ``/sparql`` answered before Flask dispatches it.

Most of what a public endpoint answers is small queries, and for a small query Flask's
request cycle (a request context, URL matching, before- and after-request hooks, a
response object) cost more than the query itself. This WSGI layer answers a protocol
query (GET with ``query=``, POST of a form or of ``application/sparql-query``) with the
same functions the ``/sparql`` route uses (protocol.answer_query), and gives its answer
the headers the app's hooks would (security, CORS, caching; web.spreading adds
``Connection: close`` for both paths). tests/web/test_fast_protocol.py compares the
two paths answer by answer.

Everything else goes to the app, untouched: other routes and methods, a request with no
query (the query page, the service description), a conditional request (the app
answers it, with 304 or not), a Host the app must refuse. So does every error: the
fast path leaves the error it met in the environ (problems.RAISED) and the app raises
it again, so that an error has one way out, in one vocabulary (RFC 9457, or a page for
a browser).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.utils import get_content_type

from d4sme_kg.service import KnowledgeGraphService
from d4sme_kg.web.caching import tag_of, validators
from d4sme_kg.web.cors import OPEN
from d4sme_kg.web.problems import RAISED
from d4sme_kg.web.protocol import ANSWER_HEADERS, answer_query, request_at
from d4sme_kg.web.security import security_headers

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: The route whose endpoint name the security headers are chosen by.
ENDPOINT = "sparql.sparql"
#: The media types of a query in a POST body.
_QUERY_BODIES = ("application/sparql-query", "application/x-www-form-urlencoded")


class ProtocolFastPath:
    """WSGI layer over ``app``'s own WSGI callable: protocol queries answered here."""

    def __init__(self, app: Flask, service: KnowledgeGraphService) -> None:
        self.app_wsgi: WSGIApp = app.wsgi_app
        self.service = service
        self.usable_host = _host_checker(app)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not self._takes(environ):
            return self.app_wsgi(environ, start_response)
        tagged = tag_of(self.service.version, environ)
        if tagged is not None and environ.get("HTTP_IF_NONE_MATCH"):
            # A conditional request: the app answers it, with 304 or the answer.
            return self.app_wsgi(environ, start_response)
        try:
            answered = answer_query(environ, self.service)
        except Exception as error:  # answered by the app, in the one vocabulary
            environ[RAISED] = error
            answered = None
        if answered is None:
            _rewind(environ)
            return self.app_wsgi(environ, start_response)
        body, fmt = answered
        headers = [
            ("Content-Type", get_content_type(fmt.media_type, "utf-8")),
            ("Content-Length", str(len(body))),
            *ANSWER_HEADERS.items(),
            *security_headers(fmt.media_type, ENDPOINT),
            OPEN,
        ]
        if tagged is not None:
            headers += validators(tagged[0])
        start_response("200 OK", headers)
        return [body]

    def _takes(self, environ: dict[str, Any]) -> bool:
        """Whether the request is a protocol query this layer may answer."""
        if environ.get("PATH_INFO") != "/sparql" or RAISED in environ:
            return False
        method = environ.get("REQUEST_METHOD")
        if method == "GET":
            taken = "query=" in environ.get("QUERY_STRING", "")
        elif method == "POST":
            media = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
            taken = media in _QUERY_BODIES
        else:
            return False
        return taken and self.usable_host(
            environ.get("HTTP_HOST"),
            environ.get("SERVER_NAME"),
            environ.get("SERVER_PORT"),
            environ.get("wsgi.url_scheme"),
        )


def _host_checker(app: Flask) -> Callable[..., bool]:
    """Whether the app can bind its URLs to a request's host (it answers 400 if not)."""

    @lru_cache(maxsize=256)
    def usable_host(
        host: str | None, server_name: str | None, port: str | None, scheme: str | None
    ) -> bool:
        try:
            app.create_url_adapter(request_at(scheme or "http", host, server_name, port))
        except HTTPException:
            return False
        return True

    return usable_host


def _rewind(environ: dict[str, Any]) -> None:
    """Let the app read the body again (the body reader made it a seekable buffer)."""
    stream = environ.get("wsgi.input")
    if stream is not None and hasattr(stream, "seek"):
        stream.seek(0)
