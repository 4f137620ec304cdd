"""Parameters of named queries: typed values bound into the query, never pasted into it."""

from __future__ import annotations

from collections.abc import Iterable

from d4sme_kg.errors import QueryError
from d4sme_kg.queries import StoredQuery
from d4sme_kg.results import XSD, Term, literal

_TYPES = {
    "string": None,
    "integer": XSD + "integer",
    "decimal": XSD + "decimal",
    "boolean": XSD + "boolean",
    "date": XSD + "date",
}


def bind_parameters(query: StoredQuery | None, pairs: Iterable[str]) -> dict[str, Term]:
    """Turn ``name=value`` pairs into typed terms, checked against the query's header."""
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"parameter {pair!r} is not of the form name=value")
        values[name.strip().lstrip("?$")] = value
    if query is None:
        return {name: literal(value) for name, value in values.items()}
    declared = {p.name: p for p in query.parameters}
    unknown = set(values) - set(declared)
    if unknown:
        known = ", ".join(declared) or "none"
        raise QueryError(f"unknown parameter(s) {', '.join(sorted(unknown))} for "
                         f"{query.name!r}; it takes: {known}")
    bound: dict[str, Term] = {}
    for name, param in declared.items():
        raw = values.get(name, param.default)
        if raw is None:
            continue
        bound[name] = to_term(name, param.type, raw)
    return bound


def to_term(name: str, kind: str, raw: str) -> Term:
    """A value of a declared type; a clear QueryError when it does not fit."""
    if kind == "iri":
        if not raw.startswith(("http://", "https://", "urn:")) or any(c in raw for c in '<>" {}|\\^`'):
            raise QueryError(f"parameter {name} must be an absolute IRI, not {raw!r}")
        return ("uri", raw)
    if kind == "lang":
        if not raw.replace("-", "").isalnum():
            raise QueryError(f"parameter {name} must be a language tag such as ko or en")
        return literal(raw.lower())
    if kind not in _TYPES:
        raise QueryError(f"parameter {name} has an unknown type {kind!r}")
    checks = {"integer": r"^[+-]?\d+$", "decimal": r"^[+-]?\d+(\.\d+)?$",
              "boolean": r"^(true|false)$", "date": r"^\d{4}-\d{2}-\d{2}$"}
    import re

    if kind in checks and not re.match(checks[kind], raw):
        raise QueryError(f"parameter {name} must be a {kind}, not {raw!r}")
    return literal(raw, _TYPES[kind])
