"""The reconciliation service with the requests OpenRefine sends (Flask test client).

The answers are checked field by field against the W3C Entity Reconciliation API:
the 0.2 protocol (form-encoded ``queries=``/``extend=``, JSONP) and the 1.0 draft JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from d4sme_kg.web import create_app

KG = "https://w3id.org/d4sme-kg/id/"
PERSON = "https://schema.org/Person"


@pytest.fixture(scope="module")
def client() -> Iterator[FlaskClient]:
    app = create_app({"WORKERS": 1, "VALIDATE": False})
    yield app.test_client()
    app.extensions["d4sme_kg"].backend.close()


def check_candidate(candidate: dict[str, Any], v1: bool = False) -> None:
    assert isinstance(candidate["id"], str)
    if v1:
        assert all(isinstance(n["str"], str) for n in candidate["name"])
    else:
        assert isinstance(candidate["name"], str)
    assert isinstance(candidate["score"], int | float)
    assert isinstance(candidate["match"], bool)
    assert all("id" in t for t in candidate["type"])


def test_manifest_0_2(client: FlaskClient) -> None:
    manifest = client.get("/reconcile").get_json()
    assert "0.2" in manifest["versions"] and manifest["name"]
    assert "{{id}}" in manifest["view"]["url"]
    assert manifest["identifierSpace"] == KG and manifest["schemaSpace"].endswith("ontology#")
    assert "{{id}}" in manifest["preview"]["url"] and manifest["preview"]["width"] > 0
    for kind in ("entity", "type", "property"):
        assert manifest["suggest"][kind]["service_path"] == f"/suggest/{kind}"
    assert manifest["extend"]["propose_properties"]["service_path"] == "/propose_properties"
    assert all({"id", "name"} <= set(t) for t in manifest["defaultTypes"])


def test_manifest_1_0_and_jsonp(client: FlaskClient) -> None:
    manifest = client.get("/reconcile?version=1.0-draft").get_json()
    assert manifest["suggest"] == {"entity": True, "property": True, "type": True}
    assert set(manifest["preview"]) == {"width", "height"}
    reply = client.get("/reconcile?callback=jsonp123")
    assert reply.mimetype == "application/javascript"
    assert reply.get_data(as_text=True).startswith("jsonp123({")
    assert client.get("/reconcile?callback=alert(1)").status_code == 400


def test_queries_0_2_form_post_korean_and_english(client: FlaskClient) -> None:
    queries = {
        "q0": {"query": "파리", "limit": 3},
        "q1": {"query": "Pat Breen", "type": PERSON, "type_strict": "should"},
        "q2": {
            "query": "Kakao",
            "type": "kgo:Organization",
            "properties": [{"pid": "kgo:basedIn", "v": {"id": KG + "south-korea"}}],
        },
        "q3": {"query": "스튜어트 내시"},
    }
    answer = client.post("/reconcile", data={"queries": json.dumps(queries)}).get_json()
    assert set(answer) == {"q0", "q1", "q2", "q3"}
    for result in answer.values():
        for candidate in result["result"]:
            check_candidate(candidate)
    assert answer["q0"]["result"][0]["id"] == KG + "paris"
    assert answer["q0"]["result"][0]["match"] is True
    assert answer["q1"]["result"][0]["id"] == KG + "pat-breen"
    assert answer["q2"]["result"][0]["id"] == KG + "kakao"
    assert answer["q3"]["result"][0]["id"] == KG + "stuart-nash"


def test_queries_0_2_get_and_type_filter(client: FlaskClient) -> None:
    queries = {"q0": {"query": "Paris", "type": PERSON}}
    answer = client.get("/reconcile", query_string={"queries": json.dumps(queries)}).get_json()
    assert answer["q0"]["result"] == []  # Paris is not a person


def test_property_filter_changes_the_ranking(client: FlaskClient) -> None:
    queries = {
        "q0": {
            "query": "Government",
            "properties": [{"pid": "https://w3id.org/d4sme-kg/ontology#basedIn", "v": "Ireland"}],
        }
    }
    answer = client.post("/reconcile", data={"queries": json.dumps(queries)}).get_json()
    assert answer["q0"]["result"][0]["id"] == KG + "government-of-ireland"


def test_queries_1_0_json(client: FlaskClient) -> None:
    body = {
        "queries": [
            {"query": "아마존", "limit": 2},
            {"conditions": [{"matchType": "name", "propertyValue": "eBay"}]},
        ]
    }
    answer = client.post("/reconcile", json=body).get_json()
    assert len(answer["results"]) == 2
    for result in answer["results"]:
        for candidate in result["candidates"]:
            check_candidate(candidate, v1=True)
    assert answer["results"][0]["candidates"][0]["id"] == KG + "amazon"
    assert answer["results"][1]["candidates"][0]["id"] == KG + "ebay"


def test_suggest(client: FlaskClient) -> None:
    entities = client.get("/reconcile/suggest/entity?prefix=박영").get_json()["result"]
    assert entities[0]["id"] == KG + "park-young-sun" and entities[0]["name"]
    types = client.get("/reconcile/suggest/type?prefix=pers").get_json()["result"]
    assert PERSON in {t["id"] for t in types}
    props = client.get("/reconcile/suggest/property?prefix=based").get_json()["result"]
    assert {"id": "https://w3id.org/d4sme-kg/ontology#basedIn", "name": "based in"} in props


def test_preview(client: FlaskClient) -> None:
    reply = client.get("/reconcile/preview", query_string={"id": KG + "paris"})
    assert reply.status_code == 200 and reply.mimetype == "text/html"
    assert "파리" in reply.get_data(as_text=True)
    assert client.get("/reconcile/preview?id=nope").status_code == 404


def test_data_extension_0_2_and_1_0(client: FlaskClient) -> None:
    extend = {"ids": [KG + "kakao"], "properties": [{"id": "kgo:basedIn"}]}
    answer = client.post("/reconcile", data={"extend": json.dumps(extend)}).get_json()
    based_in = "https://w3id.org/d4sme-kg/ontology#basedIn"
    assert answer["meta"] == [{"id": based_in, "name": "based in"}]
    assert answer["rows"][KG + "kakao"][based_in] == [
        {"id": KG + "south-korea", "name": "South Korea"}
    ]
    v1 = client.post("/reconcile/extend", json=extend).get_json()
    assert v1["rows"][0]["id"] == KG + "kakao"
    assert v1["rows"][0]["properties"][0]["values"][0]["id"] == KG + "south-korea"
    proposals = client.get(
        "/reconcile/propose_properties", query_string={"type": PERSON, "limit": 50}
    ).get_json()
    assert proposals["type"] == PERSON
    assert "http://www.w3.org/ns/org#holds" in {p["id"] for p in proposals["properties"]}
