"""Bad reconciliation requests get a 4xx problem (RFC 9457) that says what is wrong.

Never a 500: malformed JSON, values of the wrong type, batches past the limits. Errors
stay readable from another origin (CORS), or a web client could not tell its user why.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

ORIGIN = {"Origin": "https://example.org"}


def problem(reply: Any, status: int) -> dict[str, Any]:
    assert reply.status_code == status, reply.get_data(as_text=True)
    assert reply.mimetype == "application/problem+json"
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    document: dict[str, Any] = reply.get_json()
    assert document["status"] == status and document["detail"]
    return document


def query(**fields: Any) -> dict[str, Any]:
    return {"queries": [{"conditions": [{"matchType": "name", "propertyValue": "x"}], **fields}]}


def condition(**fields: Any) -> dict[str, Any]:
    return {"queries": [{"conditions": [fields]}]}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('{"queries": [', "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"queries": [{"conditions": [{"matchType": "name", "propertyValue": NaN}]}]}', "NaN"),
        ("[]", "queries"),
        ('"Kakao"', "queries"),
        ('{"queries": {"q0": {"query": "x"}}}', "queries"),  # 0.2 goes to /reconcile
        ('{"queries": "Kakao"}', "queries"),
    ],
)
def test_malformed_json(client: FlaskClient, body: str, words: str) -> None:
    reply = client.post(
        "/reconcile/match", data=body, content_type="application/json", headers=ORIGIN
    )
    assert words in problem(reply, 400)["detail"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"queries": [5]}, "queries[0] must be a JSON object"),
        ({"queries": [{}]}, "no query, conditions or properties"),
        ({"queries": [{"query": 5}]}, "queries[0].query must be a string"),
        (query(limit="many"), "limit"),
        (query(limit=0), "limit"),
        (query(limit=True), "limit"),
        (query(limit=-3.5), "limit"),
        (query(type=5), "type"),
        (query(type=["a", 5]), "type"),
        (query(lang=["en"]), "lang"),
        (query(conditions="Kakao"), "conditions must be an array"),
        (query(properties=[{"pid": "kgo:basedIn"}]), "properties[0].v"),
        (query(properties=["kgo:basedIn"]), "properties[0]"),
        (condition(matchType="fuzzy", propertyValue="x"), "matchType"),
        (condition(propertyValue="x"), "matchType"),
        (condition(matchType="name"), "no propertyValue"),
        (condition(matchType="property", propertyValue="x"), "propertyId"),
        (condition(matchType="name", propertyValue={"name": "x"}), "propertyValue"),
        (condition(matchType="name", propertyValue=[["x"]]), "propertyValue"),
        (condition(matchType="name", propertyValue=None), "propertyValue"),
        (condition(matchType="name", propertyValue="x", required="yes"), "required"),
        (condition(matchType="name", propertyValue="x", matchQuantifier="most"), "Quantifier"),
        ({"queries": [{"query": "x" * 501}]}, "longer than 500"),
    ],
)
def test_values_of_the_wrong_type(client: FlaskClient, body: Any, words: str) -> None:
    reply = client.post("/reconcile/match", json=body, headers=ORIGIN)
    assert words in problem(reply, 400)["detail"]


def test_the_same_checks_on_the_0_2_form(client: FlaskClient) -> None:
    broken = client.post("/reconcile", data={"queries": "{"}, headers=ORIGIN)
    assert "queries is not valid JSON" in problem(broken, 400)["detail"]
    typed = client.post("/reconcile", data={"queries": json.dumps({"q0": {"query": 1}})})
    assert "queries.q0.query" in problem(typed, 400)["detail"]
    listed = client.get("/reconcile", query_string={"queries": "[1, 2]"}, headers=ORIGIN)
    problem(listed, 400)
    as_json = client.post("/reconcile", json={"queries": {"q0": 5}}, headers=ORIGIN)
    assert "queries.q0 must be a JSON object" in problem(as_json, 400)["detail"]
    extend = client.post("/reconcile", data={"extend": '{"ids": "kakao"}'}, headers=ORIGIN)
    assert "ids must be an array" in problem(extend, 400)["detail"]


def test_batches_past_the_limits(client: FlaskClient) -> None:
    many = {"queries": [{"query": "Kakao"}] * 101}
    assert "101 queries" in problem(client.post("/reconcile/match", json=many), 413)["detail"]
    keyed = {f"q{i}": {"query": "Kakao"} for i in range(101)}
    form = client.post("/reconcile", data={"queries": json.dumps(keyed)})
    problem(form, 413)
    values = condition(matchType="name", propertyValue=["x"] * 51)
    problem(client.post("/reconcile/match", json=values), 413)
    ids = {"ids": ["x"] * 501, "properties": [{"id": "rdfs:label"}]}
    problem(client.post("/reconcile/extend", json=ids), 413)
    props = {"ids": ["x"], "properties": [{"id": "rdfs:label"}] * 51}
    problem(client.post("/reconcile/extend", json=props), 413)
    # The largest batch announced in the 1.0 manifest is answered.
    largest = client.get("/reconcile").get_json()["batchSize"]
    full = {"queries": [{"query": "Kakao"}] * largest}
    assert client.post("/reconcile/match", json=full).status_code == 200


def test_json_routes_want_json(client: FlaskClient) -> None:
    body = json.dumps(query())
    for path in ("/reconcile/match", "/reconcile/extend"):
        reply = client.post(path, data=body, content_type="text/plain", headers=ORIGIN)
        problem(reply, 415)
    wrong_method = client.get("/reconcile/match", headers=ORIGIN)
    problem(wrong_method, 405)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"ids": ["x"]}, "properties must be an array"),
        ({"ids": [5], "properties": []}, "ids[0] must be a string"),
        ({"ids": [], "properties": [{"name": "x"}]}, "properties[0].id"),
        ({"ids": [], "properties": ["rdfs:label"]}, "properties[0]"),
        ([1], "a data extension query is a JSON object"),
    ],
)
def test_bad_data_extension_queries(client: FlaskClient, body: Any, words: str) -> None:
    reply = client.post("/reconcile/extend", json=body, headers=ORIGIN)
    assert words in problem(reply, 400)["detail"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/reconcile/suggest/entity?prefix=k&limit=many", 400),
        ("/reconcile/suggest/entity?prefix=k&offset=-1", 400),
        ("/reconcile/suggest/entity?prefix=k&cursor=1e9", 400),
        ("/reconcile/suggest/type?prefix=" + "k" * 201, 400),
        ("/reconcile/suggest/thing?prefix=k", 404),
        ("/reconcile/extend/propose?type=not%20an%20iri", 400),
        ("/reconcile/extend/propose?type=kgo:Organization&limit=-1", 400),
        ("/reconcile/propose_properties?type=" + "k" * 600, 400),
        ("/reconcile/preview?id=" + "k" * 600, 404),
        ("/reconcile?version=0.3", 400),
        ("/reconcile?callback=x;alert(1)", 400),
    ],
)
def test_bad_parameters(client: FlaskClient, path: str, status: int) -> None:
    problem(client.get(path, headers={**ORIGIN, "Accept": "application/json"}), status)


def test_a_manifest_nobody_can_read_is_406(client: FlaskClient) -> None:
    reply = client.get("/reconcile", headers={**ORIGIN, "Accept": "image/png"})
    problem(reply, 406)
