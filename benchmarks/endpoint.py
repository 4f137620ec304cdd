"""The SPARQL endpoint benchmark: our server against Oxigraph and rdflib-endpoint.

For each size (the article graph, then synthetic graphs of 1e4, 1e5, 1e6 quads made
by ``synthetic.py``) the servers are started one after another on 127.0.0.1, each
with the same data:

- ``ours``     ``d4sme-kg serve`` (in-memory store; ``--disk`` adds ``ours-disk``, an
               on-disk store);
- ``oxigraph`` ``oxigraph serve`` with no ``--location`` (in memory), filled by POSTing
               the N-Quads to its ``/store`` (the native ceiling); ``--disk`` adds
               ``oxigraph-disk``: ``oxigraph load --location DIR`` then
               ``oxigraph serve --location DIR``;
- ``rdflib``   ``rdflib-endpoint serve FILE`` (the Python peer).

Every answer of every server is first compared with the answer of an in-process
pyoxigraph store holding the same data (solutions as multisets, CONSTRUCT/DESCRIBE as
isomorphic graphs); a wrong answer is reported as FAIL. Then each query is timed
with C concurrent keep-alive clients, every request made distinct by a trailing
``# n=<counter>`` comment so that no cache answers it. Reported: p50/p99 latency,
throughput, start and load time, memory of the server process tree (RSS and PSS,
children included), and the ratios ours/oxigraph, ours/rdflib and, with ``--disk``,
ours-disk/oxigraph-disk (geometric mean of the per-query throughput ratios). Results
go to benchmarks/results/ as JSON and Markdown.

    python benchmarks/endpoint.py                       # all sizes, full
    python benchmarks/endpoint.py --quick               # a few minutes
    python benchmarks/endpoint.py --sizes article,1e4 -c 8 --seconds 5
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
REPO = HERE.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402

# -- the query mix -------------------------------------------------------------------------------

PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX kgo: <https://w3id.org/d4sme-kg/ontology#>
"""

#: (name, what it exercises, text with {org} {event} {article} {evidence} {word_ko} {word_en})
QUERIES: list[tuple[str, str, str]] = [
    (
        "lookup",
        "entity lookup by IRI: every property of one organisation",
        "SELECT ?p ?o WHERE {{ <{org}> ?p ?o }}",
    ),
    (
        "join3",
        "3-way join: claims about the services of an organisation, with evidence lines",
        """SELECT ?service ?claim ?predicate ?line WHERE {{
  ?service schema:provider <{org}> .
  ?claim rdf:subject ?service ; rdf:predicate ?predicate ; kgo:evidence ?evidence .
  ?evidence kgo:lineNumber ?line .
}}""",
    ),
    (
        "label_ko",
        "label search in Korean: CONTAINS + LANG filter over every label",
        """SELECT ?s ?label WHERE {{
  ?s rdfs:label ?label .
  FILTER(LANG(?label) = "ko" && CONTAINS(?label, "{word_ko}"))
}}""",
    ),
    (
        "label_en",
        "label search in English: CONTAINS + LANG filter over every label",
        """SELECT ?s ?label WHERE {{
  ?s rdfs:label ?label .
  FILTER(LANG(?label) = "en" && CONTAINS(?label, "{word_en}"))
}}""",
    ),
    (
        "aggregate",
        "COUNT / GROUP BY: instances per class over the whole graph",
        "SELECT ?class (COUNT(?s) AS ?n) WHERE {{ ?s rdf:type ?class }} GROUP BY ?class",
    ),
    (
        "optional_lang",
        "OPTIONAL with language filters: parts of an event, en/ko labels, chair",
        """SELECT ?part ?type ?en ?ko ?chairKo WHERE {{
  ?part schema:superEvent <{event}> ; rdf:type ?type .
  OPTIONAL {{ ?part rdfs:label ?en FILTER(LANG(?en) = "en") }}
  OPTIONAL {{ ?part rdfs:label ?ko FILTER(LANG(?ko) = "ko") }}
  OPTIONAL {{ ?part kgo:chairedBy ?chair .
             ?chair rdfs:label ?chairKo FILTER(LANG(?chairKo) = "ko") }}
}}""",
    ),
    (
        "construct",
        "CONSTRUCT: the evidence spans of an article with their quote selectors",
        """CONSTRUCT {{ ?evidence kgo:lineNumber ?line ; oa:hasSelector ?selector .
             ?selector oa:exact ?exact }}
WHERE {{
  ?evidence oa:hasSource <{article}> ; kgo:lineNumber ?line ; oa:hasSelector ?selector .
  ?selector rdf:type oa:TextQuoteSelector ; oa:exact ?exact .
}}""",
    ),
    (
        "ask",
        "ASK: is there an inferred claim about the organisation?",
        """ASK {{ ?claim rdf:type kgo:Claim ; rdf:subject <{org}> ;
           kgo:derivationMode kgo:Inferred }}""",
    ),
    (
        "describe",
        "DESCRIBE one evidence node (its blank-node selectors included)",
        "DESCRIBE <{evidence}>",
    ),
]
#: Not in the mix (not in the ratios): the smallest request, to show per-request overhead.
PING = ("ping", "ASK {} : per-request overhead, no data touched", "ASK {{}}")

ARTICLE_ANCHORS = {
    "org": "https://w3id.org/d4sme-kg/id/kakao",
    "event": "https://w3id.org/d4sme-kg/id/d4sme-roundtable-2019",
    "article": "https://w3id.org/d4sme-kg/id/article-kakao-d4sme",
    "evidence": "https://w3id.org/d4sme-kg/id/evidence-l9-share",
    "word_ko": "디지털",
    "word_en": "digital",
}

GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")


def form_of(text: str) -> str:
    for word in text.replace("{", " ").split():
        if word.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return word.upper()
    raise ValueError(text)


# -- data sets -----------------------------------------------------------------------------------


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


def prepare(label: str, seed: int) -> DataSet:
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


def reference_answers(
    data: DataSet, queries: list[tuple[str, str, str]]
) -> tuple[dict[str, Any], int, float]:
    store = ox.Store()
    started = time.perf_counter()
    store.bulk_load(path=str(data.path), format=ox.RdfFormat.N_QUADS)
    load_seconds = time.perf_counter() - started
    answers: dict[str, Any] = {}
    for name, _what, text in queries:
        form = form_of(text)
        result = store.query(text, use_default_graph_as_union=True)
        if form in GRAPH_FORMS:
            body = ox.serialize(list(result), format=ox.RdfFormat.N_TRIPLES) or b""
            answers[name] = canonical(form, body, "application/n-triples")
        else:
            body = result.serialize(format=ox.QueryResultsFormat.JSON)
            answers[name] = canonical(form, body, "application/sparql-results+json")
    size = len(store)
    del store
    return answers, size, load_seconds


# -- HTTP ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def accept_for(form: str) -> str:
    return "application/n-triples" if form in GRAPH_FORMS else "application/sparql-results+json"


# -- memory of a process tree --------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def process_tree(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, []))
    return found


def _kb(path: str, field_name: str) -> int:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def memory(pid: int) -> dict[str, float]:
    """RSS summed over the tree (counts shared pages once per process) and PSS (shared split)."""
    pids = process_tree(pid)
    rss = sum(_kb(f"/proc/{p}/status", "VmRSS") for p in pids)
    pss = sum(_kb(f"/proc/{p}/smaps_rollup", "Pss") for p in pids)
    return {"processes": len(pids), "rss_mb": round(rss / 1024, 1), "pss_mb": round(pss / 1024, 1)}


class MemorySampler:
    """Samples the tree's memory twice a second; keeps the peak."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = {"rss_mb": 0.0, "pss_mb": 0.0, "processes": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            now = memory(self.pid)
            for key in self.peak:
                self.peak[key] = max(self.peak[key], now[key])

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join(timeout=5)
        return self.peak


# -- servers -------------------------------------------------------------------------------------


class ServerError(Exception):
    pass


@dataclass
class Server:
    name: str
    data: DataSet
    args: argparse.Namespace
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    query_path: str = "/sparql"
    start_seconds: float = 0.0  # process start -> ready (healthz) or first answered query
    load_seconds: float | None = None  # loading the data, when it can be told apart
    ready_seconds: float = 0.0  # process start -> serving the data
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    log: TextIO | None = None

    def spawn(
        self, command: list[str], env: dict[str, str] | None = None, stdout: Any = None
    ) -> float:
        self.port = free_port() if not self.port else self.port
        log = self.open_log()
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [part.replace("{port}", str(self.port)) for part in command],
            stdout=stdout if stdout is not None else log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
            cwd=str(RESULTS),
        )
        return started

    def open_log(self) -> TextIO:
        if self.log is None:
            # Kept open for the server's whole life; closed in stop().
            self.log = open(  # noqa: SIM115
                RESULTS / "logs" / f"{self.name}-{self.data.label}.log", "w", encoding="utf-8"
            )
        return self.log

    def wait_until(self, started: float, probe: Any, limit: float) -> float:
        deadline = started + limit
        while time.perf_counter() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ServerError(
                    f"{self.name} exited with code {self.process.returncode} "
                    f"(see results/logs/{self.name}-{self.data.label}.log)"
                )
            try:
                if probe():
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.02)
        raise ServerError(f"{self.name} was not ready after {limit:.0f} s")

    def first_query(self) -> bool:
        status, _type, _body = call(
            self.port,
            "POST",
            self.query_path,
            b"ASK {}",
            {
                "Content-Type": "application/sparql-query",
                "Accept": "application/sparql-results+json",
            },
            timeout=5,
        )
        return status == 200

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # The whole process group: our server's evaluator processes too.
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                pass
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        if self.log is not None:
            self.log.close()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid


class Ours(Server):
    def start(self, store: str = "memory") -> None:
        self.query_path = "/sparql"
        command = [
            str(BIN / "d4sme-kg"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--store",
            store,
            "--timeout",
            str(self.args.request_timeout),
        ]
        # The CLI's own defaults unless asked otherwise: they are what a user gets.
        if self.args.workers is not None:
            command += ["--workers", str(self.args.workers)]
        if self.args.threads is not None:
            command += ["--threads", str(self.args.threads)]
        if self.data.synthetic:
            # Synthetic data does not follow the shapes (no ontology, made-up text).
            command += ["--data", str(self.data.path), "--no-validate"]
        started = self.spawn(command)

        def healthy() -> bool:
            status, _type, body = call(self.port, "GET", "/healthz", timeout=5)
            if status == 200:
                self.extra["healthz"] = json.loads(body)
                return True
            return False

        self.start_seconds = self.wait_until(started, healthy, self.args.start_timeout)
        self.ready_seconds = self.start_seconds
        self.load_seconds = self.extra["healthz"].get("startSeconds")
        self.note = (
            "load = the service's own startSeconds (load"
            + (" + SHACL validation" if not self.data.synthetic else "")
            + ")"
        )


class Oxigraph(Server):
    def start(self, location: str | None = None) -> None:
        self.query_path = "/query"
        if location is not None:
            self.start_on_disk(location)
            return
        started = self.spawn(
            [str(BIN / "oxigraph"), "serve", "--bind", "127.0.0.1:{port}", "--union-default-graph"]
        )
        self.start_seconds = self.wait_until(started, self.first_query, self.args.start_timeout)
        before = time.perf_counter()
        status, _type, body = call(
            self.port,
            "POST",
            "/store",
            self.data.path.read_bytes(),
            {"Content-Type": "application/n-quads"},
            timeout=self.args.start_timeout,
        )
        if status not in (200, 201, 204):
            raise ServerError(f"oxigraph /store answered {status}: {body[:200]!r}")
        self.load_seconds = time.perf_counter() - before
        self.ready_seconds = time.perf_counter() - started
        self.note = "in memory; load = POST /store of the N-Quads"

    def start_on_disk(self, location: str) -> None:
        """Bulk-load a fresh directory with ``oxigraph load``, then serve it."""
        log = self.open_log()
        before = time.perf_counter()
        command = [
            str(BIN / "oxigraph"),
            "load",
            "--location",
            location,
            "--file",
            str(self.data.path),
            "--format",
            "application/n-quads",
        ]
        try:
            loaded = subprocess.run(
                command,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                cwd=str(RESULTS),
                timeout=self.args.start_timeout,
            )
        except subprocess.TimeoutExpired as error:
            raise ServerError(
                f"oxigraph load did not finish in {self.args.start_timeout:.0f} s"
            ) from error
        if loaded.returncode != 0:
            raise ServerError(
                f"oxigraph load exited with code {loaded.returncode} "
                f"(see results/logs/{self.name}-{self.data.label}.log)"
            )
        self.load_seconds = time.perf_counter() - before
        started = self.spawn(
            [
                str(BIN / "oxigraph"),
                "serve",
                "--location",
                location,
                "--bind",
                "127.0.0.1:{port}",
                "--union-default-graph",
            ]
        )
        self.start_seconds = self.wait_until(started, self.first_query, self.args.start_timeout)
        self.ready_seconds = time.perf_counter() - before
        self.note = (
            "on disk; load = `oxigraph load` of the N-Quads into a fresh directory "
            "(before the server starts); ready = load + start"
        )


class RdflibEndpoint(Server):
    def start(self) -> None:
        self.query_path = "/"
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        started = self.spawn(
            [
                str(BIN / "rdflib-endpoint"),
                "serve",
                str(self.data.path),
                "--host",
                "127.0.0.1",
                "--port",
                "{port}",
            ],
            env=env,
            stdout=subprocess.PIPE,
        )
        loaded: dict[str, float] = {}
        assert self.process is not None and self.process.stdout is not None
        stream = self.process.stdout
        log = self.log

        def read() -> None:
            for raw in stream:
                line = raw.decode("utf-8", "replace")
                if "Loaded triples" in line and "at" not in loaded:
                    loaded["at"] = time.perf_counter()
                if log is not None and not log.closed:
                    log.write(line)

        threading.Thread(target=read, daemon=True).start()
        self.start_seconds = self.wait_until(
            started, self.first_query, self.args.rdflib_load_timeout
        )
        self.ready_seconds = self.start_seconds
        if "at" in loaded:
            self.load_seconds = loaded["at"] - started
        self.note = "load = process start -> 'Loaded triples' (includes imports and parsing)"


# -- timing --------------------------------------------------------------------------------------


class RequestCounter:
    """The global request counter: every request text is distinct (no cache can answer)."""

    def __init__(self) -> None:
        self._value = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._value += 1
            return self._value


COUNTER = RequestCounter()


def distinct(text: str) -> bytes:
    return f"{text}\n# n={COUNTER.next()}\n".encode()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process tree (children included)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for member in process_tree(pid):
        try:
            with open(f"/proc/{member}/stat", encoding="utf-8", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def system_busy_seconds() -> float:
    """CPU time the whole machine spent busy (all processes), from /proc/stat."""
    with open("/proc/stat", encoding="utf-8") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def load_average() -> float:
    with open("/proc/loadavg", encoding="utf-8") as handle:
        return float(handle.read().split()[0])


def time_query(
    server: Server, text: str, form: str, args: argparse.Namespace, slow: bool
) -> dict[str, Any]:
    """C keep-alive clients, bounded by a request count and by seconds."""
    headers = {
        "Content-Type": "application/sparql-query; charset=utf-8",
        "Accept": accept_for(form),
        "Connection": "keep-alive",
    }
    concurrency = args.concurrency
    limit = concurrency if slow else args.requests
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    issued = [0]

    # Warm-up: a few sequential requests, not counted.
    if not slow:
        for _ in range(args.warmup):
            call(
                server.port,
                "POST",
                server.query_path,
                distinct(text),
                headers,
                timeout=args.request_timeout,
            )
    deadline = time.perf_counter() + args.seconds

    def client() -> None:
        connection = http.client.HTTPConnection(
            "127.0.0.1", server.port, timeout=args.request_timeout
        )
        mine: list[float] = []
        try:
            while True:
                with lock:
                    if issued[0] >= limit or time.perf_counter() >= deadline:
                        break
                    issued[0] += 1
                body = distinct(text)
                began = time.perf_counter()
                try:
                    connection.request("POST", server.query_path, body=body, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    ok = response.status == 200
                    if not ok:
                        with lock:
                            errors.append(f"HTTP {response.status}")
                except (OSError, http.client.HTTPException) as error:
                    ok = False
                    with lock:
                        errors.append(type(error).__name__)
                    connection.close()
                    connection = http.client.HTTPConnection(
                        "127.0.0.1", server.port, timeout=args.request_timeout
                    )
                if ok:
                    mine.append(time.perf_counter() - began)
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    cpu_before, busy_before = tree_cpu_seconds(server.pid), system_busy_seconds()
    own_before = sum(os.times()[:2])
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    server_cpu = tree_cpu_seconds(server.pid) - cpu_before
    busy = system_busy_seconds() - busy_before
    client_cpu = sum(os.times()[:2]) - own_before
    return {
        "latencies": latencies,
        "errors": errors,
        "wall": wall,
        "server_cpu": server_cpu,
        "client_cpu": client_cpu,
        "others_cpu": max(0.0, busy - server_cpu - client_cpu),
    }


def summarise(runs: list[dict[str, Any]], cpus: int) -> dict[str, Any]:
    """Rounds of one (server, query): median throughput, pooled latencies, CPU per request."""
    latencies = [x for r in runs for x in r["latencies"]]
    errors = [e for r in runs for e in r["errors"]]
    rates = sorted(len(r["latencies"]) / r["wall"] for r in runs if r["wall"] > 0)
    qps = rates[len(rates) // 2] if rates else 0.0
    answered = len(latencies)
    wall = sum(r["wall"] for r in runs)
    return {
        "requests": answered,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:3],
        "seconds": round(wall, 3),
        "qps": round(qps, 2) if answered else 0.0,
        "qps_rounds": [round(r, 2) for r in rates],
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2) if latencies else None,
        "server_cpu_ms_per_request": round(sum(r["server_cpu"] for r in runs) * 1000 / answered, 3)
        if answered
        else None,
        "client_cpu_ms_per_request": round(sum(r["client_cpu"] for r in runs) * 1000 / answered, 3)
        if answered
        else None,
        # CPU used by processes that are neither the server nor this benchmark, as a share of
        # the machine: above ~0.1 the figures are disturbed by other work on the machine.
        "others_cpu_share": round(sum(r["others_cpu"] for r in runs) / (wall * cpus), 3)
        if wall > 0
        else None,
    }


def check_answer(
    server: Server, text: str, form: str, expected: Any, args: argparse.Namespace
) -> dict[str, Any]:
    began = time.perf_counter()
    try:
        status, media, body = call(
            server.port,
            "POST",
            server.query_path,
            distinct(text),
            {"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept_for(form)},
            timeout=args.request_timeout,
        )
    except (OSError, http.client.HTTPException) as error:
        return {
            "status": "ERROR",
            "detail": f"{type(error).__name__}: {error}",
            "check_seconds": round(time.perf_counter() - began, 3),
        }
    seconds = time.perf_counter() - began
    if status != 200:
        text = body[:300].decode("utf-8", "replace")
        return {
            "status": "ERROR",
            "detail": f"HTTP {status}: {text}",
            "check_seconds": round(seconds, 3),
        }
    try:
        got = canonical(form, body, media)
    except Exception as error:  # an answer we cannot read is a wrong answer
        return {
            "status": "FAIL",
            "detail": f"unreadable {media!r} answer: {error}",
            "check_seconds": round(seconds, 3),
        }
    ok, detail = same(expected, got)
    return {
        "status": "OK" if ok else "FAIL",
        "detail": detail,
        "check_seconds": round(seconds, 3),
        "bytes": len(body),
        "media": media.split(";")[0],
        "rows": _size(got),
    }


def _size(answer: Any) -> int:
    if answer[0] == "boolean":
        return 1
    if answer[0] == "graph":
        return int(answer[1])
    return sum(answer[2].values())


def start_server(server: Server, start: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"server": server.name, "load_average_at_start": load_average()}
    try:
        start()
    except ServerError as error:
        server.stop()
        return {**record, "skipped": str(error)}
    record.update(
        {
            "start_s": round(server.start_seconds, 3),
            "load_s": round(server.load_seconds, 3) if server.load_seconds is not None else None,
            "ready_s": round(server.ready_seconds, 3),
            "note": server.note,
            "memory_idle": memory(server.pid),
        }
    )
    return record


def key_width(args: argparse.Namespace) -> int:
    """Width of the server column in the console lines ("oxigraph-disk" with --disk)."""
    return 13 if args.disk else 9


def measure(
    servers: dict[str, Server],
    records: dict[str, dict[str, Any]],
    data: DataSet,
    expected: dict[str, Any],
    queries: list[tuple[str, str, str]],
    args: argparse.Namespace,
) -> None:
    """Check every answer, then time every query on every server in turn, in rounds.

    The servers run side by side and take turns query by query, so that whatever else
    the machine is doing disturbs all of them alike.
    """
    live = {k: s for k, s in servers.items() if "skipped" not in records[k]}
    samplers = {k: MemorySampler(s.pid) for k, s in live.items()}
    ping = (PING[0], PING[1], PING[2].format())
    forms = {name: form_of(text) for name, _what, text in [*queries, ping]}
    texts = {name: text for name, _what, text in [*queries, ping]}
    checks: dict[str, dict[str, Any]] = {k: {} for k in live}
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {k: {} for k in live}
    for key, server in live.items():
        for name in texts:
            if name == PING[0]:
                checks[key][name] = {"status": "OK", "detail": "", "check_seconds": 0.0}
            else:
                checks[key][name] = check_answer(
                    server, texts[name], forms[name], expected[name], args
                )
    for round_index in range(args.rounds):
        for name in texts:
            for key, server in live.items():
                check = checks[key][name]
                if check["status"] == "ERROR":
                    continue
                slow = check["check_seconds"] > args.seconds
                if slow and round_index > 0:
                    continue  # one bounded round is enough for a query slower than the budget
                runs[key].setdefault(name, []).append(
                    time_query(server, texts[name], forms[name], args, slow)
                )
    for key in live:
        results: dict[str, Any] = {}
        for name in texts:
            entry = dict(checks[key][name])
            if name in runs[key]:
                entry.update(summarise(runs[key][name], os.cpu_count() or 1))
            results[name] = entry
            print(
                f"    {key:{key_width(args)}} {name:14} {entry['status']:5} "
                f"qps={entry.get('qps', '-')} "
                f"p50={entry.get('p50_ms')}ms cpu/req={entry.get('server_cpu_ms_per_request')}ms "
                f"others={entry.get('others_cpu_share')} {entry.get('detail', '')[:100]}",
                flush=True,
            )
        records[key]["memory_peak"] = samplers[key].stop()
        records[key]["queries"] = results


# -- the run -------------------------------------------------------------------------------------


#: (ours, theirs) pairs whose ratio is reported when both ran: the same kind of storage.
RATIO_PAIRS = (("ours", "oxigraph"), ("ours-disk", "oxigraph-disk"), ("ours", "rdflib"))


def geomean_ratio(
    ours: dict[str, Any],
    other: dict[str, Any],
    names: list[str],
    measure_key: str = "qps",
    invert: bool = False,
) -> tuple[float | None, list[str]]:
    """Geometric mean over the queries both answered right of ours/other (other/ours if
    ``invert``, for costs such as CPU per request)."""
    logs, used = [], []
    for name in names:
        a, b = ours.get("queries", {}).get(name, {}), other.get("queries", {}).get(name, {})
        x, y = a.get(measure_key), b.get(measure_key)
        if a.get("status") == "OK" and b.get("status") == "OK" and x and y:
            logs.append(math.log(y / x) if invert else math.log(x / y))
            used.append(name)
    if not logs:
        return None, used
    return round(math.exp(sum(logs) / len(logs)), 3), used


def run(args: argparse.Namespace) -> dict[str, Any]:
    (RESULTS / "logs").mkdir(parents=True, exist_ok=True)
    names = [q[0] for q in QUERIES]
    report: dict[str, Any] = {
        "meta": {
            "date": time.strftime("%Y-%m-%d %H:%M:%S"),
            "machine": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "pyoxigraph": ox.__version__,
            "oxigraph": _version([str(BIN / "oxigraph"), "--version"]),
            "rdflib_endpoint": _package_version("rdflib-endpoint"),
            "rdflib": _package_version("rdflib"),
            "d4sme_kg": _package_version("d4sme-kg"),
            "args": {k: v for k, v in vars(args).items()},
            "queries": {
                name: {"what": what, "text": PREFIXES + text}
                for name, what, text in [*QUERIES, PING]
            },
        },
        "sizes": [],
    }
    for label in args.sizes:
        data = prepare(label, args.seed)
        print(f"== {data.label}: {data.path.name}", flush=True)
        concrete = [
            (name, what, PREFIXES + text.format(**data.anchors)) for name, what, text in QUERIES
        ]
        expected, quads, ref_load = reference_answers(data, concrete)
        data.quads = quads
        print(f"   reference: {quads} quads loaded in {ref_load:.2f} s", flush=True)
        entry: dict[str, Any] = {
            "dataset": data.label,
            "file": data.path.name,
            "quads": quads,
            "anchors": data.anchors,
            "servers": {},
        }
        servers: dict[str, Server] = {}
        records: dict[str, dict[str, Any]] = {}
        disk_dir = RESULTS / f"store-{data.label}"
        oxigraph_dir = RESULTS / f"oxigraph-store-{data.label}"
        try:
            # Started one at a time (start and load are timed on an otherwise idle server set).
            for name in args.servers:
                if name == "rdflib" and data.synthetic and data.quads > args.rdflib_max_size:
                    records["rdflib"] = {
                        "server": "rdflib",
                        "skipped": f"not run above {args.rdflib_max_size:.0e} quads "
                        f"(--rdflib-max-size): loading takes minutes and one "
                        f"scan query tens of seconds",
                    }
                    print(
                        f"    {'rdflib':{key_width(args)}} skipped: {records['rdflib']['skipped']}",
                        flush=True,
                    )
                    continue
                variants: list[tuple[str, Server, Any]] = []
                if name == "ours":
                    ours = Ours("ours", data, args)
                    variants.append(("ours", ours, ours.start))
                    if args.disk:
                        _remove_tree(disk_dir)
                        disk = Ours("ours-disk", data, args)
                        variants.append(
                            ("ours-disk", disk, lambda d=disk, p=disk_dir: d.start(str(p)))
                        )
                elif name == "oxigraph":
                    oxi = Oxigraph("oxigraph", data, args)
                    variants.append(("oxigraph", oxi, oxi.start))
                    if args.disk:
                        _remove_tree(oxigraph_dir)
                        oxi_disk = Oxigraph("oxigraph-disk", data, args)
                        variants.append(
                            (
                                "oxigraph-disk",
                                oxi_disk,
                                lambda o=oxi_disk, p=oxigraph_dir: o.start(str(p)),
                            )
                        )
                elif name == "rdflib":
                    rdf = RdflibEndpoint("rdflib", data, args)
                    variants.append(("rdflib", rdf, rdf.start))
                for key, server, start in variants:
                    servers[key] = server
                    records[key] = start_server(server, start)
                    shown = records[key].get("skipped") or (
                        f"start {records[key]['start_s']} s, load {records[key]['load_s']} s, "
                        f"{records[key]['memory_idle']}"
                    )
                    print(f"    {key:{key_width(args)}} {shown}", flush=True)
            measure(servers, records, data, expected, concrete, args)
        finally:
            for server in servers.values():
                server.stop()
            _remove_tree(disk_dir)
            _remove_tree(oxigraph_dir)
        entry["servers"] = records
        ratios: dict[str, Any] = {}
        for mine, other in RATIO_PAIRS:
            if other in records and "skipped" not in records[other] and mine in records:
                value, used = geomean_ratio(records[mine], records[other], names)
                cpu, _used = geomean_ratio(
                    records[mine], records[other], names, "server_cpu_ms_per_request", invert=True
                )
                ratios[f"{mine}/{other}"] = {"geomean": value, "queries": used, "cpu_geomean": cpu}
        entry["ratios"] = ratios
        report["sizes"].append(entry)
        print(f"   ratios: { {k: v['geomean'] for k, v in ratios.items()} }", flush=True)
    return report


def _remove_tree(path: Path) -> None:
    if path.is_dir():
        for child in sorted(path.rglob("*"), reverse=True):
            child.rmdir() if child.is_dir() else child.unlink()
        path.rmdir()


def _version(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        return "?"


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


# -- the report ----------------------------------------------------------------------------------


def _oxigraph_target(label: str) -> float | None:
    return 0.3 if label == "article" else (0.5 if label in ("1e5", "1e6") else None)


TARGETS = {
    "ours/oxigraph": _oxigraph_target,
    # on-disk against on-disk: the same targets as in memory
    "ours-disk/oxigraph-disk": _oxigraph_target,
    "ours/rdflib": lambda label: 20.0,
}


def markdown(report: dict[str, Any]) -> str:
    meta = report["meta"]
    out = [
        "# Endpoint benchmark",
        "",
        f"{meta['date']} · {meta['machine']} · {meta['cpus']} CPUs · Python {meta['python']} · "
        f"pyoxigraph {meta['pyoxigraph']} · {meta['oxigraph']} · rdflib-endpoint "
        f"{meta['rdflib_endpoint']} (rdflib {meta['rdflib']}) · d4sme-kg {meta['d4sme_kg']}",
        "",
        f"Clients: {meta['args']['concurrency']} keep-alive threads; per query at most "
        f"{meta['args']['requests']} requests or {meta['args']['seconds']} s "
        f"(after {meta['args']['warmup']} warm-up requests), in {meta['args']['rounds']} "
        "round(s) taken in turns by the servers (median qps kept); ours with "
        f"--workers {meta['args']['workers'] or 'default'} "
        f"--threads {meta['args']['threads'] or 'default'}. "
        "qps = answered requests per second; p50/p99 latency in ms; cpu/req = CPU ms the "
        "server's process tree spent per request (user+system, children included). "
        "FAIL = the answer differs "
        "from the in-process pyoxigraph reference (not counted in the ratios).",
        "",
        "## Ratios (geometric mean of per-query throughput ratios)",
        "",
        "Throughput ratio = geomean of ours qps / their qps. CPU ratio = geomean of their "
        "server CPU per request / ours (the same ratio on an idle machine, and much less "
        "disturbed by other work on the machine than throughput).",
    ]
    ratio_keys = ["ours/oxigraph", "ours/rdflib"]
    ratio_head = "| size | quads | ours / oxigraph (qps) | CPU ratio | target | "
    if meta["args"].get("disk"):
        # on-disk against on-disk, next to in memory against in memory
        ratio_keys.insert(1, "ours-disk/oxigraph-disk")
        ratio_head += "ours-disk / oxigraph-disk (qps) | CPU ratio | target | "
        out[-1] += (
            " ours-disk / oxigraph-disk: both servers on an on-disk store (Oxigraph's "
            "bulk-loaded by `oxigraph load`)."
        )
    out += [
        "",
        ratio_head + "ours / rdflib-endpoint (qps) | CPU ratio | target |",
        "|---|---:|" + "---:|---:|---:|" * len(ratio_keys),
    ]
    for entry in report["sizes"]:
        cells = [entry["dataset"], str(entry["quads"])]
        for key in ratio_keys:
            ratio = entry["ratios"].get(key)
            target = TARGETS[key](entry["dataset"])
            if ratio is None or ratio["geomean"] is None:
                skipped = entry["servers"].get(key.split("/")[1], {}).get("skipped")
                cells += ["skipped" if skipped else "–", "–", _target(target)]
            else:
                value = ratio["geomean"]
                verdict = "" if target is None else (" ✅" if value >= target else " ❌")
                used = len(ratio["queries"])
                cpu = ratio.get("cpu_geomean")
                cells += [
                    f"{value:.3g}×{verdict} ({used} q)",
                    "–" if cpu is None else f"{cpu:.3g}×",
                    _target(target),
                ]
        out.append("| " + " | ".join(cells) + " |")
    out += [
        "",
        "## Servers",
        "",
        "| size | server | start s | load s | ready s | RSS idle MB | PSS idle MB | "
        "RSS peak MB | PSS peak MB | procs | load avg | note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for entry in report["sizes"]:
        for key, record in entry["servers"].items():
            if "skipped" in record:
                out.append(
                    f"| {entry['dataset']} | {key} | skipped: {record['skipped']} "
                    "| | | | | | | | | |"
                )
                continue
            idle, peak = record["memory_idle"], record.get("memory_peak", {})
            out.append(
                f"| {entry['dataset']} | {key} | {record['start_s']} | {record['load_s']} | "
                f"{record['ready_s']} | {idle['rss_mb']} | {idle['pss_mb']} | "
                f"{peak.get('rss_mb', '–')} | {peak.get('pss_mb', '–')} | {idle['processes']} | "
                f"{record.get('load_average_at_start', '–')} | {record['note']} |"
            )
    for entry in report["sizes"]:
        servers = [k for k, r in entry["servers"].items() if "skipped" not in r]
        out += ["", f"## {entry['dataset']} ({entry['quads']} quads)", ""]
        head = ["query", "rows"]
        for key in servers:
            head += [f"{key} qps", f"{key} p50", f"{key} p99", f"{key} cpu/req"]
        pairs = [(a, b) for a, b in RATIO_PAIRS if a in servers and b in servers]
        head += [f"{a}/{b}" for a, b in pairs]
        out += ["| " + " | ".join(head) + " |", "|" + "---|" * 2 + "---:|" * (len(head) - 2)]
        for name in [q[0] for q in QUERIES] + [PING[0]]:
            rows = "–"
            cells = []
            for key in servers:
                result = entry["servers"][key]["queries"].get(name, {})
                if result.get("rows") is not None and rows == "–":
                    rows = str(result["rows"])
                status = result.get("status", "–")
                mark = "" if status == "OK" else f" **{status}**"
                cells += [
                    f"{result.get('qps', '–')}{mark}",
                    str(result.get("p50_ms", "–")),
                    str(result.get("p99_ms", "–")),
                    str(result.get("server_cpu_ms_per_request", "–")),
                ]
            for mine, other in pairs:
                a = entry["servers"][mine]["queries"].get(name, {})
                b = entry["servers"][other]["queries"].get(name, {})
                if a.get("qps") and b.get("qps"):
                    both = a.get("status") == b.get("status") == "OK"
                    cells.append(f"{a['qps'] / b['qps']:.3g}" + ("" if both else " (FAIL)"))
                else:
                    cells.append("–")
            label = name + (" (not in ratios)" if name == PING[0] else "")
            out.append("| " + " | ".join([label, rows, *cells]) + " |")
        shares = [
            r.get("others_cpu_share")
            for key in servers
            for r in entry["servers"][key]["queries"].values()
            if r.get("others_cpu_share") is not None
        ]
        if shares:
            out += [
                "",
                f"CPU taken by other processes on the machine while timing: median "
                f"{sorted(shares)[len(shares) // 2]:.0%}, max {max(shares):.0%} of "
                f"{meta['cpus']} CPUs.",
            ]
        failures = [
            (key, name, r.get("detail", ""))
            for key in servers
            for name, r in entry["servers"][key]["queries"].items()
            if r.get("status") != "OK"
        ]
        if failures:
            out += ["", "Wrong or failed answers:", ""]
            out += [f"- **{key}** `{name}`: {detail}" for key, name, detail in failures]
    out += ["", "## Queries", ""]
    for name, spec in meta["queries"].items():
        out += [f"- **{name}** — {spec['what']}"]
    return "\n".join(out) + "\n"


def _target(value: float | None) -> str:
    return "–" if value is None else f"≥ {value:g}×"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="article,1e4,1e5,1e6",
        help="comma-separated: article and/or quad counts (default: %(default)s)",
    )
    parser.add_argument(
        "--servers",
        default="ours,oxigraph,rdflib",
        help="comma-separated subset of ours,oxigraph,rdflib",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer requests and seconds per query (a few minutes in all)",
    )
    parser.add_argument("-c", "--concurrency", type=int, default=4, help="concurrent clients")
    parser.add_argument(
        "--requests",
        type=int,
        default=None,
        help="most timed requests per query (default 2000; quick 300)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="most seconds per query and round (default 4; quick 2)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="times every query is timed on every server, in turns; the "
        "median throughput is kept (default 2; quick 1)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=None,
        help="untimed requests per query first (default 5; quick 2)",
    )
    parser.add_argument(
        "--disk",
        action="store_true",
        help="also run ours and oxigraph with an on-disk store (ours-disk, oxigraph-disk)",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="ours: worker processes (default: the CLI's)"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="ours: threads per worker (default: the CLI's)"
    )
    parser.add_argument(
        "--rdflib-max-size",
        type=float,
        default=1e5,
        help="skip rdflib-endpoint on synthetic data above this many quads",
    )
    parser.add_argument("--rdflib-load-timeout", type=float, default=600.0)
    parser.add_argument("--start-timeout", type=float, default=600.0)
    parser.add_argument("--request-timeout", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--out", default=None, help="base name of the result files in benchmarks/results/"
    )
    args = parser.parse_args(argv)
    args.sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = set(args.servers) - {"ours", "oxigraph", "rdflib"}
    if unknown:
        parser.error(f"unknown servers: {', '.join(sorted(unknown))}")
    if args.requests is None:
        args.requests = 300 if args.quick else 2000
    if args.seconds is None:
        args.seconds = 2.0 if args.quick else 4.0
    if args.rounds is None:
        args.rounds = 1 if args.quick else 2
    if args.warmup is None:
        args.warmup = 2 if args.quick else 5
    if args.out is None:
        labels = [s if s == "article" else size_label(synthetic.parse_size(s)) for s in args.sizes]
        args.out = "endpoint-" + "-".join(labels) + ("-quick" if args.quick else "")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    report = run(args)
    report["meta"]["total_seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    json_path = RESULTS / f"{args.out}.json"
    md_path = RESULTS / f"{args.out}.md"
    json_path.write_text(
        json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    md_path.write_text(markdown(report), encoding="utf-8")
    print(f"wrote {json_path} and {md_path} ({report['meta']['total_seconds']} s)")
    failed = any(
        r.get("status") == "FAIL"
        for e in report["sizes"]
        for s in e["servers"].values()
        for r in s.get("queries", {}).values()
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
