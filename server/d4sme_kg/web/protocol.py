"""The SPARQL 1.1 Protocol at /sparql: GET, POST form and POST application/sparql-query."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from flask import Blueprint, Request, Response, redirect, request, url_for
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.http import parse_options_header
from werkzeug.wrappers import Response as BaseResponse

from d4sme_kg.errors import QueryError
from d4sme_kg.formats import GRAPH_FORMATS, RESULT_FORMATS, Format
from d4sme_kg.service import KnowledgeGraphService
from d4sme_kg.sparql import analyse
from d4sme_kg.web import current_service
from d4sme_kg.web.negotiation import choose_by_header, html_wins
from d4sme_kg.web.service_description import service_description

bp = Blueprint("sparql", __name__)

# CONSTRUCT/DESCRIBE answers: every graph format (TriG and N-Quads hold the triples in
# the default graph); the service description advertises the same.
CONSTRUCT_FORMATS = GRAPH_FORMATS


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> BaseResponse:
    # The request object itself, not the proxy: this route reads it a dozen times.
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    answered = answer_query(req.environ, current_service(), req)
    if answered is None:
        # The query page for a browser; the service description for any client that
        # ranks an RDF format above HTML (Comunica lists text/html at q=0.2) or names
        # one with format= (a format= that names nothing leaves it to Accept).
        if req.method == "GET" and html_wins(req, GRAPH_FORMATS, req.args.get("format")):
            return redirect(url_for("pages.query_page"))
        return service_description(current_service(), req)
    body, fmt = answered
    # text/* media types get "; charset=utf-8" from werkzeug itself. The body goes out
    # as the one bytes object it is (direct_passthrough): the WSGI server then writes it
    # at once instead of iterating over it.
    return Response(body, mimetype=fmt.media_type, headers=ANSWER_HEADERS, direct_passthrough=True)


#: The headers of every query answer besides its type and length (the answer's format
#: is negotiated from Accept).
ANSWER_HEADERS = {"Vary": "Accept"}


def answer_query(
    environ: dict[str, Any], service: KnowledgeGraphService, req: Request | None = None
) -> tuple[bytes, Format] | None:
    """The answer to the protocol request of ``environ`` and its format; None when it
    holds no query. The route and the fast path (web.fast_protocol) both answer with
    this. ``req``: werkzeug's request for ``environ``, if there is one already (the
    route's); otherwise one is made only for what needs it (URL parameters, a form):
    a query POSTed as it is needs none."""
    request_of = _RequestOf(environ, req, service.settings.max_body_bytes)
    text, default_graphs, named_graphs, params = _read_request(environ, request_of)
    if text is None:
        return None
    analysis = service.check_query(text, default_graphs, named_graphs)
    # format= or output= (SPARQLWrapper sends both), by any name Fuseki or Virtuoso
    # know; one that names nothing offered leaves the choice to Accept.
    # (An empty MultiDict's get raises and catches a KeyError per name: asked only when
    # there are parameters, as most POSTs have none.)
    explicit = (params.get("format") or params.get("output")) if params else None
    accept = environ.get("HTTP_ACCEPT", "")
    if analysis.form in ("CONSTRUCT", "DESCRIBE"):
        fmt = choose_by_header(accept, CONSTRUCT_FORMATS, explicit)
        graph_format, result_format = fmt.name, "json"
    else:
        fmt = choose_by_header(accept, RESULT_FORMATS, explicit)
        graph_format, result_format = "turtle", fmt.name
    answer = service.query(
        text,
        result_format=result_format,
        graph_format=graph_format,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        timeout=requested_timeout(params),
        base_iri=endpoint_url(environ),
        analysis=analysis,
    )
    return answer.body, fmt


class _RequestOf:
    """werkzeug's request for an environ: the one given, or one made when first asked.

    Made, it is kept out of the environ: werkzeug would put it there, a reference cycle
    (request, environ, request) left to the garbage collector with all the environ holds.
    It gets the app's body limit, which a request outside the app's context would not
    know (a form is parsed under it).
    """

    __slots__ = ("environ", "limit", "made")

    def __init__(self, environ: dict[str, Any], req: Request | None, limit: int) -> None:
        self.environ = environ
        self.made = req
        self.limit = limit

    def __call__(self) -> Request:
        if self.made is None:
            self.made = Request(self.environ, populate_request=False)
            self.made.max_content_length = self.limit
        return self.made


def _read_request(
    environ: dict[str, Any], request_of: Callable[[], Request]
) -> tuple[str | None, list[str], list[str], Mapping[str, str]]:
    """The query text, dataset and other parameters of a protocol request.

    They come from the URL, or from the body of a form POST (SPARQL 1.1 Protocol 2.1).
    """
    form_post = False
    # Most POSTs have no URL parameters: their (empty) parsing is skipped.
    args = request_of().args if environ.get("QUERY_STRING") else _NO_PARAMETERS
    if environ.get("REQUEST_METHOD", "GET").upper() == "GET":
        queries = args.getlist("query")
        params = args
    else:
        media, charset = _content_type(environ.get("CONTENT_TYPE", ""))
        if media == "application/x-www-form-urlencoded":
            form_post = True
            params = request_of().form
            queries = params.getlist("query")
            if "update" in params:
                raise QueryError("this is a SPARQL Update; send it to /update, not /sparql")
        elif media == "application/sparql-query":
            if charset not in ("utf-8", "utf8"):
                # SPARQL 1.1 Protocol 2.1.3: the query string is UTF-8 (and stays unparsed).
                raise UnsupportedMediaType(f"the query must be sent as UTF-8, not {charset}")
            queries = [_body(environ, request_of).decode("utf-8", "replace")]
            params = args
        else:
            raise UnsupportedMediaType(
                f"POST /sparql takes application/x-www-form-urlencoded or "
                f"application/sparql-query, not {media or 'no content type'!r}"
            )
        if args and args.getlist("query") and queries:
            raise QueryError("the query is given twice (in the URL and in the body)")
    if len(queries) > 1:
        raise QueryError("the request has more than one 'query' parameter")
    if params or args:
        defaults = params.getlist("default-graph-uri") or args.getlist("default-graph-uri")
        named = params.getlist("named-graph-uri") or args.getlist("named-graph-uri")
    else:  # most POSTs: no parameters anywhere
        defaults, named = [], []
    # format and timeout may be in the URL of a form POST too (form and URL together).
    others = request_of().values if form_post else params
    return (queries[0] if queries else None), defaults, named, others


_NO_PARAMETERS: ImmutableMultiDict[str, str] = ImmutableMultiDict()


# Clients send the same few Content-Type headers again and again; werkzeug would parse
# the header anew for each request.
@lru_cache(maxsize=64)
def _content_type(header: str) -> tuple[str, str]:
    """The media type of a Content-Type header and its charset (UTF-8 if none), lowercase."""
    media, parameters = parse_options_header(header)
    return media.lower(), parameters.get("charset", "utf-8").lower()


def _body(environ: dict[str, Any], request_of: Callable[[], Request]) -> bytes:
    """The request body, read at once.

    werkzeug's guarded stream costs as much as the rest of reading a small query. The
    app has already refused a body past the limit, and given a chunked one its length
    (web.refuse_bodies_past_the_limit).
    """
    if environ.get("wsgi.input_terminated") and isinstance(environ["wsgi.input"], io.BytesIO):
        # Read whole already, by web.bodies: the buffer is the body.
        return environ["wsgi.input"].read()
    length = request_of().content_length
    if length is None:
        return request_of().get_data()
    body: bytes = environ["wsgi.input"].read(length)
    return body


def endpoint_url(environ: dict[str, Any]) -> str:
    """The URL of the request of ``environ`` without its query string: the BASE of the
    query."""
    return _endpoint_url(
        environ["wsgi.url_scheme"],
        environ.get("HTTP_HOST"),
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
    )


# Worked out by werkzeug once per distinct host and path (it costs a request's worth of
# URL quoting each time otherwise); the arguments are everything the URL depends on.
@lru_cache(maxsize=256)
def _endpoint_url(
    scheme: str,
    host: str | None,
    server_name: str | None,
    server_port: str | None,
    script_name: str,
    path_info: str,
) -> str:
    return request_at(scheme, host, server_name, server_port, script_name, path_info).base_url


def request_at(
    scheme: str,
    host: str | None,
    server_name: str | None,
    server_port: str | None,
    script_name: str = "",
    path_info: str = "/sparql",
) -> Request:
    """A bare GET to the URL these parts make: what werkzeug works out from them alone."""
    environ = {
        "REQUEST_METHOD": "GET",
        "wsgi.url_scheme": scheme,
        "SERVER_NAME": server_name,
        "SERVER_PORT": server_port,
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
    }
    if host is not None:
        environ["HTTP_HOST"] = host
    return Request(environ)


def requested_timeout(params: Mapping[str, str] | None = None) -> float | None:
    """The ``timeout`` a client asks for (seconds), if any; the service caps it."""
    source = request.values if params is None else params
    raw = source.get("timeout") if source else None
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        raise QueryError(f"timeout must be a number of seconds, not {raw!r}") from None
    if seconds <= 0:
        raise QueryError("timeout must be more than 0 seconds")
    return seconds


def query_form(text: str) -> str | None:
    """The form of ``text`` (SELECT, ASK, CONSTRUCT, DESCRIBE or UPDATE), for the pages."""
    return analyse(text).form
