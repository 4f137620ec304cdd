"""The service's write path: validation and commit of one write are one critical section."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from d4sme_kg.service import KnowledgeGraphService
from d4sme_kg.settings import Settings
from d4sme_kg.startup import open_service

KAKAO_EN = (
    "PREFIX kg: <https://w3id.org/d4sme-kg/id/> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    'SELECT ?l { kg:kakao rdfs:label ?l FILTER(LANG(?l) = "en") }'
)


@pytest.fixture
def service() -> Iterator[KnowledgeGraphService]:
    service = open_service(Settings(update_token="t", validate=False, workers=1))
    yield service
    service.backend.close()


def english_labels(service: KnowledgeGraphService) -> list[str]:
    answer = service.query(KAKAO_EN, result_format="tsv")
    return answer.body.decode().splitlines()[1:]


def test_a_slow_commit_cannot_let_another_write_validate_against_stale_data(
    service: KnowledgeGraphService, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A commit that takes a while (a slow disk, a busy evaluator): if the lock were let
    # go between validation and commit, the next writer would validate its change
    # against the data before this one, and both would commit: two English labels.
    apply = service.backend.apply

    def slow_apply(add: bytes, remove: bytes) -> None:
        time.sleep(0.2)
        apply(add, remove)

    monkeypatch.setattr(service.backend, "apply", slow_apply)

    def replace_label(name: str) -> None:
        service.update(
            "PREFIX kg: <https://w3id.org/d4sme-kg/id/> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "DELETE { GRAPH ?g { kg:kakao rdfs:label ?l } } "
            f'INSERT {{ GRAPH ?g {{ kg:kakao rdfs:label "{name}"@en }} }} '
            'WHERE { GRAPH ?g { kg:kakao rdfs:label ?l FILTER(LANG(?l) = "en") } }'
        )

    writers = [threading.Thread(target=replace_label, args=(f"Kakao {i}",)) for i in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    labels = english_labels(service)
    assert len(labels) == 1 and labels[0].startswith('"Kakao ')
