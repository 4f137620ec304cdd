"""The reconciliation service with the requests OpenRefine and 1.0 clients send.

What is matched and how: names in every language, identifiers, property values by
their labels, types, languages of the answer. The shapes of the answers are checked
against the specification's schemas in test_reconcile_schemas.py, and bad requests in
test_reconcile_errors.py. Flask's test client: real HTTP adds nothing here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

KG = "https://w3id.org/d4sme-kg/id/"
KGO = "https://w3id.org/d4sme-kg/ontology#"
PERSON = "https://schema.org/Person"
BASED_IN = KGO + "basedIn"


def match(client: FlaskClient, *queries: dict[str, Any], **headers: str) -> list[list[dict]]:
    """The candidates of each 1.0 query, POSTed to /reconcile/match."""
    reply = client.post("/reconcile/match", json={"queries": list(queries)}, headers=headers)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return [result["candidates"] for result in reply.get_json()["results"]]


def match_0_2(client: FlaskClient, **queries: dict[str, Any]) -> dict[str, list[dict]]:
    """The candidates of each 0.2 query by key, form-encoded as OpenRefine sends them."""
    reply = client.post("/reconcile", data={"queries": json.dumps(queries)})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return {key: result["result"] for key, result in reply.get_json().items()}


def name(value: str) -> dict[str, Any]:
    return {"matchType": "name", "propertyValue": value}


def based_in(value: Any, **options: Any) -> dict[str, Any]:
    return {"matchType": "property", "propertyId": "kgo:basedIn", "propertyValue": value, **options}


def test_queries_0_2_korean_and_english(client: FlaskClient) -> None:
    answer = match_0_2(
        client,
        q0={"query": "파리", "limit": 3},
        q1={"query": "Pat Breen", "type": PERSON, "type_strict": "should"},
        q2={"query": "스튜어트 내시"},
        q3={"query": "Paris", "type": PERSON},
    )
    assert answer["q0"][0]["id"] == KG + "paris" and answer["q0"][0]["match"] is True
    assert len(answer["q0"]) <= 3
    assert answer["q1"][0]["id"] == KG + "pat-breen"
    assert answer["q2"][0]["id"] == KG + "stuart-nash"
    assert answer["q3"] == []  # Paris is not a person


def test_queries_0_2_by_get_and_the_0_1_single_query(client: FlaskClient) -> None:
    queries = json.dumps({"q0": {"query": "eBay"}})
    answer = client.get("/reconcile", query_string={"queries": queries}).get_json()
    assert answer["q0"]["result"][0]["id"] == KG + "ebay"
    single = client.get("/reconcile", query_string={"query": "eBay"}).get_json()
    assert single["result"][0]["id"] == KG + "ebay"


def test_a_1_0_batch_answers_names_as_strings_in_order(client: FlaskClient) -> None:
    amazon, ebay = match(client, {"conditions": [name("아마존")], "limit": 2}, {"query": "eBay"})
    assert amazon[0]["id"] == KG + "amazon" and amazon[0]["name"] == "Amazon"
    assert len(amazon) <= 2
    assert ebay[0]["id"] == KG + "ebay"
    assert all(isinstance(c["name"], str) for c in amazon + ebay)


def test_the_old_json_post_to_the_root_is_the_same_batch(client: FlaskClient) -> None:
    body = {"queries": [{"conditions": [name("Kakao")]}]}
    reply = client.post("/reconcile", json=body).get_json()
    assert reply["results"][0]["candidates"][0] == match(client, *body["queries"])[0][0]


@pytest.mark.parametrize(
    "value", ["대한민국", "South Korea", "south korea", {"id": "kg:south-korea"}]
)
def test_a_property_value_matches_by_any_label_or_by_id(client: FlaskClient, value: Any) -> None:
    (found,) = match(client, {"conditions": [name("Kakao"), based_in(value)]})
    assert found[0]["id"] == KG + "kakao"
    assert found[0]["score"] == 100 and found[0]["match"] is True


def test_a_korean_property_value_in_a_0_2_query(client: FlaskClient) -> None:
    answer = match_0_2(
        client,
        q0={"query": "Kakao", "properties": [{"pid": "kgo:basedIn", "v": "대한민국"}]},
        q1={"query": "Kakao", "properties": [{"pid": BASED_IN, "v": "Ireland"}]},
    )
    assert answer["q0"][0]["id"] == KG + "kakao" and answer["q0"][0]["score"] == 100
    assert answer["q0"][0]["match"] is True
    # The same name in the wrong country loses the property's share.
    assert answer["q1"][0]["score"] == 70 and answer["q1"][0]["match"] is False


def test_property_filters_alone_and_their_quantifiers(client: FlaskClient) -> None:
    korean, required, excluded = match(
        client,
        {"conditions": [based_in("대한민국")], "type": KGO + "Organization", "limit": 50},
        {"conditions": [name("Government"), based_in("Ireland", required=True)]},
        {"conditions": [name("Government"), based_in("Ireland", matchQuantifier="none")]},
    )
    assert {KG + "kakao", KG + "posco", KG + "mss"} <= {c["id"] for c in korean}
    assert KG + "government-of-ireland" not in {c["id"] for c in korean}
    assert [c["id"] for c in required] == [KG + "government-of-ireland"]
    assert required[0]["match"] is False  # "Government" is only part of its name
    assert excluded[0]["id"] != KG + "government-of-ireland"


def test_numbers_and_booleans_match_typed_values(client: FlaskClient) -> None:
    def observation(pid: str, value: Any) -> dict[str, Any]:
        return {"matchType": "property", "propertyId": pid, "propertyValue": value}

    hits, misses = match(
        client,
        {
            "conditions": [
                observation("schema:minValue", 70),
                observation("kgo:isApproximate", True),
            ]
        },
        {"conditions": [observation("schema:minValue", 71)]},
    )
    assert hits[0]["id"] == KG + "obs-roundtable-attendees" and hits[0]["score"] == 100
    assert KG + "obs-roundtable-attendees" not in {c["id"] for c in misses}


@pytest.mark.parametrize("identifier", [KG + "kakao", "kg:kakao", "kakao"])
def test_an_identifier_finds_its_entity(client: FlaskClient, identifier: str) -> None:
    by_id, by_query = match(
        client,
        {"conditions": [{"matchType": "id", "propertyValue": identifier}]},
        {"conditions": [name(identifier)]},
    )
    assert [c["id"] for c in by_id] == [KG + "kakao"] and by_id[0]["match"] is True
    assert by_query[0]["id"] == KG + "kakao" and by_query[0]["score"] == 100
    answer = match_0_2(client, q0={"query": identifier})
    assert answer["q0"][0]["id"] == KG + "kakao" and answer["q0"][0]["match"] is True


def test_an_unknown_identifier_finds_nothing(client: FlaskClient) -> None:
    (found,) = match(client, {"conditions": [{"matchType": "id", "propertyValue": KG + "nope"}]})
    assert found == []


def test_names_and_descriptions_in_the_language_asked_for(client: FlaskClient) -> None:
    query = {"conditions": [name("Kakao")], "limit": 1}
    reply = client.post("/reconcile/match", json={"queries": [query]})
    (english,) = reply.get_json()["results"][0]["candidates"]
    assert english["name"] == "Kakao" and english["lang"] == "en"
    assert english["description"] == "A major Korean internet company."
    assert reply.headers["Content-Language"] == "en"
    reply = client.post(
        "/reconcile/match", json={"queries": [query]}, headers={"Accept-Language": "ko-KR,ko"}
    )
    (korean,) = reply.get_json()["results"][0]["candidates"]
    assert korean["name"] == "카카오" and korean["lang"] == "ko"
    assert korean["description"] == "한국의 주요 인터넷 기업."
    assert {"id": KGO + "Organization", "name": "조직", "lang": "ko"} in korean["type"]
    assert reply.headers["Content-Language"] == "ko" and "Accept-Language" in reply.vary
    # The query's own lang is the fallback when the request says nothing.
    (by_query,) = match(client, {**query, "lang": "ko"})
    assert by_query[0]["name"] == "카카오"


def test_suggest_types_in_korean(client: FlaskClient) -> None:
    found = client.get("/reconcile/suggest/type", query_string={"prefix": "조직"}).get_json()
    assert found["result"][0] == {"id": KGO + "Organization", "name": "Organization", "lang": "en"}
    korean = client.get("/reconcile/suggest/type?prefix=조직&lang=ko").get_json()["result"]
    assert korean[0] == {"id": KGO + "Organization", "name": "조직", "lang": "ko"}
    english = client.get("/reconcile/suggest/type?prefix=pers").get_json()["result"]
    assert PERSON in {t["id"] for t in english}


def test_suggest_entities_and_properties(client: FlaskClient) -> None:
    entities = client.get("/reconcile/suggest/entity?prefix=박영").get_json()["result"]
    assert entities[0]["id"] == KG + "park-young-sun" and entities[0]["name"]
    by_id = client.get("/reconcile/suggest/entity", query_string={"prefix": KG + "ebay"})
    assert by_id.get_json()["result"][0]["id"] == KG + "ebay"
    korean = client.get("/reconcile/suggest/property?prefix=소재").get_json()["result"]
    assert [p["id"] for p in korean] == [BASED_IN]
    english = client.get("/reconcile/suggest/property?prefix=based").get_json()["result"]
    assert {"id": BASED_IN, "name": "based in", "lang": "en"} in english


def test_suggest_pages_with_limit_and_offset(client: FlaskClient) -> None:
    every = client.get("/reconcile/suggest/entity?prefix=k&limit=100").get_json()["result"]
    page = client.get("/reconcile/suggest/entity?prefix=k&limit=2&offset=1").get_json()
    assert len(every) > 3 and page["result"] == every[1:3]
    cursor = client.get("/reconcile/suggest/entity?prefix=k&limit=2&cursor=1").get_json()
    assert cursor == page


def test_preview(client: FlaskClient) -> None:
    reply = client.get("/reconcile/preview", query_string={"id": KG + "paris"})
    assert reply.status_code == 200 and reply.mimetype == "text/html"
    assert "파리" in reply.get_data(as_text=True)
    korean = client.get("/reconcile/preview?id=kg:kakao", headers={"Accept-Language": "ko"})
    page = korean.get_data(as_text=True)
    assert '<h3 lang="ko">' in page and "한국의 주요 인터넷 기업." in page
    assert client.get("/reconcile/preview?id=nope").status_code == 404


def test_data_extension_0_2_and_1_0(client: FlaskClient) -> None:
    extend = {"ids": [KG + "kakao", "not an id"], "properties": [{"id": "kgo:basedIn"}]}
    answer = client.post("/reconcile", data={"extend": json.dumps(extend)}).get_json()
    assert answer["meta"] == [{"id": BASED_IN, "name": "based in", "lang": "en"}]
    assert answer["rows"][KG + "kakao"][BASED_IN] == [
        {"id": KG + "south-korea", "name": "South Korea"}
    ]
    assert answer["rows"]["not an id"] == {BASED_IN: []}
    v1 = client.post("/reconcile/extend", json=extend, headers={"Accept-Language": "ko"})
    row = v1.get_json()["rows"][0]
    assert row["id"] == KG + "kakao"
    assert row["properties"] == [
        {"id": BASED_IN, "values": [{"id": KG + "south-korea", "name": "대한민국", "lang": "ko"}]}
    ]


def test_data_extension_of_literals(client: FlaskClient) -> None:
    extend = {
        "ids": [KG + "obs-roundtable-attendees"],
        "properties": [
            {"id": "schema:minValue"},
            {"id": "kgo:isApproximate"},
            {"id": "rdfs:label"},
        ],
    }
    (row,) = client.post("/reconcile/extend", json=extend).get_json()["rows"]
    values = {p["id"].rpartition("/")[2]: p["values"] for p in row["properties"]}
    assert values["minValue"] == [{"int": 70}]
    assert values["ontology#isApproximate"] == [{"str": "true"}]
    assert {"str": "제1회 D4SME 라운드테이블 참석자 70여 명", "lang": "ko"} in values[
        "rdf-schema#label"
    ]


def test_property_proposals(client: FlaskClient) -> None:
    for path in ("/reconcile/extend/propose", "/reconcile/propose_properties"):
        proposals = client.get(path, query_string={"type": PERSON, "limit": 50}).get_json()
        assert proposals["type"] == PERSON and proposals["limit"] == 50
        assert "http://www.w3.org/ns/org#holds" in {p["id"] for p in proposals["properties"]}
    few = client.get("/reconcile/extend/propose?type=kgo:Organization&limit=2").get_json()
    assert len(few["properties"]) == 2 and few["type"] == KGO + "Organization"


def test_jsonp_for_0_2_clients(client: FlaskClient) -> None:
    reply = client.get("/reconcile?callback=jsonp123")
    assert reply.mimetype == "application/javascript"
    text = reply.get_data(as_text=True)
    assert text.startswith("jsonp123({") and text.endswith("});")
    assert "service_path" in text  # the 0.2 manifest: JSONP is gone from 1.0
    assert client.get("/reconcile?callback=alert(1)").status_code == 400


# -- bare names: a slug is an entity of kg:, a property or type name one of kgo: ---------


@pytest.mark.parametrize("pid", ["basedIn", "kgo:basedIn", BASED_IN])
def test_a_property_by_its_bare_name(client: FlaskClient, pid: str) -> None:
    condition = {"matchType": "property", "propertyId": pid, "propertyValue": "대한민국"}
    (found,) = match(client, {"conditions": [name("Kakao"), condition]})
    assert found[0]["id"] == KG + "kakao"
    assert found[0]["score"] == 100 and found[0]["match"] is True
    answer = match_0_2(client, q0={"query": "Kakao", "properties": [{"pid": pid, "v": "대한민국"}]})
    assert answer["q0"][0]["score"] == 100


@pytest.mark.parametrize("kind", ["Organization", "kgo:Organization", KGO + "Organization"])
def test_a_type_by_its_bare_name(client: FlaskClient, kind: str) -> None:
    for path in ("/reconcile/extend/propose", "/reconcile/propose_properties"):
        reply = client.get(path, query_string={"type": kind, "limit": 50})
        assert reply.status_code == 200, reply.get_data(as_text=True)
        proposals = reply.get_json()
        assert proposals["type"] == KGO + "Organization"
        assert BASED_IN in {p["id"] for p in proposals["properties"]}
    (found,) = match(client, {"conditions": [name("Paris")], "type": kind})
    assert KG + "paris" not in {c["id"] for c in found}  # Paris is a place


@pytest.mark.parametrize("identifier", ["kakao", "kg:kakao", KG + "kakao"])
def test_preview_by_a_bare_slug(client: FlaskClient, identifier: str) -> None:
    reply = client.get("/reconcile/preview", query_string={"id": identifier})
    assert reply.status_code == 200 and KG + "kakao" in reply.get_data(as_text=True)


def test_data_extension_by_bare_names(client: FlaskClient) -> None:
    extend = {"ids": ["kakao"], "properties": [{"id": "basedIn"}]}
    (row,) = client.post("/reconcile/extend", json=extend).get_json()["rows"]
    assert row["id"] == "kakao"  # as asked
    assert row["properties"][0]["values"][0]["id"] == KG + "south-korea"
    (found,) = match(
        client,
        {"conditions": [name("Kakao"), based_in({"id": "south-korea"})]},
    )
    assert found[0]["id"] == KG + "kakao" and found[0]["score"] == 100
