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
from d4sme_kg.sparql import Analysis, analyse


@dataclass(frozen=True, kw_only=True)
class QueryRequest:
    """One query as the engine needs it: text, what the text asks, dataset, formats, limits.

    Made once, where the query is checked (the service), and passed on unchanged to the
    backend (a local one hands its engine the part it needs: store.messages.RunQuery);
    :meth:`for_text` reads the text for a caller that has not.
    """

    text: str
    #: What sparql.analyse read in ``text`` (its FROM graphs, its SELECT * order, the
    #: prefixes it leaves undeclared): read once, never again on the way.
    analysis: Analysis
    result_format: str = "json"
    graph_format: str = "turtle"
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    timeout: float = 10.0
    max_rows: int = 100_000
    #: The service's prefixes: those the query leaves undeclared, and the namespaces of
    #: a Turtle answer.
    prefixes: dict[str, str] = field(default_factory=dict)
    bindings: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    #: The IRI relative IRIs in the query resolve against (the endpoint's URL).
    base_iri: str | None = None

    @classmethod
    def for_text(cls, text: str, analysis: Analysis | None = None, **options: Any) -> QueryRequest:
        """A request for ``text``, read here unless ``analysis`` is its reading already
        (the CLI's, the system queries', tests')."""
        return cls(text=text, analysis=analysis or analyse(text), **options)

    @property
    def query_dataset(self) -> bool:
        """True when the text has FROM / FROM NAMED: its own dataset then applies."""
        return bool(self.analysis.from_graphs or self.analysis.from_named_graphs)

    @property
    def query_prefixes(self) -> dict[str, str]:
        """The prefixes the query uses undeclared, of those the service has."""
        needed = self.analysis.undeclared_prefixes
        if not needed:  # most queries: no need to go through the service's prefixes
            return {}
        return {p: iri for p, iri in self.prefixes.items() if p in needed}


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

    @property
    def counted_at(self) -> float:
        """When :meth:`size` and :meth:`graphs` were counted (``time.time()``)."""

    @property
    def counted(self) -> str:
        """What :meth:`size` counts, in words."""

    def ready(self) -> bool:
        """Whether the store answers now (a remote one: answered lately)."""

    def dump(self) -> bytes: ...

    @property
    def write_lock(self) -> AbstractContextManager[Any]:
        """Held while a write is validated and committed: one write at a time."""

    def diff(self, update: str, base_iri: str | None, timeout: float) -> tuple[bytes, bytes]:
        """What ``update`` would add and remove (N-Quads), worked out under ``timeout``;
        the store is not changed."""

    def apply(self, add: bytes, remove: bytes) -> None: ...

    def close(self) -> None: ...
