from d4sme_kg.project import CONTENT_PARTS

from ..servers import http


def test_healthz_reports_liveness_readiness_and_size(server: str) -> None:
    reply = http("GET", f"{server}/healthz")
    assert reply.status == 200
    health = reply.json()
    assert health["live"] is True and health["ready"] is True
    assert health["triples"] > 4000
    assert health["namedGraphs"] == len(CONTENT_PARTS)
    assert health["writes"] is False
    assert reply.headers["cache-control"] == "no-store"
