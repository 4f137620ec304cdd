"""SPARQL Update and the Graph Store Protocol: off by default, token-guarded, validated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from ..servers import d4sme_server, http, http_chunked
from .conftest import TOKEN

KG = "https://w3id.org/d4sme-kg/id/"
PREFIXES = (
    "PREFIX kg: <https://w3id.org/d4sme-kg/id/> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "PREFIX schema: <https://schema.org/> "
)
AUTH = {"Authorization": f"Bearer {TOKEN}"}
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


@pytest.fixture(scope="module")
def writable() -> Iterator[str]:
    with d4sme_server(["--workers", "2"], env={"D4SME_KG_UPDATE_TOKEN": TOKEN}) as base:
        yield base


def update(base: str, text: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return http(
        "POST",
        f"{base}/update",
        text,
        {"Content-Type": "application/sparql-update", **(headers if headers is not None else AUTH)},
    )


def ask(base: str, text: str) -> bool:
    reply = http("GET", f"{base}/sparql?{urlencode({'query': PREFIXES + text})}")
    assert reply.status == 200, reply.text
    return bool(reply.json()["boolean"])


def count(base: str) -> int:
    reply = http(
        "GET", f"{base}/sparql?{urlencode({'query': 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'})}"
    )
    return int(reply.json()["results"]["bindings"][0]["n"]["value"])


def test_writes_are_off_by_default(server: str) -> None:
    reply = update(server, PREFIXES + 'INSERT DATA { kg:kakao skos:altLabel "x"@en }')
    assert reply.status == 403 and "D4SME_KG_UPDATE_TOKEN" in reply.json()["detail"]
    reply = http(
        "PUT",
        f"{server}/store?graph=urn:x",
        "<urn:a> <urn:b> <urn:c> .",
        {"Content-Type": "application/n-triples", **AUTH},
    )
    assert reply.status == 403


def test_a_write_needs_the_token(writable: str) -> None:
    text = PREFIXES + 'INSERT DATA { kg:kakao skos:altLabel "Kakao Corp."@en }'
    assert update(writable, text, {}).status == 401
    wrong = update(writable, text, {"Authorization": "Bearer nope"})
    assert wrong.status == 401 and wrong.headers["www-authenticate"].startswith("Bearer")
    assert not ask(writable, 'ASK { kg:kakao skos:altLabel "Kakao Corp."@en }')


def test_a_conforming_update_is_committed(writable: str) -> None:
    before = count(writable)
    reply = update(
        writable,
        PREFIXES + "INSERT DATA { GRAPH <https://w3id.org/d4sme-kg/graph/data> "
        '{ kg:kakao skos:altLabel "Kakao Corp."@en } }',
    )
    assert reply.status == 200, reply.text
    assert reply.json() == {"added": 1, "removed": 0}
    assert ask(writable, 'ASK { kg:kakao skos:altLabel "Kakao Corp."@en }')
    assert count(writable) == before + 1
    # Every evaluator sees it, not only the one that happened to answer first.
    assert all(
        ask(writable, f'ASK {{ kg:kakao skos:altLabel "Kakao Corp."@en }} # {i}') for i in range(6)
    )


def test_an_update_that_breaks_a_shape_is_refused_and_changes_nothing(writable: str) -> None:
    before = count(writable)
    reply = update(writable, PREFIXES + "DELETE WHERE { GRAPH ?g { kg:kakao rdfs:label ?l } }")
    assert reply.status == 422
    problem = reply.json()
    assert problem["status"] == 422
    assert any(r["focusNode"] == KG + "kakao" for r in problem["report"])
    assert ask(writable, 'ASK { kg:kakao rdfs:label "Kakao"@en }')
    # A fact without its claim breaks the provenance rule.
    reply = update(
        writable,
        PREFIXES + "INSERT DATA { GRAPH <https://w3id.org/d4sme-kg/graph/data> "
        '{ kg:kakao schema:foundingDate "2010" } }',
    )
    assert reply.status == 422
    # A literal as a class (the write was accepted with 200 before TypeShape).
    reply = update(
        writable,
        PREFIXES + "INSERT DATA { GRAPH <https://w3id.org/d4sme-kg/graph/data> "
        '{ kg:kakao a "x" } }',
    )
    assert reply.status == 422
    assert any(r["resultPath"].endswith("#type") for r in reply.json()["report"])
    assert count(writable) == before


def test_bad_updates(writable: str) -> None:
    assert update(writable, "INSERT DATA { oops").status == 400
    load = update(writable, "LOAD <http://127.0.0.1:9/data.ttl>")
    assert load.status == 403 and "LOAD" in load.json()["detail"]
    wrong_type = http(
        "POST", f"{writable}/update", "CLEAR ALL", {"Content-Type": "text/plain", **AUTH}
    )
    assert wrong_type.status == 415
    assert http("GET", f"{writable}/update").status == 405


def test_graph_store_protocol(writable: str) -> None:
    graph = "urn:x-test:extra"
    target = f"{writable}/store?graph={quote(graph)}"
    body = (
        "<https://w3id.org/d4sme-kg/id/kakao> <http://www.w3.org/2004/02/skos/core#altLabel> "
        '"주식회사 카카오"@ko .\n'
    )
    created = http("PUT", target, body, {"Content-Type": "application/n-triples", **AUTH})
    assert created.status == 201, created.text
    fetched = http("GET", target, headers={"Accept": "application/n-triples"})
    assert fetched.status == 200 and "주식회사 카카오" in fetched.text
    merged = http(
        "POST",
        target,
        "<https://w3id.org/d4sme-kg/id/kakao> "
        '<http://www.w3.org/2004/02/skos/core#altLabel> "Kakao Corporation"@en .',
        {"Content-Type": "text/turtle", **AUTH},
    )
    assert merged.status == 200
    assert "Kakao Corporation" in http("GET", target, headers={"Accept": "text/turtle"}).text
    assert http("DELETE", target, headers=AUTH).status == 200
    assert http("GET", target).status == 404
    unauthorised = http("DELETE", f"{writable}/store?graph=https://w3id.org/d4sme-kg/graph/data")
    assert unauthorised.status == 401
    bad = http("PUT", target, "not turtle at all", {"Content-Type": "text/turtle", **AUTH})
    assert bad.status == 400
    assert http("GET", f"{writable}/store").status == 400


def test_writes_to_an_on_disk_store_survive_a_restart(tmp_path: Path) -> None:
    location = tmp_path / "store"
    env = {"D4SME_KG_UPDATE_TOKEN": TOKEN}
    text = PREFIXES + (
        "INSERT DATA { GRAPH <https://w3id.org/d4sme-kg/graph/data> "
        '{ kg:posco skos:altLabel "POSCO Holdings"@en } }'
    )
    with d4sme_server(["--store", str(location)], env=env) as base:
        assert update(base, text).status == 200
    assert (location / "d4sme-kg-store").is_file()
    with d4sme_server(["--store", str(location)], env=env) as base:
        assert ask(base, 'ASK { kg:posco skos:altLabel "POSCO Holdings"@en }')
        health = http("GET", f"{base}/healthz").json()
        assert health["store"].startswith("on-disk")


def test_with_writes_on_a_runaway_query_is_stopped_and_the_rest_stays_right() -> None:
    # With writes on, queries run in evaluator processes under one gunicorn worker: the
    # worker's own, so that replacing a stopped one works and no answer goes astray.
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with d4sme_server(
        ["--workers", "1", "--timeout", "1"], env={"D4SME_KG_UPDATE_TOKEN": TOKEN}
    ) as base:
        stopped = http("GET", f"{base}/sparql?{urlencode({'query': slow})}")
        assert stopped.status == 503 and "1 s limit" in stopped.json()["detail"]
        for number in range(3):
            query = f"SELECT ?n WHERE {{ BIND({number} AS ?n) }}"
            reply = http("GET", f"{base}/sparql?{urlencode({'query': query})}")
            assert reply.status == 200, reply.text
            assert reply.json()["results"]["bindings"] == [
                {"n": {"type": "literal", "value": str(number), "datatype": XSD_INTEGER}}
            ]
        before = count(base)
        assert update(base, PREFIXES + 'INSERT DATA { kg:kakao skos:altLabel "K"@en }').status in (
            200,
            204,
        )
        assert count(base) == before + 1


def test_a_chunked_write_past_the_body_limit_is_refused_whole() -> None:
    env = {"D4SME_KG_UPDATE_TOKEN": TOKEN, "D4SME_KG_MAX_BODY_BYTES": "2000"}
    graph = "urn:x-test:chunked"
    line = (
        "<https://w3id.org/d4sme-kg/id/kakao> "
        '<http://www.w3.org/2004/02/skos/core#altLabel> "{}"@en .\n'
    )
    with d4sme_server(["--workers", "1"], env=env) as base:
        before = count(base)
        url = f"{base}/store?graph={quote(graph)}"
        turtle = {"Content-Type": "application/n-triples", **AUTH}
        too_big = "".join(line.format(f"K{n}") for n in range(40)).encode()
        assert len(too_big) > 2000
        refused = http_chunked("PUT", url, too_big, turtle)
        assert refused.status == 413 and "2000 bytes" in refused.json()["detail"]
        assert count(base) == before
        small = "".join(line.format(f"K{n}") for n in range(3)).encode()
        assert http_chunked("PUT", url, small, turtle).status == 201
        assert count(base) == before + 3


def test_with_writes_on_the_server_answers_while_evaluators_are_busy() -> None:
    # One web worker serves everything: it has a thread for each evaluator process
    # and more, so two slow queries leave it free to answer the others.
    import threading
    import time

    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    env = {"D4SME_KG_UPDATE_TOKEN": TOKEN}
    with d4sme_server(["--workers", "2", "--timeout", "4"], env=env) as base:
        statuses: list[int] = []

        def run_slow(k: int) -> None:
            url = f"{base}/sparql?{urlencode({'query': f'{slow} # {k}'})}"
            statuses.append(http("GET", url).status)

        runners = [threading.Thread(target=run_slow, args=(k,)) for k in range(2)]
        for runner in runners:
            runner.start()
        time.sleep(1)
        started = time.monotonic()
        assert http("GET", f"{base}/healthz").status == 200
        assert time.monotonic() - started < 2
        for runner in runners:
            runner.join(30)
        assert statuses == [503, 503]
