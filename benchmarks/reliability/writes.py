"""The writes the sections make, and how they read back what the store holds.

Each write adds one triple no other write adds, so that what the store holds afterwards
says exactly which writes are in it: ``kg:kakao skos:altLabel "<marker>"@en`` (the
shapes allow any number of alternative labels). A write meant to be refused adds its
marker label together with a fact that has no claim (``schema:foundingDate``), which
breaks the provenance rule: 422, and neither triple may then be found.
"""

from __future__ import annotations

import json

from .client import Answer, Client
from .harness import TOKEN

PREFIXES = (
    "PREFIX kg: <https://w3id.org/d4sme-kg/id/> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "PREFIX schema: <https://schema.org/> "
)
DATA_GRAPH = "<https://w3id.org/d4sme-kg/graph/data>"


def add_label(client: Client, marker: str, valid: bool = True) -> Answer:
    """Insert the marker label; with ``valid=False``, also a fact the shapes refuse."""
    triples = f'kg:kakao skos:altLabel "{marker}"@en .'
    if not valid:
        triples += f' kg:kakao schema:foundingDate "{marker}" .'
    text = f"{PREFIXES}INSERT DATA {{ GRAPH {DATA_GRAPH} {{ {triples} }} }}"
    return client.update(TOKEN, text)


def markers(client: Client, prefix: str, tag: str = "") -> set[str] | None:
    """Every marker label starting with ``prefix`` in the store, or None when the query
    was not answered; ``tag`` makes the query distinct (another evaluator may take it)."""
    query = (
        f"{PREFIXES}SELECT ?m WHERE {{ {{ kg:kakao skos:altLabel ?m }} UNION "
        f"{{ kg:kakao schema:foundingDate ?m }} FILTER(STRSTARTS(STR(?m), "
        f'"{prefix}")) }} # {tag}'
    )
    answer = client.query_get(query)
    if answer.status != 200:
        return None
    rows = json.loads(answer.body)["results"]["bindings"]
    return {row["m"]["value"] for row in rows}


def english_labels(client: Client, tag: str = "") -> list[str] | None:
    """Kakao's rdfs:label values in English, or None when the query was not answered."""
    query = (
        f"{PREFIXES}SELECT ?l WHERE {{ kg:kakao rdfs:label ?l "
        f'FILTER(LANGMATCHES(LANG(?l), "en")) }} # {tag}'
    )
    answer = client.query_get(query)
    if answer.status != 200:
        return None
    return sorted(row["l"]["value"] for row in json.loads(answer.body)["results"]["bindings"])
