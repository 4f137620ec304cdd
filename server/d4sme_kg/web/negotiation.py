"""The one content-negotiation function: explicit format first, then Accept (q-values)."""

from __future__ import annotations

from functools import lru_cache

from flask import Request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from d4sme_kg.errors import FormatError
from d4sme_kg.formats import Format

HTML = Format("html", "text/html", ".html", "html", also=("application/xhtml+xml",))


def choose(
    request: Request,
    offered: tuple[Format, ...],
    explicit: str | None = None,
    lenient: bool = False,
) -> Format:
    """Pick the response format among ``offered``; the first is the default.

    ``explicit`` (a ``format`` parameter or a URL suffix) wins over the Accept header;
    when nothing offered is acceptable, FormatError (406) names what is offered.
    ``lenient``: an ``explicit`` name that is not offered is passed over for the Accept
    header, as Fuseki and Virtuoso do with the ``format`` and ``output`` parameters that
    clients (SPARQLWrapper) send along with a valid Accept.
    """
    key = explicit.strip().lower() if explicit else None
    if key is not None and len(key) > 100:
        if not lenient:
            raise FormatError("the format parameter is too long to name a format")
        key = None
    return _choose(request.headers.get("Accept", ""), offered, key, lenient)


# Clients send the same few Accept headers again and again: the choice is remembered.
@lru_cache(maxsize=512)
def _choose(
    accept_header: str, offered: tuple[Format, ...], key: str | None, lenient: bool = False
) -> Format:
    if key:
        for fmt in offered:
            if key in (
                fmt.name,
                *fmt.media_types,
                fmt.suffix,
                fmt.suffix.lstrip("."),
                *fmt.aliases,
            ):
                return fmt
        if not lenient:
            raise FormatError(
                f"format {key!r} is not offered here; use one of: "
                + ", ".join(f.name for f in offered)
            )
    accept = parse_accept_header(accept_header, MIMEAccept)
    if not accept or accept.best == "*/*" and len(accept) == 1:
        return offered[0]
    # Primary media types first, so that "text/*" means CSV rather than text/xml.
    best = accept.best_match([fmt.media_type for fmt in offered])
    if best is None:
        best = accept.best_match([media for fmt in offered for media in fmt.also])
    if best is None:
        raise FormatError(
            "none of the accepted media types can be produced; offered: "
            + ", ".join(fmt.media_type for fmt in offered)
        )
    return next(fmt for fmt in offered if best in fmt.media_types)


def split_suffix(name: str, offered: tuple[Format, ...]) -> tuple[str, str | None]:
    """``name`` without the file suffix of a format in ``offered``, and that format's name.

    ``kakao.trig`` is ``("kakao", "trig")``; a name with no such suffix comes back as it
    is, with None. The name goes to :func:`choose` as the explicit format.
    """
    stem, dot, suffix = name.rpartition(".")
    if dot and stem:
        for fmt in offered:
            if fmt.suffix == "." + suffix.lower():
                return stem, fmt.name
    return name, None


def html_wins(request: Request, offered: tuple[Format, ...]) -> bool:
    """True when the Accept header ranks HTML above every format in ``offered``.

    By q-values, as every other choice here: a client that lists RDF types first and
    ``text/html;q=0.2`` last (Comunica) wants the RDF; a browser wants the page.
    """
    try:
        return _choose(request.headers.get("Accept", ""), (*offered, HTML), None) is HTML
    except FormatError:
        return False


def prefers_html(request: Request) -> bool:
    """True for a browser: it asks for HTML explicitly above the other types."""
    accept = request.accept_mimetypes
    return (
        bool(accept)
        and accept.best_match(["text/html", "application/json"]) == "text/html"
        and accept["text/html"] > accept["application/json"]
    )
