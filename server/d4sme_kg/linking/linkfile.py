"""The reviewable links file (Turtle): read it, keep people's decisions, write it back.

Every link is a ``kgo:Link`` node (rdf:subject/predicate/object, method, score, evidence,
date, review status, and who decided). Only an accepted link is also asserted as the
plain triple, so ordinary queries see it; a candidate or a rejected link never is.
A link decided by a person (attributed to anyone but the linker) is kept as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from d4sme_kg.errors import KGError
from d4sme_kg.namespaces import SCHEMA, WD, base_namespaces, bind_prefixes

HEADER = (
    "# d4sme-kg links: identity links to Wikidata, each asserted plainly when accepted and\n"
    "# described by a kgo:Link node (method, score, evidence, date, review status, who\n"
    "# decided). Written by `d4sme-kg link wikidata`; decisions of people are kept.\n\n"
)
METHOD = (
    "automatic: exact label or alias match in Korean and English on Wikidata, scored by "
    "name similarity, type (instance of/subclass of), country and post "
    "(d4sme-kg link wikidata)"
)


@dataclass
class LinkRecord:
    """One link node of the file."""

    node: URIRef
    entity: URIRef
    predicate: URIRef
    qid: str
    status: str  # Accepted | Rejected | Candidate
    by_person: bool


class LinkFile:
    """The file's graph and its links, with the operations the linker and review need."""

    def __init__(self, path: Path, base: str) -> None:
        self.path = path
        self.kg = Namespace(base_namespaces(base)["kg"])
        self.kgo = Namespace(base_namespaces(base)["kgo"])
        self.base = base
        self.graph = Graph()
        if path.is_file():
            try:
                self.graph.parse(path, format="turtle")
            except Exception as error:  # rdflib raises several kinds; all mean "unreadable"
                raise KGError(f"{path}: cannot read the links file: {error}") from None
        self.linker = self.kg["d4sme-kg-linker"]

    def records(self) -> list[LinkRecord]:
        found = []
        for node in sorted(self.graph.subjects(RDF.type, self.kgo.Link), key=str):
            status = self.graph.value(node, self.kgo.reviewStatus)
            subject = self.graph.value(node, RDF.subject)
            predicate = self.graph.value(node, RDF.predicate)
            obj = self.graph.value(node, RDF.object)
            if not (
                isinstance(node, URIRef)
                and isinstance(subject, URIRef)
                and isinstance(predicate, URIRef)
                and isinstance(obj, URIRef)
                and status is not None
            ):
                continue
            agents = set(self.graph.objects(node, PROV.wasAttributedTo))
            name = str(status).rsplit("#", 1)[-1]
            by_person = bool(agents - {self.linker}) and name != "Candidate"
            found.append(
                LinkRecord(
                    node, subject, predicate, str(obj).removeprefix(str(WD)), name, by_person
                )
            )
        return found

    def remove(self, record: LinkRecord) -> None:
        self.graph.remove((record.node, None, None))
        self.graph.remove((record.entity, record.predicate, WD[record.qid]))

    def date_of(self, node: URIRef) -> str | None:
        value = self.graph.value(node, DCTERMS.date)
        return str(value) if value is not None else None

    def add(
        self,
        entity: URIRef,
        predicate: URIRef,
        qid: str,
        status: str,
        score: float,
        notes: tuple[str, str],
        date: str,
        agent: URIRef | None = None,
    ) -> URIRef:
        """Add one link node (and the plain triple when accepted)."""
        slug = str(entity).rstrip("/").rsplit("/", 1)[-1]
        node = self.kg[f"link-{slug}-wikidata-{qid.lower()}"]
        g = self.graph
        g.add((node, RDF.type, self.kgo.Link))
        g.add((node, RDF.subject, entity))
        g.add((node, RDF.predicate, predicate))
        g.add((node, RDF.object, WD[qid]))
        g.add((node, self.kgo.reviewStatus, self.kgo[status]))
        g.add((node, self.kgo.linkMethod, Literal(METHOD)))
        g.add((node, self.kgo.score, Literal(Decimal(f"{score:.2f}"), datatype=XSD.decimal)))
        g.add((node, self.kgo.confidence, Literal(confidence(status, score))))
        g.add((node, DCTERMS.date, Literal(date, datatype=XSD.date)))
        g.add((node, PROV.wasAttributedTo, agent or self.linker))
        g.add((node, SKOS.editorialNote, Literal(notes[0], lang="en")))
        g.add((node, SKOS.editorialNote, Literal(notes[1], lang="ko")))
        if status == "Accepted":
            g.add((entity, predicate, WD[qid]))
        self._agent(agent or self.linker)
        return node

    def decide(self, record: LinkRecord, status: str, agent: URIRef, date: str) -> None:
        """A person's decision on a link: new status, who and when; assert only if accepted."""
        g = self.graph
        g.set((record.node, self.kgo.reviewStatus, self.kgo[status]))
        g.set((record.node, PROV.wasAttributedTo, agent))
        g.set((record.node, DCTERMS.date, Literal(date, datatype=XSD.date)))
        score = g.value(record.node, self.kgo.score)
        value = float(str(score)) if score is not None else 0.0
        g.set((record.node, self.kgo.confidence, Literal(confidence(status, value))))
        triple = (record.entity, record.predicate, WD[record.qid])
        if status == "Accepted":
            g.add(triple)
        else:
            g.remove(triple)
        self._agent(agent)

    def _agent(self, agent: URIRef) -> None:
        if (agent, RDF.type, None) in self.graph:
            return
        if agent == self.linker:
            self.graph.add((agent, RDF.type, PROV.SoftwareAgent))
            self.graph.add((agent, RDFS.label, Literal("d4sme-kg linker", lang="en")))
            self.graph.add((agent, RDFS.label, Literal("d4sme-kg 링커", lang="ko")))
        elif agent == self.kg["d4sme-kg-team"]:
            self.graph.add((agent, RDF.type, PROV.Agent))
            self.graph.add((agent, RDFS.label, Literal("d4sme-kg team", lang="en")))
            self.graph.add((agent, RDFS.label, Literal("d4sme-kg 팀", lang="ko")))
        else:
            self.graph.add((agent, RDF.type, PROV.Person))

    def text(self) -> str:
        bind_prefixes(self.graph, self.base)
        body = self.graph.serialize(format="turtle")
        return HEADER + body

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(self.text(), encoding="utf-8")


def confidence(status: str, score: float) -> str:
    if status == "Candidate" or status == "Rejected":
        return "low"
    return "high" if score >= 0.9 else "medium"


def link_predicate(kind: str) -> URIRef:
    """Concepts match with skos:exactMatch, everything else is schema:sameAs."""
    return SKOS.exactMatch if kind == "concept" else SCHEMA.sameAs


def today() -> str:
    return dt.date.today().isoformat()
