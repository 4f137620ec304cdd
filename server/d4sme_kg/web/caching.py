"""HTTP caching of reads: validators on the answers, and 304 to a client that has one.

Which answers: GET and HEAD at ``/sparql`` (query answers, the service description),
``/id/*`` (entity pages and their RDF), ``/queries`` and ``/queries/*`` (named
queries), and ``/export.*``. Each 200 gets:

- ``ETag``: weak (the same answer is not promised byte for byte, only in meaning),
  ``W/"<store version>-<digest of the request>"``. The request is what the answer is
  made from besides the data: the URL as the client used it (scheme, host, script root,
  path and query string: links and the base of relative IRIs come from it) and the
  request headers the answer is negotiated from, ``Accept`` and, where a page may be
  HTML, ``Accept-Language``. One request always negotiates the same format, so two
  formats never share a tag, and the tag can be checked before the query runs.
- ``Cache-Control: no-cache``: a browser or a shared cache may keep the answer but must
  ask before every reuse. A write may change the store at any moment, so no answer is
  fresh for any fixed time; a revalidation is cheap (it is decided before the query is
  run), and ``public`` is not needed, since reads need no credentials.
- ``Vary`` with those headers, so that a cache keeps one answer per variant.

``If-None-Match`` (weak comparison, RFC 9110 13.1.2: a list, or ``*``) that holds the
current tag is answered ``304 Not Modified`` with the same ETag, Cache-Control and
Vary, and no query is run. ``*`` matches any current answer, so it needs the answer:
the 200 is made, then answered as 304. Other methods (a query POSTed, a write) get no
validator and their conditions are ignored.

The store's version (d4sme_kg.store_version: a token drawn when the service was
assembled, and the count of the writes made since) is part of every tag, so every write
outdates every tag. A read that began before a write may carry the old version and the
new data: that tag is outdated at once, never reused for later data. A remote store
changes behind our back, so with one nothing is tagged.

The protocol's fast path (web.fast_protocol) tags and revalidates its answers with the
same functions, from the WSGI environ.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Flask, Response, g, request

from d4sme_kg.web import current_service

#: The Cache-Control of every tagged answer (see the module's docstring).
CACHE_CONTROL = "no-cache"
#: Request headers each cached route's answers are negotiated from.
_PAGE_HEADERS = ("Accept", "Accept-Language")


def register_caching(app: Flask) -> None:
    """Tag the read answers of a store this app holds."""
    if app.extensions["d4sme_kg"].version is None:
        return
    app.before_request(answer_a_current_copy)
    app.after_request(add_validators)


def negotiated_from(path: str) -> tuple[str, ...] | None:
    """The request headers the answers at ``path`` depend on; None: not tagged."""
    if path == "/sparql":
        return ("Accept",)
    if path.startswith("/id/") or path == "/queries" or path.startswith("/queries/"):
        return _PAGE_HEADERS
    if path.startswith("/export."):
        return ()
    return None


def entity_tag(version: str, headers: tuple[str, ...], environ: dict[str, Any]) -> str:
    """The weak ETag of the answer to the request in ``environ`` at ``version``."""
    digest = hashlib.blake2b(digest_size=12)
    parts = [
        environ.get("wsgi.url_scheme", ""),
        environ.get("HTTP_HOST", ""),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
    ]
    parts += [environ.get("HTTP_" + name.upper().replace("-", "_"), "") for name in headers]
    for part in parts:
        # WSGI strings are Latin-1 for the bytes that came; a NUL cannot come in any.
        digest.update(part.encode("latin-1", "replace") + b"\0")
    return f'W/"{version}-{digest.hexdigest()}"'


def matches(header: str, tag: str) -> bool:
    """Whether an If-None-Match value holds ``tag`` by weak comparison (``*`` aside)."""
    from werkzeug.http import parse_etags

    opaque = tag.removeprefix("W/").strip('"')
    return parse_etags(header).contains_weak(opaque)


def not_modified(tag: str, headers: tuple[str, ...]) -> Response:
    """A 304 with the headers the 200 would carry that a cache updates from it."""
    response = Response(status=304)
    response.headers.remove("Content-Type")
    _validate(response, tag, headers)
    return response


def _validate(response: Response, tag: str, headers: tuple[str, ...]) -> None:
    for name, value in validators(tag):
        response.headers[name] = value
    for name in headers:
        response.vary.add(name)


def validators(tag: str) -> list[tuple[str, str]]:
    """The headers of a tagged answer besides Vary."""
    # Scripts of other sites may read the answer (web.cors); the tag too.
    return [
        ("ETag", tag),
        ("Cache-Control", CACHE_CONTROL),
        ("Access-Control-Expose-Headers", "ETag"),
    ]


def tag_of(version: object, environ: dict[str, Any]) -> tuple[str, tuple[str, ...]] | None:
    """The ETag of a cacheable read (GET or HEAD) at ``version`` and the request headers
    its answer depends on; None for a request whose answer is not tagged."""
    if version is None or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return None
    headers = negotiated_from(environ.get("PATH_INFO", ""))
    if headers is None:
        return None
    return entity_tag(str(version), headers, environ), headers


def holds_current_copy(environ: dict[str, Any], tag: str) -> bool:
    """Whether the request's If-None-Match names ``tag`` (``*`` aside: see add_validators)."""
    condition: str = environ.get("HTTP_IF_NONE_MATCH", "")
    return bool(condition) and condition.strip() != "*" and matches(condition, tag)


def answer_a_current_copy() -> Response | None:
    """Work out the tag of a cacheable read; answer 304 if the client holds it."""
    found = tag_of(current_service().version, request.environ)
    if found is None:
        return None
    g.d4sme_kg_etag = found
    if holds_current_copy(request.environ, found[0]):
        return not_modified(*found)
    return None


def add_validators(response: Response) -> Response:
    """Tag a 200 read answer; a 200 asked with ``If-None-Match: *`` becomes a 304."""
    # Worked out before the view ran: the version the answer was made at, or older.
    found: tuple[str, tuple[str, ...]] | None = g.get("d4sme_kg_etag")
    if found is None or response.status_code != 200:
        return response
    tag, headers = found
    if request.environ.get("HTTP_IF_NONE_MATCH", "").strip() == "*":
        return not_modified(tag, headers)
    _validate(response, tag, headers)
    return response
