"""The query page (/) and the picture of the whole graph (/graph)."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
CHAIRS = """PREFIX kgo: <https://w3id.org/d4sme-kg/ontology#>
SELECT ?session ?chair WHERE { ?session kgo:chairedBy ?chair }"""
SECTION = r'<details class="query-group" id="queries-([a-z]+)">\s*<summary>([^<]*)<(.*?)</details>'


def test_query_page_lists_the_named_queries(client: FlaskClient) -> None:
    text = client.get("/", headers=BROWSER).get_data(as_text=True)
    assert "<textarea" in text and "# title: Who attended the roundtable" in text
    assert 'href="/queries/session-chairs?lang=en"' in text
    assert 'href="/?example=session-chairs&amp;lang=en"' in text
    # Works with no network: every script and style is our own, served from /static/.
    assert "cdn" not in text.lower()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', text)
    assert sources and all(src.startswith("/static/") for src in sources), sources


def test_main_questions_come_before_the_checks_and_linking_queries(client: FlaskClient) -> None:
    for lang, checks, linking in (
        ("en", "Data checks", "Linking and reconciliation"),
        ("ko", "데이터 점검", "연결과 대조"),
    ):
        text = client.get("/", query_string={"lang": lang}, headers=BROWSER).get_data(as_text=True)
        aside = text[text.index('<aside class="examples">') : text.index("</aside>")]
        main = aside[aside.index('<ul class="main-queries">') : aside.index("</ul>")]
        assert f'href="/queries/attendees?lang={lang}"' in main
        assert "/queries/checks/" not in main and "/queries/linking/" not in main
        sections = re.findall(SECTION, aside, re.S)
        assert [(folder, title.strip()) for folder, title, _ in sections] == [
            ("checks", checks),
            ("linking", linking),
        ]
        assert aside.index("</ul>") < aside.index("<details")  # the main list first
        for folder, _, body in sections:
            names = re.findall(r'href="/queries/([^"?]+)\?', body)
            assert names and all(name.startswith(folder + "/") for name in names)
        assert "<details open" not in aside  # collapsed


def test_example_is_loaded_into_the_form(client: FlaskClient) -> None:
    text = client.get("/?example=ethics-timeline", headers=BROWSER).get_data(as_text=True)
    assert "# title: Timeline of Kakao&#39;s ethics principles" in text


def test_results_as_a_table_with_links_and_labels(client: FlaskClient) -> None:
    response = client.get("/", query_string={"query": CHAIRS}, headers=BROWSER)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<a href="/id/park-young-sun?lang=en"' in text and ">Park Young-sun</a>" in text
    korean = client.get("/", query_string={"query": CHAIRS, "lang": "ko"}).get_data(as_text=True)
    assert ">박영선</a>" in korean and ">제2세션: SME를 위한 AI</a>" in korean


def test_the_url_keeps_the_query_and_downloads_are_offered(client: FlaskClient) -> None:
    text = client.get("/", query_string={"query": CHAIRS}).get_data(as_text=True)
    assert "Link to this result" in text
    for fmt in ("json", "xml", "csv", "tsv"):
        assert f"format={fmt}" in text
    assert "/sparql?query=PREFIX" in text


def test_construct_results_are_triples(client: FlaskClient) -> None:
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
    text = client.get("/", query_string={"query": query}).get_data(as_text=True)
    assert "<th>subject</th>" in text and "format=turtle" in text


def test_other_formats_go_to_the_endpoint(client: FlaskClient) -> None:
    response = client.get("/", query_string={"query": CHAIRS, "format": "csv"})
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/sparql" and parse_qs(target.query)["format"] == ["csv"]


def test_errors_are_clear(client: FlaskClient) -> None:
    response = client.get("/", query_string={"query": "SELECT * WHERE {"}, headers=BROWSER)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert 'class="error"' in text and "SELECT * WHERE {" in text
    detail = text[text.index('<pre class="detail">') :]
    detail = detail[len('<pre class="detail">') : detail.index("</pre>")]
    assert detail.startswith("error at 1:17: expected one of ") and detail.endswith(", …")
    assert "u{" not in detail and detail.count(", ") == 8  # eight alternatives, then "…"
    forbidden = client.get("/", query_string={"query": "SELECT * WHERE { SERVICE <http://x/> {} }"})
    assert forbidden.status_code == 403 and "allowlist" in forbidden.get_data(as_text=True)


def test_ask(client: FlaskClient) -> None:
    text = client.get("/", query_string={"query": "ASK { ?s ?p ?o }"}).get_data(as_text=True)
    assert "ASK: <strong>yes</strong>" in text


def test_query_page_is_fast(client: FlaskClient) -> None:
    client.get("/", query_string={"query": CHAIRS})
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        client.get("/", query_string={"query": CHAIRS})
        timings.append(time.perf_counter() - started)
    assert sorted(timings)[2] < 0.1


def test_whole_graph_picture(client: FlaskClient) -> None:
    text = client.get("/graph", headers=BROWSER).get_data(as_text=True)
    # One picture (the legend's swatches are little SVGs of their own).
    assert text.count("<svg") == text.count("<i><svg") + 1
    assert text.count('class="graph article-graph"') == 1
    assert "Organisations" in text
    assert '<a href="/id/kakao?lang=en"><title>Kakao</title>' in text
    assert '<a href="/id/park-young-sun?lang=en">' in text
    svg = client.get("/graph.svg")
    assert svg.mimetype == "image/svg+xml" and svg.data.startswith(b"<svg")
    assert client.get("/graph.svg").data == svg.data  # deterministic
    assert "행사" in client.get("/graph?lang=ko").get_data(as_text=True)


def test_language_switch(client: FlaskClient) -> None:
    text = client.get("/id/kakao?lang=en", headers=BROWSER).get_data(as_text=True)
    assert 'href="/id/kakao?lang=ko" hreflang="ko"' in text
