"""How two answers of the service are compared: graphs as graphs, results as multisets.

An answer is read by its media type: RDF is canonicalised (RDFC-1.0) and compared as a
set of quads; SPARQL results as a multiset of rows with blank nodes made anonymous;
JSON as data; anything else (HTML, SVG, CSV) as text. The servers' own base URLs are
taken out first: each server names itself in its answers. A page (HTML, SVG) is
compared as the multiset of its pieces (tags and text between them): a page lists the
rows of a query that has no order in the order they came, which engines may change.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from ..servers import Reply

XSD = "http://www.w3.org/2001/XMLSchema#"

_RDF = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
_RESULTS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}


#: What a server's own base URL is replaced with.
SERVER = "http://server.test"


@dataclass(frozen=True)
class Reading:
    """How answers are read for one comparison.

    ``concatenated`` names the variables that are a GROUP_CONCAT, with its separator:
    the order of the parts is the engine's (SPARQL leaves it open), so they are sorted.
    ``virtuoso`` reads both answers as Virtuoso's would compare: booleans as 1 and 0
    (Virtuoso writes xsd:boolean values as "1" and "0", and boolean expressions as
    integers), a GROUP_CONCAT separator's non-ASCII characters as "?" (Virtuoso loses
    them) and a GROUP_CONCAT of nothing as unbound (Virtuoso answers "").
    """

    concatenated: dict[str, str] = field(default_factory=dict)
    virtuoso: bool = False


def comparable(reply: Reply, base: str, reading: Reading) -> tuple[int, Any]:
    """The status and the body of ``reply`` in a form two servers' answers compare in."""
    text = reply.body.decode("utf-8", "replace").replace(base, SERVER)
    media = reply.media_type
    if reply.status >= 400 and media == "application/problem+json":
        document = json.loads(text)
        return reply.status, document.get("title")
    if media in _RDF:
        quads = canonical_quads(text.encode("utf-8"), _RDF[media])
        # When each store was counted (VoID's dcterms:date) is each server's own.
        quads = frozenset(quad for quad in quads if f" <{_COUNTED_WHEN}> " not in quad)
        if reading.virtuoso:
            quads = frozenset(_booleans_as_numbers(quad) for quad in quads)
        return reply.status, quads
    if media in _RESULTS:
        return reply.status, solutions(text.encode("utf-8"), _RESULTS[media], reading)
    if media.endswith("json"):
        return reply.status, json.loads(text)
    if media in ("text/html", "image/svg+xml"):
        return reply.status, Counter(
            piece.strip() for piece in _PIECES.split(text) if piece.strip()
        )
    return reply.status, text


_PIECES = re.compile(r"(<[^>]*>)")
_COUNTED_WHEN = "http://purl.org/dc/terms/date"


def _booleans_as_numbers(quad: str) -> str:
    for word, number in (("true", "1"), ("false", "0")):
        quad = quad.replace(f'"{word}"^^<{XSD}boolean>', f'"{number}"^^<{XSD}boolean>')
    return quad


def canonical_quads(body: bytes, fmt: ox.RdfFormat) -> frozenset[str]:
    dataset = ox.Dataset(ox.parse(body, format=fmt))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return frozenset(str(quad) for quad in dataset)


def solutions(body: bytes, fmt: ox.QueryResultsFormat, reading: Reading) -> Any:
    parsed = ox.parse_query_results(body, format=fmt)
    if isinstance(parsed, ox.QueryBoolean):
        return bool(parsed)
    variables = [v.value for v in parsed.variables]
    rows = Counter(
        tuple(
            sorted(
                (name, _plain(row[name], reading.concatenated.get(name), reading))
                for name in variables
                if row[name] is not None and not _empty_concatenation(row[name], name, reading)
            )
        )
        for row in parsed
    )
    return sorted(variables), rows


def _empty_concatenation(term: Any, name: str, reading: Reading) -> bool:
    """Virtuoso concatenates nothing into "", Oxigraph leaves the variable unbound."""
    return (
        reading.virtuoso
        and name in reading.concatenated
        and isinstance(term, ox.Literal)
        and not term.value
    )


_BOOLEAN_LIKE = {
    (XSD + "boolean", "true"): "1",
    (XSD + "boolean", "1"): "1",
    (XSD + "boolean", "false"): "0",
    (XSD + "boolean", "0"): "0",
    (XSD + "integer", "1"): "1",
    (XSD + "integer", "0"): "0",
}


def _plain(term: Any, separator: str | None, reading: Reading) -> str:
    if isinstance(term, ox.BlankNode):
        return "_:b"
    if isinstance(term, ox.Literal):
        if separator is not None:
            if reading.virtuoso:
                separator = "".join(c if c.isascii() else "?" for c in separator)
                text = "".join(c if c.isascii() or c.isalnum() else "?" for c in term.value)
                return repr(sorted(text.split(separator)))
            return repr(sorted(term.value.split(separator)))
        if reading.virtuoso and (term.datatype.value, term.value) in _BOOLEAN_LIKE:
            return "boolean-like " + _BOOLEAN_LIKE[(term.datatype.value, term.value)]
    return str(term)


_CONCAT = re.compile(
    r"GROUP_CONCAT\s*\((?:[^()]|\([^()]*\))*?(?:separator\s*=\s*(\"[^\"]*\"|'[^']*'))?\s*\)"
    r"\s*AS\s*\?(\w+)",
    re.IGNORECASE,
)


def concatenations(text: str) -> dict[str, str]:
    """The variables of a query that are a GROUP_CONCAT, with their separators."""
    return {match[2]: match[1][1:-1] if match[1] else " " for match in _CONCAT.finditer(text)}


def difference(expected: Any, actual: Any, limit: int = 6) -> str:
    """A short account of how ``actual`` differs from ``expected``."""
    if isinstance(expected, frozenset) and isinstance(actual, frozenset):
        missing, extra = sorted(expected - actual), sorted(actual - expected)
        return _listed(missing, extra, limit)
    if (
        isinstance(expected, tuple)
        and isinstance(actual, tuple)
        and isinstance(expected[-1], Counter)
        and isinstance(actual[-1], Counter)
    ):
        missing = sorted(map(str, (expected[1] - actual[1]).elements()))
        extra = sorted(map(str, (actual[1] - expected[1]).elements()))
        head = "" if expected[0] == actual[0] else f"variables {expected[0]} {actual[0]}\n"
        return head + _listed(missing, extra, limit)
    if isinstance(expected, Counter) and isinstance(actual, Counter):
        missing = sorted((expected - actual).elements())
        extra = sorted((actual - expected).elements())
        return _listed(missing, extra, limit)
    if isinstance(expected, str) and isinstance(actual, str):
        for index, (a, b) in enumerate(zip(expected, actual, strict=False)):
            if a != b:
                around = slice(max(0, index - 80), index + 80)
                return f"at {index}: {expected[around]!r}\n vs {actual[around]!r}"
        return f"lengths {len(expected)} and {len(actual)}"
    return f"{str(expected)[:300]}\n vs {str(actual)[:300]}"


def _listed(missing: list[str], extra: list[str], limit: int) -> str:
    lines = [f"{len(missing)} missing, {len(extra)} extra"]
    lines += [f"- {m[:300]}" for m in missing[:limit]]
    lines += [f"+ {e[:300]}" for e in extra[:limit]]
    return "\n".join(lines)
