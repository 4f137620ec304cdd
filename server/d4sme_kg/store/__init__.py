"""The store interface the web layer and the CLI query through, and its backends.

- ``memory`` (default): the project loaded into an in-memory pyoxigraph store;
- a folder path: a persistent on-disk pyoxigraph store (loaded once, reopened fast);
- ``sparql+http(s)://…``: any SPARQL 1.1 server, through SPARQLWrapper.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from d4sme_kg.errors import KGError
from d4sme_kg.sparql import analyse


@dataclass
class QueryRequest:
    """One query as the engine needs it: text, dataset, formats and limits."""

    text: str
    result_format: str = "json"
    graph_format: str = "turtle"
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    timeout: float = 10.0
    max_rows: int = 100_000
    prefixes: dict[str, str] = field(default_factory=dict)
    bindings: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    #: True when the query text has FROM / FROM NAMED: its own dataset then applies
    #: (None: not known yet, read from the text for the message).
    query_dataset: bool | None = None
    #: The IRI relative IRIs in the query resolve against (the endpoint's URL).
    base_iri: str | None = None
    #: ``SELECT *`` columns in the order of the query; [] for another projection (None:
    #: not known yet, read from the text for the message).
    star_order: list[str] | None = None
    #: The prefixes the query may use undeclared (None: all of ``prefixes``, which
    #: also name the namespaces of a Turtle answer).
    query_prefixes: dict[str, str] | None = None

    def message(self) -> dict[str, Any]:
        """The request as plain data for the engine, what it needs of the text included."""
        query_dataset, star_order = self.query_dataset, self.star_order
        if query_dataset is None or star_order is None:
            # Callers that checked the query pass these from that reading already.
            analysis = analyse(self.text)
            query_dataset = bool(analysis.from_graphs or analysis.from_named_graphs)
            star_order = analysis.star_order
        return {
            "op": "query",
            "text": self.text,
            "result_format": self.result_format,
            "graph_format": self.graph_format,
            "default_graphs": self.default_graphs,
            "named_graphs": self.named_graphs,
            "max_rows": self.max_rows,
            "prefixes": self.prefixes,
            "bindings": self.bindings,
            "query_dataset": query_dataset,
            "base_iri": self.base_iri,
            "star_order": star_order,
            "query_prefixes": self.query_prefixes,
        }


@dataclass
class QueryAnswer:
    """A serialised answer: ``kind`` is boolean, solutions or graph."""

    kind: str
    body: bytes
    #: Solutions or triples in the answer; for local JSON and CSV answers an upper bound
    #: (a literal may hold the separator that is counted), exact otherwise.
    rows: int = 0


class StoreUnavailable(KGError):
    """The store cannot be opened or reached."""

    title = "Store unavailable"
    http_status = 503


class Backend(Protocol):
    """What the service needs of a store."""

    description: str
    writable: bool

    def start(self) -> None:
        """Start what answers queries in this process (a pre-fork server calls it in each
        worker, right after the fork and before any thread)."""

    def query(self, request: QueryRequest) -> QueryAnswer: ...

    def graphs(self) -> list[str]: ...

    def size(self) -> int: ...

    def dump(self) -> bytes: ...

    @property
    def write_lock(self) -> AbstractContextManager[Any]:
        """Held while a write is validated and committed: one write at a time."""

    def diff(self, update: str, base_iri: str | None, timeout: float) -> tuple[bytes, bytes]:
        """What ``update`` would add and remove (N-Quads), worked out under ``timeout``;
        the store is not changed."""

    def apply(self, add: bytes, remove: bytes) -> None: ...

    def close(self) -> None: ...
