"""A remote SPARQL 1.1 server as the store, reached through SPARQLWrapper."""

from __future__ import annotations

import json
import urllib.error
from typing import Any

import pyoxigraph as ox

from d4sme_kg import __version__
from d4sme_kg.formats import oxigraph_format
from d4sme_kg.queries import system_query
from d4sme_kg.results import Solutions, serialize_solutions, solutions_from_json
from d4sme_kg.sparql import analyse
from d4sme_kg.store import QueryAnswer, QueryRequest, StoreUnavailable
from d4sme_kg.store.engine import EngineError

USER_AGENT = f"d4sme-kg/{__version__} (knowledge-graph service; SPARQLWrapper)"


class RemoteBackend:
    """Queries are forwarded; answers are re-serialised in the negotiated format.

    Writes are not offered: every write must be validated against the whole
    resulting graph, which this service cannot do for a store it does not hold.
    """

    writable = False

    def __init__(self, endpoint: str, timeout: float = 30.0) -> None:
        self.endpoint = endpoint
        self.description = f"remote SPARQL endpoint {endpoint}"
        self._timeout = timeout
        self._size: int | None = None
        self._graphs: list[str] | None = None

    def refresh(self) -> None:
        """Read the endpoint's named graphs and size (also a reachability check)."""
        graphs = self._select(system_query("named-graphs"), self._timeout)
        self._graphs = sorted(row["g"][1] for row in graphs.rows if "g" in row)
        count = self._select(system_query("triple-count"), self._timeout)
        self._size = int(count.rows[0]["triples"][1]) if count.rows else 0

    def start(self) -> None:
        """Nothing to start: each request is an HTTP call."""

    def query(self, request: QueryRequest) -> QueryAnswer:
        form = analyse(request.text).form
        if form in ("SELECT", "ASK"):
            solutions = self._select(request.text, request.timeout, request)
            if len(solutions.rows) > request.max_rows:
                raise EngineError(
                    "too_many_rows", f"the result has more than {request.max_rows} rows"
                )
            kind = "boolean" if solutions.boolean is not None else "solutions"
            body = serialize_solutions(solutions, request.result_format)
            return QueryAnswer(kind, body, len(solutions.rows))
        raw = self._request(request.text, request.timeout, request, accept="application/n-triples")
        try:
            triples = [quad.triple for quad in ox.parse(raw, format=ox.RdfFormat.N_TRIPLES)]
        except SyntaxError as error:
            raise StoreUnavailable(f"{self.endpoint} sent unreadable N-Triples: {error}") from None
        if len(triples) > request.max_rows:
            raise EngineError(
                "too_many_rows", f"the result has more than {request.max_rows} triples"
            )
        body = (
            ox.serialize(
                triples,
                format=oxigraph_format(request.graph_format),
                prefixes=request.prefixes or None,
            )
            or b""
        )
        return QueryAnswer("graph", body, len(triples))

    def graphs(self) -> list[str]:
        if self._graphs is None:
            self.refresh()
        return list(self._graphs or [])

    def size(self) -> int:
        if self._size is None:
            self.refresh()
        return self._size if self._size is not None else -1

    def dump(self) -> bytes:
        raise StoreUnavailable("a remote store cannot be dumped through this service")

    def apply(self, add: bytes, remove: bytes) -> None:
        raise StoreUnavailable("writes are not offered on a remote store")

    def close(self) -> None:
        return None

    def _select(self, text: str, timeout: float, request: QueryRequest | None = None) -> Solutions:
        raw = self._request(text, timeout, request, accept="application/sparql-results+json")
        try:
            return solutions_from_json(json.loads(raw))
        except (ValueError, KeyError) as error:
            raise StoreUnavailable(
                f"{self.endpoint} sent unreadable JSON results: {error}"
            ) from None

    def _request(
        self, text: str, timeout: float, request: QueryRequest | None, accept: str
    ) -> bytes:
        from SPARQLWrapper import POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import (
            EndPointNotFound,
            QueryBadFormed,
            SPARQLWrapperException,
            Unauthorized,
        )

        client = SPARQLWrapper(self.endpoint, agent=USER_AGENT)
        client.setMethod(POST)
        client.setTimeout(max(1, int(round(timeout))))
        client.setOnlyConneg(True)
        client.addCustomHttpHeader("Accept", accept)
        client.setQuery(text)
        if request is not None:
            for graph in request.default_graphs:
                client.addDefaultGraph(graph)
            for graph in request.named_graphs:
                client.addNamedGraph(graph)
        try:
            response: Any = client.query().response
            body: bytes = response.read()
            return body
        except QueryBadFormed as error:
            raise EngineError("syntax", _remote_message(error)) from None
        except (EndPointNotFound, Unauthorized, SPARQLWrapperException) as error:
            raise StoreUnavailable(f"{self.endpoint}: {_remote_message(error)}") from None
        except TimeoutError:
            from d4sme_kg.store.pool import QueryTimeout

            raise QueryTimeout(timeout) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise StoreUnavailable(f"{self.endpoint} cannot be reached: {reason}") from None


def _remote_message(error: Exception) -> str:
    text = str(error).strip()
    return text.split("\n\nResponse:\n")[-1].strip()[:500] if text else type(error).__name__
