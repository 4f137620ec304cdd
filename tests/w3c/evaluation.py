"""The query evaluation tests: read from the manifests of :data:`EVALUATION_FOLDERS`,
their data combined into one dataset, each query asked with its own dataset."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .answers import compare, parse_results
from .manifests import MF, QT, RDF_SUFFIXES, RDFS, RESULT_MEDIA, Manifest, file_path
from .outcomes import Outcome
from .suite_server import Server

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

#: A graph in the combined data that no test reads: the named graph of the requests of
#: tests without any data, so that their default graph is empty (see evaluation_request).
NO_DATA_GRAPH = "urn:x-d4sme-kg-w3c:no-data"


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
