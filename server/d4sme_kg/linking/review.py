"""Interactive review of candidate links (``d4sme-kg link wikidata --review``).

The decision is written back into the links file: an accepted link gets its plain
triple, a rejected one is kept (so that no rerun proposes it again) but never asserted.
"""

from __future__ import annotations

import click
from rdflib import URIRef
from rdflib.namespace import RDFS, SKOS

from d4sme_kg.linking.linkfile import LinkFile

CHOICES = {"a": "Accepted", "r": "Rejected", "s": None}


def review(links: LinkFile, reviewer: URIRef, date: str) -> dict[str, int]:
    """Ask about every candidate in the file; returns how many were accepted/rejected."""
    counts = {"accepted": 0, "rejected": 0, "skipped": 0}
    settled: set[URIRef] = set()
    candidates = [r for r in links.records() if r.status == "Candidate"]
    if not candidates:
        click.echo("no candidates to review")
        return counts
    for record in candidates:
        if record.entity in settled:
            counts["skipped"] += 1
            continue
        score = links.graph.value(record.node, links.kgo.score)
        notes = [
            str(n)
            for n in links.graph.objects(record.node, SKOS.editorialNote)
            if getattr(n, "language", None) == "en"
        ]
        click.echo(f"\n{_name(links, record.entity)}  ->  wd:{record.qid}  (score {score})")
        for note in notes:
            click.echo(f"  {note}")
        answer = click.prompt(
            "  [a]ccept, [r]eject, [s]kip, [q]uit",
            type=click.Choice(["a", "r", "s", "q"]),
            default="s",
            show_choices=False,
        )
        if answer == "q":
            break
        status = CHOICES[answer]
        if status is None:
            counts["skipped"] += 1
            continue
        links.decide(record, status, reviewer, date)
        counts["accepted" if status == "Accepted" else "rejected"] += 1
        if status == "Accepted":
            settled.add(record.entity)  # one identity per entity: the others wait
    return counts


def _name(links: LinkFile, entity: URIRef) -> str:
    return str(entity).rsplit("/", 1)[-1] + "".join(
        f" {label}" for label in sorted(str(v) for v in links.graph.objects(entity, RDFS.label))
    )
