"""Answers of the suite and of the server, parsed into one form and compared
(solutions unified over blank nodes, numbers by value, graphs as sets of canonical quads)."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyoxigraph as ox

from .manifests import RDF, RDF_SUFFIXES, RS, XSD

Row = dict[str, Any]


@dataclass
class Results:
    """SELECT rows (variables, rows), an ASK answer (boolean) or a graph (quads)."""

    variables: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    boolean: bool | None = None
    graph: ox.Dataset | None = None


def from_query_results(parsed: Any) -> Results:
    if isinstance(parsed, ox.QueryBoolean):
        return Results(boolean=bool(parsed))
    variables = [v.value for v in parsed.variables]
    rows = []
    for solution in parsed:
        rows.append({name: solution[name] for name in variables if solution[name] is not None})
    return Results(variables, rows)


def parse_results(data: bytes, suffix: str, base: str | None = None) -> Results:
    """Read a result document of the format ``suffix`` names."""
    if suffix == ".srx":
        return from_query_results(ox.parse_query_results(data, ox.QueryResultsFormat.XML))
    if suffix == ".srj":
        return from_query_results(ox.parse_query_results(data, ox.QueryResultsFormat.JSON))
    if suffix == ".tsv":
        return from_query_results(ox.parse_query_results(data, ox.QueryResultsFormat.TSV))
    if suffix == ".csv":
        return parse_csv(data)
    quads = list(ox.parse(data, format=RDF_SUFFIXES[suffix], base_iri=base))
    dataset = ox.Dataset(quads)
    if any(q.object == ox.NamedNode(RS + "ResultSet") for q in quads):
        return result_set_from_rdf(dataset)
    return Results(graph=dataset)


_CSV_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def parse_csv(data: bytes) -> Results:
    """CSV results: ``_:x`` is a blank node, a number an xsd:double (so that numbers
    compare by value, as everywhere else: CSV keeps no datatype), the rest strings."""
    lines = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    if not lines:
        return Results()
    variables = lines[0]
    rows = []
    for line in lines[1:]:
        row: Row = {}
        for name, value in zip(variables, line, strict=False):
            if value == "":
                continue
            if value.startswith("_:"):
                row[name] = ox.BlankNode(value[2:])
            elif _CSV_NUMBER.fullmatch(value):
                row[name] = ox.Literal(value, datatype=ox.NamedNode(XSD + "double"))
            else:
                row[name] = ox.Literal(value)
        rows.append(row)
    return Results(variables, rows)


def result_set_from_rdf(dataset: ox.Dataset) -> Results:
    """The DAWG result-set vocabulary (rs:ResultSet) as Results."""
    store = ox.Store()
    store.extend(dataset)

    def objects(subject: Any, predicate: str) -> list[Any]:
        return [
            q.object for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None, None)
        ]

    result_set = next(
        iter(
            store.quads_for_pattern(
                None, ox.NamedNode(RDF + "type"), ox.NamedNode(RS + "ResultSet"), None
            )
        )
    ).subject
    boolean = objects(result_set, RS + "boolean")
    if boolean:
        return Results(boolean=boolean[0].value == "true")
    variables = [v.value for v in objects(result_set, RS + "resultVariable")]
    rows = []
    for solution in objects(result_set, RS + "solution"):
        row = {}
        for binding in objects(solution, RS + "binding"):
            row[objects(binding, RS + "variable")[0].value] = objects(binding, RS + "value")[0]
        rows.append(row)
    return Results(variables, rows)


def show(term: Any) -> str:
    return str(term)


def show_row(row: Row) -> str:
    return "{" + ", ".join(f"?{k}={show(v)}" for k, v in sorted(row.items())) + "}"


_INTEGERS = {
    XSD + n
    for n in (
        "integer",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "nonNegativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
        "positiveInteger",
    )
}


def term_key(term: Any) -> Any:
    """What term equality compares: the term itself, except that a numeric literal is its
    datatype and value, so that "2.0" and "2" (xsd:decimal) or "3.0E4" and "30000"
    (xsd:double) are one term. The datatype must still match exactly."""
    if not isinstance(term, ox.Literal):
        return term
    datatype = term.datatype.value
    try:
        if datatype in _INTEGERS:
            return ("number", datatype, int(term.value))
        if datatype == XSD + "decimal":
            return ("number", datatype, Decimal(term.value).normalize())
        if datatype in (XSD + "double", XSD + "float"):
            return ("number", datatype, repr(float(term.value)))
    except (ValueError, ArithmeticError):
        return term
    return term


def _signature(row: Row) -> tuple[tuple[str, Any], ...]:
    """A row with its blank nodes blurred, for quick multiset comparison."""
    return tuple(
        sorted(
            (
                (name, "_:" if isinstance(term, ox.BlankNode) else term_key(term))
                for name, term in row.items()
            ),
            key=repr,
        )
    )


def _unify(
    expected: Row, actual: Row, forward: dict[Any, Any], backward: dict[Any, Any]
) -> list[tuple[Any, Any]] | None:
    """The new blank-node pairs that make ``expected`` equal ``actual``, or None."""
    if expected.keys() != actual.keys():
        return None
    added: list[tuple[Any, Any]] = []
    for name, left in expected.items():
        right = actual[name]
        if isinstance(left, ox.BlankNode) and isinstance(right, ox.BlankNode):
            known = forward.get(left) or next((r for lft, r in added if lft == left), None)
            back = backward.get(right) or next((lft for lft, r in added if r == right), None)
            if known is None and back is None:
                added.append((left, right))
            elif known != right or back != left:
                return None
        elif term_key(left) != term_key(right):
            return None
    return added


def rows_match(expected: list[Row], actual: list[Row], ordered: bool) -> bool:
    """Equal as multisets (or sequences) of rows up to a blank-node bijection."""
    if len(expected) != len(actual):
        return False
    if Counter(map(_signature, expected)) != Counter(map(_signature, actual)):
        return False
    forward: dict[Any, Any] = {}
    backward: dict[Any, Any] = {}
    used = [False] * len(actual)

    def search(index: int) -> bool:
        if index == len(expected):
            return True
        candidates = [index] if ordered else range(len(actual))
        for j in candidates:
            if used[j]:
                continue
            added = _unify(expected[index], actual[j], forward, backward)
            if added is None:
                continue
            used[j] = True
            for left, right in added:
                forward[left], backward[right] = right, left
            if search(index + 1):
                return True
            used[j] = False
            for left, right in added:
                del forward[left], backward[right]
        return False

    return search(0)


def _row_of(signature: tuple[tuple[str, Any], ...], rows: list[Row]) -> Row:
    return next(r for r in rows if _signature(r) == signature)


def describe_difference(expected: list[Row], actual: list[Row]) -> str:
    want, got = Counter(map(_signature, expected)), Counter(map(_signature, actual))
    missing = [_row_of(s, expected) for s in (want - got)]
    extra = [_row_of(s, actual) for s in (got - want)]
    parts = [f"expected {len(expected)} rows, got {len(actual)}"]
    if missing:
        parts.append("missing " + "; ".join(show_row(r) for r in missing[:3]))
    if extra:
        parts.append("unexpected " + "; ".join(show_row(r) for r in extra[:3]))
    if not missing and not extra:
        parts.append(
            "same rows up to blank nodes, but no consistent blank-node mapping "
            "(or a different order)"
        )
    return "; ".join(parts)


def canonical(dataset: ox.Dataset) -> set[str]:
    copy = ox.Dataset(dataset)
    copy.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q.triple) for q in copy}


def compare(expected: Results, actual: Results, ordered: bool) -> str | None:
    """None when ``actual`` answers like ``expected``, else why not."""
    if expected.graph is not None:
        if actual.graph is None:
            return "expected a graph, got query results"
        want, got = canonical(expected.graph), canonical(actual.graph)
        if want == got:
            return None
        missing, extra = sorted(want - got), sorted(got - want)
        return (
            f"graphs differ: {len(want)} expected triples, {len(got)} returned; missing "
            f"{missing[:3]}; unexpected {extra[:3]}"
        )
    if expected.boolean is not None:
        if actual.boolean is None:
            return "expected a boolean, got rows"
        return (
            None
            if expected.boolean == actual.boolean
            else f"expected {expected.boolean}, got {actual.boolean}"
        )
    if actual.boolean is not None or actual.graph is not None:
        return "expected rows, got a boolean or a graph"
    if set(expected.variables) != set(actual.variables):
        return f"variables differ: expected {expected.variables}, got {actual.variables}"
    if rows_match(expected.rows, actual.rows, ordered):
        return None
    if ordered and rows_match(expected.rows, actual.rows, False):
        return "same rows in another order (the query has ORDER BY)"
    return describe_difference(expected.rows, actual.rows)
