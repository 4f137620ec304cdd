"""What the linker links: our entities, their names and their context, read from the graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from d4sme_kg.loading import load_project
from d4sme_kg.namespaces import prefixes
from d4sme_kg.project import Project
from d4sme_kg.queries import shipped_query

WD = "http://www.wikidata.org/entity/"

#: When an entity has several classes, the most specific kind decides how it is compared.
KIND_ORDER = ("person", "country", "city", "place", "company", "organization", "service", "concept")


@dataclass
class Entity:
    """One entity of ours: its names by language and what we know around it."""

    iri: str
    kind: str
    labels: dict[str, list[str]] = field(default_factory=dict)  # lang -> preferred labels
    aliases: dict[str, list[str]] = field(default_factory=dict)  # lang -> other names
    countries: set[str] = field(default_factory=set)  # our country IRIs
    posts: list[tuple[str, str]] = field(default_factory=list)  # (post label, role label)
    items: set[str] = field(default_factory=set)  # Wikidata QIDs already linked

    @property
    def slug(self) -> str:
        return self.iri.rstrip("/").rsplit("/", 1)[-1]

    def name(self, lang: str = "en") -> str:
        for source in (self.labels, self.aliases):
            for chosen in (lang, "en", "ko"):
                if source.get(chosen):
                    return source[chosen][0]
        return self.slug


def graph_store(project: Project) -> ox.Store:
    """The project's ontology, data and links in one in-memory store (default graph)."""
    kg = load_project(project, ["ontology", "data", "links"])
    store = ox.Store()
    payload = kg.union(["ontology", "data", "links"]).serialize(format="nt", encoding="utf-8")
    store.load(payload, format=ox.RdfFormat.N_TRIPLES)
    return store


def run(store: ox.Store, project: Project, name: str) -> list[dict[str, Any]]:
    """Run ``queries/linking/{name}.rq`` on ``store``; rows of plain Python values."""
    names = {p: str(ns) for p, ns in prefixes(project.base).items()}
    solutions = store.query(shipped_query(f"linking/{name}"), prefixes=names)
    assert isinstance(solutions, ox.QuerySolutions)  # the linking queries are SELECTs
    variables = [v.value for v in solutions.variables]
    rows = []
    for solution in solutions:
        row = {}
        for variable in variables:
            term = solution[variable]
            if term is None:
                continue
            if isinstance(term, ox.Literal):
                row[variable] = (term.value, term.language)
            else:
                row[variable] = term.value
        rows.append(row)
    return rows


def linkable_entities(project: Project, store: ox.Store | None = None) -> list[Entity]:
    """Every linkable entity with its names and context, sorted by IRI."""
    store = store or graph_store(project)
    found: dict[str, Entity] = {}
    kinds: dict[str, set[str]] = {}
    for row in run(store, project, "entities"):
        iri = row["entity"]
        kinds.setdefault(iri, set()).add(row["kind"][0])
        entity = found.setdefault(iri, Entity(iri, ""))
        text, lang = row["label"]
        lang = "en" if not lang or lang.startswith("en") or lang.endswith("-latn") else lang
        if not lang.startswith("ko") and lang != "en":
            continue
        lang = "ko" if lang.startswith("ko") else lang
        preferred = row["preferred"][0] == "true"
        target = entity.labels if preferred else entity.aliases
        if text not in target.setdefault(lang, []):
            target[lang].append(text)
    for iri, entity in found.items():
        entity.kind = next(k for k in KIND_ORDER if k in kinds[iri])
    for row in run(store, project, "entity-context"):
        entity_or_none = found.get(row["entity"])
        if entity_or_none is None:
            continue
        entity = entity_or_none
        if "country" in row and row["country"] != entity.iri:
            entity.countries.add(row["country"])
        if "postLabel" in row:
            role = row["roleLabel"][0] if "roleLabel" in row else ""
            entity.posts.append((row["postLabel"][0], role))
        if "item" in row and row["item"].startswith(WD):
            entity.items.add(row["item"][len(WD) :])
    return [found[iri] for iri in sorted(found)]


def country_items(store: ox.Store, project: Project) -> dict[str, str]:
    """Our country IRI -> its Wikidata QID, from the links the graph holds."""
    mapping = {}
    for row in run(store, project, "entity-context"):
        if "countryItem" in row and row["countryItem"].startswith(WD):
            mapping[row["country"]] = row["countryItem"][len(WD) :]
    return mapping
