"""W3C SPARQL 1.1 conformance runner for the d4sme-kg endpoint, over HTTP.

It reads the W3C test manifests where they lie (they are never copied into this
project), starts ``d4sme-kg serve`` on the test data and checks three things:

- query evaluation: the approved ``mf:QueryEvaluationTest`` and ``mf:CSVResultFormatTest``
  entries of the SPARQL 1.1 folders listed in :data:`EVALUATION_FOLDERS`;
- the SPARQL 1.1 Protocol tests (``sparql11/protocol``), queries and updates;
- the service description tests (``sparql11/service-description``).

One server answers every evaluation test: each data file is loaded once, into a named
graph whose name is the file's ``file:`` URL, and every query carries its own dataset as
protocol parameters (``default-graph-uri`` for ``qt:data``, ``named-graph-uri`` for
``qt:graphData``). A query with its own FROM/FROM NAMED is sent without them.

Usage::

    python -m tests.w3c.runner --suite ../shared/w3c/rdf-tests [--report report.json]
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pyoxigraph as ox

from ..servers import start_d4sme, stop_group

REPO = Path(__file__).resolve().parents[2]
SUITE_ENV = "D4SME_KG_W3C_TESTS"

EVALUATION_FOLDERS = (
    "aggregates",
    "bind",
    "bindings",
    "construct",
    "csv-tsv-res",
    "exists",
    "functions",
    "grouping",
    "json-res",
    "negation",
    "project-expression",
    "property-path",
    "subquery",
)

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
QT = "http://www.w3.org/2001/sw/DataAccess/tests/test-query#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"
DAWGT = "http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#"
HT = "http://www.w3.org/2011/http#"
HTS = "http://www.w3.org/2011/http-statusCodes#"
CNT = "http://www.w3.org/2011/content#"
RS = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"
SD = "http://www.w3.org/ns/sparql-service-description#"
XSD = "http://www.w3.org/2001/XMLSchema#"

#: A graph in the combined data that no test reads: the named graph of the requests of
#: tests without any data, so that their default graph is empty (see evaluation_request).
NO_DATA_GRAPH = "urn:x-d4sme-kg-w3c:no-data"

RESULT_MEDIA = {
    ".srx": "application/sparql-results+xml",
    ".srj": "application/sparql-results+json",
    ".tsv": "text/tab-separated-values",
    ".csv": "text/csv",
}
RDF_SUFFIXES = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
}
RDF_MEDIA = (
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "application/trig",
    "application/n-quads",
)
TABULAR_MEDIA = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)


# -- outcomes --------------------------------------------------------------------------------


@dataclass
class Outcome:
    """The verdict on one test: passed, failed or not-applicable, with the reason."""

    suite: str  # evaluation, protocol, service-description
    test: str  # the test IRI
    name: str
    status: str
    reason: str = ""
    kind: str = ""  # protocol: query or update
    seconds: float = 0.0

    @property
    def short(self) -> str:
        return (
            self.test.rsplit("/", 2)[-2] + "/" + self.test.rsplit("#", 1)[-1]
            if "#" in self.test
            else self.test
        )


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def select(self, suite: str, kind: str | None = None) -> list[Outcome]:
        return [o for o in self.outcomes if o.suite == suite and (kind is None or o.kind == kind)]

    def score(self, suite: str, kind: str | None = None) -> tuple[int, int]:
        chosen = self.select(suite, kind)
        return sum(o.status == "passed" for o in chosen), len(chosen)

    def summary(self) -> str:
        lines = []
        for suite, kind in (
            ("evaluation", None),
            ("protocol", "query"),
            ("protocol", "update"),
            ("service-description", None),
        ):
            passed, total = self.score(suite, kind)
            label = suite + (f" ({kind})" if kind else "")
            na = sum(o.status == "not-applicable" for o in self.select(suite, kind))
            lines.append(
                f"{label}: {passed}/{total} passed" + (f", {na} not applicable" if na else "")
            )
        lines.append(f"run time: {self.seconds:.1f} s")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Report({len(self.outcomes)} outcomes)"

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 2),
            "outcomes": [asdict(o) | {"seconds": round(o.seconds, 3)} for o in self.outcomes],
        }


# -- manifests -------------------------------------------------------------------------------


class Manifest:
    """A manifest file read into a small store, with helpers to walk it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.base = path.resolve().as_uri()
        self.store = ox.Store()
        self.store.extend(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=self.base))

    def objects(self, subject: Any, predicate: str) -> list[Any]:
        return [
            q.object
            for q in self.store.quads_for_pattern(subject, ox.NamedNode(predicate), None, None)
        ]

    def one(self, subject: Any, predicate: str) -> Any:
        found = self.objects(subject, predicate)
        return found[0] if found else None

    def items(self, head: Any) -> list[Any]:
        out = []
        while head is not None and head != ox.NamedNode(RDF + "nil"):
            out.append(self.one(head, RDF + "first"))
            head = self.one(head, RDF + "rest")
        return out

    def entries(self) -> list[Any]:
        return self.items(self.one(ox.NamedNode(self.base), MF + "entries"))

    def approved(self, test: Any) -> bool:
        return ox.NamedNode(DAWGT + "Approved") in self.objects(test, DAWGT + "approval")

    def types(self, test: Any) -> set[str]:
        return {t.value for t in self.objects(test, RDF + "type")}

    def name(self, test: Any) -> str:
        value = self.one(test, MF + "name")
        return value.value if value is not None else test.value


def file_path(iri: str) -> Path:
    """The local path of a ``file:`` IRI of the test suite."""
    from urllib.parse import unquote

    return Path(unquote(urlsplit(iri).path))


@dataclass
class EvaluationTest:
    iri: str
    name: str
    kind: str
    query: Path
    data: list[Path]
    graph_data: list[Path]
    result: Path


def evaluation_tests(sparql11: Path) -> list[EvaluationTest]:
    tests = []
    for folder in EVALUATION_FOLDERS:
        manifest = Manifest(sparql11 / folder / "manifest.ttl")
        for entry in manifest.entries():
            types = manifest.types(entry)
            kind = next(
                (
                    t.split("#")[-1]
                    for t in types
                    if t in (MF + "QueryEvaluationTest", MF + "CSVResultFormatTest")
                ),
                None,
            )
            if kind is None or not manifest.approved(entry):
                continue
            action = manifest.one(entry, MF + "action")
            tests.append(
                EvaluationTest(
                    iri=entry.value,
                    name=manifest.name(entry),
                    kind=kind,
                    query=file_path(manifest.one(action, QT + "query").value),
                    data=[file_path(d.value) for d in manifest.objects(action, QT + "data")],
                    graph_data=[
                        file_path(d.value) for d in manifest.objects(action, QT + "graphData")
                    ],
                    result=file_path(manifest.one(entry, MF + "result").value),
                )
            )
    return tests


# -- the server ------------------------------------------------------------------------------


class Server:
    """``d4sme-kg serve`` in a child process, on a free port."""

    def __init__(self, data: Sequence[Path], token: str | None = None) -> None:
        self.data = list(data)
        self.token = token
        self.process: subprocess.Popen[str] | None = None
        self.log: deque[str] = deque(maxlen=200)
        self._drainer: threading.Thread | None = None
        self.host = "127.0.0.1"
        self.port = 0

    def start(self) -> None:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("D4SME_KG_UPDATE_TOKEN", "D4SME_KG_UPDATE_TOKEN_FILE")
        }
        if self.token:
            env["D4SME_KG_UPDATE_TOKEN"] = self.token
        args = ["--no-validate", "--workers", "2", "--timeout", "30"]
        for path in self.data:
            args += ["--data", str(path)]
        self.process = start_d4sme(args, env, self.host)
        assert self.process.stderr is not None
        deadline = time.monotonic() + 120
        for line in self.process.stderr:
            self.log.append(line.rstrip())
            found = re.search(r"serving \d+ triples at http://[^:]+:(\d+)/", line)
            if found:
                self.port = int(found.group(1))
                break
            if time.monotonic() > deadline:
                break
        if not self.port:
            self.stop()
            raise RuntimeError("the server did not start:\n" + "\n".join(self.log))
        # Keep reading the access log so that the pipe never fills up.
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()

    def _drain(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line.rstrip())

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process, 10)
        if self._drainer is not None:
            self._drainer.join(timeout=5)
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}/sparql"

    def request(
        self,
        method: str,
        target: str,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> tuple[int, str, bytes]:
        """One HTTP request exactly as given (no default content type is added)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.putrequest(method, target, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type") or "", response.read()
        finally:
            connection.close()


@contextmanager
def running(data: Sequence[Path], token: str | None = None) -> Iterator[Server]:
    server = Server(data, token)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# -- terms and results -----------------------------------------------------------------------

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


# -- SPARQL text -----------------------------------------------------------------------------

_NOISE = re.compile(
    r"#[^\n]*|'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\""
    r"|<[^<>\"{}|^`\\\s]*>",
    re.DOTALL,
)


def _blank_out(text: str) -> str:
    """The query with comments, strings and IRIs replaced by spaces."""
    return _NOISE.sub(lambda m: " " * len(m.group()), text)


def has_top_level_order_by(text: str) -> bool:
    """True when the outermost query is ordered (an ORDER BY outside every brace)."""
    clean = _blank_out(text)
    depth = 0
    for match in re.finditer(r"[{}]|\bORDER\s+BY\b", clean, re.IGNORECASE):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            return True
    return False


def has_dataset_clause(text: str) -> bool:
    return re.search(r"\bFROM\b", _blank_out(text), re.IGNORECASE) is not None


# -- query evaluation ------------------------------------------------------------------------


def load_graph(path: Path) -> list[ox.Quad]:
    """The triples of a data file in the named graph <file URL>, with fresh blank nodes."""
    iri = path.resolve().as_uri()
    graph = ox.NamedNode(iri)
    fresh: dict[str, ox.BlankNode] = {}

    def rename(term: Any) -> Any:
        if isinstance(term, ox.BlankNode):
            return fresh.setdefault(term.value, ox.BlankNode())
        return term

    return [
        ox.Quad(rename(t.subject), t.predicate, rename(t.object), graph)
        for t in (
            q.triple
            for q in ox.parse(path=str(path), format=RDF_SUFFIXES[path.suffix], base_iri=iri)
        )
    ]


def combined_data(
    tests: list[EvaluationTest], protocol: dict[str, Path], folder: Path
) -> tuple[Path, set[str]]:
    """One N-Quads file with every data file of ``tests`` in its own named graph.

    Returns the file and the names of the graphs it holds (an empty data file makes no
    graph: a store holds no empty named graph).
    """
    quads: list[ox.Quad] = []
    files = {p.resolve() for t in tests for p in (*t.data, *t.graph_data)}
    for path in sorted(files):
        quads.extend(load_graph(path))
    for name, path in protocol.items():
        quads.extend(
            ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(name)) for q in load_graph(path)
        )
    marker = ox.NamedNode(NO_DATA_GRAPH)
    quads.append(
        ox.Quad(
            marker, ox.NamedNode(RDFS + "comment"), ox.Literal("a graph no W3C test reads"), marker
        )
    )
    target = folder / "w3c-data.nq"
    target.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
    return target, {q.graph_name.value for q in quads}


def evaluation_request(test: EvaluationTest, text: str, graphs: set[str]) -> list[tuple[str, str]]:
    """The protocol dataset parameters of a test (none when the query names its own).

    ``graphs`` are the graphs the store holds: an empty data file is left out (it adds
    nothing to the default graph, and the endpoint refuses to name a graph it lacks).
    """
    if has_dataset_clause(text):
        return []
    params = [
        ("default-graph-uri", iri) for p in test.data if (iri := p.resolve().as_uri()) in graphs
    ]
    params += [("named-graph-uri", p.resolve().as_uri()) for p in test.graph_data]
    if not params:
        # No data: the default graph must be empty. Named graphs alone give an empty
        # default graph; the endpoint refuses graphs it does not hold, hence a real one.
        params = [("named-graph-uri", NO_DATA_GRAPH)]
    return params


def run_evaluation_test(server: Server, test: EvaluationTest, graphs: set[str]) -> Outcome:
    from urllib.parse import urlencode

    started = time.perf_counter()

    def outcome(status: str, reason: str = "") -> Outcome:
        return Outcome(
            "evaluation", test.iri, test.name, status, reason, seconds=time.perf_counter() - started
        )

    query = test.query.read_text(encoding="utf-8")
    text = f"BASE <{test.query.resolve().as_uri()}>\n{query}"
    suffix = test.result.suffix
    expected_data = test.result.read_bytes()
    try:
        expected = parse_results(expected_data, suffix, test.result.resolve().as_uri())
    except (SyntaxError, ValueError) as error:
        return outcome("failed", f"cannot read the expected results: {error}")
    if expected.graph is not None:
        accept, answer_suffix = "text/turtle", ".ttl"
    elif suffix in RESULT_MEDIA:
        accept, answer_suffix = RESULT_MEDIA[suffix], suffix
    else:  # results written as an RDF result set
        accept, answer_suffix = RESULT_MEDIA[".srj"], ".srj"
    target = "/sparql?" + urlencode(evaluation_request(test, query, graphs))
    status, content_type, body = server.request(
        "POST",
        target,
        {"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept},
        text.encode("utf-8"),
    )
    if status != 200:
        return outcome("failed", f"HTTP {status}: {body.decode('utf-8', 'replace')[:300]}")
    if not content_type.startswith(accept):
        return outcome("failed", f"asked for {accept}, got {content_type}")
    try:
        actual = parse_results(body, answer_suffix, server.endpoint)
    except (SyntaxError, ValueError) as error:
        return outcome("failed", f"cannot read the answer as {answer_suffix}: {error}")
    if suffix == ".csv" and actual.variables != expected.variables:
        return outcome("failed", f"CSV header {actual.variables}, expected {expected.variables}")
    problem = compare(expected, actual, has_top_level_order_by(query))
    return outcome("failed", problem) if problem else outcome("passed")


# -- protocol --------------------------------------------------------------------------------


@dataclass
class ProtocolRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]
    expected_boolean: bool | None
    expected_format: str | None


@dataclass
class ProtocolTest:
    iri: str
    name: str
    kind: str  # query or update
    graphs: dict[str, Path]
    requests: list[ProtocolRequest]


def protocol_tests(sparql11: Path) -> list[ProtocolTest]:
    manifest = Manifest(sparql11 / "protocol" / "manifest.ttl")
    tests = []
    for entry in manifest.entries():
        if MF + "ProtocolTest" not in manifest.types(entry) or not manifest.approved(entry):
            continue
        local = entry.value.rsplit("#", 1)[-1]
        kind = (
            "update"
            if local.startswith(("update_", "bad_update", "bad_multiple_updates"))
            else "query"
        )
        graphs = {}
        for data in manifest.objects(entry, UT + "graphData"):
            graphs[manifest.one(data, RDFS + "label").value] = file_path(
                manifest.one(data, UT + "graph").value
            )
        action = manifest.one(entry, MF + "action")
        requests = []
        for node in manifest.items(manifest.one(action, HT + "requests")):
            headers = {}
            for header in manifest.items(manifest.one(node, HT + "headers")):
                headers[manifest.one(header, HT + "fieldName").value] = manifest.one(
                    header, HT + "fieldValue"
                ).value
            body_node = manifest.one(node, HT + "body")
            body = None
            if body_node is not None:
                encoding = manifest.one(body_node, CNT + "characterEncoding")
                body = manifest.one(body_node, CNT + "chars").value.encode(
                    encoding.value if encoding is not None else "utf-8"
                )
            response = manifest.one(node, HT + "resp")
            boolean = manifest.one(response, MF + "expectedBoolean")
            fmt = manifest.one(response, MF + "expectedFormat")
            requests.append(
                ProtocolRequest(
                    method=manifest.one(node, HT + "methodName").value,
                    path=manifest.one(node, HT + "absolutePath").value,
                    headers=headers,
                    body=body,
                    statuses={
                        s.value.rsplit("#", 1)[-1][len("StatusCode") :]
                        for s in manifest.objects(response, MF + "expectedStatus")
                    },
                    expected_boolean=None if boolean is None else boolean.value == "true",
                    expected_format=None if fmt is None else fmt.value,
                )
            )
        tests.append(ProtocolTest(entry.value, manifest.name(entry), kind, graphs, requests))
    return tests


def _is_query_request(request: ProtocolRequest) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/sparql-query":
        return True
    fields = dict(parse_qsl(urlsplit(request.path).query))
    if request.body is not None and content_type == "application/x-www-form-urlencoded":
        fields.update(parse_qsl(request.body.decode("utf-8", "replace")))
    return "query" in fields


def protocol_target(test: ProtocolTest, request: ProtocolRequest) -> str:
    """The manifest's /sparql/ path on this server: /sparql for queries, /update for updates."""
    rest = (
        request.path[len("/sparql/") :]
        if request.path.startswith("/sparql/")
        else request.path.lstrip("/")
    )
    endpoint = "/update" if test.kind == "update" and not _is_query_request(request) else "/sparql"
    return endpoint + rest


def _boolean_of(content_type: str, body: bytes) -> bool | None:
    media = content_type.split(";")[0].strip()
    try:
        if media in ("application/sparql-results+json", "application/json"):
            return bool(json.loads(body)["boolean"])
        if media in ("application/sparql-results+xml", "application/xml"):
            parsed = ox.parse_query_results(body, ox.QueryResultsFormat.XML)
            return bool(parsed) if isinstance(parsed, ox.QueryBoolean) else None
    except (KeyError, ValueError, SyntaxError):
        return None
    return None


def run_protocol_test(server: Server, test: ProtocolTest) -> Outcome:
    started = time.perf_counter()

    def outcome(status: str, reason: str = "") -> Outcome:
        return Outcome(
            "protocol",
            test.iri,
            test.name,
            status,
            reason,
            kind=test.kind,
            seconds=time.perf_counter() - started,
        )

    for number, request in enumerate(test.requests, start=1):
        headers = dict(request.headers)
        if server.token:
            headers["Authorization"] = f"Bearer {server.token}"
        target = protocol_target(test, request)
        status, content_type, body = server.request(request.method, target, headers, request.body)
        where = f"request {number} ({request.method} {target.split('?')[0]})"
        detail = body.decode("utf-8", "replace")[:300]
        if f"{status // 100}xx" not in request.statuses:
            if status == 422:
                return outcome(
                    "not-applicable",
                    f"{where}: the write was refused by the project's SHACL shapes (422): {detail}",
                )
            return outcome(
                "failed",
                f"{where}: HTTP {status}, expected "
                f"{' or '.join(sorted(request.statuses))}: {detail}",
            )
        media = content_type.split(";")[0].strip()
        if request.expected_format == "RDF" and media not in RDF_MEDIA:
            return outcome("failed", f"{where}: expected an RDF format, got {media!r}")
        if request.expected_format in ("tabular", "boolean") and media not in TABULAR_MEDIA:
            return outcome("failed", f"{where}: expected SPARQL results, got {media!r}")
        if request.expected_format == "boolean" and media in (
            "text/csv",
            "text/tab-separated-values",
        ):
            return outcome("failed", f"{where}: a boolean answer should be XML or JSON")
        if request.expected_boolean is not None:
            answer = _boolean_of(content_type, body)
            if answer != request.expected_boolean:
                return outcome(
                    "failed",
                    f"{where}: expected the boolean {request.expected_boolean}, got {answer!r}",
                )
    return outcome("passed")


# -- service description ---------------------------------------------------------------------

SD_LANGUAGES = {SD + "SPARQL10Query", SD + "SPARQL11Query", SD + "SPARQL11Update"}
SD_FEATURES = {
    SD + n
    for n in (
        "DereferencesURIs",
        "UnionDefaultGraph",
        "RequiresDataset",
        "EmptyGraphs",
        "BasicFederatedQuery",
    )
}
#: sd properties: (domain class, range class or "iri" / "literal" / None for any)
SD_SCHEMA: dict[str, tuple[str, str | None]] = {
    "endpoint": ("Service", "iri"),
    "supportedLanguage": ("Service", "Language"),
    "resultFormat": ("Service", "iri"),
    "inputFormat": ("Service", "iri"),
    "feature": ("Service", "Feature"),
    "defaultEntailmentRegime": ("Service", "iri"),
    "defaultSupportedEntailmentProfile": ("Service", "iri"),
    "extensionFunction": ("Service", "Function"),
    "extensionAggregate": ("Service", "Aggregate"),
    "languageExtension": ("Service", "Feature"),
    "propertyFeature": ("Service", "Feature"),
    "defaultDataset": ("Service", "Dataset"),
    "availableGraphs": ("Service", "GraphCollection"),
    "defaultGraph": ("Dataset", "Graph"),
    "namedGraph": ("GraphCollection", "NamedGraph"),
    "name": ("NamedGraph", "iri"),
    "graph": ("NamedGraph", "Graph"),
    "entailmentRegime": (None, "iri"),  # type: ignore[dict-item]
    "supportedEntailmentProfile": (None, "iri"),  # type: ignore[dict-item]
}
#: Subclasses the schema declares (sd:Dataset is an sd:GraphCollection).
SD_SUBCLASSES = {"Dataset": {"GraphCollection"}}


def check_service_description(graph: ox.Store, endpoint: str) -> dict[str, str | None]:
    """The failures (or None) of the three service description tests, by local name."""
    sd_type = ox.NamedNode(RDF + "type")

    def types_of(node: Any) -> set[str]:
        names = set()
        for quad in graph.quads_for_pattern(node, sd_type, None, None):
            if quad.object.value.startswith(SD):
                local = quad.object.value[len(SD) :]
                names |= {local, *SD_SUBCLASSES.get(local, set())}
        return names

    services = [
        q.subject
        for q in graph.quads_for_pattern(None, sd_type, ox.NamedNode(SD + "Service"), None)
    ]
    results: dict[str, str | None] = {}
    endpoints = [
        q
        for q in graph.quads_for_pattern(
            None, ox.NamedNode(SD + "endpoint"), ox.NamedNode(endpoint), None
        )
    ]
    results["has-endpoint-triple"] = (
        None if endpoints else f"no triple ?service sd:endpoint <{endpoint}>"
    )
    problems = []
    if not services:
        problems.append("no sd:Service")
    for service in services:
        if not graph.quads_for_pattern(service, ox.NamedNode(SD + "endpoint"), None, None):
            problems.append(f"{service} has no sd:endpoint")
        languages = {
            q.object.value
            for q in graph.quads_for_pattern(
                service, ox.NamedNode(SD + "supportedLanguage"), None, None
            )
        }
        if not languages:
            problems.append(f"{service} has no sd:supportedLanguage")
        problems += [f"unknown language {lang}" for lang in languages - SD_LANGUAGES]
    for quad in graph.quads_for_pattern(None, None, None, None):
        predicate = quad.predicate.value
        if not predicate.startswith(SD):
            continue
        local = predicate[len(SD) :]
        if local not in SD_SCHEMA:
            problems.append(f"sd:{local} is not in the SPARQL service description vocabulary")
            continue
        domain, rng = SD_SCHEMA[local]
        if domain and domain not in types_of(quad.subject):
            problems.append(f"{quad.subject} uses sd:{local} but is not an sd:{domain}")
        if rng == "iri" and not isinstance(quad.object, ox.NamedNode):
            problems.append(f"sd:{local} of {quad.subject} is not an IRI: {quad.object}")
        elif rng in ("Language", "Feature"):
            if not isinstance(quad.object, ox.NamedNode):
                problems.append(f"sd:{local} value {quad.object} is not an IRI")
            elif (
                rng == "Feature"
                and local == "feature"
                and quad.object.value.startswith(SD)
                and quad.object.value not in SD_FEATURES
            ):
                problems.append(f"unknown feature {quad.object}")
        elif (
            rng
            and rng != "iri"
            and rng not in types_of(quad.object)
            and not (rng == "Graph" and isinstance(quad.object, ox.NamedNode))
        ):
            problems.append(f"sd:{local} value {quad.object} is not typed sd:{rng}")
    results["conforms-to-schema"] = "; ".join(sorted(set(problems))[:8]) or None
    return results


def run_service_description(server: Server, sparql11: Path) -> list[Outcome]:
    manifest = Manifest(sparql11 / "service-description" / "manifest.ttl")
    started = time.perf_counter()
    status, content_type, body = server.request("GET", "/sparql", {"Accept": "text/turtle"})
    graph = ox.Store()
    problem: str | None = None
    if status != 200:
        problem = f"HTTP {status}: {body.decode('utf-8', 'replace')[:200]}"
    else:
        media = content_type.split(";")[0].strip()
        if media not in RDF_MEDIA:
            problem = f"the answer is {media!r}, not RDF"
        else:
            try:
                graph.extend(
                    ox.parse(
                        body, format=ox.RdfFormat.from_media_type(media), base_iri=server.endpoint
                    )
                )
            except SyntaxError as error:
                problem = f"the RDF does not parse: {error}"
    checks = check_service_description(graph, server.endpoint) if problem is None else {}
    outcomes = []
    for entry in manifest.entries():
        if not manifest.approved(entry):
            continue
        local = entry.value.rsplit("#", 1)[-1]
        reason = problem if problem is not None else checks.get(local)
        outcomes.append(
            Outcome(
                "service-description",
                entry.value,
                manifest.name(entry),
                "failed" if reason else "passed",
                reason or "",
                seconds=time.perf_counter() - started,
            )
        )
    return outcomes


# -- the whole run ---------------------------------------------------------------------------


def find_suite(explicit: str | Path | None = None) -> Path | None:
    """The rdf-tests folder: explicit, $D4SME_KG_W3C_TESTS, or ../shared/w3c/rdf-tests."""
    for candidate in (
        explicit,
        os.environ.get(SUITE_ENV),
        REPO / ".." / "shared" / "w3c" / "rdf-tests",
    ):
        if candidate and (Path(candidate) / "sparql11").is_dir():
            return Path(candidate).resolve()
    return None


def run(
    suite: Path,
    *,
    evaluation: bool = True,
    protocol: bool = True,
    service_description: bool = True,
    only: str | None = None,
) -> Report:
    started = time.perf_counter()
    sparql11 = suite / "sparql11"
    report = Report()
    eval_tests = evaluation_tests(sparql11) if evaluation else []
    if only:
        eval_tests = [t for t in eval_tests if only in t.iri]
    proto_tests = protocol_tests(sparql11) if protocol else []
    protocol_graphs = {name: path for t in proto_tests for name, path in t.graphs.items()}
    with tempfile.TemporaryDirectory(prefix="d4sme-kg-w3c-") as folder:
        data, graphs = combined_data(eval_tests, protocol_graphs, Path(folder))
        writes = [t for t in proto_tests if t.kind == "update"]
        update_server = Server([data], token=secrets.token_urlsafe(16)) if writes else None
        if update_server is not None:
            update_server.start()
        try:
            with running([data]) as server:
                for test in eval_tests:
                    report.outcomes.append(run_evaluation_test(server, test, graphs))
                for ptest in proto_tests:
                    if ptest.kind == "query":
                        report.outcomes.append(run_protocol_test(server, ptest))
                if service_description:
                    report.outcomes.extend(run_service_description(server, sparql11))
            if update_server is not None:
                for ptest in writes:
                    report.outcomes.append(run_protocol_test(update_server, ptest))
        finally:
            if update_server is not None:
                update_server.stop()
    report.seconds = time.perf_counter() - started
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--suite",
        help="the rdf-tests folder (holding sparql11/); default: "
        f"${SUITE_ENV} or ../shared/w3c/rdf-tests",
    )
    parser.add_argument("--report", help="write the outcomes as JSON to this file")
    parser.add_argument("--only", help="run only the evaluation tests whose IRI contains this")
    parser.add_argument("--no-protocol", action="store_true")
    parser.add_argument("--no-evaluation", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every test")
    args = parser.parse_args(argv)
    suite = find_suite(args.suite)
    if suite is None:
        parser.error("no W3C rdf-tests folder found (give --suite or set " + SUITE_ENV + ")")
    report = run(suite, evaluation=not args.no_evaluation, protocol=not args.no_protocol)
    for outcome in report.outcomes:
        if args.verbose or outcome.status != "passed":
            reason = f": {outcome.reason}" if outcome.reason else ""
            print(f"{outcome.status.upper():15} {outcome.suite:20} {outcome.short}{reason}")
    print(report.summary())
    if args.report:
        Path(args.report).write_text(
            json.dumps(report.as_dict(), indent=2, ensure_ascii=False), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
