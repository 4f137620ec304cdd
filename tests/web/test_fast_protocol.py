"""The protocol's fast path answers exactly as Flask's dispatch would (web.fast_protocol).

Two apps over one service, one with the fast path and one without, are sent the same
requests; status, headers and body must be the same, and only the requests the fast
path takes may miss Flask's dispatch.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask, request
from werkzeug.test import EnvironBuilder

from d4sme_kg.web import create_app

KAKAO = "https://w3id.org/d4sme-kg/id/kakao"
ASK = "ASK {}"
SELECT = f"SELECT ?p ?o WHERE {{ <{KAKAO}> ?p ?o }} ORDER BY ?p ?o LIMIT 3"
LABELS = f"SELECT ?l WHERE {{ <{KAKAO}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"
CONSTRUCT = f"CONSTRUCT WHERE {{ <{KAKAO}> <http://www.w3.org/2000/01/rdf-schema#label> ?o }}"
RELATIVE = "SELECT ?i WHERE { BIND(<relative/x> AS ?i) }"
ALL = "SELECT * WHERE { ?s ?p ?o }"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
FORM = "application/x-www-form-urlencoded"
SPARQL = "application/sparql-query"


@pytest.fixture(scope="module")
def apps() -> Iterator[tuple[Flask, Flask, list[str]]]:
    """(with the fast path, without it, the requests Flask dispatched in the first)."""
    fast = create_app({"WORKERS": 1, "VALIDATE": False, "MAX_ROWS": 5})
    dispatched: list[str] = []
    # First of the hooks: the one that raises an error met before the app comes next.
    fast.before_request_funcs.setdefault(None, []).insert(
        0, lambda: dispatched.append(request.full_path)
    )
    service = fast.extensions["d4sme_kg"]
    plain = create_app(service, fast_protocol=False)
    yield fast, plain, dispatched
    service.backend.close()


def get(query: str, extra: str = "", **headers: str) -> dict[str, Any]:
    return {"method": "GET", "path": f"/sparql?query={quote(query)}{extra}", "headers": headers}


def post(body: str | bytes, content_type: str, path: str = "/sparql", **headers: str) -> dict:
    return {
        "method": "POST",
        "path": path,
        "data": body,
        "headers": {"Content-Type": content_type, **headers},
    }


#: Requests the fast path answers itself.
ANSWERED = {
    "ask json": get(ASK, Accept="application/sparql-results+json"),
    "select no accept": get(SELECT),
    "select xml": get(SELECT, Accept="application/sparql-results+xml"),
    "select csv": get(SELECT, Accept="text/csv"),
    "select tsv": get(SELECT, Accept="text/tab-separated-values"),
    "select browser accept": get(SELECT, Accept=BROWSER),
    "select format=csv": get(SELECT, "&format=csv"),
    "select output=json": get(SELECT, "&output=json", Accept="text/csv"),
    "select unknown format": get(SELECT, "&format=nonsense", Accept="text/csv"),
    "korean labels": get(LABELS, Accept="application/sparql-results+json"),
    "construct turtle": get(CONSTRUCT, Accept="text/turtle"),
    "construct n-triples": get(CONSTRUCT, Accept="application/n-triples"),
    "construct json-ld": get(CONSTRUCT, Accept="application/ld+json"),
    "construct rdf/xml": get(CONSTRUCT, Accept="application/rdf+xml"),
    "construct trig": get(CONSTRUCT, Accept="application/trig"),
    "construct n-quads": get(CONSTRUCT, Accept="application/n-quads"),
    "default graph": get(
        SELECT, "&default-graph-uri=" + quote("https://w3id.org/d4sme-kg/graph/article")
    ),
    "named graph": get(
        SELECT, "&named-graph-uri=" + quote("https://w3id.org/d4sme-kg/graph/article")
    ),
    "timeout": get(ASK, "&timeout=5"),
    "relative iri": get(RELATIVE, Accept="application/sparql-results+json"),
    "other host": get(RELATIVE, Host="example.org:8080"),
    "post query": post(ASK, SPARQL, Accept="application/sparql-results+json"),
    "post query charset": post(SELECT, SPARQL + "; charset=UTF-8", Accept="text/csv"),
    "post korean": post(LABELS.encode(), SPARQL),
    "post form": post(f"query={quote(SELECT)}", FORM, Accept="text/csv"),
    "post form, format in url": post(f"query={quote(SELECT)}", FORM, "/sparql?format=tsv"),
    "post query, timeout in url": post(ASK, SPARQL, "/sparql?timeout=2"),
}

#: Requests it leaves to the app: errors (met by the fast path, answered by the app),
#: and requests it does not take.
LEFT_TO_THE_APP = {
    "syntax error": get("SELEC nothing"),
    "syntax error, browser": get("SELEC nothing", Accept=BROWSER),
    "empty query": get(""),
    "query twice": get(ASK, "&query=" + quote(ASK)),
    "update": get("INSERT DATA { <a:b> <a:c> <a:d> }"),
    "service": get("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"),
    "unknown from": get("SELECT * FROM <http://example.org/none> { ?s ?p ?o }"),
    "not acceptable": get(SELECT, Accept="image/png"),
    "bad timeout": get(ASK, "&timeout=soon"),
    "zero timeout": get(ASK, "&timeout=0"),
    "bad graph parameter": get(SELECT, "&default-graph-uri=not%20an%20iri"),
    "too many rows": get(ALL),
    "too many rows, post": post(ALL, SPARQL),
    "bad host": get(ASK, Host="a..b"),
    "long host label": get(ASK, Host="x" * 70 + ".org"),
    "latin-1": post(ASK, SPARQL + "; charset=latin-1"),
    "no content type": post(ASK, ""),
    "json body": post("{}", "application/json"),
    "form update": post("update=" + quote("CLEAR ALL"), FORM),
    "form without query": post("format=turtle", FORM, Accept="text/turtle"),
    "query in url and body": post(ASK, SPARQL, "/sparql?query=" + quote(ASK)),
    "no query": {"method": "GET", "path": "/sparql", "headers": {"Accept": "text/turtle"}},
    "browser, no query": {"method": "GET", "path": "/sparql", "headers": {"Accept": BROWSER}},
    "head": {"method": "HEAD", "path": f"/sparql?query={quote(ASK)}", "headers": {}},
    "options": {"method": "OPTIONS", "path": "/sparql", "headers": {"Origin": "http://x.org"}},
    "star condition": get(ASK, **{"If-None-Match": "*"}),
}


def answer(app: Flask, spec: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    spec = dict(spec)
    response = app.test_client().open(spec.pop("path"), **spec)
    headers = {name.lower(): value for name, value in response.headers.items()}
    return response.status_code, headers, response.get_data()


@pytest.mark.parametrize("name", sorted(ANSWERED))
def test_the_fast_path_answers_as_the_app_would(apps: Any, name: str) -> None:
    fast, plain, dispatched = apps
    dispatched.clear()
    status, headers, body = answer(fast, ANSWERED[name])
    assert dispatched == [], "the fast path did not take this request"
    assert status == 200, body
    assert (status, headers, body) == answer(plain, ANSWERED[name])


@pytest.mark.parametrize("name", sorted(LEFT_TO_THE_APP))
def test_what_the_fast_path_leaves_is_answered_by_the_app(apps: Any, name: str) -> None:
    fast, plain, dispatched = apps
    dispatched.clear()
    found = answer(fast, LEFT_TO_THE_APP[name])
    assert len(dispatched) == 1, "the app did not answer this request"
    assert found == answer(plain, LEFT_TO_THE_APP[name])


def test_an_error_met_in_the_engine_is_answered_once(apps: Any) -> None:
    """The engine's own error (too many rows) is rendered by the app, not run again."""
    fast, _plain, dispatched = apps
    dispatched.clear()
    status, headers, body = answer(fast, get(ALL))
    assert status >= 400 and headers["content-type"] == "application/problem+json"
    assert b"more than 5 rows" in body
    assert len(dispatched) == 1


def test_a_current_copy_gets_304_from_either_path(apps: Any) -> None:
    fast, plain, _dispatched = apps
    status, headers, _body = answer(fast, get(SELECT))
    assert status == 200 and headers["etag"].startswith('W/"')
    conditional = get(SELECT, **{"If-None-Match": headers["etag"]})
    found = answer(fast, conditional)
    assert found[0] == 304
    assert found == answer(plain, conditional)


def test_an_answered_request_leaves_nothing_for_the_garbage_collector(apps: Any) -> None:
    """The fast path makes no reference cycle (werkzeug puts a request in its environ
    unless told not to): under load each one kept the environ, and everything the server
    put in it, alive until the next collection."""
    fast, _plain, dispatched = apps
    statuses: list[str] = []

    def ask(number: int) -> None:
        # Called as a WSGI server calls it: werkzeug's test client makes cycles of its own.
        # In turns: a query POSTed as it is, by GET, in a form (werkzeug's request is then
        # made for the URL's parameters or the form).
        text = f"{ASK} #{number}"
        builder = [
            EnvironBuilder("/sparql", method="POST", data=text, content_type=SPARQL),
            EnvironBuilder("/sparql", method="GET", query_string={"query": text}),
            EnvironBuilder("/sparql", method="POST", data={"query": text}),
        ][number % 3]
        environ = builder.get_environ()
        b"".join(fast.wsgi_app(environ, lambda status, headers, *_: statuses.append(status)))

    ask(0)  # warm: caches filled once
    gc.collect()
    gc.disable()
    try:
        dispatched.clear()
        for number in range(1, 21):
            ask(number)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = [type(found).__name__ for found in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert statuses == ["200 OK"] * 21 and dispatched == []
    assert left == [], left
