"""``d4sme-kg link wikidata``: find, score and record Wikidata links for our entities.

A run is a handful of requests: one batch of names (VALUES ?needle) finds candidate
items by exact label or alias in Korean and English, then batches of items (VALUES
?item) bring their names, types and context. Everything else happens here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import click
from rdflib import URIRef

from d4sme_kg.linking import terms
from d4sme_kg.linking.client import SparqlClient
from d4sme_kg.linking.entities import WD, Entity, country_items, graph_store, linkable_entities
from d4sme_kg.linking.linkfile import LinkFile, link_predicate
from d4sme_kg.linking.scoring import ROOTS, Decision, Item, Score, decide, score_item
from d4sme_kg.project import Project
from d4sme_kg.queries import shipped_query

NEEDLES_PER_REQUEST = 120
ITEMS_PER_REQUEST = 60
FIRST = ("country", "city", "place")  # linked first: the others use their country


@dataclass
class Run:
    """The outcome of one run: the decisions and the entities a person already settled."""

    decisions: list[Decision] = field(default_factory=list)
    kept: list[Entity] = field(default_factory=list)


def chunks(values: Sequence[str], size: int) -> list[Sequence[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)] or []


def needles(entity: Entity) -> list[str]:
    """Every name of the entity as a language-tagged literal, as Wikidata stores names."""
    found = []
    for source in (entity.labels, entity.aliases):
        for lang, texts in source.items():
            found += [terms.literal(text, lang) for text in texts]
    return found


def fetch_items(
    client: SparqlClient, qids: Sequence[str], step: Callable[[], None]
) -> dict[str, Item]:
    """Names, types and context of the items, in batches."""
    items = {qid: Item(qid) for qid in qids}
    names_query, facts_query = (
        shipped_query("linking/wikidata-names"),
        shipped_query("linking/wikidata-facts"),
    )
    roots = [terms.iri(WD + q) for q in ROOTS]
    for batch in chunks(list(qids), ITEMS_PER_REQUEST):
        values = [terms.iri(WD + q) for q in batch]
        for row in client.select(terms.fill(names_query, {"item": values})):
            item = items[row["item"]["value"].removeprefix(WD)]
            lang = row["name"].get("xml:lang", "")
            text, kind = row["name"]["value"], row["kind"]["value"]
            if kind == "description":
                item.descriptions.setdefault(lang, text)
            else:
                target = item.labels if kind == "label" else item.aliases
                target.setdefault(lang, []).append(text)
        step()
        text = terms.fill(facts_query, {"item": values, "root": roots})
        for row in client.select(text):
            item = items[row["item"]["value"].removeprefix(WD)]
            fact, value = row["fact"]["value"], row["value"]["value"].removeprefix(WD)
            if fact == "type":
                item.roots.add(value)
            elif fact == "superclass":
                item.is_class = True
            elif fact == "country":
                item.countries.add(value)
            elif fact == "occupation":
                item.occupations.add(value)
            elif fact == "position":
                item.positions.append(row.get("valueLabel", {}).get("value", value))
        step()
    for item in items.values():  # stable order whatever order the endpoint answered in
        for source in (item.labels, item.aliases):
            for lang in source:
                source[lang] = sorted(set(source[lang]))
        item.positions.sort()
    return items


def link_wikidata(
    project: Project, links: LinkFile, client: SparqlClient, progress: bool = True
) -> Run:
    """Score candidates for every entity that no person has settled yet."""
    store = graph_store(project)
    records = links.records()
    settled = {r.entity for r in records if r.by_person and r.status == "Accepted"}
    rejected: dict[str, set[str]] = {}
    for record in records:
        if record.status == "Rejected":
            rejected.setdefault(str(record.entity), set()).add(record.qid)
    run = Run()
    todo: list[Entity] = []
    for entity in linkable_entities(project, store):
        (run.kept if URIRef(entity.iri) in settled else todo).append(entity)
    by_needle: dict[str, list[Entity]] = {}
    for entity in todo:
        for needle in needles(entity):
            by_needle.setdefault(needle, []).append(entity)
    needle_batches = chunks(sorted(by_needle), NEEDLES_PER_REQUEST)
    found: dict[str, set[str]] = {}
    query = shipped_query("linking/wikidata-candidates")
    with _bar(progress, len(needle_batches) * 3) as bar:
        for batch in needle_batches:
            for row in client.select(terms.fill(query, {"needle": list(batch)})):
                needle = _needle(row["needle"])
                qid = row["item"]["value"].removeprefix(WD)
                for entity in by_needle.get(needle, []):
                    found.setdefault(entity.iri, set()).add(qid)
            bar.update(1)
        qids = sorted({q for s in found.values() for q in s}, key=lambda q: int(q[1:]))
        items = fetch_items(client, qids, lambda: bar.update(1))
    countries = country_items(store, project)
    ordered = sorted(todo, key=lambda e: (e.kind not in FIRST, e.iri))
    for entity in ordered:
        scores = [
            score_item(entity, items[q], countries) for q in sorted(found.get(entity.iri, set()))
        ]
        decision = decide(entity, scores, rejected.get(entity.iri, set()))
        if decision.accepted and entity.kind == "country":
            countries[entity.iri] = decision.accepted.item.qid
        run.decisions.append(decision)
    run.decisions.sort(key=lambda d: d.entity.iri)
    return run


def _needle(binding: dict[str, str]) -> str:
    return terms.literal(binding["value"], binding.get("xml:lang") or None)


def _bar(progress: bool, length: int):  # type: ignore[no-untyped-def]
    return (
        click.progressbar(
            length=max(1, length), label="asking Wikidata", file=sys.stderr, show_eta=False
        )
        if progress
        else _NoBar()
    )


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *args: object) -> None:
        return None

    def update(self, steps: int) -> None:
        return None


def record(links: LinkFile, run: Run, date: str) -> None:
    """Replace the linker's own links by this run's; a person's decisions stay as they are.

    A link the run finds again unchanged keeps its date, so a rerun writes the same file.
    """
    previous = {}
    for old in links.records():
        if not old.by_person:
            previous[(str(old.entity), old.qid, old.status)] = links.date_of(old.node)
            links.remove(old)
    for decision in run.decisions:
        entity = decision.entity
        chosen = (
            [(decision.accepted, "Accepted")]
            if decision.accepted
            else [(c, "Candidate") for c in decision.candidates]
        )
        for score, status in chosen:
            assert score is not None
            when = previous.get((entity.iri, score.item.qid, status)) or date
            links.add(
                URIRef(entity.iri),
                link_predicate(entity.kind),
                score.item.qid,
                status,
                score.total,
                notes(decision, score, status),
                when,
            )


def notes(decision: Decision, score: Score, status: str) -> tuple[str, str]:
    """The evidence of one link, in English and Korean."""
    item = score.item
    why = "; ".join(score.reasons)
    described = item.descriptions.get("en") or item.descriptions.get("ko") or "no description"
    losers = ", ".join(
        f"{s.item.qid} ({s.dropped or f'{s.total:.2f}'})" for s in decision.dropped[:4]
    )
    lost = f" Also considered: {losers}." if losers else ""
    state = "accepted automatically" if status == "Accepted" else "candidate for review"
    english = (
        f"{state}, score {score.total:.2f}: {why}. Wikidata {item.qid} "
        f"'{item.name('en')}': {described}.{lost}"
    )
    state_ko = "자동 승인" if status == "Accepted" else "검토 대기 후보"
    korean = (
        f"{state_ko}, 점수 {score.total:.2f}: {why}. 위키데이터 {item.qid} "
        f"'{item.name('ko')}'.{' 함께 검토한 항목: ' + losers + '.' if losers else ''}"
    )
    return english, korean


def summary(run: Run) -> str:
    """The table printed after a run: one line per entity."""
    rows = [("entity", "kind", "outcome", "item", "score", "why")]
    for decision in run.decisions:
        best = decision.accepted or (decision.candidates[0] if decision.candidates else None)
        rows.append(
            (
                decision.entity.slug,
                decision.entity.kind,
                decision.outcome,
                best.item.qid if best else "",
                f"{best.total:.2f}" if best else "",
                _why(decision, best),
            )
        )
    rows += [
        (e.slug, e.kind, "kept (reviewed)", ",".join(sorted(e.items)), "", "") for e in run.kept
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r[:5], widths, strict=True)) + "  " + r[5]
        for r in rows
    ]
    lines.insert(1, "-" * (sum(widths) + 14))
    counts = {
        o: sum(d.outcome == o for d in run.decisions)
        for o in ("accepted", "candidate", "not found")
    }
    lines.append(
        f"{counts['accepted']} accepted, {counts['candidate']} with candidates for "
        f"review, {counts['not found']} not found, {len(run.kept)} kept as reviewed"
    )
    return "\n".join(lines)


def _why(decision: Decision, best: Score | None) -> str:
    if best is None:
        return "; ".join(f"{s.item.qid}: {s.dropped}" for s in decision.dropped[:2]) or ""
    return "; ".join(best.reasons)[:110]


def write_or_show(links: LinkFile, dry_run: bool, out: Callable[[str], None]) -> None:
    if dry_run:
        out("dry run: nothing written")
    else:
        links.write()
        out(f"wrote {links.path}")


__all__ = ["Run", "link_wikidata", "record", "summary", "write_or_show"]
