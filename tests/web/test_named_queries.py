"""/queries and /queries/{name}: listing, every format, parameters bound as values, errors."""

from __future__ import annotations

import csv
import io
import json

import pytest
from flask.testing import FlaskClient

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_listing_is_json_for_programs(client: FlaskClient) -> None:
    response = client.get("/queries")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "Accept" in response.vary
    queries = {q["name"]: q for q in response.get_json()["queries"]}
    assert len(queries) >= 20
    chairs = queries["session-chairs"]
    assert chairs["title"]["ko"] == "세션별 좌장" and chairs["form"] == "SELECT"
    line = queries["quotes-on-line"]["parameters"][0]
    assert line == {
        "name": "line",
        "type": "integer",
        "default": "11",
        "description": "the line number (1 to 20)",
    }
    assert not any(name.startswith(("system/", "pages/")) for name in queries)


def test_listing_is_html_for_browsers(client: FlaskClient) -> None:
    page = client.get("/queries?lang=ko", headers=BROWSER)
    assert page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "세션별 좌장" in text and 'href="/queries/session-chairs?lang=ko"' in text
    assert "/?example=session-chairs" in text


# A SELECT query in every result format, a graph query in every graph format; each
# answer must hold a value the query finds.
FORMATS_OF_EACH_KIND = [
    ("session-chairs", {}, "json", "application/sparql-results+json", "Park Young-sun"),
    ("session-chairs", {}, "xml", "application/sparql-results+xml", "Park Young-sun"),
    ("session-chairs", {}, "csv", "text/csv", "Park Young-sun"),
    ("session-chairs", {}, "tsv", "text/tab-separated-values", "Park Young-sun"),
    ("session-chairs", {}, "html", "text/html", "Park Young-sun"),
    ("entity-description", {"entity": "kg:paris"}, "turtle", "text/turtle", "파리"),
    ("entity-description", {"entity": "kg:paris"}, "nt", "application/n-triples", "파리"),
    ("entity-description", {"entity": "kg:paris"}, "jsonld", "application/ld+json", "파리"),
    ("entity-description", {"entity": "kg:paris"}, "xml", "application/rdf+xml", "파리"),
    ("entity-description", {"entity": "kg:paris"}, "trig", "application/trig", "파리"),
]


@pytest.mark.parametrize(
    ("query", "parameters", "fmt", "media", "found"),
    FORMATS_OF_EACH_KIND,
    ids=[f"{query}-{fmt}" for query, _, fmt, _, _ in FORMATS_OF_EACH_KIND],
)
def test_a_query_in_every_format_of_its_kind(
    client: FlaskClient, query: str, parameters: dict[str, str], fmt: str, media: str, found: str
) -> None:
    response = client.get(f"/queries/{query}", query_string={**parameters, "format": fmt})
    assert response.status_code == 200 and response.mimetype == media
    assert found in response.get_data(as_text=True)


def test_result_format_by_accept(client: FlaskClient) -> None:
    response = client.get("/queries/sessions", headers={"Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["number"] for r in rows] == ["1", "2", "3", "4"]
    assert client.get("/queries/sessions").mimetype == "application/sparql-results+json"
    assert client.get("/queries/sessions", headers=BROWSER).mimetype == "text/html"
    assert client.get("/queries/sessions", headers={"Accept": "image/png"}).status_code == 406


def test_parameters_from_the_query_string(client: FlaskClient) -> None:
    body = client.get("/queries/quotes-on-line?line=9").get_json()
    rows = body["results"]["bindings"]
    assert rows and {r["line"]["value"] for r in rows} == {"9"}
    iri = "https://w3id.org/d4sme-kg/id/kakao-makers"
    body = client.get("/queries/claims", query_string={"subject": iri}).get_json()
    assert {r["subject"]["value"] for r in body["results"]["bindings"]} == {iri}


def test_a_value_is_never_pasted_into_the_text(client: FlaskClient) -> None:
    sneaky = '카카오") } UNION { ?entity ?p ?label } #'
    body = client.get("/queries/search", query_string={"text": sneaky}).get_json()
    assert body["results"]["bindings"] == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("quotes-on-line?line=abc", "parameter line must be a whole number"),
        ("events-on-date?date=yesterday", "parameter date must be a date written YYYY-MM-DD"),
        ("attendees?event=not-an-iri", "parameter event must be an absolute IRI"),
        ("attendees?colour=red", "unknown parameter(s) colour"),
        ("attendees?timeout=-1", "timeout must be more than 0 seconds"),
    ],
)
def test_a_bad_parameter_is_a_clear_400(client: FlaskClient, query: str, message: str) -> None:
    response = client.get(f"/queries/{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert message in response.get_json()["detail"]
    page = client.get(f"/queries/{query}", headers=BROWSER)
    assert page.status_code == 400 and message in page.get_data(as_text=True)


def test_unknown_query_is_404_with_suggestions(client: FlaskClient) -> None:
    response = client.get("/queries/session-chair")
    assert response.status_code == 404
    assert "session-chairs" in response.get_json()["detail"]


def test_query_text(client: FlaskClient) -> None:
    response = client.get("/queries/claims.rq")
    assert response.mimetype == "application/sparql-query"
    assert response.get_data(as_text=True).startswith("# title: Claims")


def test_html_page_of_a_query(client: FlaskClient) -> None:
    text = client.get("/queries/session-chairs?lang=ko", headers=BROWSER).get_data(as_text=True)
    assert "<h1>세션별 좌장</h1>" in text
    assert 'href="/id/park-young-sun?lang=ko"' in text  # IRIs link to entity pages
    assert "박영선" in text
    for fmt in ("json", "xml", "csv", "tsv"):
        assert f"/queries/session-chairs?format={fmt}" in text


def test_html_page_keeps_the_parameters(client: FlaskClient) -> None:
    text = client.get("/queries/quotes-on-line?line=20", headers=BROWSER).get_data(as_text=True)
    assert 'name="line" value="20"' in text and "글 | 김수원" in text
    assert "/queries/quotes-on-line?line=20&amp;format=csv" in text


def test_search_query_uses_lang_as_its_parameter(client: FlaskClient) -> None:
    body = client.get("/queries/search?text=makers&lang=en&format=json").get_json()
    assert body["results"]["bindings"][0]["label"]["value"] == "Kakao Makers"


def test_json_listing_is_valid_json_with_korean(client: FlaskClient) -> None:
    raw = client.get("/queries").get_data(as_text=True)
    assert "세션" in raw and json.loads(raw)
