"""HTTP caching of reads: ETag, Cache-Control and Vary; 304 for a current copy; writes
make every earlier tag stale."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest
from flask.testing import FlaskClient

from ..servers import d4sme_server, http
from .conftest import TOKEN

ASK = "ASK { ?s ?p ?o }"
SELECT = "SELECT ?s WHERE { ?s a ?type } LIMIT 3"
READS = [
    f"/sparql?{urlencode({'query': SELECT})}",
    "/sparql",  # the service description
    "/id/kakao",
    "/id/kakao.ttl",
    "/queries",
    "/queries/claims",
    "/export.nt",
]
JSON = {"Accept": "application/sparql-results+json"}


@pytest.mark.parametrize("path", READS)
def test_a_repeat_with_the_tag_is_answered_304(client: FlaskClient, path: str) -> None:
    first = client.get(path, headers={"Accept": "application/json, text/turtle;q=0.9"})
    assert first.status_code == 200, first.text
    tag = first.headers["ETag"]
    assert tag.startswith('W/"') and tag.endswith('"')
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get(
        path, headers={"Accept": "application/json, text/turtle;q=0.9", "If-None-Match": tag}
    )
    assert again.status_code == 304
    assert again.data == b""
    assert "Content-Type" not in again.headers
    # What a cache updates its copy from: the same validator, policy and variants.
    assert again.headers["ETag"] == tag
    assert again.headers["Cache-Control"] == "no-cache"
    assert again.headers.get("Vary") == first.headers.get("Vary")


def test_if_none_match_is_compared_weakly_and_may_be_a_list(client: FlaskClient) -> None:
    path = f"/sparql?{urlencode({'query': ASK})}"
    tag = client.get(path, headers=JSON).headers["ETag"]
    strong = tag.removeprefix("W/")
    other = 'W/"somebody-else"'
    for condition in (strong, f"{other}, {tag}", f'"x",{strong} , "y"', "*"):
        answer = client.get(path, headers={**JSON, "If-None-Match": condition})
        assert answer.status_code == 304, condition
        assert answer.headers["ETag"] == tag
    for condition in (other, '"x", "y"', tag[:-2] + '"', "W/"):
        answer = client.get(path, headers={**JSON, "If-None-Match": condition})
        assert answer.status_code == 200, condition
        assert answer.get_json()["boolean"] is True


def test_star_needs_a_current_answer(client: FlaskClient) -> None:
    assert client.get("/id/no-such-thing", headers={"If-None-Match": "*"}).status_code == 404


def test_each_format_has_its_own_tag(client: FlaskClient) -> None:
    path = f"/sparql?{urlencode({'query': SELECT})}"
    tags = {}
    for media in ("application/sparql-results+json", "text/csv", "application/sparql-results+xml"):
        answer = client.get(path, headers={"Accept": media})
        assert answer.mimetype == media
        assert answer.headers["Vary"] == "Accept"
        tags[media] = answer.headers["ETag"]
    assert len(set(tags.values())) == 3
    # A client asking for CSV with the JSON answer's tag gets CSV, not a 304.
    csv = client.get(
        path,
        headers={"Accept": "text/csv", "If-None-Match": tags["application/sparql-results+json"]},
    )
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.headers["ETag"] == tags["text/csv"]


def test_pages_vary_by_format_and_language(client: FlaskClient) -> None:
    html = client.get("/id/kakao", headers={"Accept": "text/html"})
    turtle = client.get("/id/kakao", headers={"Accept": "text/turtle"})
    korean = client.get("/id/kakao", headers={"Accept": "text/html", "Accept-Language": "ko"})
    assert html.mimetype == "text/html" and turtle.mimetype == "text/turtle"
    assert html.data != korean.data  # the page is in another language
    assert len({a.headers["ETag"] for a in (html, turtle, korean)}) == 3
    for answer in (html, turtle, korean):
        assert set(answer.headers["Vary"].split(", ")) == {"Accept", "Accept-Language"}
    # The suffix names the format: another URL, another tag.
    suffixed = client.get("/id/kakao.ttl")
    assert suffixed.headers["ETag"] != turtle.headers["ETag"]


def test_the_tag_depends_on_the_url_the_client_used(client: FlaskClient) -> None:
    # Relative IRIs resolve against the endpoint's URL, so another host is another answer.
    path = f"/sparql?{urlencode({'query': 'SELECT ?x WHERE { BIND(<a> AS ?x) }'})}"
    here = client.get(path, headers=JSON)
    there = client.get(path, headers=JSON, base_url="http://elsewhere.example")
    assert here.json != there.json
    assert here.headers["ETag"] != there.headers["ETag"]
    assert (
        client.get(
            path,
            headers={**JSON, "If-None-Match": here.headers["ETag"]},
            base_url="http://elsewhere.example",
        ).status_code
        == 200
    )


def test_head_has_the_tag_of_get(client: FlaskClient) -> None:
    get = client.get("/export.ttl")
    head = client.head("/export.ttl")
    assert head.status_code == 200 and head.headers["ETag"] == get.headers["ETag"]
    assert (
        client.head("/export.ttl", headers={"If-None-Match": get.headers["ETag"]}).status_code
        == 304
    )


def test_post_queries_are_not_cached(client: FlaskClient) -> None:
    tag = client.get(f"/sparql?{urlencode({'query': ASK})}", headers=JSON).headers["ETag"]
    for body, media in (
        (ASK, "application/sparql-query"),
        (urlencode({"query": ASK}), "application/x-www-form-urlencoded"),
    ):
        answer = client.post(
            "/sparql",
            data=body,
            headers={**JSON, "Content-Type": media, "If-None-Match": tag},
        )
        assert answer.status_code == 200 and answer.get_json()["boolean"] is True
        assert "ETag" not in answer.headers
        assert "Cache-Control" not in answer.headers


@pytest.mark.parametrize(
    "path",
    [
        f"/sparql?{urlencode({'query': 'SELECT nonsense'})}",
        "/id/no-such-thing",
        "/queries/no-such-query",
        "/export.nope",
    ],
)
def test_errors_get_no_validator(client: FlaskClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code >= 400
    assert "ETag" not in answer.headers


def test_other_routes_get_no_validator(client: FlaskClient) -> None:
    for path in ("/healthz", "/", "/reconcile"):
        assert "ETag" not in client.get(path).headers, path


# -- a real server: every worker tags alike; writes make tags stale ---------------------------


def test_every_worker_gives_the_same_tag(server: str) -> None:
    # New connections each time: granian's two workers both answer some of them.
    url = f"{server}/sparql?{urlencode({'query': ASK})}"
    tags = {http("GET", url, headers=JSON).headers["etag"] for _ in range(12)}
    assert len(tags) == 1
    (tag,) = tags
    for _ in range(12):
        assert http("GET", url, headers={**JSON, "If-None-Match": tag}).status == 304


@pytest.fixture(scope="module")
def writable() -> Iterator[str]:
    with d4sme_server(["--workers", "1"], env={"D4SME_KG_UPDATE_TOKEN": TOKEN}) as base:
        yield base


AUTH = {"Authorization": f"Bearer {TOKEN}"}
LABELS = (
    "SELECT ?label WHERE { <https://w3id.org/d4sme-kg/id/kakao> "
    "<http://www.w3.org/2004/02/skos/core#altLabel> ?label }"
)
EXTRA = "urn:x-test:caching"


def _labels(base: str, tag: str) -> tuple[int, str, set[str]]:
    """A conditional GET of the labels: status, the tag it carries, the labels if any."""
    reply = http(
        "GET",
        f"{base}/sparql?{urlencode({'query': LABELS})}",
        headers={**JSON, "If-None-Match": tag},
    )
    found = set()
    if reply.status == 200:
        found = {row["label"]["value"] for row in reply.json()["results"]["bindings"]}
    return reply.status, reply.headers["etag"], found


def test_every_write_makes_the_earlier_tags_stale(writable: str) -> None:
    _status, tag, before = _labels(writable, '"none"')
    page = http("GET", f"{writable}/id/kakao.ttl")
    assert _labels(writable, tag)[0] == 304

    # A write without the token changes nothing, and the tag stays.
    refused = http(
        "POST",
        f"{writable}/update",
        'INSERT DATA { <urn:a> <urn:b> "c" }',
        {"Content-Type": "application/sparql-update"},
    )
    assert refused.status == 401
    assert _labels(writable, tag)[0] == 304

    # SPARQL Update
    inserted = http(
        "POST",
        f"{writable}/update",
        "INSERT DATA { GRAPH <https://w3id.org/d4sme-kg/graph/data> { "
        "<https://w3id.org/d4sme-kg/id/kakao> <http://www.w3.org/2004/02/skos/core#altLabel> "
        '"Kakao (caching test)"@en } }',
        {"Content-Type": "application/sparql-update", **AUTH},
    )
    assert inserted.status == 200, inserted.text
    status, tag, labels = _labels(writable, tag)
    assert status == 200 and labels == before | {"Kakao (caching test)"}
    again = http("GET", f"{writable}/id/kakao.ttl", headers={"If-None-Match": page.headers["etag"]})
    assert again.status == 200 and "Kakao (caching test)" in again.text
    assert _labels(writable, tag)[0] == 304

    # Graph Store: PUT, POST (merge), DELETE
    target = f"{writable}/store?graph={quote(EXTRA)}"
    triple = (
        "<https://w3id.org/d4sme-kg/id/kakao> <http://www.w3.org/2004/02/skos/core#altLabel> "
        '"{}"@en .'
    )
    put = http(
        "PUT", target, triple.format("put"), {"Content-Type": "application/n-triples", **AUTH}
    )
    assert put.status == 201, put.text
    status, tag, labels = _labels(writable, tag)
    assert status == 200 and "put" in labels
    merged = http("POST", target, triple.format("merged"), {"Content-Type": "text/turtle", **AUTH})
    assert merged.status == 200, merged.text
    status, tag, labels = _labels(writable, tag)
    assert status == 200 and {"put", "merged"} <= labels
    assert http("DELETE", target, headers=AUTH).status == 200
    status, tag, labels = _labels(writable, tag)
    assert status == 200 and not {"put", "merged"} & labels
    assert _labels(writable, tag)[0] == 304
