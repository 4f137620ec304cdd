"""A remote SPARQL 1.1 server as the store, reached through SPARQLWrapper.

What this service serves from a remote store is its own named graphs (the project's,
known from its configuration; never found by scanning the store): a query that names
no dataset gets their union as its default graph and them as its named graphs, as the
local store answers it, so an engine's own idea of the default graph (Virtuoso's holds
its system graphs) never leaks in. Counts are of those graphs too.

An answer the remote cut (Virtuoso stops at ``ResultSetMaxRows`` and says so in
``X-SPARQL-MaxRows``, or at its time limit with ``X-SQL-State``) is an error, never a
silent success; see :mod:`d4sme_kg.store.remote_text` for how the text is sent.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import re
import threading
import time
import urllib.error
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from email.message import Message
from typing import Any

import pyoxigraph as ox

from d4sme_kg import __version__
from d4sme_kg.formats import oxigraph_format
from d4sme_kg.queries import system_query
from d4sme_kg.results import Solutions, Term, serialize_solutions, solutions_from_json
from d4sme_kg.store import QueryAnswer, QueryRequest, StoreUnavailable
from d4sme_kg.store.engine_errors import EngineError
from d4sme_kg.store.pool import QueryTimeout
from d4sme_kg.store.remote_text import bind_in_text, fill_template, prologue, split_construct

USER_AGENT = f"d4sme-kg/{__version__} (knowledge-graph service; SPARQLWrapper)"
#: How long a reachability check stands for readiness.
READY_SECONDS = 5.0
#: How long a count of the graphs stands before it is made again.
COUNT_SECONDS = 60.0
#: The longest a remote's error message is repeated.
MESSAGE_LENGTH = 500
#: A response header Virtuoso sends when its answer reached its row limit.
MAX_ROWS_HEADER = "X-SPARQL-MaxRows"
#: A response header Virtuoso sends when it stopped a query at its time limit and
#: answers with what it found so far ("anytime" query).
SQL_STATE_HEADER = "X-SQL-State"
#: The one column of Virtuoso 7.2's answer to ASK.
ASK_COLUMN = "__ASK_RETVAL"


@dataclass(frozen=True)
class Reply:
    """What the remote sent: its body and headers."""

    body: bytes
    headers: Message


@dataclass(frozen=True)
class Counted:
    """Triples per named graph (a triple in two graphs counts in both), and when."""

    graphs: dict[str, int]
    at: float  # time.time()

    @property
    def total(self) -> int:
        return sum(self.graphs.values())


class RemoteBackend:
    """Queries are forwarded; answers are re-serialised in the negotiated format.

    Writes are not offered: every write must be validated against the whole
    resulting graph, which this service cannot do for a store it does not hold.
    """

    writable = False

    def __init__(self, endpoint: str, graphs: Sequence[str] = (), timeout: float = 30.0) -> None:
        """``graphs``: the named graphs this service serves from the store (none: each
        query goes to the endpoint's own dataset, as ``d4sme-kg query --endpoint``)."""
        self.endpoint = endpoint
        self.description = f"remote SPARQL endpoint {endpoint}"
        self._graphs = sorted(graphs)
        self._timeout = timeout
        self._lock = threading.Lock()
        self._counted: Counted | None = None
        self._reachable: tuple[float, bool] | None = None  # (time.monotonic(), answer)
        #: The row limit the remote announced, once seen.
        self.row_limit: int | None = None

    @property
    def counted(self) -> str:
        """What :meth:`size` counts, in words."""
        return (
            "the triples of this service's named graphs on the remote store, "
            "graph by graph (a triple in two graphs counts twice): " + ", ".join(self._graphs)
        )

    def check(self) -> None:
        """Ask the remote one trivial question (no scan); StoreUnavailable if it cannot."""
        try:
            solutions = self._select(system_query("ping"), min(self._timeout, 10.0), None)
        except EngineError as error:
            raise StoreUnavailable(f"{self.endpoint}: {error.message}") from None
        except QueryTimeout as error:
            raise StoreUnavailable(
                f"{self.endpoint} did not answer within {error.seconds:g} s"
            ) from None
        self._boolean(solutions)

    def ready(self) -> bool:
        """Whether the remote answered a trivial question lately (checked at most every
        READY_SECONDS, whatever the number of callers)."""
        now = time.monotonic()
        with self._lock:
            if self._reachable is not None and now - self._reachable[0] < READY_SECONDS:
                return self._reachable[1]
            # Set before asking: the callers meanwhile get the last answer.
            self._reachable = (now, self._reachable[1] if self._reachable else True)
        try:
            self.check()
            reachable = True
        except StoreUnavailable:
            reachable = False
        with self._lock:
            self._reachable = (time.monotonic(), reachable)
        return reachable

    def start(self) -> None:
        """Nothing to start: each request is an HTTP call."""

    def query(self, request: QueryRequest) -> QueryAnswer:
        form = request.analysis.form
        text = self._text(request)
        if form == "CONSTRUCT" and (construct := split_construct(text)) is not None:
            solutions = self._select(construct.select, request.timeout, request)
            self._check_rows(len(solutions.rows), request.max_rows, "solutions")
            return self._graph(fill_template(construct, solutions.rows), request)
        if form == "ASK":
            solutions = self._boolean(self._select(text, request.timeout, request))
            return QueryAnswer("boolean", serialize_solutions(solutions, request.result_format))
        if form == "SELECT":
            solutions = self._select(text, request.timeout, request)
            self._check_rows(len(solutions.rows), request.max_rows, "rows")
            body = serialize_solutions(solutions, request.result_format)
            return QueryAnswer("solutions", body, len(solutions.rows))
        reply = self._request(text, request.timeout, request, accept="application/n-triples")
        try:
            triples = [q.triple for q in ox.parse(reply.body, format=ox.RdfFormat.N_TRIPLES)]
        except SyntaxError as error:
            raise StoreUnavailable(f"{self.endpoint} sent unreadable N-Triples: {error}") from None
        # A DESCRIBE answer does not say whether it was cut: past the remote's limit, a
        # graph answer is taken as cut.
        self._check_rows(len(triples), request.max_rows, "triples")
        return self._graph(triples, request)

    def graphs(self) -> list[str]:
        """The named graphs this service serves: its own, not a scan of the store."""
        return list(self._graphs)

    def size(self) -> int:
        """Triples in the service's named graphs (counted at most every COUNT_SECONDS)."""
        return self.count().total

    @property
    def counted_at(self) -> float:
        return self.count().at

    def count(self) -> Counted:
        with self._lock:
            counted = self._counted
        if counted is not None and time.time() - counted.at < COUNT_SECONDS:
            return counted
        request = QueryRequest.for_text(system_query("graph-sizes"), timeout=self._timeout)
        solutions = self._select(request.text, self._timeout, request)
        sizes = dict.fromkeys(self._graphs, 0)
        for row in solutions.rows:
            if "g" in row and "triples" in row:
                sizes[row["g"][1]] = int(row["triples"][1])
        counted = Counted(sizes, time.time())
        with self._lock:
            self._counted = counted
        return counted

    def dump(self) -> bytes:
        raise StoreUnavailable("a remote store cannot be dumped through this service")

    @property
    def write_lock(self) -> AbstractContextManager[Any]:
        return contextlib.nullcontext()  # nothing is ever written through this service

    def diff(self, update: str, base_iri: str | None, timeout: float) -> tuple[bytes, bytes]:
        raise StoreUnavailable("writes are not offered on a remote store")

    def apply(self, add: bytes, remove: bytes) -> None:
        raise StoreUnavailable("writes are not offered on a remote store")

    def close(self) -> None:
        return None

    # -- the text and the answer ---------------------------------------------------------

    def _text(self, request: QueryRequest) -> str:
        """The query as the remote must get it: prefixes declared, parameters written in."""
        bound = bind_in_text(request.text, request.bindings)
        return prologue(request.query_prefixes, request.base_iri) + bound

    def _graph(self, triples: list[Any], request: QueryRequest) -> QueryAnswer:
        body = (
            ox.serialize(
                triples,
                format=oxigraph_format(request.graph_format),
                prefixes=request.prefixes or None,
            )
            or b""
        )
        return QueryAnswer("graph", body, len(triples))

    def _check_rows(self, rows: int, limit: int, what: str) -> None:
        if rows > limit:
            raise EngineError("too_many_rows", f"the result has more than {limit} {what}")
        if self.row_limit is not None and rows >= self.row_limit:
            raise EngineError(
                "too_many_rows",
                f"the remote store stops every answer at {self.row_limit} rows "
                f"({MAX_ROWS_HEADER}) and this one reached it, so it may be cut: ask for "
                f"fewer (LIMIT below {self.row_limit}), or raise the remote's limit "
                "(Virtuoso: ResultSetMaxRows in its [SPARQL] settings)",
            )

    def _boolean(self, solutions: Solutions) -> Solutions:
        """The answer to an ASK. Virtuoso 7.2 sends it as a table of one column,
        ``__ASK_RETVAL``: a row for true (its value 1), none for false."""
        if solutions.boolean is not None:
            return solutions
        if list(solutions.variables) == [ASK_COLUMN] and len(solutions.rows) <= 1:
            values = [row[ASK_COLUMN][1] for row in solutions.rows if ASK_COLUMN in row]
            return Solutions((), (), bool(values) and values[0] not in ("0", "false"))
        raise StoreUnavailable(f"{self.endpoint} answered ASK without a boolean")

    def _select(self, text: str, timeout: float, request: QueryRequest | None) -> Solutions:
        reply = self._request(text, timeout, request, accept="application/sparql-results+json")
        try:
            solutions = solutions_from_json(json.loads(reply.body))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise StoreUnavailable(
                f"{self.endpoint} sent unreadable JSON results: {error}"
            ) from None
        return relabelled(solutions)

    # -- HTTP ------------------------------------------------------------------------------

    def _dataset(self, request: QueryRequest | None) -> tuple[list[str], list[str]]:
        """The protocol's default and named graphs for ``request``.

        The client's own (``""``, the store's default graph, is sent as no dataset: the
        remote's default graph is its own); none when the text has FROM / FROM NAMED;
        else this service's graphs, as its default graph (their union) and named graphs.
        """
        if request is None:
            return [], []
        if request.default_graphs or request.named_graphs:
            return [g for g in request.default_graphs if g], list(request.named_graphs)
        if request.query_dataset:
            return [], []
        return list(self._graphs), list(self._graphs)

    def _request(
        self, text: str, timeout: float, request: QueryRequest | None, accept: str
    ) -> Reply:
        from SPARQLWrapper import POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import (
            EndPointInternalError,
            QueryBadFormed,
            SPARQLWrapperException,
        )

        client = SPARQLWrapper(self.endpoint, agent=USER_AGENT)
        client.setMethod(POST)
        client.setTimeout(max(1, int(round(timeout))))
        client.setOnlyConneg(True)
        client.addCustomHttpHeader("Accept", accept)
        client.setQuery(text)
        defaults, named = self._dataset(request)
        for graph in defaults:
            client.addDefaultGraph(graph)
        for graph in named:
            client.addNamedGraph(graph)
        try:
            response: Any = client.query().response
            reply = Reply(response.read(), response.headers)
        except QueryBadFormed as error:
            raise EngineError("syntax", remote_message(error)) from None
        except EndPointInternalError as error:
            # Virtuoso answers 500 for errors of evaluation too, and for a query past
            # its own time limit (S1T00).
            message = remote_message(error)
            if _TIME_LIMIT.search(message):
                raise RemoteTimeLimit(timeout, message) from None
            raise EngineError("evaluation", message) from None
        except SPARQLWrapperException as error:
            raise StoreUnavailable(f"{self.endpoint}: {remote_message(error)}") from None
        except TimeoutError:
            raise QueryTimeout(timeout) from None
        except urllib.error.HTTPError as error:
            body = error.read() if error.fp is not None else b""
            raise StoreUnavailable(
                f"{self.endpoint} answered {error.code}: {decoded(body) or error.reason}"
            ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise StoreUnavailable(f"{self.endpoint} cannot be reached: {reason}") from None
        self._read_limits(reply, timeout)
        return reply

    def _read_limits(self, reply: Reply, timeout: float) -> None:
        state = reply.headers.get(SQL_STATE_HEADER)
        if state:
            # Virtuoso's "anytime" answer: what it found before its time limit.
            words = f"{SQL_STATE_HEADER}: {state} {reply.headers.get('X-SQL-Message', '')}"
            raise RemoteTimeLimit(timeout, words, partial=True)
        announced = reply.headers.get(MAX_ROWS_HEADER)
        if announced and announced.strip().isdigit():
            self.row_limit = int(announced.strip())


class RemoteTimeLimit(QueryTimeout):
    """The remote stopped the query at its own time limit (and may have sent part of
    the answer, which is refused: a part is not an answer)."""

    def __init__(self, seconds: float, words: str, partial: bool = False) -> None:
        super().__init__(seconds)
        sent = ", and the part of the answer it sent is refused" if partial else ""
        self.message = (
            f"the remote store stopped the query at its own time limit{sent} "
            f"({' '.join(words.split())[:MESSAGE_LENGTH]}): ask for less, or raise the "
            "remote's limit (Virtuoso: MaxQueryExecutionTime in its [SPARQL] settings)"
        )
        self.args = (self.message,)


#: How Virtuoso says a query ran past its time limit.
_TIME_LIMIT = re.compile(r"\bS1T00\b|\bSR171\b")
_LABEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def relabelled(solutions: Solutions) -> Solutions:
    """``solutions`` with each blank node label that is not one in RDF replaced.

    Virtuoso labels its blank nodes ``nodeID://b10006``, which no RDF syntax can
    write; the same label always gets the same new one.
    """
    if not any(_odd(term) for row in solutions.rows for term in row.values()):
        return solutions
    rows = [{name: _relabel(term) for name, term in row.items()} for row in solutions.rows]
    return Solutions(solutions.variables, rows, solutions.boolean)


def _odd(term: Term) -> bool:
    if term[0] == "bnode":
        return not _LABEL.fullmatch(term[1])
    return term[0] == "triple" and any(_odd(part) for part in term[1:])


def _relabel(term: Term) -> Term:
    if term[0] == "bnode" and not _LABEL.fullmatch(term[1]):
        return ("bnode", "r" + hashlib.sha1(term[1].encode("utf-8")).hexdigest()[:24])
    if term[0] == "triple":
        return ("triple", *(_relabel(part) for part in term[1:]))
    return term


def remote_message(error: Exception) -> str:
    """The remote's own words from a SPARQLWrapper error, decoded, on one line.

    SPARQLWrapper writes the body it got as a Python bytes literal; this reads it back.
    Virtuoso repeats the whole query after its message: only the message is kept.
    """
    text = str(error)
    marker = "\n\nResponse:\n"
    if marker not in text:
        return text.strip() or type(error).__name__
    raw = text.split(marker, 1)[1].strip()
    try:
        body = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        body = raw.encode("utf-8")
    if isinstance(body, str):
        body = body.encode("utf-8")
    return decoded(body) or type(error).__name__


def decoded(body: bytes) -> str:
    """A remote's error body as one line of text (its first paragraph), not too long."""
    text = body.decode("utf-8", "replace").strip()
    first = text.split("\n\n", 1)[0]
    line = " ".join(first.split())
    return line if len(line) <= MESSAGE_LENGTH else line[: MESSAGE_LENGTH - 1] + "…"
