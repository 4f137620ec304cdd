"""The one content-negotiation function: explicit format first, then Accept (q-values)."""

from __future__ import annotations

from functools import lru_cache

from flask import Request, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import NotFound
from werkzeug.http import parse_accept_header

from d4sme_kg.errors import FormatError
from d4sme_kg.formats import GRAPH_FORMATS, Format
from d4sme_kg.logs import printable

HTML = Format("html", "text/html", ".html", "html", also=("application/xhtml+xml",))


def choose(request: Request, offered: tuple[Format, ...], explicit: str | None = None) -> Format:
    """Pick the response format among ``offered``; the first is the default.

    ``explicit`` (a ``format`` parameter or a URL suffix) wins over the Accept header
    when it names a format offered here; one that names none is passed over for the
    Accept header, on every route, as Fuseki and Virtuoso do with the ``format`` and
    ``output`` parameters clients (SPARQLWrapper) send along with a valid Accept. When
    nothing offered is acceptable, FormatError (406) names what is offered.
    """
    # The header straight from the environ: werkzeug's header view costs a small request
    # more than the lookup in _choose's cache.
    return choose_by_header(request.environ.get("HTTP_ACCEPT", ""), offered, explicit)


def choose_by_header(
    accept: str, offered: tuple[Format, ...], explicit: str | None = None
) -> Format:
    """:func:`choose` for a request known by its Accept header alone."""
    return _choose(accept, offered, _key(explicit))


def named(explicit: str | None, offered: tuple[Format, ...]) -> Format | None:
    """The format of ``offered`` that ``explicit`` names, or None when it names none.

    A format is named by its name, an alias, a media type (or its subtype: ``rdf+xml``,
    ``ld+json``) or its suffix, in any case. A space is read as "+": a "+" sent
    unencoded in a URL's query string arrives as one (``format=rdf xml``).
    """
    key = _key(explicit)
    return _named(key, offered) if key else None


def _key(explicit: str | None) -> str | None:
    if not explicit or len(explicit) > 100:  # too long to name any format
        return None
    return " ".join(explicit.split()).lower().replace(" ", "+") or None


@lru_cache(maxsize=64)
def _names(fmt: Format) -> frozenset[str]:
    subtype = fmt.media_type.partition("/")[2]
    return frozenset(
        (fmt.name, *fmt.media_types, subtype, fmt.suffix, fmt.suffix.lstrip("."), *fmt.aliases)
    )


def _named(key: str, offered: tuple[Format, ...]) -> Format | None:
    return next((fmt for fmt in offered if key in _names(fmt)), None)


# Clients send the same few Accept headers again and again: the choice is remembered.
@lru_cache(maxsize=512)
def _choose(accept_header: str, offered: tuple[Format, ...], key: str | None) -> Format:
    if key:
        found = _named(key, offered)
        if found is not None:
            return found
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

    ``kakao.trig`` (or ``kakao.TRIG``: suffixes are read in any case) is
    ``("kakao", "trig")``; a name with no such suffix comes back as it is, with None. The
    name goes to :func:`choose` as the explicit format.
    """
    stem, dot, suffix = name.rpartition(".")
    if dot and stem:
        for fmt in offered:
            if fmt.suffix == "." + suffix.lower():
                return stem, fmt.name
    return name, None


def suffixes(offered: tuple[Format, ...]) -> str:
    """The suffixes of ``offered``, for a message: ``.html, .ttl, .nt, …``."""
    return ", ".join(fmt.suffix for fmt in offered if fmt.suffix)


def no_such_suffix(path: str, offered: tuple[Format, ...]) -> NotFound:
    """The 404 (a problem document) for ``path``, whose suffix names no format offered."""
    return NotFound(
        f"{printable(path)[:300]} names no format by its suffix; the suffixes here are "
        + suffixes(offered)
    )


def asked_format(stem: str, suffix: str | None, offered: tuple[Format, ...]) -> str | None:
    """The format a route's URL suffix names (404 past the offered ones), else the
    ``format`` parameter: the explicit choice :func:`choose` weighs against Accept."""
    if suffix is None:
        return request.args.get("format")
    explicit = split_suffix(f"{stem}.{suffix}", offered)[1]
    if explicit is None:
        raise no_such_suffix(request.path, offered)
    return explicit


def alternates(path: str) -> list[tuple[Format, str]]:
    """The RDF formats of the resource at ``path`` and the URL of each (by suffix)."""
    return [(f, f"{request.script_root}{path}{f.suffix}") for f in GRAPH_FORMATS]


def link_header(path: str, *links: str) -> str:
    """A Link header: ``rel="alternate"`` for each RDF format of ``path``, then ``links``."""
    found = [f'<{href}>; rel="alternate"; type="{f.media_type}"' for f, href in alternates(path)]
    return ", ".join([*found, *links])


def html_wins(request: Request, offered: tuple[Format, ...], explicit: str | None = None) -> bool:
    """True when HTML is chosen over every format in ``offered``.

    ``explicit`` that names one of them (or HTML) decides; else the Accept header, by
    q-values as every other choice here: a client that lists RDF types first and
    ``text/html;q=0.2`` last (Comunica) wants the RDF; a browser wants the page.
    """
    try:
        return choose(request, (*offered, HTML), explicit) is HTML
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
