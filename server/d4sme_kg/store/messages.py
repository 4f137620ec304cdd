"""What the store asks its query engine, one frozen dataclass per operation, and the answers.

The engine evaluates on threads of the web process (store.inline) or in evaluator
processes (store.pool), which get each message through a pipe: a message is plain data
(text, bytes, lists and dicts of strings) that pickles cheaply, never a pyoxigraph object.
Each message names the type of its answer (``EngineMessage[Answer]``), so that what an
engine's ``run`` returns is typed for the caller; store.engine.evaluate answers each
message according to its type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, Generic, TypeVar

from d4sme_kg.store import QueryAnswer, QueryRequest
from d4sme_kg.store.disk import StoreCounts

Answer = TypeVar("Answer", covariant=True)


class EngineMessage(Generic[Answer]):
    """A request to the query engine, answered with an ``Answer``."""

    __slots__ = ()


@dataclass(frozen=True)
class RunQuery(EngineMessage[QueryAnswer]):
    """A read query and what its answer needs: dataset, formats, row limit, prefixes.

    Built from a QueryRequest by :meth:`of`, once per query.
    """

    text: str
    result_format: str
    graph_format: str
    #: The protocol's dataset (SPARQL 1.1 Protocol 2.1.4); "" names the default graph.
    default_graphs: Sequence[str]
    named_graphs: Sequence[str]
    #: True when the text has FROM / FROM NAMED: its own dataset then applies.
    query_dataset: bool
    max_rows: int
    #: The service's prefixes, the namespaces of a graph answer.
    prefixes: Mapping[str, str]
    #: Those of the service's prefixes the text uses undeclared: fewer, less to parse.
    query_prefixes: Mapping[str, str]
    bindings: Mapping[str, tuple[Any, ...]]
    #: The IRI relative IRIs in the query resolve against (the endpoint's URL).
    base_iri: str | None
    #: For ``SELECT *``: the variables in the order of the text (pyoxigraph sorts them).
    star_order: Sequence[str]
    #: The endpoints the text calls with SERVICE: an I/O error while evaluating it is
    #: then one of theirs (a 502), not the query's.
    services: Sequence[str]

    @classmethod
    def of(cls, request: QueryRequest) -> RunQuery:
        """The message for ``request``, the engine's part of it."""
        return _run_query(
            request.text,
            request.result_format,
            request.graph_format,
            request.default_graphs,
            request.named_graphs,
            request.query_dataset,
            request.max_rows,
            request.prefixes,
            request.query_prefixes,
            request.bindings,
            request.base_iri,
            request.analysis.star_order,
            request.analysis.services,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as its values in order, rebuilt by _run_query: a sixth cheaper both ways
        # than a dataclass's own pickling (by field name, rebuilt field by field), on every
        # query sent to an evaluator process.
        return (_run_query, _run_query_values(self))


def _run_query(
    text: str,
    result_format: str,
    graph_format: str,
    default_graphs: Sequence[str],
    named_graphs: Sequence[str],
    query_dataset: bool,
    max_rows: int,
    prefixes: Mapping[str, str],
    query_prefixes: Mapping[str, str],
    bindings: Mapping[str, tuple[Any, ...]],
    base_iri: str | None,
    star_order: Sequence[str],
    services: Sequence[str],
) -> RunQuery:
    """A RunQuery of its fields in order (tests/store/test_messages.py checks the order)."""
    message = object.__new__(RunQuery)
    # Set at once: the __init__ of a frozen dataclass sets each field through
    # object.__setattr__, half a microsecond more for these, on every query.
    object.__setattr__(
        message,
        "__dict__",
        {
            "text": text,
            "result_format": result_format,
            "graph_format": graph_format,
            "default_graphs": default_graphs,
            "named_graphs": named_graphs,
            "query_dataset": query_dataset,
            "max_rows": max_rows,
            "prefixes": prefixes,
            "query_prefixes": query_prefixes,
            "bindings": bindings,
            "base_iri": base_iri,
            "star_order": star_order,
            "services": services,
        },
    )
    return message


_run_query_values = attrgetter(*(field.name for field in fields(RunQuery)))


@dataclass(frozen=True)
class Change:
    """Quads to add and quads to remove, as N-Quads: bytes that cross the process boundary."""

    add: bytes
    remove: bytes


@dataclass(frozen=True)
class DiffUpdate(EngineMessage[Change]):
    """What the SPARQL Update ``text`` would change, worked out on a copy of the store."""

    text: str
    base_iri: str | None


@dataclass(frozen=True)
class ApplyChange(EngineMessage[None]):
    """Commit an already validated change to the store (applied again, it changes nothing)."""

    change: Change


@dataclass(frozen=True)
class DumpStore(EngineMessage[bytes]):
    """The whole store as N-Quads."""


@dataclass(frozen=True)
class CountStore(EngineMessage[StoreCounts]):
    """The store's triples and named graphs, counted now."""
