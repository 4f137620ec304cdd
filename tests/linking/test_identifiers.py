"""The shipped data/links/ matches the Wikidata table of identifiers.md exactly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import SKOS

from d4sme_kg.namespaces import SCHEMA, WD

REPO = Path(__file__).resolve().parents[2]
COPY = REPO / "tests" / "fixtures" / "wikidata" / "expected-links.md"
SHARED = REPO.parent / "shared" / "reference" / "identifiers.md"
KG = "https://w3id.org/d4sme-kg/id/"
ROW = re.compile(
    r"^\|\s*(?P<entity>[^|]+?)\s*\|\s*(?P<qid>Q\d+)\s*\|\s*(?P<conf>\w+)\s*\|"
    r"(?:\s*(?P<slug>[^|]+?)\s*\|)?\s*$"
)


def table(path: Path) -> dict[str, tuple[str, str]]:
    """QID -> (entity as written, confidence) of the Wikidata table in ``path``."""
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line.strip())
        if match:
            rows[match["qid"]] = (match["entity"], match["conf"])
    return rows


def expected_links() -> set[tuple[str, str]]:
    """(slug, QID) pairs of the table copy; rows without an entity are left out."""
    pairs = set()
    for line in COPY.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line.strip())
        if match and match["slug"] and match["slug"] != "-":
            pairs.add((match["slug"], match["qid"]))
    return pairs


def shipped() -> set[tuple[str, str]]:
    graph = Graph().parse(REPO / "data" / "links" / "wikidata.ttl")
    return {
        (str(s).removeprefix(KG), str(o).removeprefix(str(WD)))
        for p in (SCHEMA.sameAs, SKOS.exactMatch)
        for s, o in graph.subject_objects(p)
    }


def test_shipped_links_match_the_copy() -> None:
    assert shipped() == expected_links()


@pytest.mark.skipif(not SHARED.is_file(), reason=f"{SHARED} is absent")
def test_copy_matches_identifiers_md() -> None:
    assert table(SHARED) == table(COPY)
    assert {q for _, q in shipped()} == {
        q for q, (e, _) in table(SHARED).items() if "social network service" not in e
    }


def test_only_high_or_medium() -> None:
    assert all(conf in ("high", "medium") for _, conf in table(COPY).values())
