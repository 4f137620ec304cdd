"""Candidates for one reconciliation query, scored 0–100.

A name condition scores by :func:`d4sme_kg.linking.matching.name_score` over every name
of an entity, in every language; a name that is the entity's identifier (its IRI, a
prefixed name such as ``kg:kakao`` or the bare slug ``kakao``), like a 1.0 ``id``
condition, scores 100. Property conditions (``basedIn``, ``kgo:basedIn`` or the IRI: a
bare property or type name is one of our ontology's) then take 30 of the 100 points,
shared equally (all of them when the query names nothing): a value matches an entity's
value by identifier, by the literal, or by any label of the value in any language
(``basedIn`` = 대한민국 finds South Korea).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from d4sme_kg.linking.matching import name_score
from d4sme_kg.linking.scoring import normalise
from d4sme_kg.web.reconcile.index import Index, Record, Value, entity_iri, expand, term_iri
from d4sme_kg.web.reconcile.parsing import Condition, EntityValue, PropertyValue, Query

#: Lowest name score that makes an entity a candidate.
NAME_FLOOR = 50.0
#: How far ahead of the runner-up a candidate must be to count as a sure match.
MARGIN = 10.0
#: Share of the score that property conditions decide when a name is given too.
PROPERTY_SHARE = 30.0
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long")}

#: Reads the property values of entities (IRIs) from the graph.
ValueReader = Callable[[Iterable[str]], Mapping[str, list[Value]]]


@dataclass(frozen=True)
class Scored:
    record: Record
    score: float
    match: bool


def candidates(
    query: Query, index: Index, read_values: ValueReader, prefixes: Mapping[str, str]
) -> list[Scored]:
    """The best candidates for ``query``, best first, at most ``query.limit``."""
    wanted = {term_iri(t, prefixes) for t in query.types}
    pool = [r for r in index.records.values() if not wanted or wanted & set(r.types)]
    names = [c for c in query.conditions if c.match_type in ("name", "id")]
    properties = [c for c in query.conditions if c.match_type == "property"]
    scores: dict[str, float] = {}
    records = {r.iri: r for r in pool}
    for record in pool:
        if not names:
            scores[record.iri] = 0.0
            continue
        best = max(_name(c, record, prefixes) for c in names)
        missing = any(c.required and _name(c, record, prefixes) < NAME_FLOOR for c in names)
        if best >= NAME_FLOOR and not missing:
            scores[record.iri] = best
    if properties and scores:
        values = read_values(list(scores))
        rescored: dict[str, float] = {}
        for iri, score in scores.items():
            held = [_holds(c, values.get(iri, []), prefixes) for c in properties]
            if any(c.required and not h for c, h in zip(properties, held, strict=True)):
                continue
            fraction = sum(held) / len(properties)
            if names:
                rescored[iri] = (100 - PROPERTY_SHARE) / 100 * score + PROPERTY_SHARE * fraction
            elif fraction > 0:
                rescored[iri] = 100 * fraction
        scores = rescored
    ranked = sorted(((round(s, 1), iri) for iri, s in scores.items()), key=lambda p: (-p[0], p[1]))
    top = ranked[: query.limit]
    sure = bool(top) and top[0][0] >= 99 and (len(top) == 1 or top[0][0] - top[1][0] >= MARGIN)
    return [Scored(records[iri], s, i == 0 and sure) for i, (s, iri) in enumerate(top)]


def _name(condition: Condition, record: Record, prefixes: Mapping[str, str]) -> float:
    best = 0.0
    for value in condition.values:
        identifier = value.id if isinstance(value, EntityValue) else str(value)
        if _is(identifier, record.iri, prefixes):
            return 100.0
        if condition.match_type == "name" and not isinstance(value, EntityValue):
            best = max(best, name_score(str(value), record))
    return best


def _is(identifier: str, iri: str, prefixes: Mapping[str, str]) -> bool:
    """True when ``identifier`` names ``iri``: in full, prefixed, or as the bare slug."""
    return entity_iri(identifier, prefixes) == iri


def _holds(condition: Condition, values: list[Value], prefixes: Mapping[str, str]) -> bool:
    """Whether the entity's ``values`` satisfy ``condition``, by its quantifier."""
    pid = term_iri(condition.property, prefixes)
    own = [v for v in values if v.property == pid]
    found = [any(_matches(w, v, prefixes) for v in own) for w in condition.values]
    if condition.quantifier == "all":
        return all(found)
    if condition.quantifier == "none":
        return not any(found)
    return any(found)


def _matches(wanted: PropertyValue, value: Value, prefixes: Mapping[str, str]) -> bool:
    if isinstance(wanted, EntityValue):
        return value.kind == "uri" and entity_iri(wanted.id, prefixes) == value.value
    if isinstance(wanted, bool):
        return value.datatype == XSD + "boolean" and value.value == str(wanted).lower()
    if isinstance(wanted, int | float):
        if value.datatype not in NUMERIC:
            return False
        try:
            return float(value.value) == float(wanted)
        except ValueError:
            return False
    if value.kind == "uri" and expand(wanted.strip(), prefixes) == value.value:
        return True
    text = normalise(wanted)
    if not text:
        return False
    if value.kind == "literal" and normalise(value.value) == text:
        return True
    return any(normalise(label) == text for label, _, _ in value.labels)
