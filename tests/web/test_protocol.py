"""The SPARQL 1.1 Protocol over real HTTP."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from d4sme_kg.store.engine_errors import EXPECTED_SHOWN, EngineError, shorten_expected

from ..servers import http

KG = "https://w3id.org/d4sme-kg/"
SELECT = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?label WHERE { <https://w3id.org/d4sme-kg/id/kakao> rdfs:label ?label } "
    "ORDER BY ?label"
)
CONSTRUCT = (
    "CONSTRUCT { <https://w3id.org/d4sme-kg/id/kakao> ?p ?o } "
    "WHERE { <https://w3id.org/d4sme-kg/id/kakao> ?p ?o }"
)


def get(server: str, query: str, accept: str | None = None, **params: str):  # type: ignore[no-untyped-def]
    headers = {"Accept": accept} if accept else {}
    return http("GET", f"{server}/sparql?{urlencode({'query': query, **params})}", headers=headers)


def labels(reply) -> set[str]:  # type: ignore[no-untyped-def]
    return {b["label"]["value"] for b in reply.json()["results"]["bindings"]}


def test_get_post_form_and_post_direct_agree(server: str) -> None:
    by_get = get(server, SELECT)
    by_form = http(
        "POST",
        f"{server}/sparql",
        urlencode({"query": SELECT}),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    by_body = http("POST", f"{server}/sparql", SELECT, {"Content-Type": "application/sparql-query"})
    assert by_get.status == by_form.status == by_body.status == 200
    assert labels(by_get) == labels(by_form) == labels(by_body) == {"Kakao", "카카오"}
    assert by_get.media_type == "application/sparql-results+json"


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/*", "text/csv"),
        ("application/sparql-results+json;q=0.1, text/csv", "text/csv"),
        ("text/csv;q=0, */*", "application/sparql-results+json"),
        ("application/json", "application/sparql-results+json"),
    ],
)
def test_select_negotiation(server: str, accept: str | None, media_type: str) -> None:
    reply = get(server, SELECT, accept)
    assert reply.status == 200
    assert reply.media_type == media_type
    assert "Accept" in reply.headers.get("vary", "")


def test_result_bodies_in_each_format(server: str) -> None:
    xml = get(server, SELECT, "application/sparql-results+xml").text
    assert '<literal xml:lang="ko">카카오</literal>' in xml
    rows = list(csv.reader(io.StringIO(get(server, SELECT, "text/csv").text)))
    assert rows[0] == ["label"] and sorted(r[0] for r in rows[1:]) == ["Kakao", "카카오"]
    tsv = get(server, SELECT, "text/tab-separated-values").text.splitlines()
    assert tsv[0] == "?label" and '"카카오"@ko' in tsv


def test_ask(server: str) -> None:
    reply = get(server, "ASK { ?s ?p ?o }")
    assert reply.json() == {"head": {}, "boolean": True}
    assert get(server, "ASK { ?s ?p ?o }", "text/csv").text.splitlines()[1] == "true"


@pytest.mark.parametrize(
    ("accept", "media_type", "rdflib_format"),
    [
        (None, "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/trig", "application/trig", "trig"),
    ],
)
def test_construct_in_every_graph_format(
    server: str, accept: str | None, media_type: str, rdflib_format: str
) -> None:
    reply = get(server, CONSTRUCT, accept)
    assert reply.status == 200, reply.text
    assert reply.media_type == media_type
    graph = Graph().parse(data=reply.body, format=rdflib_format)
    assert len(graph) >= 5


def test_describe(server: str) -> None:
    reply = get(server, f"DESCRIBE <{KG}id/kakao>")
    assert reply.status == 200 and reply.media_type == "text/turtle"
    assert "카카오" in reply.text


def test_format_parameter_for_browsers(server: str) -> None:
    assert get(server, SELECT, "text/html", format="csv").media_type == "text/csv"
    assert get(server, CONSTRUCT, format="nt").media_type == "application/n-triples"


def test_406_when_nothing_fits(server: str) -> None:
    reply = get(server, SELECT, "image/png")
    assert reply.status == 406
    assert reply.media_type == "application/problem+json"
    assert "offered" in reply.json()["detail"]


def test_dataset_parameters_select_graphs(server: str) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def n(reply) -> int:  # type: ignore[no-untyped-def]
        return int(reply.json()["results"]["bindings"][0]["n"]["value"])

    everything = n(get(server, count))
    links = n(get(server, count, **{"default-graph-uri": f"{KG}graph/links"}))
    assert 0 < links < everything
    named = get(
        server,
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        **{"named-graph-uri": f"{KG}graph/ontology"},
    )
    graphs = {b["g"]["value"] for b in named.json()["results"]["bindings"]}
    assert graphs == {f"{KG}graph/ontology"}
    from_clause = n(
        get(server, f"SELECT (COUNT(*) AS ?n) FROM <{KG}graph/links> WHERE {{ ?s ?p ?o }}")
    )
    assert from_clause == links


def test_malformed_query_is_400_with_position(server: str) -> None:
    reply = get(server, "SELECT * WHERE { ?s ?p }")
    assert reply.status == 400
    problem = reply.json()
    assert problem["status"] == 400 and problem["title"] == "Malformed query"
    assert "1:" in problem["detail"]
    assert "Traceback" not in reply.text


def test_syntax_error_keeps_the_position_and_a_short_expected_list(server: str) -> None:
    problem = get(server, "SELECT * WHERE {").json()
    detail = problem["detail"]
    assert detail.startswith("error at 1:17: expected one of ")
    assert detail.endswith(", …") and "\\u{" not in detail and "\n" not in detail
    assert detail.count('", "') == EXPECTED_SHOWN - 1  # eight quoted tokens, then "…"
    short = get(server, "SELEC x").json()["detail"]
    assert short == "error at 1:8: expected one of VERSION, [_]"  # short lists stay whole


@pytest.mark.parametrize(
    ("message", "shortened"),
    [
        (
            'error at 2:5: expected one of "a", ",", "\\"", [\'0\'..=\'9\'], '
            "['A' ..= 'Z' | ',' | ']'\n| 'a'], [_], WORD, \"b\", \"c\", \"d\"",
            'error at 2:5: expected one of "a", ",", "\\"", [\'0\'..=\'9\'], '
            "['A' ..= 'Z' | ',' | ']'\n| 'a'], [_], WORD, \"b\", …",
        ),
        ("error at 1:8: expected one of VERSION, [_]", None),
        ('error at 1:1: expected one of "1", "2", "3", "4", "5", "6", "7", "8"', None),
        ("error at 1:14: expected IRI parsing failed", None),
        ("no position at all", None),
    ],
)
def test_shorten_expected(message: str, shortened: str | None) -> None:
    assert shorten_expected(message) == (shortened or message)
    assert EngineError("syntax", message).detail == (shortened or message)
    assert EngineError("evaluation", message).detail == message


def test_bad_requests(server: str) -> None:
    two = http("GET", f"{server}/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert two.status == 400
    wrong_type = http("POST", f"{server}/sparql", "ASK {}", {"Content-Type": "text/plain"})
    assert wrong_type.status == 415
    update = http(
        "POST",
        f"{server}/sparql",
        urlencode({"update": "CLEAR ALL"}),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert update.status == 400 and "/update" in update.json()["detail"]
    put = http("PUT", f"{server}/sparql", "x")
    assert put.status == 405


def test_service_description_by_negotiation(server: str) -> None:
    reply = http("GET", f"{server}/sparql", headers={"Accept": "text/turtle"})
    assert reply.status == 200 and reply.media_type == "text/turtle"
    graph = Graph().parse(data=reply.body, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    answer = graph.query(f"""ASK {{ ?s a <{sd}Service> ; <{sd}endpoint> <{server}/sparql> ;
        <{sd}supportedLanguage> <{sd}SPARQL11Query> ;
        <{sd}defaultDataset>/<http://rdfs.org/ns/void#triples> ?n }}""")
    assert answer.askAnswer
    as_jsonld = http("GET", f"{server}/sparql", headers={"Accept": "application/ld+json"})
    assert as_jsonld.media_type == "application/ld+json"
    assert isomorphic(Graph().parse(data=as_jsonld.body, format="json-ld"), graph)


def test_a_browser_gets_the_query_page(server: str) -> None:
    reply = http("GET", f"{server}/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert reply.status == 200 and reply.media_type == "text/html"
    assert "<form" in reply.text


def test_errors_are_html_for_browsers(server: str) -> None:
    reply = get(server, "SELECT", "text/html,*/*;q=0.8")
    assert reply.status == 400 and reply.media_type == "text/html"
    assert "Malformed query" in reply.text
