"""The pages are safe to show whatever the data and the request hold.

Links go only to web addresses (an IRI <javascript:…> is text), every answer says what
a browser may do with it (Content-Security-Policy and the other headers), and a
request the pages cannot answer (a slug that is no IRI's, a Host that is no host
name) gets a 4xx that says why, never a 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from d4sme_kg.web import create_app
from d4sme_kg.web.security import PAGE_POLICY

from ..servers import http

HTML = {"Accept": "text/html"}
KG = "https://w3id.org/d4sme-kg/id/"
KGO = "https://w3id.org/d4sme-kg/ontology#"
#: Where a link on our pages may go: our own pages, or a web address.
SAFE_TARGETS = ("/", "#", "http://", "https://")
EVIL_DATA = f"""
@prefix kg: <{KG}> .
@prefix kgo: <{KGO}> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

kg:evil a <javascript:alert(1)>, kgo:Organization ;
    rdfs:label "Evil"@en ;
    <javascript:alert(2)> <javascript:alert(3)> ;
    kgo:basedIn kg:good, <data:text/html,alert(4)> ;
    rdfs:seeAlso "javascript:alert(5)", <javascript:alert(6)>, <https://example.org/fine> .
<javascript:alert(7)> kgo:mentions kg:evil .
kg:good rdfs:label "Good"@en ; kgo:partOf kg:evil .
kgo:Organization a owl:Class ; rdfs:label "Organisation"@en ;
    rdfs:subClassOf <javascript:alert(8)> .
kgo:basedIn a owl:ObjectProperty ; rdfs:label "based in"@en ;
    rdfs:domain <javascript:alert(9)> ; rdfs:range kgo:Organization .
"""


class Links(HTMLParser):
    """Every href of a page (in its HTML and in its inline SVG), and what a CSP forbids."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "xlink:href", "src", "action") and value is not None:
                self.hrefs.append(value)
            if name == "style" or name.startswith("on"):
                self.inline.append(f"<{tag} {name}={value!r}>")
        if tag == "style" or (tag == "script" and not dict(attrs).get("src")):
            self.inline.append(f"<{tag}>")


def links(text: str) -> Links:
    parser = Links()
    parser.feed(text)
    parser.close()
    return parser


def assert_only_safe_links(text: str) -> None:
    found = links(text).hrefs
    assert found
    unsafe = [href for href in found if not href.lower().startswith(SAFE_TARGETS)]
    assert not unsafe


# -- links -------------------------------------------------------------------------------


def test_select_results_link_only_web_addresses(client: FlaskClient) -> None:
    query = (
        'SELECT (IRI("javascript:alert(1)") AS ?x) (IRI("data:text/html,x") AS ?y) '
        "(<https://example.org/fine> AS ?z) {}"
    )
    response = client.get("/", query_string={"query": query}, headers=HTML)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert_only_safe_links(text)
    # Shown all the same, as text with the IRI for a title.
    assert '<span title="javascript:alert(1)">javascript:alert(1)</span>' in text
    assert '<span title="data:text/html,x">' in text
    assert '<a href="https://example.org/fine"' in text


def test_construct_results_link_only_web_addresses(client: FlaskClient) -> None:
    query = "CONSTRUCT { <javascript:alert(1)> <http://x/p> <javascript:alert(2)> } {}"
    response = client.get("/", query_string={"query": query}, headers=HTML)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<th>subject</th>" in text
    assert_only_safe_links(text)
    assert '<span title="javascript:alert(2)">javascript:alert(2)</span>' in text
    assert '<a href="http://x/p"' in text


@pytest.fixture(scope="module")
def evil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """An app serving data full of IRIs that are no web addresses."""
    data = Path(tmp_path_factory.mktemp("evil")) / "evil.ttl"
    data.write_text(EVIL_DATA, encoding="utf-8")
    app = create_app({"WORKERS": 1, "VALIDATE": False, "DATA_FILES": [str(data)]})
    yield app.test_client()
    app.extensions["d4sme_kg"].backend.close()


def test_entity_pages_link_only_web_addresses(evil: FlaskClient) -> None:
    response = evil.get("/id/evil", headers=HTML)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<h1>Evil</h1>" in text
    assert_only_safe_links(text)
    for number in (1, 2, 3, 5, 6, 7):  # type, property, value, see-also, incoming subject
        assert f"javascript:alert({number})" in text
    assert 'href="https://example.org/fine"' in text and 'href="/id/good?lang=en"' in text
    neighbour = evil.get("/id/good", headers=HTML).get_data(as_text=True)
    assert_only_safe_links(neighbour)


def test_the_ontology_and_graph_pages_link_only_web_addresses(evil: FlaskClient) -> None:
    text = evil.get("/ontology", headers=HTML).get_data(as_text=True)
    assert 'id="Organization"' in text and "javascript:alert(8)" in text
    assert_only_safe_links(text)
    assert_only_safe_links(evil.get("/graph", headers=HTML).get_data(as_text=True))


# -- headers ----------------------------------------------------------------------------

PAGES = ("/", "/id/kakao", "/ontology", "/graph", "/queries", "/queries/attendees", "/id/nope")


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_no_inline_script_or_style(client: FlaskClient, path: str) -> None:
    # What makes the strict policy possible: it would block any of these.
    text = client.get(path, headers=HTML).get_data(as_text=True)
    assert links(text).inline == []


@pytest.mark.parametrize("path", (*PAGES, "/graph.svg", "/nowhere"))
def test_documents_get_a_strict_content_security_policy(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers=HTML)
    assert response.mimetype in ("text/html", "image/svg+xml")
    headers = response.headers
    assert headers["Content-Security-Policy"] == PAGE_POLICY
    assert "'unsafe-inline'" not in PAGE_POLICY and "frame-ancestors 'none'" in PAGE_POLICY
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_every_answer_is_nosniff_and_cors_stays_open(client: FlaskClient) -> None:
    answer = client.get("/sparql", query_string={"query": "ASK {}"})
    assert answer.status_code == 200 and answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in answer.headers  # data, not a document
    preflight = client.options("/sparql", headers={"Origin": "https://example.org"})
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["X-Content-Type-Options"] == "nosniff"
    script = client.get("/static/editor.js")
    # nosniff runs a script only when it is served as one.
    assert script.mimetype == "text/javascript"
    assert script.headers["X-Content-Type-Options"] == "nosniff"
    script.close()


def test_the_reconciliation_preview_may_be_framed(client: FlaskClient) -> None:
    # OpenRefine shows it in a frame of its own page; it runs no script.
    response = client.get("/reconcile/preview", query_string={"id": KG + "paris"})
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors" not in policy and "default-src 'none'" in policy
    assert "script-src" not in policy and "X-Frame-Options" not in response.headers


def test_a_real_server_sends_them(server: str) -> None:
    page = http("GET", f"{server}/id/kakao", headers=HTML)
    assert page.status == 200
    assert page.headers["content-security-policy"] == PAGE_POLICY
    assert page.headers["x-frame-options"] == "DENY"
    answer = http("GET", f"{server}/sparql?query=ASK%7B%7D")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["access-control-allow-origin"] == "*"


# -- requests the pages cannot answer ----------------------------------------------------

NOT_IRIS = {
    "%20": "U+0020 SPACE",
    "a%7Bb": "'{' (U+007B LEFT CURLY BRACKET)",
    "..%5c..": "'\\' (U+005C REVERSE SOLIDUS)",
    "%00": "the control character U+0000",
    "a%3Cb": "'<' (U+003C LESS-THAN SIGN)",
    "%22": "'\"' (U+0022 QUOTATION MARK)",
    "kakao%0d%0a": "the control character U+000D",
    "%25zz": "percent-encoded byte",
    "a%ffb": "U+FFFD REPLACEMENT CHARACTER",  # not UTF-8
}


@pytest.mark.parametrize("slug", NOT_IRIS)
@pytest.mark.parametrize("suffix", ["", ".ttl", ".jsonld"])
def test_a_slug_no_iri_can_end_with_is_404_and_says_why(
    client: FlaskClient, slug: str, suffix: str
) -> None:
    problem = client.get(f"/id/{slug}{suffix}", headers={"Accept": "application/json"})
    assert problem.status_code == 404 and problem.mimetype == "application/problem+json"
    detail = problem.get_json()["detail"]
    assert NOT_IRIS[slug] in detail and detail.startswith("there is no entity " + KG)
    assert "\r" not in detail and "\x00" not in detail
    page = client.get(f"/id/{slug}{suffix}", headers=HTML)
    assert page.status_code == 404 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "No entity can have this address" in text and "\x00" not in text


def test_a_long_slug_is_404_and_not_repeated_whole(client: FlaskClient) -> None:
    problem = client.get("/id/" + "a" * 20_000, headers={"Accept": "application/json"})
    assert problem.status_code == 404
    assert len(problem.get_json()["detail"]) < 1000


def test_bad_slugs_on_a_real_server(server: str) -> None:
    for slug in ("%20", "a%7Bb", "..%5c..", "%00", "%0d%0a"):
        reply = http("GET", f"{server}/id/{slug}", headers={"Accept": "application/json"})
        assert reply.status == 404, slug
        assert "an IRI cannot hold" in reply.json()["detail"]


LONG_HOST = "a" * 5000 + ".example"
HOST_PATHS = ("/", "/id/kakao", "/id/kakao.ttl", "/sparql", "/ontology", "/graph", "/queries")


@pytest.mark.parametrize("path", HOST_PATHS)
def test_a_host_label_past_63_characters_is_a_400_problem(client: FlaskClient, path: str) -> None:
    # Flask could build no URL for such a request: the error page itself used to fail.
    page = client.get(path, headers={**HTML, "Host": LONG_HOST})
    assert page.status_code == 400 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "Bad Host header" in text and "at most 63 characters" in text
    assert 'href="/ontology?lang=en"' in text  # the links, relative
    assert page.headers["Content-Security-Policy"] == PAGE_POLICY
    problem = client.get(path, headers={"Accept": "application/json", "Host": LONG_HOST})
    assert problem.status_code == 400 and problem.mimetype == "application/problem+json"
    document = problem.get_json()
    assert document["title"] == "Bad Host header" and document["type"].endswith("/bad-host")
    assert "a label of 5000" in document["detail"] and len(document["detail"]) < 300


def test_an_empty_host_label_is_a_400_problem(client: FlaskClient) -> None:
    problem = client.get("/id/kakao", headers={"Accept": "application/json", "Host": "a..b"})
    assert problem.status_code == 400
    assert "empty label" in problem.get_json()["detail"]


def test_a_bad_host_on_a_real_server(server: str) -> None:
    for path in ("/", "/id/kakao", "/sparql"):
        page = http("GET", server + path, headers={**HTML, "Host": LONG_HOST})
        assert page.status == 400 and "at most 63 characters" in page.text, path
        problem = http("GET", server + path, headers={"Host": LONG_HOST})
        assert problem.status == 400 and problem.json()["title"] == "Bad Host header"
