"""Scaling out: two of our servers on one Virtuoso answer alike and see its changes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from urllib.parse import urlencode

import pytest

from d4sme_kg.loading import KnowledgeGraph

from ..servers import ServerURL, d4sme_server, http
from .conftest import load_project_graphs, need_virtuoso
from .virtuoso import Virtuoso, virtuoso_server

KG = "https://w3id.org/d4sme-kg/id/"
NEW_LABEL = "Kakao Corp. (a label added in Virtuoso)"
ASK_NEW = f'ASK {{ <{KG}kakao> rdfs:label "{NEW_LABEL}"@en }}'


@pytest.fixture(scope="module")
def virtuoso(kg: KnowledgeGraph) -> Iterator[Virtuoso]:
    need_virtuoso()
    with virtuoso_server() as server:
        load_project_graphs(server, kg)
        yield server


@pytest.fixture(scope="module")
def replicas(virtuoso: Virtuoso) -> Iterator[list[ServerURL]]:
    """Two servers on the one Virtuoso, as behind a load balancer."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                d4sme_server(["--store", f"sparql+{virtuoso.endpoint}", "--workers", "1"])
            )
            for _ in range(2)
        ]


@pytest.mark.parametrize(
    "path",
    [
        "/healthz",
        "/queries/quotes-on-line?line=11&format=json",
        "/id/kakao.nt",
        "/sparql?" + urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}),
    ],
)
def test_two_servers_on_one_virtuoso_answer_alike(replicas: list[ServerURL], path: str) -> None:
    first, second = (http("GET", base + path) for base in replicas)
    assert first.status == second.status == 200, first.text
    if path == "/healthz":
        left, right = first.json(), second.json()
        assert left["triples"] == right["triples"] > 6000
        assert left["ready"] is right["ready"] is True
    elif path.endswith(".nt"):
        assert sorted(first.text.splitlines()) == sorted(second.text.splitlines())
    else:
        assert first.json() == second.json()


def test_a_change_in_virtuoso_is_seen_by_both(
    virtuoso: Virtuoso, replicas: list[ServerURL], kg: KnowledgeGraph
) -> None:
    ask = "/sparql?" + urlencode({"query": ASK_NEW})
    assert [http("GET", base + ask).json()["boolean"] for base in replicas] == [False, False]
    graph = kg.project.graph_iri("data")
    virtuoso.isql(
        f"SPARQL INSERT DATA {{ GRAPH <{graph}> {{ <{KG}kakao> "
        f'<http://www.w3.org/2000/01/rdf-schema#label> "{NEW_LABEL}"@en }} }};'
    )
    assert [http("GET", base + ask).json()["boolean"] for base in replicas] == [True, True]
    for base in replicas:
        assert NEW_LABEL in http("GET", base + "/id/kakao.nt").text
