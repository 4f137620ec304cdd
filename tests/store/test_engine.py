"""The engine's answers: the row limit holds exactly in every result format; a SERVICE
endpoint that fails is its failure, not the query's."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest

from d4sme_kg.store import QueryRequest
from d4sme_kg.store.engine import evaluate
from d4sme_kg.store.engine_errors import EngineError
from d4sme_kg.store.messages import RunQuery

from ..servers import free_port

EX = "http://example.org/"
SPARQL_RESULTS = "{http://www.w3.org/2005/sparql-results#}"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    # Literals with the characters each format must escape: a row that spilled over
    # lines or elements would be miscounted.
    tricky = ["a\nb", "<result>", 'q"uote', "tab\there", '},{"x":1}', "\r\n"]
    store = ox.Store()
    store.extend(
        ox.Quad(
            ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(tricky[i % 6] + str(i))
        )
        for i in range(30_000)
    )
    return store


def run_query(text: str, **options: object) -> RunQuery:
    return RunQuery.of(QueryRequest.for_text(text, **options))


def rows_of(fmt: str, body: bytes) -> int:
    if fmt == "json":
        return len(json.loads(body)["results"]["bindings"])
    if fmt == "xml":
        return len(ET.fromstring(body).findall(f"{SPARQL_RESULTS}results/{SPARQL_RESULTS}result"))
    if fmt == "csv":
        return len(list(csv.reader(io.StringIO(body.decode(), newline="")))) - 1
    return body.decode().count("\n") - 1  # tsv: newlines in literals are escaped


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("limit", [0, 1, 7, 20_000])
def test_the_row_limit_is_exact(store: ox.Store, fmt: str, limit: int) -> None:
    query = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?s LIMIT {{n}}"
    request = QueryRequest.for_text(
        query.replace("{n}", str(limit)), result_format=fmt, max_rows=limit
    )
    reply = evaluate(store, RunQuery.of(request))
    assert rows_of(fmt, reply.body) == limit
    # JSON and CSV count an upper bound (literals may hold the separator), which can
    # only pass the limit by sending the answer to the exact count.
    assert reply.rows == limit
    over = QueryRequest.for_text(
        query.replace("{n}", str(limit + 1)), result_format=fmt, max_rows=limit
    )
    with pytest.raises(EngineError) as error:
        evaluate(store, RunQuery.of(over))
    assert error.value.kind == "too_many_rows"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_separators_in_literals_never_refuse_an_answer_within_the_limit(fmt: str) -> None:
    # Every literal is full of what JSON and CSV rows are bounded by: the bound passes
    # the limit at once, and the rows are counted exactly instead.
    store = ox.Store()
    store.extend(
        ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal("},{\n" * 50))
        for i in range(4)
    )
    text = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }}"
    reply = evaluate(store, run_query(text, result_format=fmt, max_rows=4))
    assert rows_of(fmt, reply.body) == 4 and reply.rows == 4
    with pytest.raises(EngineError):
        evaluate(store, run_query(text, result_format=fmt, max_rows=3))


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_an_answer_past_the_uncounted_size_is_counted_by_a_second_evaluation(
    fmt: str, store: ox.Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from d4sme_kg.store import engine

    monkeypatch.setattr(engine, "_MAX_UNCOUNTED_BYTES", 200)
    query = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?s LIMIT {{n}}"
    fits = QueryRequest.for_text(query.replace("{n}", "40"), result_format=fmt, max_rows=40)
    reply = evaluate(store, RunQuery.of(fits))
    assert rows_of(fmt, reply.body) == 40 and reply.rows <= 40
    over = QueryRequest.for_text(query.replace("{n}", "41"), result_format=fmt, max_rows=40)
    with pytest.raises(EngineError) as error:
        evaluate(store, RunQuery.of(over))
    assert error.value.kind == "too_many_rows"


def test_a_small_answer_is_written_once_with_its_rows_bounded() -> None:
    store = ox.Store()
    store.extend(
        ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(f"v{i}"))
        for i in range(3)
    )
    text = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }}"
    for fmt in ("json", "csv"):
        reply = evaluate(store, run_query(text, result_format=fmt))
        assert rows_of(fmt, reply.body) == 3 and reply.rows == 3
    empty = f"SELECT ?s WHERE {{ ?s <{EX}none> ?o }}"
    for fmt in ("json", "csv"):
        assert evaluate(store, run_query(empty, result_format=fmt)).rows == 0


def test_empty_rows_count_too(store: ox.Store) -> None:
    # Rows with nothing bound are the shortest a format can write.
    text = f"SELECT ?x WHERE {{ ?s <{EX}p> ?o }} LIMIT 3"
    for fmt in ("json", "xml", "csv", "tsv"):
        assert evaluate(store, run_query(text, result_format=fmt, max_rows=3)).rows == 3
        with pytest.raises(EngineError):
            evaluate(store, run_query(text, result_format=fmt, max_rows=2))


def test_select_star_keeps_the_order_of_the_query(store: ox.Store) -> None:
    text = f"SELECT * WHERE {{ ?zeta <{EX}p> ?alpha }} LIMIT 1"
    body = evaluate(store, run_query(text, result_format="csv")).body
    assert body.decode().splitlines()[0] == "zeta,alpha"
    body = evaluate(store, run_query(text, result_format="json")).body
    assert json.loads(body)["head"]["vars"] == ["zeta", "alpha"]


def unreachable_endpoint() -> str:
    """A loopback URL where nothing listens: a free port's."""
    return f"http://127.0.0.1:{free_port()}/sparql"


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("SELECT * WHERE { SERVICE <URL> { ?s ?p ?o } }", "json"),
        ("SELECT ?o ?s WHERE { SERVICE <URL> { ?s ?p ?o } }", "csv"),
        ("ASK { SERVICE <URL> { ?s ?p ?o } }", "json"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <URL> { ?s ?p ?o } }", "json"),
    ],
)
def test_a_service_endpoint_that_cannot_be_reached_is_a_gateway_error(text: str, fmt: str) -> None:
    endpoint = unreachable_endpoint()
    with pytest.raises(EngineError) as raised:
        evaluate(ox.Store(), run_query(text.replace("URL", endpoint), result_format=fmt))
    assert (raised.value.kind, raised.value.http_status) == ("service", 502)
    assert raised.value.detail.startswith(f"a SERVICE endpoint failed (<{endpoint}>): ")


def test_service_silent_that_cannot_be_reached_is_one_empty_solution() -> None:
    text = f"SELECT * WHERE {{ SERVICE SILENT <{unreachable_endpoint()}> {{ ?s ?p ?o }} }}"
    answer = evaluate(ox.Store(), run_query(text))
    assert json.loads(answer.body)["results"]["bindings"] == [{}]


def test_each_endpoint_a_query_calls_is_named_once() -> None:
    first, second = unreachable_endpoint(), unreachable_endpoint()
    text = (
        f"SELECT * WHERE {{ SERVICE <{first}> {{ ?s ?p ?o }} "
        f"OPTIONAL {{ SERVICE <{second}> {{ ?s ?q ?x }} }} SERVICE <{first}> {{ ?s ?p ?x }} }}"
    )
    with pytest.raises(EngineError) as raised:
        evaluate(ox.Store(), run_query(text))
    assert raised.value.detail.startswith(f"a SERVICE endpoint failed (<{first}>, <{second}>): ")
    assert run_query("SELECT * WHERE { ?s ?p ?o }").services == []
