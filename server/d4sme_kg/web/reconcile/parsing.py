"""Reconciliation requests, checked and read into one form for both protocol versions.

A 0.2 query (``query``, ``type``, ``properties`` of ``pid``/``v``) and a 1.0 query
(``conditions`` of ``matchType``/``propertyId``/``propertyValue``) become the same
:class:`Query`. Anything of the wrong shape is a :class:`QueryError` (400) that names
where it is; a batch past the limits is :class:`TooLarge` (413).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from d4sme_kg.errors import QueryError, TooLarge

#: Most queries in one batch (announced in the 1.0 manifest as ``batchSize``).
MAX_BATCH = 100
#: Most entities and properties in one data extension request.
MAX_IDS = 500
MAX_PROPERTIES = 50
#: Most candidates a query may ask for, and the default.
MAX_LIMIT = 100
DEFAULT_LIMIT = 10
#: Longest text a query, a value or an identifier may have; name matching is quadratic.
MAX_TEXT = 500
#: Most conditions in a query and values in a condition.
MAX_CONDITIONS = 20
MAX_VALUES = 50
MATCH_TYPES = ("name", "id", "property")
QUANTIFIERS = ("any", "all", "none")


@dataclass(frozen=True)
class EntityValue:
    """A property value that names an entity (a value reconciled before)."""

    id: str


PropertyValue = str | int | float | bool | EntityValue


@dataclass(frozen=True)
class Condition:
    match_type: str  # one of MATCH_TYPES
    values: tuple[PropertyValue, ...]
    property: str = ""
    required: bool = False
    quantifier: str = "any"


@dataclass(frozen=True)
class Query:
    conditions: tuple[Condition, ...]
    types: tuple[str, ...] = ()
    limit: int = DEFAULT_LIMIT
    lang: str | None = None


@dataclass(frozen=True)
class Extension:
    ids: tuple[str, ...]
    properties: tuple[str, ...]


def parse_json(raw: str | bytes, what: str) -> Any:
    """The JSON document in ``raw``; malformed or absurdly nested JSON is a 400."""
    try:
        return json.loads(raw, parse_constant=_not_json)
    except RecursionError:
        raise QueryError(f"{what} is nested too deeply") from None
    except ValueError as error:
        raise QueryError(f"{what} is not valid JSON: {error}") from None


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON value")


def batch_v1(document: Any) -> list[Query]:
    """The queries of a 1.0 batch: ``{"queries": [ … ]}``."""
    if not isinstance(document, dict) or not isinstance(document.get("queries"), list):
        raise QueryError('a reconciliation batch is a JSON object {"queries": [ … ]}')
    queries: list[Any] = document["queries"]
    _count(len(queries), MAX_BATCH, "queries in a batch")
    return [parse_query(q, f"queries[{i}]") for i, q in enumerate(queries)]


def batch_v02(document: Any) -> dict[str, Query]:
    """The queries of a 0.2 batch: an object of queries by key (``q0``, ``q1``, …)."""
    if not isinstance(document, dict):
        raise QueryError('queries must be a JSON object of queries by key, {"q0": { … }}')
    _count(len(document), MAX_BATCH, "queries in a batch")
    return {str(key): parse_query(q, f"queries.{key}") for key, q in document.items()}


def parse_query(query: Any, where: str) -> Query:
    """One query, in either version's fields (both may be mixed)."""
    if isinstance(query, str):  # 0.1: a bare string is the name to match
        query = {"query": query}
    if not isinstance(query, dict):
        raise QueryError(f"{where} must be a JSON object")
    if not {"query", "conditions", "properties"} & set(query):
        raise QueryError(f"{where} has no query, conditions or properties to match")
    conditions: list[Condition] = []
    if "query" in query:
        conditions.append(Condition("name", (_text(query["query"], f"{where}.query"),)))
    for i, mapping in enumerate(_list(query.get("properties", []), f"{where}.properties")):
        at = f"{where}.properties[{i}]"
        if not isinstance(mapping, dict):
            raise QueryError(f"{at} must be an object with pid and v")
        pid = _text(mapping.get("pid"), f"{at}.pid")
        conditions.append(Condition("property", _values(mapping.get("v"), f"{at}.v"), pid))
    for i, condition in enumerate(_list(query.get("conditions", []), f"{where}.conditions")):
        conditions.append(_condition(condition, f"{where}.conditions[{i}]"))
    _count(len(conditions), MAX_CONDITIONS, f"conditions in {where}")
    types = query.get("type")
    if types is None:
        types = []
    elif isinstance(types, str):
        types = [types]
    type_ids = tuple(_text(t, f"{where}.type") for t in _list(types, f"{where}.type"))
    _count(len(type_ids), MAX_VALUES, f"types in {where}")
    lang = query.get("lang")
    if lang is not None:
        lang = _text(lang, f"{where}.lang")
    return Query(tuple(conditions), type_ids, _limit(query.get("limit"), where), lang)


def _condition(condition: Any, where: str) -> Condition:
    if not isinstance(condition, dict):
        raise QueryError(f"{where} must be an object with matchType and propertyValue")
    match_type = condition.get("matchType")
    if match_type not in MATCH_TYPES:
        raise QueryError(f"{where}.matchType must be one of {', '.join(MATCH_TYPES)}")
    if "propertyValue" not in condition:
        raise QueryError(f"{where} has no propertyValue")
    pid = ""
    if match_type == "property":
        pid = _text(condition.get("propertyId"), f"{where}.propertyId")
    required = condition.get("required", False)
    if not isinstance(required, bool):
        raise QueryError(f"{where}.required must be true or false")
    quantifier = condition.get("matchQuantifier", "any")
    if quantifier not in QUANTIFIERS:
        raise QueryError(f"{where}.matchQuantifier must be one of {', '.join(QUANTIFIERS)}")
    values = _values(condition["propertyValue"], f"{where}.propertyValue")
    return Condition(match_type, values, pid, required, quantifier)


def _values(value: Any, where: str) -> tuple[PropertyValue, ...]:
    """One value or an array of them: strings, numbers, booleans or ``{"id": …}``."""
    items = value if isinstance(value, list) else [value]
    _count(len(items), MAX_VALUES, f"values in {where}")
    return tuple(_value(item, where) for item in items)


def _value(value: Any, where: str) -> PropertyValue:
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return _text(value, where)
    if isinstance(value, dict) and "id" in value:
        return EntityValue(_text(value["id"], f"{where}.id"))
    raise QueryError(f"{where} must be a string, a number, a boolean or an object with an id")


def parse_extension(document: Any) -> Extension:
    """A data extension query: ``{"ids": [ … ], "properties": [{"id": …}, …]}``."""
    if not isinstance(document, dict):
        raise QueryError('a data extension query is a JSON object {"ids": …, "properties": …}')
    ids = _list(document.get("ids"), "ids")
    properties = _list(document.get("properties"), "properties")
    _count(len(ids), MAX_IDS, "ids in a data extension query")
    _count(len(properties), MAX_PROPERTIES, "properties in a data extension query")
    pids = []
    for i, item in enumerate(properties):
        if not isinstance(item, dict):
            raise QueryError(f"properties[{i}] must be an object with an id")
        pids.append(_text(item.get("id"), f"properties[{i}].id"))
    return Extension(
        tuple(_text(identifier, f"ids[{i}]") for i, identifier in enumerate(ids)), tuple(pids)
    )


def parse_count(raw: str | None, name: str, default: int, most: int) -> int:
    """A ``limit``/``offset`` URL parameter: a whole number, at most ``most``."""
    if raw is None or raw.strip() == "":
        return default
    if not raw.strip().isdigit() or len(raw) > 9:
        raise QueryError(f"{name} must be a whole number from 0 up")
    return min(int(raw), most)


def _limit(value: Any, where: str) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if isinstance(value, str) and value.strip().isdigit() and len(value) <= 9:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise QueryError(f"{where}.limit must be a positive number")
    if math.isnan(value) or value < 1:
        raise QueryError(f"{where}.limit must be a positive number")
    return int(min(value, MAX_LIMIT))


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise QueryError(f"{where} must be a string")
    if len(value) > MAX_TEXT:
        raise QueryError(f"{where} is longer than {MAX_TEXT} characters")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise QueryError(f"{where} must be an array")
    return value


def _count(count: int, most: int, what: str) -> None:
    if count > most:
        raise TooLarge(f"{count} {what}; at most {most} are answered in one request")
