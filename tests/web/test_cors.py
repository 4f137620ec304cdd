"""Cross-origin: every read route is open to every origin, preflights and errors too."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

ORIGIN = {"Origin": "https://another.example"}


@pytest.mark.parametrize(
    "path",
    [
        "/sparql?query=ASK%7B%7D",
        "/sparql?query=nonsense",  # an error answer: the page must be able to read why
        "/id/kakao",
        "/id/kakao.ttl",
        "/id/no-such-thing",
        "/.well-known/void",
        "/export.ttl",
        "/reconcile",
        "/reconcile/preview?id=kakao",
        "/reconcile/suggest/entity?prefix=Kak",
        "/queries",
        "/healthz",
        "/no/such/route",
    ],
)
def test_every_read_is_open_to_every_origin(client: FlaskClient, path: str) -> None:
    answer = client.get(path, headers={**ORIGIN, "Accept": "application/json"})
    assert answer.headers.get("Access-Control-Allow-Origin") == "*", (path, answer.status_code)


@pytest.mark.parametrize("path", ["/sparql", "/reconcile", "/reconcile/extend"])
def test_a_json_post_from_another_origin_passes_its_preflight(
    client: FlaskClient, path: str
) -> None:
    preflight = client.options(
        path,
        headers={
            **ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()


def test_writes_stay_closed_to_other_origins(client: FlaskClient) -> None:
    for method in ("POST", "PUT", "DELETE"):
        preflight = client.options(
            "/store?graph=urn:x", headers={**ORIGIN, "Access-Control-Request-Method": method}
        )
        assert "Access-Control-Allow-Origin" not in preflight.headers, method
    preflight = client.options(
        "/update", headers={**ORIGIN, "Access-Control-Request-Method": "POST"}
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers
    write = client.post("/update", data="CLEAR ALL", content_type="application/sparql-update")
    assert "Access-Control-Allow-Origin" not in write.headers
    read = client.get("/store?default", headers=ORIGIN)
    assert read.headers["Access-Control-Allow-Origin"] == "*"
