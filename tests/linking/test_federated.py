"""The named federated query, run by our server against the local Wikidata fixture.

The query names Wikidata's endpoint; the test reads the .rq text and replaces that IRI
with the fixture endpoint's, which the server allows with --federate.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from ..servers import d4sme_server, http

QUERY = Path(__file__).resolve().parents[2] / "queries" / "linking" / "wikidata-federated.rq"
WIKIDATA = "https://query.wikidata.org/sparql"


def test_federated_query_joins_with_the_fixture(wikidata: str) -> None:
    text = QUERY.read_text(encoding="utf-8")
    assert f"SERVICE <{WIKIDATA}>" in text
    local = text.replace(WIKIDATA, wikidata)
    with d4sme_server(["--federate", wikidata, "--workers", "1"]) as base:
        reply = http(
            "POST",
            base + "/sparql",
            urlencode({"query": local}),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json",
            },
            timeout=60,
        )
    assert reply.status == 200, reply.text
    rows = reply.json()["results"]["bindings"]
    found = {r["entity"]["value"].rsplit("/", 1)[-1]: r for r in rows}
    assert found["paris"]["description"]["value"] == "capital of France"
    assert found["facebook"]["wikidataLabel"]["value"] == "Meta Platforms"
    assert len(found) == 16
