"""What browsers are told not to do with our answers, and requests with an unusable Host.

Headers, added to every response the app makes (a view's own value is kept):

- ``X-Content-Type-Options: nosniff``: an answer is only ever what its media type
  says; a JSON or Turtle answer holding markup is never run as HTML;
- ``Referrer-Policy: no-referrer``: a page's URL holds its query, and a link out of a
  result (to Wikidata, say) need not tell another site what was asked;
- on documents (HTML, SVG) a Content-Security-Policy that lets a page load only our
  own stylesheet, script and images, with no inline script or style, no plugins, no
  ``<base>``, forms sent only to us and no framing by other sites (``X-Frame-Options:
  DENY`` too, for browsers that predate ``frame-ancestors``). The pages are written
  for it: the script is static/editor.js, the colours of a legend are SVG attributes.

The reconciliation preview is the one document meant to be framed: OpenRefine shows it
in a frame of its own page, another origin. It runs no script at all.

A request whose Host header is no host name (a label past 63 characters, two dots in a
row) leaves Flask with no way to build a URL, so even its error page failed (500, empty
body). It gets a 400 problem that says what is wrong, on a page whose links are relative.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask.globals import request_ctx
from werkzeug.exceptions import BadHost

from d4sme_kg.web.problems import problem

#: The policy of every page and picture.
PAGE_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
#: The documents other sites may frame (endpoint: policy); they run no script.
FRAMED = {
    "reconcile.preview": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'none'; base-uri 'none'",
}
DOCUMENTS = ("text/html", "image/svg+xml")
#: How much of a bad Host header a problem repeats.
SHOWN_HOST = 60


def register_security(app: Flask) -> None:
    """Add the headers to every response and answer an unusable Host with 400."""
    app.after_request(add_security_headers)
    # First of the hooks: an error page from any later one needs its links too.
    app.before_request_funcs.setdefault(None, []).insert(0, relative_links_for_a_bad_host)
    app.register_error_handler(BadHost, _bad_host)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    for name, value in security_headers(response.mimetype, request.endpoint):
        headers.setdefault(name, value)
    return response


#: The headers of every answer, whatever it is.
EVERY_ANSWER = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))


def security_headers(mimetype: str | None, endpoint: str | None) -> list[tuple[str, str]]:
    """The headers of an answer of type ``mimetype`` from the route ``endpoint``."""
    if mimetype not in DOCUMENTS:
        return list(EVERY_ANSWER)
    framed = FRAMED.get(endpoint or "")
    if framed is not None:
        return [*EVERY_ANSWER, ("Content-Security-Policy", framed)]
    return [*EVERY_ANSWER, ("Content-Security-Policy", PAGE_POLICY), ("X-Frame-Options", "DENY")]


def relative_links_for_a_bad_host() -> None:
    """A URL adapter for a request whose Host Flask could not bind one to.

    Flask keeps that error (BadHost) for when the route would run, and leaves the
    request without an adapter: url_for would fail, in the error page first. The
    page's links need no host; they are built relative to the app's root.
    """
    if request_ctx.url_adapter is None:
        request_ctx.url_adapter = current_app.url_map.bind(
            "invalid", script_name=request.script_root or "/", url_scheme=request.scheme
        )


def _bad_host(error: BadHost) -> Response:
    relative_links_for_a_bad_host()  # also when a hook run before ours failed
    host = request.host  # the header, if its characters are a host's (werkzeug checks)
    labels = host.partition(":")[0].split(".")  # the port apart, as werkzeug does
    longest = max(labels, key=len)
    if len(longest) > 63:
        reason = (
            "each label of a host name (a part between dots) has at most 63 characters; "
            f"this one has a label of {len(longest)}"
        )
    elif "" in labels[:-1]:
        reason = "a host name has no empty label (two dots in a row, or a dot first)"
    else:
        reason = "it cannot be encoded as an internationalised domain name (IDNA)"
    shown = host if len(host) <= SHOWN_HOST else f"{host[:SHOWN_HOST]}… ({len(host)} characters)"
    detail = f"the Host header {shown!r} is not a host name: {reason}"
    return problem(400, "Bad Host header", detail, "bad-host")
