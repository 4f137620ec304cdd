"""Parameters of named queries: typed values bound into the query, never pasted into it.

A value comes from ``--param name=value`` (CLI) or the query string (web). It is checked
against the type its query declares (``# param: ?name type default -- description``) and
turned into an RDF term that the engine substitutes for the variable. Every failure is a
:class:`InvalidParameter` (HTTP 400) that names the parameter and what it expects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from d4sme_kg.errors import QueryError
from d4sme_kg.queries import StoredQuery
from d4sme_kg.results import XSD, Term, literal
from d4sme_kg.sparql import _IRI_FORBIDDEN

#: The declared types and the XSD datatype their values get (None: a plain string).
TYPES: dict[str, str | None] = {
    "iri": None,
    "string": None,
    "lang": None,
    "integer": XSD + "integer",
    "decimal": XSD + "decimal",
    "boolean": XSD + "boolean",
    "date": XSD + "date",
}

_CHECKS = {
    "integer": (re.compile(r"[+-]?\d+"), "a whole number such as 11"),
    "decimal": (re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)"), "a decimal number such as 0.9"),
    "boolean": (re.compile(r"true|false"), "true or false"),
    "date": (re.compile(r"\d{4}-\d{2}-\d{2}"), "a date written YYYY-MM-DD"),
    "lang": (re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*"), "a language tag such as ko or en"),
}
_CURIE = re.compile(r"(?P<prefix>[A-Za-z][\w.-]*)?:(?P<local>[^\s/]*)")
_MAX_LENGTH = 2000


class InvalidParameter(QueryError):
    """A parameter value that does not fit its declared type, or an unknown parameter."""

    title = "Invalid parameter"


def bind_parameters(
    query: StoredQuery | None, pairs: Iterable[str], prefixes: Mapping[str, str] | None = None
) -> dict[str, Term]:
    """Turn ``name=value`` pairs into typed terms, checked against the query's header."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidParameter(f"parameter {pair!r} is not of the form name=value")
        values[name.strip().lstrip("?$")] = value
    return bind_values(query, values, prefixes)


def bind_values(
    query: StoredQuery | None, values: Mapping[str, str], prefixes: Mapping[str, str] | None = None
) -> dict[str, Term]:
    """Typed terms for ``values`` (name -> text); defaults fill the parameters not given.

    An empty value counts as not given. Without a query (plain SPARQL text) every value
    is bound as a string.
    """
    given = {name: value for name, value in values.items() if value != ""}
    if query is None:
        return {name: literal(value) for name, value in given.items()}
    declared = {p.name: p for p in query.parameters}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        known = ", ".join(declared) or "none"
        raise InvalidParameter(
            f"unknown parameter(s) {', '.join(unknown)} for {query.name!r}; it takes: {known}"
        )
    bound: dict[str, Term] = {}
    for name, param in declared.items():
        raw = given.get(name, param.default)
        if raw is None:
            continue
        bound[name] = to_term(name, param.type, raw, prefixes)
    return bound


def to_term(name: str, kind: str, raw: str, prefixes: Mapping[str, str] | None = None) -> Term:
    """A value of a declared type; a clear InvalidParameter when it does not fit."""
    kind = kind.lower()
    if kind not in TYPES:
        raise InvalidParameter(
            f"parameter {name} has an unknown type {kind!r}; types are: {', '.join(TYPES)}"
        )
    if len(raw) > _MAX_LENGTH:
        raise InvalidParameter(f"parameter {name} is longer than {_MAX_LENGTH} characters")
    if kind == "iri":
        return ("uri", expand_iri(name, raw.strip(), prefixes))
    if kind in _CHECKS:
        pattern, expected = _CHECKS[kind]
        if not pattern.fullmatch(raw.strip()):
            raise InvalidParameter(f"parameter {name} must be {expected}, not {raw!r}")
        raw = raw.strip()
    if kind == "lang":
        return literal(raw.lower())
    return literal(raw, TYPES[kind])


def expand_iri(name: str, raw: str, prefixes: Mapping[str, str] | None = None) -> str:
    """An absolute IRI from ``raw``: an absolute IRI, ``<IRI>`` or a prefixed name."""
    if raw.startswith("<") and raw.endswith(">"):
        raw = raw[1:-1]
    if not raw.startswith(("http://", "https://", "urn:")):
        table = dict(prefixes) if prefixes is not None else _default_prefixes()
        match = _CURIE.fullmatch(raw)
        if match and (match["prefix"] or "") in table:
            raw = table[match["prefix"] or ""] + match["local"]
        else:
            known = ", ".join(f"{p}:" for p in sorted(table))
            raise InvalidParameter(
                f"parameter {name} must be an absolute IRI (http://…, https://…) or a "
                f"prefixed name ({known}), not {raw!r}"
            )
    if _IRI_FORBIDDEN.search(raw):
        raise InvalidParameter(f"parameter {name} is not a valid IRI: {raw!r}")
    return raw


def _default_prefixes() -> dict[str, str]:
    from d4sme_kg.namespaces import prefixes

    return {prefix: str(namespace) for prefix, namespace in prefixes().items()}
