"""Entity pages (/id/{slug}) and /ontology: HTML for people, RDF by negotiation."""

from __future__ import annotations

import re
import time
from typing import Any

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS

from d4sme_kg.loading import KnowledgeGraph
from d4sme_kg.web.entities import entity_view
from d4sme_kg.web.rendering import Namespaces

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
KG = "https://w3id.org/d4sme-kg/id/"


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url, headers=BROWSER)
    assert response.status_code == 200 and response.mimetype == "text/html", url
    return response.get_data(as_text=True)


def test_html_for_a_browser(client: FlaskClient) -> None:
    response = client.get("/id/kakao", headers=BROWSER)
    assert response.mimetype == "text/html" and "Accept" in response.vary
    text = response.get_data(as_text=True)
    assert "<h1>Kakao</h1>" in text and "카카오" in text  # both labels
    assert "South Korea" in text and 'href="/id/south-korea?lang=en"' in text
    assert "based in" in text.lower() or "basedIn" in text
    assert "Links to this entity" in text and "Biz Message" in text  # incoming
    assert "<svg" in text and 'href="/id/south-korea?lang=en"' in text


def test_korean_page(client: FlaskClient) -> None:
    text = page(client, "/id/kakao?lang=ko")
    assert "<h1>카카오</h1>" in text and 'lang="ko"' in text
    assert "이 개체를 가리키는 링크" in text and "대한민국" in text


def test_every_fact_shows_its_korean_quote_and_translation(client: FlaskClient) -> None:
    text = page(client, "/id/biz-message")
    assert "카카오는 이들에게 “비즈메시지(Biz Message)”라는 이름의" in text
    assert "Kakao offers them a digital business communication solution" in text
    assert "Stated" in text
    inferred = page(client, "/id/d4sme-roundtable-2019-s1-kakao")
    assert "Inferred" in inferred


def test_wikidata_and_oecd_links(client: FlaskClient) -> None:
    text = page(client, "/id/park-young-sun")
    assert 'href="https://www.wikidata.org/wiki/Q11521597"' in text
    korea = page(client, "/id/south-korea")
    assert "https://sws.geonames.org/1835841/" in korea and "KOR" in korea
    assert 'href="https://www.oecd.org/digital/sme/"' in page(client, "/id/d4sme")


def test_property_labels_come_from_the_ontology(client: FlaskClient) -> None:
    english = page(client, "/id/d4sme-roundtable-2019-s2")
    korean = page(client, "/id/d4sme-roundtable-2019-s2?lang=ko")
    assert "chaired by" in english.lower() and "Park Young-sun" in english
    assert "박영선" in korean
    assert 'href="/ontology?lang=en#chairedBy"' in english


def test_standard_terms_show_in_korean(client: FlaskClient) -> None:
    """schema.org terms take their Korean labels from ontology/imports/standard-terms.ttl."""
    korean = page(client, "/id/kakao?lang=ko")
    for word in (
        "발표자",
        "참석자",
        "발행자",
        "제공자",
    ):  # performer, attendee, publisher, provider
        assert f">{word}</a>" in korean, word
    assert 'title="https://schema.org/Corporation">기업</a>' in korean
    for english in ("performer", "attendee", "publisher", "provider", "Corporation"):
        assert f">{english}</a>" not in korean, english
    english = page(client, "/id/kakao")
    assert (
        ">performer</a>" in english
        and 'title="https://schema.org/Corporation">Corporation<' in english
    )


def _label_tags(text: str) -> list[str]:
    table = text[text.index('<table class="labels">') :]
    table = table[: table.index("</table>")]
    return re.findall(r'<td lang="([^"]*)">', table)


def test_label_rows_come_in_a_fixed_order(client: FlaskClient) -> None:
    """Korean first, then English, then the other tags (here ko-Latn), on every run."""
    for url in ("/id/kim-su-won", "/id/kim-su-won?lang=ko"):
        assert [t.lower() for t in _label_tags(page(client, url))] == ["ko", "en", "ko-latn"], url
    assert _label_tags(page(client, "/id/kakao")) == ["ko", "en"]


def test_label_order_does_not_depend_on_the_rows_order(app: Flask) -> None:
    rows = [
        ("skos:altLabel", "Gim Su-won", "ko-Latn"),
        ("rdfs:label", "Kim Su-won", "en"),
        ("skos:altLabel", "Kimu", "de"),
        ("rdfs:label", "김수원", "ko"),
        ("skos:altLabel", "수원", "ko"),
    ]
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    alt = "http://www.w3.org/2004/02/skos/core#altLabel"
    expected = [
        ("rdfs:label", "김수원", "ko"),
        ("skos:altLabel", "수원", "ko"),
        ("rdfs:label", "Kim Su-won", "en"),
        ("skos:altLabel", "Kimu", "de"),
        ("skos:altLabel", "Gim Su-won", "ko-Latn"),
    ]
    with app.test_request_context("/id/kim-su-won"):
        ns = Namespaces.current()
        for shuffle in (rows, rows[::-1], rows[2:] + rows[:2]):
            outgoing = [
                {
                    "p": {"type": "uri", "value": label if p == "rdfs:label" else alt},
                    "o": {"type": "literal", "value": v, "xml:lang": lg},
                }
                for p, v, lg in shuffle
            ]
            view = entity_view(KG + "kim-su-won", outgoing, [], {}, ns, "en")
            assert [(r["property"], r["value"], r["lang"]) for r in view["labels"]] == expected


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        ("text/turtle", "text/turtle", ox.RdfFormat.TURTLE),
        ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_rdf_by_content_negotiation(
    client: FlaskClient, accept: str, media: str, fmt: ox.RdfFormat
) -> None:
    response = client.get("/id/kakao", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == media
    assert "Accept" in response.vary
    triples = [q.triple for q in ox.parse(response.data, format=fmt)]
    subjects = {t.subject for t in triples}
    assert ox.NamedNode(KG + "kakao") in subjects
    assert (
        ox.Triple(
            ox.NamedNode(KG + "kakao"),
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
            ox.Literal("카카오", language="ko"),
        )
        in triples
    )


@pytest.mark.parametrize(
    ("suffix", "media", "parser"),
    [
        (".ttl", "text/turtle", "turtle"),
        (".jsonld", "application/ld+json", "json-ld"),
        (".nt", "application/n-triples", "nt"),
        (".rdf", "application/rdf+xml", "xml"),
        (".html", "text/html", None),
    ],
)
def test_rdf_by_suffix(
    client: FlaskClient, kg: KnowledgeGraph, suffix: str, media: str, parser: str | None
) -> None:
    response = client.get(f"/id/kakao{suffix}", headers=BROWSER)
    assert response.status_code == 200 and response.mimetype == media
    if parser is None:
        assert "<h1>Kakao</h1>" in response.get_data(as_text=True)
        return
    served = set(Graph().parse(data=response.data, format=parser))
    # Kakao's statements in every graph of the project, and those that point at Kakao
    # (blank nodes are labelled anew by each parse: left out).
    kakao = URIRef(KG + "kakao")
    union = kg.union()
    expected = {t for t in union.triples((kakao, None, None)) if not isinstance(t[2], BNode)}
    expected |= {t for t in union.triples((None, None, kakao)) if not isinstance(t[0], BNode)}
    assert (kakao, RDFS.label, Literal("카카오", lang="ko")) in expected
    assert not expected - served, "statements about Kakao missing from the answer"


def test_alternates_are_announced(client: FlaskClient) -> None:
    response = client.get("/id/kakao", headers=BROWSER)
    assert '</id/kakao.ttl>; rel="alternate"; type="text/turtle"' in response.headers["Link"]
    assert 'type="application/ld+json" href="/id/kakao.jsonld"' in response.get_data(as_text=True)


def test_unknown_slug_is_404_with_the_closest_slugs(client: FlaskClient) -> None:
    response = client.get("/id/kakao-maker", headers=BROWSER)
    assert response.status_code == 404
    assert 'href="/id/kakao-makers?lang=en"' in response.get_data(as_text=True)
    problem = client.get("/id/park-young-seon", headers={"Accept": "text/turtle"})
    assert problem.status_code == 404 and problem.mimetype == "application/problem+json"
    assert KG + "park-young-sun" in problem.get_json()["suggestions"]


def test_no_acceptable_format_is_406(client: FlaskClient) -> None:
    assert client.get("/id/kakao", headers={"Accept": "image/png"}).status_code == 406


def test_ontology_documentation(client: FlaskClient) -> None:
    text = page(client, "/ontology")
    assert 'id="Session"' in text and 'id="chairedBy"' in text and 'id="Inferred"' in text
    assert "세션" in text and "A numbered, topical part of an event" in text
    assert "schema:Event" in text and "swc:SessionEvent" in text  # alignments
    korean = page(client, "/ontology?lang=ko")
    assert "클래스" in korean and "객체 속성" in korean


def test_ontology_rdf(client: FlaskClient, kg: KnowledgeGraph) -> None:
    """Every RDF form of /ontology is the ontology the project's files hold."""
    ontology = kg.parts["ontology"]
    assert len(ontology) > 0
    response = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert response.mimetype == "text/turtle" and "Accept" in response.vary
    assert isomorphic(Graph().parse(data=response.data, format="turtle"), ontology)
    document = client.get("/ontology.jsonld")
    assert document.mimetype == "application/ld+json"
    assert isomorphic(Graph().parse(data=document.data, format="json-ld"), ontology)
    lines = client.get("/ontology.nt")
    assert lines.mimetype == "application/n-triples"
    assert isomorphic(Graph().parse(data=lines.data, format="nt"), ontology)


def test_entity_page_is_fast(client: FlaskClient) -> None:
    page(client, "/id/d4sme-roundtable-2019")  # warm the label cache
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        page(client, "/id/d4sme-roundtable-2019")
        timings.append(time.perf_counter() - started)
    assert sorted(timings)[2] < 0.1


# --- every source of a fact, the article's quote first (issue 16) -----------------------


def _fact_row(text: str, marker: str) -> str:
    """The facts-table row (<tr>…</tr>) whose value cell holds ``marker``."""
    table = text[text.index('<table class="facts">') :]
    for row in table.split("<tr>")[1:]:
        cells = row.split("<td>")
        if len(cells) > 2 and marker in cells[2]:
            return row[: row.index("</tr>")]
    raise AssertionError(f"no fact row with {marker!r}")


def test_a_confirmed_fact_shows_the_articles_quote_then_the_second_source(
    client: FlaskClient,
) -> None:
    row = _fact_row(page(client, "/id/d4sme-roundtable-2019"), "2019-11-29")
    quote, statement = (
        row.index("지난 11월 29일"),
        row.index("29 November 2019, at its headquarters"),
    )
    assert quote < statement  # the article (the primary source) first
    assert "Inferred" in row and "Also stated by" in row
    assert 'href="/id/oecd-d4sme-proceedings-2020?lang=en"' in row and "page 2" in row
    # the statement is ours, not a quote: no blockquote for it
    assert row.count("<blockquote") == 1


def test_a_fact_from_a_second_source_shows_that_source_and_no_quote(client: FlaskClient) -> None:
    row = _fact_row(page(client, "/id/kim-dae-won"), "Head of the policy team")
    assert "Second source" in row and 'href="/id/press-2020-04-17?lang=en"' in row
    assert "2020-04-17" in row and "at least two of the four reports" in row
    assert "<blockquote" not in row
    assert "Another source words this differently." in row
    korean = _fact_row(page(client, "/id/kim-dae-won?lang=ko"), "정책팀장")
    assert "2차 출처" in korean and "보도가 카카오 정책팀장으로 소개한 김대원" in korean
    article = _fact_row(page(client, "/id/kim-dae-won"), "Director, External Policy Team")
    assert (
        "대외정책팀 김대원 이사" in article and "Another source words this differently." in article
    )


def test_the_articles_hedge_is_shown(client: FlaskClient) -> None:
    row = _fact_row(page(client, "/id/d4sme-roundtable-2019"), "Digital for SMEs Initiative")
    assert "hedged: can be seen as" in row and "볼 수 있습니다" in row
    assert "formal launch of the D4SME Global Initiative" in row


def test_a_statement_as_a_value_shows_its_source(client: FlaskClient) -> None:
    text = page(client, "/id/instant-2019-11-29")
    row = _fact_row(text, "29 November 2019, at its headquarters")
    assert 'href="/id/oecd-d4sme-proceedings-2020?lang=en"' in row and "page 2" in row


def test_sources_come_in_a_fixed_order(app: Flask) -> None:
    """Article quotes first (by line), then what confirms them, then other sources."""
    mode = {"type": "uri", "value": "https://w3id.org/d4sme-kg/ontology#Stated"}
    base = {
        "p": {"type": "uri", "value": "https://schema.org/startDate"},
        "o": {"type": "literal", "value": "2019-11-29"},
    }

    def said(text: str, source: str, confirms: bool) -> dict[str, Any]:
        return {
            **base,
            "mode": mode,
            "statement": {"type": "literal", "value": text, "xml:lang": "en"},
            "statementSource": {"type": "uri", "value": KG + source},
            "confirms": {"type": "literal", "value": "true" if confirms else "false"},
        }

    def quoted(text: str, line: str) -> dict[str, Any]:
        return {
            **base,
            "mode": mode,
            "quote": {"type": "literal", "value": text},
            "line": {"type": "literal", "value": line},
        }

    rows = [
        said("Stated by the press.", "press", False),
        said("Confirmed by the OECD.", "oecd", True),
        quoted("둘째 행", "12"),
        quoted("첫째 행", "2"),
    ]
    with app.test_request_context("/id/d4sme-roundtable-2019"):
        ns = Namespaces.current()
        for shuffle in (rows, rows[::-1], rows[1:] + rows[:1]):
            view = entity_view(KG + "d4sme-roundtable-2019", shuffle, [], {}, ns, "en")
            [fact] = view["facts"]
            order = [s.get("quote") or s["statement"] for s in fact["sources"]]
            assert order == ["첫째 행", "둘째 행", "Confirmed by the OECD.", "Stated by the press."]
