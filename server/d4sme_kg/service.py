"""The service the web layer and the CLI share: the store and the rules (its settings
are in settings.py).

Everything a request may do goes through :class:`KnowledgeGraphService`: the safety
rules (no SERVICE outside the allowlist, no LOAD, FROM only over graphs in the store,
limits) and the validated write path (every write is checked with SHACL against the
whole resulting graph before it is committed).
"""

from __future__ import annotations

import hmac
import logging
import time
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from d4sme_kg.errors import KGError, NestedTooDeeply, QueryError, TooLarge
from d4sme_kg.namespaces import prefixes
from d4sme_kg.project import Project
from d4sme_kg.queries import shipped_query
from d4sme_kg.settings import Settings
from d4sme_kg.sparql import MAX_OPTIONAL_CALLS, Analysis, add_using, analyse
from d4sme_kg.store import Backend, QueryAnswer, QueryRequest, StoreUnavailable
from d4sme_kg.store.stacks import on_engine_stack
from d4sme_kg.store_version import StoreVersion
from d4sme_kg.validation import ValidationReport, validate_graph

log = logging.getLogger(__name__)


class Forbidden(KGError):
    title = "Forbidden"
    http_status = 403


class WriteRejected(KGError):
    """A write that would break the shapes; carries the SHACL report."""

    title = "Write rejected by the SHACL shapes"
    http_status = 422

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(
            "the write would make the data break its SHACL shapes; nothing was changed"
        )
        self.report = report


class KnowledgeGraphService:
    """A store plus the rules for reading and writing it."""

    def __init__(
        self,
        settings: Settings,
        project: Project,
        backend: Backend,
        shapes: Graph | None,
        started: float,
    ) -> None:
        self.settings = settings
        self.project = project
        self.backend = backend
        self.shapes = shapes
        self.prefixes = {p: str(ns) for p, ns in prefixes(project.base).items()}
        self.start_seconds = time.monotonic() - started
        #: Which state of the data an answer is of; None for a remote store, which
        #: changes behind our back.
        self.version: StoreVersion | None = StoreVersion() if self.local else None

    # -- the store -------------------------------------------------------------------------

    @property
    def description(self) -> str:
        """What the store is ("in-memory pyoxigraph store", a folder, an endpoint)."""
        return self.backend.description

    @property
    def local(self) -> bool:
        """True when this process holds the store (in memory or on disk), not a remote."""
        from d4sme_kg.store.local import LocalBackend

        return isinstance(self.backend, LocalBackend)

    def start(self) -> None:
        """Start what answers queries in this process (see Backend.start)."""
        self.backend.start()

    def close(self) -> None:
        self.backend.close()

    def size(self) -> int:
        """Triples in the store, graph by graph."""
        return self.backend.size()

    def graphs(self) -> list[str]:
        """The IRIs of the store's named graphs."""
        return self.backend.graphs()

    def ready(self) -> bool:
        """Whether the store answers: a remote one when it answered a trivial question
        lately (RemoteBackend.ready), a local one always; False when asking fails."""
        try:
            return self.backend.ready()
        except Exception:  # a store that cannot answer is not ready
            return False

    def counted(self) -> tuple[int, float]:
        """The store's triples and when they were counted (``time.time()``).

        A remote store counts at most every few seconds; a local one at its load, its
        start or its last write (an on-disk store keeps its counts: store.disk).
        """
        return self.backend.size(), self.backend.counted_at

    @property
    def what_is_counted(self) -> str:
        """What :meth:`counted` counts, in words."""
        return self.backend.counted

    def dump(self) -> bytes:
        """The whole store as N-Quads."""
        return self.backend.dump()

    def graph_content(self, graph: str | None, graph_format: str) -> bytes:
        """The triples of ``graph`` (None: the default graph), whole, in ``graph_format``."""
        if graph is None:
            text, bindings = shipped_query("system/default-graph-content"), {}
        else:
            text, bindings = shipped_query("system/graph-content"), {"g": ("uri", graph)}
        request = QueryRequest.for_text(
            text,
            graph_format=graph_format,
            timeout=self.settings.timeout,
            max_rows=10**9,
            prefixes=self.prefixes,
            bindings=bindings,
            default_graphs=[""] if graph is None else [],
        )
        return self.backend.query(request).body

    # -- reading ---------------------------------------------------------------------------

    def check_query(
        self,
        text: str,
        default_graphs: list[str],
        named_graphs: list[str],
        allow_update: bool = False,
    ) -> Analysis:
        """Apply the safety rules; return what the request is."""
        if len(text) > self.settings.max_query_length:
            raise TooLarge(
                f"the query has {len(text)} characters; the limit is "
                f"{self.settings.max_query_length}"
            )
        if not text.strip():
            raise QueryError("the query is empty")
        analysis = analyse(text, self.settings.max_nesting)
        if analysis.too_deep_at is not None:
            line, column = analysis.too_deep_at
            limit = self.settings.max_nesting
            raise NestedTooDeeply(
                f"the {'update' if analysis.is_update else 'query'} is nested too deeply: "
                f"it passes the limit of {limit} levels (brackets, operators and "
                f"chained group elements) at line {line}, column {column}, and reaches "
                f"{analysis.depth}. Flatten it: VALUES or IN instead of long || chains, "
                f"fewer nested groups"
            )
        if analysis.optional_calls_at is not None:
            line, column = analysis.optional_calls_at
            raise NestedTooDeeply(
                f"SUBSTR, REGEX and REPLACE are nested more than {MAX_OPTIONAL_CALLS} deep "
                f"(line {line}, column {column}): the engine's parser takes twice as long "
                "for each level. Compute the inner values in BIND steps instead"
            )
        for graph in [*default_graphs, *named_graphs]:
            _check_graph_iri(graph)
        if analysis.is_update and not allow_update:
            raise QueryError("this is a SPARQL Update; send it to /update, not /sparql")
        if analysis.service_variables:
            raise Forbidden("SERVICE with a variable endpoint is not allowed")
        for endpoint in analysis.services:
            if endpoint not in self.settings.federate:
                allowed = ", ".join(self.settings.federate) or "none"
                raise Forbidden(
                    f"SERVICE <{endpoint}> is not on this server's allowlist (allowed: {allowed})"
                )
        if "LOAD" in analysis.operations:
            raise Forbidden("LOAD is not allowed: this service never fetches remote data")
        # FROM / FROM NAMED only select graphs the store holds (nothing is ever fetched);
        # the protocol's graph parameters name graphs too, and an unknown one is empty,
        # as the SPARQL 1.1 Protocol tests expect.
        if analysis.from_graphs or analysis.from_named_graphs:
            known = set(self.backend.graphs())
            for graph in [*analysis.from_graphs, *analysis.from_named_graphs]:
                if graph not in known:
                    raise QueryError(
                        f"graph <{graph}> is not in the store; FROM and FROM NAMED "
                        f"only select graphs it holds"
                    )
        return analysis

    def query(
        self,
        text: str,
        *,
        result_format: str = "json",
        graph_format: str = "turtle",
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        timeout: float | None = None,
        bindings: dict[str, tuple[Any, ...]] | None = None,
        base_iri: str | None = None,
        analysis: Analysis | None = None,
    ) -> QueryAnswer:
        """Run a read query under the rules and limits; answer serialised.

        ``analysis`` is what :meth:`check_query` returned for this very request, when the
        caller has already checked it (the protocol route does, to pick the formats).
        """
        if analysis is None:
            analysis = self.check_query(text, default_graphs or [], named_graphs or [])
        limit = self.settings.timeout
        chosen = limit if timeout is None else max(0.001, min(timeout, limit))
        request = QueryRequest(
            text=text,
            analysis=analysis,
            result_format=result_format,
            graph_format=graph_format,
            default_graphs=default_graphs or [],
            named_graphs=named_graphs or [],
            timeout=chosen,
            max_rows=self.settings.max_rows,
            prefixes=self.prefixes,
            bindings=bindings or {},
            base_iri=base_iri,
        )
        return self.backend.query(request)

    # -- writing ---------------------------------------------------------------------------

    def authorised(self, header: str | None) -> bool:
        """True when writes are on and ``header`` carries the bearer token (constant time)."""
        token = self.settings.update_token
        if not token or not header or not header.startswith("Bearer "):
            return False
        return hmac.compare_digest(header[len("Bearer ") :].strip().encode(), token.encode())

    @property
    def writes_enabled(self) -> bool:
        return bool(self.settings.update_token) and self.backend.writable

    def update(
        self,
        text: str,
        base_iri: str | None = None,
        using_graphs: list[str] | None = None,
        using_named_graphs: list[str] | None = None,
    ) -> dict[str, int]:
        """Run a SPARQL Update on a copy, validate the result, then commit the change.

        ``using_graphs`` / ``using_named_graphs`` are the protocol's dataset parameters.
        """
        self.check_query(text, [], [], allow_update=True)
        try:
            text = add_using(text, using_graphs or [], using_named_graphs or [])
        except ValueError as error:
            raise QueryError(str(error)) from None
        # Evaluated where the time limit holds: an update is a query over the whole store
        # too, and one that ran for ever would hold the write lock for ever.
        return self._write(None, lambda: self.backend.diff(text, base_iri, self.settings.timeout))

    def replace_graph(
        self, graph: str | None, data: bytes, fmt: ox.RdfFormat, merge: bool
    ) -> dict[str, int]:
        """Graph Store Protocol PUT (replace) or POST (merge) of one graph."""
        target: Any = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        try:
            triples = on_engine_stack(lambda: [q.triple for q in ox.parse(data, format=fmt)])
        except SyntaxError as error:
            raise QueryError(f"the RDF payload does not parse: {error}") from None

        def change(scratch: ox.Store) -> None:
            if not merge:
                scratch.remove_graph(target) if graph else scratch.clear_graph(target)
            scratch.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in triples)

        return self._write(change)

    def delete_graph(self, graph: str | None) -> dict[str, int]:
        if graph and graph not in self.backend.graphs():
            raise KGError(f"graph <{graph}> is not in the store")
        target: Any = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        return self._write(
            lambda scratch: scratch.remove_graph(target) if graph else scratch.clear_graph(target)
        )

    def _write(self, change: Any, diff: Any = None) -> dict[str, int]:
        if not self.backend.writable:
            raise Forbidden("this store does not accept writes")
        # Validation and commit are one critical section: a write validated against data
        # that another write then changes could commit a state nobody validated.
        with self.backend.write_lock:
            try:
                current = self.backend.dump()
                if diff is None:
                    added, removed = on_engine_stack(
                        lambda: self._validated_change(current, change)
                    )
                else:
                    add, remove = diff()
                    added, removed = self._validated_diff(current, add, remove)
                self.backend.apply(
                    ox.serialize(added, format=ox.RdfFormat.N_QUADS) or b"",
                    ox.serialize(removed, format=ox.RdfFormat.N_QUADS) or b"",
                )
            finally:
                # Whatever the outcome: an answer tagged before it is outdated at once.
                if self.version is not None:
                    self.version.count_a_write()
        return {"added": len(added), "removed": len(removed)}

    def _validated_change(self, current: bytes, change: Any) -> tuple[set[Any], set[Any]]:
        """The quads ``change`` adds and removes, once the result is known to conform.

        Runs on the engine's stack: the change parses the client's update or graph.
        """
        before = set(ox.parse(current, format=ox.RdfFormat.N_QUADS))
        scratch = ox.Store()
        scratch.extend(before)
        try:
            change(scratch)
        except SyntaxError as error:
            raise QueryError(str(error)) from None
        except (OSError, ValueError) as error:
            raise QueryError(f"the update failed: {error}") from None
        after = set(scratch.quads_for_pattern(None, None, None, None))
        self._validate(after)
        return after - before, before - after

    def _validated_diff(
        self, current: bytes, add: bytes, remove: bytes
    ) -> tuple[set[Any], set[Any]]:
        """The quads an evaluator found an update adds and removes, once the result is
        known to conform."""
        before = set(ox.parse(current, format=ox.RdfFormat.N_QUADS))
        added = set(ox.parse(add, format=ox.RdfFormat.N_QUADS))
        removed = set(ox.parse(remove, format=ox.RdfFormat.N_QUADS))
        self._validate((before - removed) | added)
        return added, removed

    def _validate(self, after: set[Any]) -> None:
        if self.shapes is not None:
            report = validate_graph(to_rdflib(after), self.shapes)
            if not report.conforms:
                raise WriteRejected(report)


def _check_graph_iri(graph: str) -> None:
    """A protocol graph parameter must be an absolute IRI ("" names the default graph)."""
    if not graph:
        return
    try:
        ox.NamedNode(graph)
    except ValueError as error:
        raise QueryError(
            f"the graph parameter {graph[:200]!r} is not an absolute IRI: {error}"
        ) from None


def to_rdflib(quads: set[Any]) -> Graph:
    """The union of every graph of ``quads`` as one rdflib Graph (for validation)."""
    graph = Graph()
    triples = [q.triple for q in quads]
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", format="nt")
    return graph


__all__ = ["KnowledgeGraphService", "Settings", "StoreUnavailable"]
