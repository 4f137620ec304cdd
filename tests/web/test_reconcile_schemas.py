"""Every kind of /reconcile answer, against the specification's own JSON schemas.

The schemas of versions 0.2 and 1.0-draft are read from ``../shared/reconciliation/``
next to the repository, as the W3C Entity Reconciliation Community Group publishes
them (never copied here); without that folder the module is skipped and says why, and
under CI (``CI`` set) it fails instead.
Each answer is checked against the schema of the version it is in, and the manifests
against the other version's too, which they must not pass: that is why they are
negotiated.
"""

from __future__ import annotations

import json
import os
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7

from ..servers import http

SHARED = Path(__file__).resolve().parents[3] / "shared" / "reconciliation"
V1, V02 = "1.0-draft", "0.2"
KG = "https://w3id.org/d4sme-kg/id/"
JQUERY = "application/json, text/javascript, */*; q=0.01"  # what OpenRefine sends
V1_TYPE = "application/reconciliation.v1+json"


def require_schemas(folder: Path) -> None:
    """Skip when the schemas are not in ``folder``; under CI (``CI`` set) fail instead,
    so that CI never passes without having checked them (as tests/clients does)."""
    if folder.is_dir():
        return
    reason = f"the reconciliation schemas are not in {folder}"
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"CI must check the reconciliation schemas: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def schemas() -> None:
    require_schemas(SHARED)


def test_without_the_schemas_ci_fails_and_others_skip(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "reconciliation"
    for value in ("true", "1"):
        monkeypatch.setenv("CI", value)
        with pytest.raises(pytest.fail.Exception, match="CI must check"):
            require_schemas(missing)
    for value in ("", "false"):
        monkeypatch.setenv("CI", value)
        with pytest.raises(pytest.skip.Exception, match="not in"):
            require_schemas(missing)
    monkeypatch.setenv("CI", "true")
    require_schemas(tmp_path)  # there: nothing to say


@cache
def registry(version: str) -> Registry:  # type: ignore[type-arg]
    """The version's schemas by their $id (each version has its own: two share an $id)."""
    resources = []
    for path in sorted((SHARED / version / "schemas").glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"].rstrip("#"), DRAFT7.create_resource(contents)))
    return Registry().with_resources(resources)


def errors(version: str, schema: str, document: Any) -> list[str]:
    """What is wrong with ``document`` by ``{version}/schemas/{schema}.json``."""
    path = SHARED / version / "schemas" / f"{schema}.json"
    validator = Draft7Validator(
        json.loads(path.read_text(encoding="utf-8")), registry=registry(version)
    )
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


def valid(version: str, schema: str, document: Any) -> None:
    found = errors(version, schema, document)
    assert not found, f"{len(found)} errors against {version}/{schema}: {found[:5]}"


@pytest.mark.parametrize(
    ("query", "accept", "version", "media_type"),
    [
        ("", None, V1, V1_TYPE),
        ("", "*/*", V1, V1_TYPE),
        ("", V1_TYPE, V1, V1_TYPE),
        ("", f"{V1_TYPE}, application/json;q=0.5", V1, V1_TYPE),
        ("", JQUERY, V02, "application/json"),
        ("", "application/json", V02, "application/json"),
        ("?version=0.2", V1_TYPE, V02, "application/json"),
        ("?version=1.0-draft", "application/json", V1, V1_TYPE),
    ],
)
def test_the_manifest_is_negotiated(
    client: FlaskClient, query: str, accept: str | None, version: str, media_type: str
) -> None:
    reply = client.get("/reconcile" + query, headers={"Accept": accept} if accept else {})
    assert reply.status_code == 200 and reply.mimetype == media_type
    assert "Accept" in reply.vary
    manifest = reply.get_json()
    valid(version, "manifest", manifest)
    other = V02 if version == V1 else V1
    assert errors(other, "manifest", manifest), f"the {version} manifest passes {other} too"
    # What a manifest says is true: it is a valid manifest of every version it lists.
    assert version in manifest["versions"]
    for listed in manifest["versions"]:
        valid(listed, "manifest", manifest)


def test_the_manifests_name_routes_that_answer(client: FlaskClient) -> None:
    v02 = client.get("/reconcile", headers={"Accept": "application/json"}).get_json()
    for kind in ("entity", "type", "property"):
        service = v02["suggest"][kind]
        path = service["service_url"].removeprefix("http://localhost") + service["service_path"]
        assert client.get(path, query_string={"prefix": "k"}).status_code == 200
    preview = v02["preview"]["url"].replace("{{id}}", KG + "kakao")
    assert client.get(preview.removeprefix("http://localhost")).status_code == 200
    v1 = client.get("/reconcile").get_json()
    assert v1["view"]["url"] == "{+id}" and v1["batchSize"] >= 10


def test_a_jsonp_manifest_is_the_0_2_one(client: FlaskClient) -> None:
    text = client.get("/reconcile?callback=cb").get_data(as_text=True)
    valid(V02, "manifest", json.loads(text.removeprefix("cb(").removesuffix(");")))


BATCH = {
    "queries": [
        {"conditions": [{"matchType": "name", "propertyValue": "카카오"}], "limit": 3},
        {
            "conditions": [
                {"matchType": "name", "propertyValue": "Kakao"},
                {
                    "matchType": "property",
                    "propertyId": "https://w3id.org/d4sme-kg/ontology#basedIn",
                    "propertyValue": ["대한민국", {"id": KG + "south-korea"}],
                    "required": True,
                },
            ],
            "type": "https://w3id.org/d4sme-kg/ontology#Organization",
            "lang": "en",
        },
        {"conditions": [{"matchType": "id", "propertyValue": KG + "paris"}]},
        {"conditions": [{"matchType": "name", "propertyValue": "nothing like this at all"}]},
    ]
}


@pytest.mark.parametrize("path", ["/reconcile/match", "/reconcile"])
def test_a_1_0_result_batch(client: FlaskClient, path: str) -> None:
    valid(V1, "reconciliation-query-batch", BATCH)  # what we send is a 1.0 batch
    for lang in ("en", "ko"):
        reply = client.post(path, json=BATCH, headers={"Accept-Language": lang})
        answer = reply.get_json()
        valid(V1, "reconciliation-result-batch", answer)
        kakao, based, paris, nothing = answer["results"]
        assert kakao["candidates"][0]["id"] == KG + "kakao"
        assert based["candidates"][0]["match"] is True
        assert paris["candidates"][0]["id"] == KG + "paris" and nothing["candidates"] == []


def test_the_old_answer_shape_fails_the_1_0_schema() -> None:
    # What this service answered before: a name as [{"str": …}] (23 schema errors then).
    old = {"results": [{"candidates": [{"id": KG + "kakao", "name": [{"str": "Kakao"}]}]}]}
    assert errors(V1, "reconciliation-result-batch", old)


def test_a_0_2_result_batch(client: FlaskClient) -> None:
    queries = {
        "q0": {"query": "카카오", "limit": 3},
        "q1": {
            "query": "Kakao",
            "type": ["https://w3id.org/d4sme-kg/ontology#Organization"],
            "properties": [{"pid": "kgo:basedIn", "v": "대한민국"}],
        },
        "q2": {"query": KG + "paris"},
    }
    valid(V02, "reconciliation-query-batch", queries)
    answer = client.post("/reconcile", data={"queries": json.dumps(queries)}).get_json()
    valid(V02, "reconciliation-result-batch", answer)
    assert answer["q1"]["result"][0]["match"] is True


@pytest.mark.parametrize(
    ("kind", "schema", "prefix"),
    [
        ("entity", "suggest-entities-response", "카카"),
        ("entity", "suggest-entities-response", "Kak"),
        ("entity", "suggest-entities-response", ""),
        ("property", "suggest-properties-response", "소재"),
        ("property", "suggest-properties-response", "based"),
        ("type", "suggest-types-response", "조직"),
        ("type", "suggest-types-response", "pers"),
    ],
)
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_suggest_answers_both_versions(
    client: FlaskClient, kind: str, schema: str, prefix: str, lang: str
) -> None:
    reply = client.get(f"/reconcile/suggest/{kind}", query_string={"prefix": prefix, "lang": lang})
    answer = reply.get_json()
    assert answer["result"], "nothing suggested"
    valid(V1, schema, answer)
    valid(V02, schema, answer)


def test_property_proposals_of_each_version(client: FlaskClient) -> None:
    query = {"type": "https://schema.org/Person", "limit": 5}
    v1 = client.get("/reconcile/extend/propose", query_string=query).get_json()
    valid(V1, "data-extension-property-proposal", v1)
    v02 = client.get("/reconcile/propose_properties", query_string=query).get_json()
    valid(V02, "data-extension-property-proposal", v02)
    assert v1["properties"] and len(v1["properties"]) <= 5


EXTEND = {
    "ids": [KG + "kakao", KG + "obs-roundtable-attendees", KG + "d4sme-roundtable-2019", "x"],
    "properties": [
        {"id": "kgo:basedIn"},
        {"id": "rdfs:label"},
        {"id": "schema:minValue"},
        {"id": "kgo:isApproximate"},
        {"id": "schema:startDate"},
        {"id": "schema:attendee"},
    ],
}


def test_data_extension_of_each_version(client: FlaskClient) -> None:
    valid(V1, "data-extension-query", EXTEND)
    for lang in ("en", "ko"):
        headers = {"Accept-Language": lang}
        v1 = client.post("/reconcile/extend", json=EXTEND, headers=headers).get_json()
        valid(V1, "data-extension-response", v1)
        assert [row["id"] for row in v1["rows"]] == EXTEND["ids"]
        form = {"extend": json.dumps(EXTEND)}
        v02 = client.post("/reconcile", data=form, headers=headers).get_json()
        valid(V02, "data-extension-response", v02)
        assert set(v02["rows"]) == set(EXTEND["ids"])


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def test_preview_is_an_html_document_of_the_manifests_size(client: FlaskClient) -> None:
    # No schema exists for the preview itself; its metadata is in the manifests above.
    for lang in ("en", "ko"):
        reply = client.get("/reconcile/preview", query_string={"id": KG + "kakao", "lang": lang})
        assert reply.status_code == 200 and reply.mimetype == "text/html"
        page = _Page()
        page.feed(reply.get_data(as_text=True))
        assert page.tags[:2] == ["html", "head"] and "a" in page.tags


def test_a_1_0_client_over_http_needs_no_version_parameter(server: str) -> None:
    # urllib sends no Accept header, like most programs; the page is on another origin.
    origin = {"Origin": "https://example.org"}
    manifest = http("GET", f"{server}/reconcile", headers=origin)
    assert manifest.status == 200 and manifest.headers["access-control-allow-origin"] == "*"
    valid(V1, "manifest", manifest.json())
    reply = http(
        "POST",
        f"{server}/reconcile/match",
        json.dumps(BATCH),
        {**origin, "Content-Type": "application/json"},
    )
    assert reply.status == 200 and reply.headers["access-control-allow-origin"] == "*"
    valid(V1, "reconciliation-result-batch", reply.json())
