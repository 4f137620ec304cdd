"""Answer one engine message (store.messages) on a pyoxigraph store: run a query and
serialise its answer, work out or apply a change, dump or count the store.

This code runs inside an evaluator process (see :mod:`d4sme_kg.store.pool`), so a
query that runs too long can be stopped by ending the process, or on a thread of a
read-only web process, which is retired then (:mod:`d4sme_kg.store.inline`).
"""

from __future__ import annotations

import csv
import io
import traceback
from collections.abc import Callable
from itertools import islice
from typing import IO, Any, cast

import pyoxigraph as ox

from d4sme_kg.formats import oxigraph_format
from d4sme_kg.results import Solutions, Term, serialize_solutions
from d4sme_kg.store import QueryAnswer
from d4sme_kg.store.disk import count_store
from d4sme_kg.store.engine_errors import EngineError
from d4sme_kg.store.messages import (
    Answer,
    ApplyChange,
    Change,
    CountStore,
    DiffUpdate,
    DumpStore,
    EngineMessage,
    RunQuery,
)


def evaluate(store: ox.Store, message: EngineMessage[Answer]) -> Answer:
    """Answer one message (store.messages), or raise EngineError."""
    try:
        answer: Answer = _answer(store, message)
        return answer
    except EngineError as error:
        # The error goes on alone: its traceback holds pyoxigraph's result iterators,
        # which must be freed on the thread that made them (they are thread-bound), and
        # the caller may hand the error to another thread.
        failure = EngineError(error.kind, error.message)
        traceback.clear_frames(error.__traceback__)
    raise failure


def _answer(store: ox.Store, message: EngineMessage[Any]) -> Any:
    match message:
        case RunQuery():
            return _query(store, message)
        case DiffUpdate():
            return _diff(store, message)
        case ApplyChange():
            return _apply(store, message.change)
        case DumpStore():
            return store.dump(format=ox.RdfFormat.N_QUADS) or b""
        case CountStore():
            return count_store(store)
    # Only a message type added to store.messages without its case here.
    raise EngineError("internal", f"no engine operation for {type(message).__name__}")


def _diff(store: ox.Store, update: DiffUpdate) -> Change:
    # A SPARQL Update run on a copy: what it would add and remove, nothing changed here.
    # In an evaluator, so that its time limit holds (the evaluator is killed).
    scratch = ox.Store()
    scratch.extend(store.quads_for_pattern(None, None, None, None))
    _guard(lambda: scratch.update(update.text, base_iri=update.base_iri or None), "syntax")
    before = set(store.quads_for_pattern(None, None, None, None))
    after = set(scratch.quads_for_pattern(None, None, None, None))
    return Change(
        add=ox.serialize(after - before, format=ox.RdfFormat.N_QUADS) or b"",
        remove=ox.serialize(before - after, format=ox.RdfFormat.N_QUADS) or b"",
    )


def _apply(store: ox.Store, change: Change) -> None:
    # Changes travel as N-Quads bytes: plain data that crosses the process boundary.
    emptied = set()
    for quad in ox.parse(change.remove, format=ox.RdfFormat.N_QUADS):
        store.remove(quad)
        emptied.add(quad.graph_name)
    store.extend(ox.parse(change.add, format=ox.RdfFormat.N_QUADS))
    # A named graph whose last triple went is dropped, as the Graph Store Protocol expects.
    for graph in emptied:
        if (
            isinstance(graph, ox.NamedNode)
            and next(iter(store.quads_for_pattern(None, None, None, graph)), None) is None
        ):
            store.remove_graph(graph)


def _query(store: ox.Store, query: RunQuery) -> QueryAnswer:
    try:
        return _query_answered(store, query)
    except _InputOutputError as error:
        # The store is in memory or on a local disk; an I/O error of a query that calls
        # SERVICE is an endpoint's (refused, cut, not an endpoint at all). pyoxigraph's
        # message does not say which, so every one the query calls is named.
        if not query.services:
            raise
        named = ", ".join(f"<{endpoint}>" for endpoint in dict.fromkeys(query.services))
        raise EngineError(
            "service", f"a SERVICE endpoint failed ({named}): {error.message}"
        ) from None


def _query_answered(store: ox.Store, query: RunQuery) -> QueryAnswer:
    # base_iri: the endpoint URL, against which relative IRIs of the query resolve
    # (SPARQL 1.1 Protocol: the service's BASE); absent, a relative IRI is a syntax error.
    options: dict[str, Any] = {
        # Fewer prefixes, less to parse: only those the query needs are passed.
        "prefixes": query.query_prefixes or None,
        "base_iri": query.base_iri or None,
    }
    options.update(_dataset(query))
    if query.bindings:
        options["substitutions"] = {ox.Variable(k): _to_ox(v) for k, v in query.bindings.items()}

    def run() -> Any:
        return _guard(lambda: store.query(query.text, **options), "syntax")

    result = run()
    limit = int(query.max_rows)
    if isinstance(result, ox.QueryBoolean):
        solutions = Solutions((), (), bool(result))
        return QueryAnswer("boolean", serialize_solutions(solutions, query.result_format))
    if isinstance(result, ox.QuerySolutions):
        found = [v.value for v in result.variables]
        # SELECT * in the order of the query (pyoxigraph sorts the variables by name).
        order = query.star_order
        variables = sorted(
            found, key=lambda name: order.index(name) if name in order else len(order)
        )
        if variables == found:
            return _solutions_natively(run, result, query.result_format, limit)
        rows = _guard(lambda: list(islice(result, limit + 1)), "evaluation")
        if len(rows) > limit:
            raise EngineError("too_many_rows", f"the result has more than {limit} rows")
        converted = [
            {name: _term(value) for name in variables if (value := row[name]) is not None}
            for row in rows
        ]
        body = serialize_solutions(Solutions(variables, converted), query.result_format)
        return QueryAnswer("solutions", body, len(rows))
    triples = _guard(lambda: list(islice(result, limit + 1)), "evaluation")
    if len(triples) > limit:
        raise EngineError("too_many_rows", f"the result has more than {limit} triples")
    body = (
        ox.serialize(
            triples,
            format=oxigraph_format(query.graph_format),
            prefixes=dict(query.prefixes) or None,
        )
        or b""
    )
    return QueryAnswer("graph", body, len(triples))


_NATIVE_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}


class _Sink:
    """A write target for pyoxigraph's writers that counts rows on the way.

    Each ``marker`` occurrence marks one row, and ``header`` is how many more markers
    there are than rows. Exact markers start or end every solution and nothing else: a
    newline in TSV (one line per solution, newlines inside literals are escaped, plus
    the header line) and ``<result>`` in XML (``<`` inside literals is escaped). Past
    ``limit`` rows the writing stops, so a huge answer is never built. A ``bounded``
    sink's markers only bound the rows from above (see _BOUNDS): it writes on past the
    limit, up to _MAX_UNCOUNTED_BYTES, and leaves the exact count to its caller.
    """

    def __init__(self, limit: int, marker: bytes, header: int, bounded: bool = False) -> None:
        self.limit = limit
        self.marker = marker
        self.header = header
        self.bounded = bounded
        self.count = 0
        self.size = 0
        self.tail = b""  # the end of what came before: a marker may span chunks
        self.chunks: list[bytes] = []

    def write(self, chunk: bytes) -> int:
        data = bytes(chunk)
        self.count += data.count(self.marker)
        keep = len(self.marker) - 1
        if keep:
            # Markers that start in what came before and end in this chunk (only the
            # edges are joined: a big answer is not copied once more).
            self.count += (self.tail + data[:keep]).count(self.marker)
            self.tail = (self.tail + data[-keep:])[-keep:]
        self.size += len(data)
        if self.rows > self.limit:
            if not self.bounded:
                raise EngineError("too_many_rows", f"the result has more than {self.limit} rows")
            if self.size > _MAX_UNCOUNTED_BYTES:
                raise _BoundPassed()
        self.chunks.append(data)
        return len(data)

    def flush(self) -> None:
        """Nothing is buffered here."""

    @property
    def rows(self) -> int:
        return self.count - self.header

    def body(self) -> bytes:
        return b"".join(self.chunks)


class _BoundPassed(Exception):
    """Past _MAX_UNCOUNTED_BYTES with more rows than the limit perhaps: count exactly."""


#: Markers whose count bounds the rows from above, for the formats with no exact one:
#: ``},{`` sits between two JSON solutions (and nowhere else but inside a literal), so
#: rows <= count + 1; CSV has a line per solution plus the header (a quoted literal may
#: hold more newlines), so rows <= count - 1.
_BOUNDS = {"json": (b"},{", -1), "csv": (b"\n", 1)}

#: How much of a JSON or CSV answer whose bound passed the limit is written before the
#: query is evaluated again to count its rows exactly (stopping at the limit).
_MAX_UNCOUNTED_BYTES = 64 * 1024 * 1024


def _solutions_natively(
    run: Callable[[], Any], result: ox.QuerySolutions, fmt: str, limit: int
) -> QueryAnswer:
    """Serialise with pyoxigraph's own writers (several times faster than in Python).

    XML and TSV are written once, their rows counted exactly on the way. JSON and CSV
    are written once too, their rows bounded from above; when the bound passes the
    limit (an answer over it, or literals full of separators) the rows of the written
    answer are counted exactly. Only an answer past _MAX_UNCOUNTED_BYTES is evaluated
    again, written as counted TSV (stopping at the limit) and converted.
    """
    if fmt in _BOUNDS:
        marker, header = _BOUNDS[fmt]
        bounded = _Sink(limit, marker, header, bounded=True)
        try:
            _write(result, bounded, _NATIVE_FORMATS[fmt])
        except _BoundPassed:
            result = run()
        else:
            body = bounded.body()
            rows = bounded.rows if bounded.rows <= limit else _exact_rows(body, fmt)
            if rows > limit:
                raise EngineError("too_many_rows", f"the result has more than {limit} rows")
            empty = body.endswith(b"[]}}") if fmt == "json" else rows <= 0
            return QueryAnswer("solutions", body, 0 if empty else rows)
    if fmt == "xml":
        sink = _Sink(limit, b"<result>", header=0)
        _write(result, sink, ox.QueryResultsFormat.XML)
        return QueryAnswer("solutions", sink.body(), sink.rows)
    sink = _Sink(limit, b"\n", header=1)
    _write(result, sink, ox.QueryResultsFormat.TSV)
    body = sink.body()
    if fmt != "tsv":
        parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV)
        body = parsed.serialize(format=_NATIVE_FORMATS[fmt]) or b""
    return QueryAnswer("solutions", body, sink.rows)


def _exact_rows(body: bytes, fmt: str) -> int:
    if fmt == "json":
        parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        assert isinstance(parsed, ox.QuerySolutions)  # the body of a SELECT answer
        return sum(1 for _ in parsed)
    return sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8"), newline=""))) - 1


def _write(result: ox.QuerySolutions, sink: _Sink, fmt: ox.QueryResultsFormat) -> None:
    target = cast(IO[bytes], sink)  # pyoxigraph only calls write() and flush()
    _guard(lambda: result.serialize(target, format=fmt), "evaluation")


def _dataset(query: RunQuery) -> dict[str, Any]:
    """The dataset options of a query (SPARQL 1.1 Protocol 2.1.4, Query 13.2).

    - protocol graphs given: they are the whole dataset and override FROM / FROM NAMED;
      with named graphs only, the default graph is empty; with default graphs only, there
      are no named graphs;
    - otherwise FROM / FROM NAMED in the query define it;
    - otherwise the default graph is the union of every graph, all named graphs visible.
    """
    defaults, named = query.default_graphs, query.named_graphs
    if defaults or named:
        # "" names the store's own default graph (Graph Store Protocol ?default).
        return {
            "default_graph": [ox.NamedNode(g) if g else ox.DefaultGraph() for g in defaults],
            "named_graphs": [ox.NamedNode(g) for g in named],
        }
    if query.query_dataset:
        return {}
    return {"use_default_graph_as_union": True}


def _guard(action: Any, kind: str) -> Any:
    try:
        return action()
    except EngineError:
        raise
    except SyntaxError as error:
        raise EngineError("syntax", str(error)) from None
    except (OSError, ValueError, RuntimeError, TypeError) as error:
        failed = _InputOutputError if isinstance(error, OSError) else EngineError
        raise failed(kind if kind != "syntax" else "evaluation", str(error)) from None


class _InputOutputError(EngineError):
    """An evaluation error that pyoxigraph raised as an OSError (see _query)."""


def _term(value: Any) -> Term:
    if isinstance(value, ox.NamedNode):
        return ("uri", value.value)
    if isinstance(value, ox.BlankNode):
        return ("bnode", value.value)
    if isinstance(value, ox.Literal):
        language = value.language
        return ("literal", value.value, value.datatype.value, language)
    return ("triple", _term(value.subject), _term(value.predicate), _term(value.object))


def _to_ox(term: Term) -> Any:
    kind = term[0]
    if kind == "uri":
        return ox.NamedNode(term[1])
    if kind == "bnode":
        return ox.BlankNode(term[1])
    if term[3]:
        return ox.Literal(term[1], language=term[3])
    return ox.Literal(term[1], datatype=ox.NamedNode(term[2]))
