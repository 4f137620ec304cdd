"""The data sets, and the reference every server's answers are checked against.

The reference is an in-process pyoxigraph store holding the same quads (default graph
= the union of the named graphs, as every server is set up); it also times each query
in the engine itself, which sorts the mix into small and heavy queries.
"""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .queries import ARTICLE_ANCHORS, GRAPH_FORMS, form_of

BENCHMARKS = Path(__file__).resolve().parent.parent
RESULTS = BENCHMARKS / "results"
BIN = Path(sys.executable).parent
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))

import synthetic  # noqa: E402


@dataclass
class DataSet:
    label: str  # "article" or "1e4" ...
    path: Path
    anchors: dict[str, Any]
    synthetic: bool
    quads: int = 0


def size_label(size: int) -> str:
    exponent = int(round(math.log10(size)))
    return f"1e{exponent}" if 10**exponent == size else str(size)


def label_of(text: str) -> str:
    """``article`` or the canonical label of a size given as ``1e5``, ``100000``…"""
    return text if text == "article" else size_label(synthetic.parse_size(text))


def prepare(label: str, seed: int) -> DataSet:
    """The N-Quads file of a size: the project's export, or synthetic data (reused when
    the file for that seed is there already)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    if label == "article":
        path = RESULTS / "article.nq"
        subprocess.run(
            [str(BIN / "d4sme-kg"), "export", "-f", "nquads", "-o", str(path)],
            check=True,
            capture_output=True,
            timeout=300,
        )
        return DataSet("article", path, dict(ARTICLE_ANCHORS), synthetic=False)
    size = synthetic.parse_size(label)
    path = RESULTS / f"synthetic-{size}.nq"
    anchors_file = Path(str(path) + ".anchors.json")
    anchors = None
    if path.is_file() and anchors_file.is_file():
        anchors = json.loads(anchors_file.read_text(encoding="utf-8"))
        if anchors.get("size") != size or anchors.get("seed") != seed:
            anchors = None
    if anchors is None:
        path, anchors = synthetic.generate(size, seed, path)
    return DataSet(size_label(size), path, anchors, synthetic=True)


# -- answers: parse and compare ------------------------------------------------------------------

RDF_MEDIA = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    # rdflib-endpoint answers DESCRIBE with this type but an RDF/XML body
    "application/sparql-results+xml": ox.RdfFormat.RDF_XML,
    "application/xml": ox.RdfFormat.RDF_XML,
}
RESULT_MEDIA = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
}


def _key(term: Any) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return "_:b"
    if isinstance(term, ox.Literal) and term.language:
        # Language tags are case-insensitive (BCP 47): "ko-Latn" = "ko-latn".
        return f"{term.value!r}@{term.language.lower()}"
    return str(term)


def canonical(form: str, body: bytes, media: str) -> Any:
    """An order-insensitive, comparable form of an answer."""
    media = media.split(";")[0].strip().lower()
    if form in GRAPH_FORMS:
        from rdflib import Graph
        from rdflib.compare import to_isomorphic

        triples = [q.triple for q in ox.parse(body, format=RDF_MEDIA[media])]
        graph = Graph()
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        graph.parse(data=data.decode("utf-8"), format="nt")
        return ("graph", len(graph), to_isomorphic(graph))
    result = ox.parse_query_results(body, format=RESULT_MEDIA[media])
    if isinstance(result, ox.QueryBoolean):
        return ("boolean", bool(result))
    names = sorted(v.value for v in result.variables)
    rows: Counter[tuple[Any, ...]] = Counter()
    for solution in result:
        rows[tuple(_key(solution[name]) for name in names)] += 1
    return ("solutions", tuple(names), rows)


def same(expected: Any, got: Any) -> tuple[bool, str]:
    if expected[0] != got[0]:
        return False, f"expected a {expected[0]} answer, got a {got[0]} answer"
    if expected[0] == "boolean":
        equal = expected[1] == got[1]
        return equal, "" if equal else f"expected {expected[1]}, got {got[1]}"
    if expected[0] == "graph":
        if expected[2] == got[2]:
            return True, ""
        return False, f"graphs differ: expected {expected[1]} triples, got {got[1]}"
    if expected[1] != got[1]:
        return False, f"variables differ: expected {expected[1]}, got {got[1]}"
    if expected[2] == got[2]:
        return True, ""
    missing = expected[2] - got[2]
    extra = got[2] - expected[2]
    return False, (
        f"expected {sum(expected[2].values())} rows, got {sum(got[2].values())}; "
        f"missing e.g. {list(missing)[:2]}, unexpected e.g. {list(extra)[:2]}"
    )


def answer_size(answer: Any) -> int:
    """Rows of a solutions answer, triples of a graph, 1 for a boolean."""
    if answer[0] == "boolean":
        return 1
    if answer[0] == "graph":
        return int(answer[1])
    return sum(answer[2].values())


@dataclass
class Reference:
    answers: dict[str, Any]
    #: Median milliseconds the engine takes per query, its answer written out.
    engine_ms: dict[str, float]
    quads: int
    load_seconds: float


def _run(store: ox.Store, text: str) -> bytes:
    result = store.query(text, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryTriples):
        body = ox.serialize(list(result), format=ox.RdfFormat.N_TRIPLES)
    else:
        body = result.serialize(format=ox.QueryResultsFormat.JSON)
    return body or b""


def reference(data: DataSet, texts: dict[str, str], budget: float) -> Reference:
    """Load ``data`` in process, answer every query, time each (median of up to 7 runs
    within ``budget`` seconds per query)."""
    store = ox.Store()
    started = time.perf_counter()
    store.bulk_load(path=str(data.path), format=ox.RdfFormat.N_QUADS)
    load_seconds = time.perf_counter() - started
    answers: dict[str, Any] = {}
    engine_ms: dict[str, float] = {}
    for name, text in texts.items():
        form = form_of(text)
        body = _run(store, text)  # also the warm-up of the timing below
        graph = form in GRAPH_FORMS
        media = "application/n-triples" if graph else "application/sparql-results+json"
        answers[name] = canonical(form, body, media)
        times: list[float] = []
        deadline = time.perf_counter() + budget
        while len(times) < 7 and (not times or time.perf_counter() < deadline):
            began = time.perf_counter()
            _run(store, text)
            times.append(time.perf_counter() - began)
        engine_ms[name] = round(statistics.median(times) * 1000, 4)
    quads = len(store)
    del store
    return Reference(answers, engine_ms, quads, load_seconds)
