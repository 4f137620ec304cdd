"""A page on another site, in Chromium, using our server with fetch().

The page is served by a second small HTTP server on another loopback port: another
origin, so Chromium applies CORS to every request it makes to ours, preflights
included (a JSON or ``application/sparql-query`` body, an ``Authorization`` header).
Reads must reach the page; a write must never leave the browser. What the page reads
is compared with the same request made outside a browser (urllib).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlencode

import pytest

from ..servers import ServerURL, d4sme_server, http, loopback_http
from .browser import required

_, sync_api = required()

pytestmark = pytest.mark.browser

TIMEOUT = 10_000  # ms
HANGUL = re.compile("[\uac00-\ud7a3]")
TOKEN = "cross-origin-token-7Qx"
KG = "https://w3id.org/d4sme-kg/id/"
PREFIXES = (
    "PREFIX kg: <https://w3id.org/d4sme-kg/id/>\n"
    "PREFIX kgo: <https://w3id.org/d4sme-kg/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
)
SELECT = PREFIXES + (
    "SELECT ?org ?label WHERE { ?org a kgo:Organization ; rdfs:label ?label "
    'FILTER(LANG(?label) = "ko") } ORDER BY ?org ?label'
)
# What another site's page would have: plain fetch(), no library.
PAGE = """<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Another site</title>
<script>
async function send(url, init) {
  try {
    const response = await fetch(url, init);
    return {
      status: response.status,
      type: response.headers.get("Content-Type"),
      body: await response.text(),
    };
  } catch (error) {
    return {error: String(error)};
  }
}
function sparql(endpoint, query, asForm) {
  const accept = {"Accept": "application/sparql-results+json"};
  if (asForm) {
    return send(endpoint, {method: "POST", headers: accept, body: new URLSearchParams({query})});
  }
  return send(endpoint, {
    method: "POST",
    headers: {...accept, "Content-Type": "application/sparql-query"},
    body: query,
  });
}
function reconcileJson(url, batch, language) {
  return send(url, {
    method: "POST",
    headers: {"Content-Type": "application/json", "Accept-Language": language},
    body: JSON.stringify(batch),
  });
}
function reconcileForm(url, queries) {
  return send(url, {
    method: "POST",
    body: new URLSearchParams({queries: JSON.stringify(queries)}),
  });
}
function updateWithToken(endpoint, text, token) {
  return send(endpoint, {
    method: "POST",
    headers: {"Content-Type": "application/sparql-update", "Authorization": "Bearer " + token},
    body: text,
  });
}
function updateAsForm(endpoint, text) {
  return send(endpoint, {method: "POST", body: new URLSearchParams({update: text})});
}
</script>
<p>A page on another origin.</p>
</html>
"""


@pytest.fixture(scope="module")
def base() -> Iterator[ServerURL]:
    """Our server, with writes on: a refused write must be the browser's doing."""
    env = {"D4SME_KG_UPDATE_TOKEN": TOKEN}
    with d4sme_server(["--workers", "1", "--timeout", "10"], env=env) as url:
        yield url


@pytest.fixture(scope="module")
def other_origin() -> Iterator[str]:
    """The page above, served from another port of 127.0.0.1: another origin."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = PAGE.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with loopback_http(Page) as url:
        yield url


@pytest.fixture
def page(browser: sync_api.Browser, other_origin: str, base: str) -> Iterator[sync_api.Page]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    try:
        page.goto(other_origin + "/")
        origin = page.evaluate("location.origin")
        assert origin == other_origin and origin != base
        yield page
    finally:
        context.close()


def call(page: sync_api.Page, function: str, *args: object) -> dict[str, Any]:
    """Call one of the page's functions with ``args``; what it read, or its error."""
    result: dict[str, Any] = page.evaluate(f"(args) => {function}(...args)", list(args))
    return result


@pytest.mark.parametrize("as_form", [False, True], ids=["sparql-query", "form"])
def test_a_page_on_another_origin_posts_a_query(
    page: sync_api.Page, base: str, as_form: bool
) -> None:
    read = call(page, "sparql", f"{base}/sparql", SELECT, as_form)
    assert "error" not in read, read
    assert read["status"] == 200
    assert read["type"].startswith("application/sparql-results+json")
    expected = http(
        "POST",
        f"{base}/sparql",
        SELECT,
        {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    assert expected.status == 200 and expected.json()["results"]["bindings"]
    assert json.loads(read["body"]) == expected.json()


def test_a_page_on_another_origin_posts_a_json_reconciliation_batch(
    page: sync_api.Page, base: str
) -> None:
    # The 1.0 draft's batch: a JSON body, so Chromium sends a preflight first.
    organisation = "https://w3id.org/d4sme-kg/ontology#Organization"
    batch = {
        "queries": [
            {"conditions": [{"matchType": "name", "propertyValue": "카카오"}]},
            {
                "conditions": [{"matchType": "name", "propertyValue": "Kakao"}],
                "type": organisation,
            },
            {"conditions": [{"matchType": "name", "propertyValue": "nothing is called this"}]},
        ]
    }
    read = call(page, "reconcileJson", f"{base}/reconcile/match", batch, "ko")
    assert "error" not in read, read
    assert read["status"] == 200 and read["type"].startswith("application/json")
    answer = json.loads(read["body"])
    expected = http(
        "POST",
        f"{base}/reconcile/match",
        json.dumps(batch),
        {"Content-Type": "application/json", "Accept-Language": "ko"},
    )
    assert expected.status == 200
    assert answer == expected.json()
    candidates = [result["candidates"] for result in answer["results"]]
    assert len(candidates) == 3
    assert candidates[0] and candidates[1], "the first two name an organisation"
    assert has_label(base, candidates[0][0]["id"], "카카오")
    assert all(HANGUL.search(c["name"]) for c in candidates[1]), "names in Korean, as asked"


def test_a_page_on_another_origin_posts_an_openrefine_batch(page: sync_api.Page, base: str) -> None:
    # What OpenRefine sends (0.2): a form with queries=JSON, a request without preflight.
    queries = {"q0": {"query": "카카오"}, "q1": {"query": "Kakao", "limit": 2}}
    read = call(page, "reconcileForm", f"{base}/reconcile", queries)
    assert "error" not in read, read
    assert read["status"] == 200
    answer = json.loads(read["body"])
    expected = http(
        "POST",
        f"{base}/reconcile",
        urlencode({"queries": json.dumps(queries)}),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer == expected.json()
    assert set(answer) == {"q0", "q1"}
    top = answer["q0"]["result"][0]["id"]
    assert has_label(base, top, "카카오")
    assert 1 <= len(answer["q1"]["result"]) <= 2


def test_a_page_on_another_origin_cannot_write(page: sync_api.Page, base: ServerURL) -> None:
    label = "written from another origin"
    text = PREFIXES + (
        "INSERT DATA { GRAPH <https://w3id.org/d4sme-kg/graph/data> "
        f'{{ kg:kakao skos:altLabel "{label}"@en }} }}'
    )
    written = PREFIXES + f'ASK {{ kg:kakao skos:altLabel "{label}"@en }}'

    # With the token: the preflight gets no CORS headers, so the POST is never sent.
    refused = call(page, "updateWithToken", f"{base}/update", text, TOKEN)
    assert "error" in refused and "Failed to fetch" in refused["error"], refused
    # A form (no preflight) is sent; without the token it is refused, unread by the page.
    unread = call(page, "updateAsForm", f"{base}/update", text)
    assert "error" in unread, unread
    assert not ask(base, written)
    # What reached the server: the preflight it gave no CORS headers, and the form.
    assert requests_to(base, "/update", until="POST /update 401") == [
        "OPTIONS /update 200",
        "POST /update 401",
    ]

    # The same write from outside a browser, with the token, is taken.
    reply = http(
        "POST",
        f"{base}/update",
        text,
        {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    assert reply.status == 200, reply.text
    assert ask(base, written)


def requests_to(base: ServerURL, path: str, until: str) -> list[str]:
    """``METHOD PATH STATUS`` of each request to ``path`` in the access log, once ``until``."""
    deadline = time.monotonic() + 10
    while True:
        seen = [
            " ".join(line.split("d4sme_kg.access ", 1)[1].split()[:3])
            for line in list(base.log)
            if "d4sme_kg.access " in line and f" {path} " in line
        ]
        if until in seen or time.monotonic() > deadline:
            return seen
        time.sleep(0.05)


def ask(base: str, query: str) -> bool:
    reply = http("GET", f"{base}/sparql?{urlencode({'query': query})}")
    assert reply.status == 200, reply.text
    return bool(reply.json()["boolean"])


def has_label(base: str, iri: str, label: str) -> bool:
    return ask(base, PREFIXES + f'ASK {{ <{iri}> rdfs:label|skos:prefLabel "{label}"@ko }}')
