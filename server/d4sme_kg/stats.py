"""Counts that tell a person what a loaded project holds."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS, SKOS

from d4sme_kg.loading import KnowledgeGraph

LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)


@dataclass(frozen=True)
class Stats:
    triples_per_part: dict[str, int]
    instances_per_class: dict[str, int]
    labels_per_language: dict[str, int]

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {
            "triples_per_graph": self.triples_per_part,
            "instances_per_class": self.instances_per_class,
            "labels_per_language": self.labels_per_language,
        }

    def text(self) -> str:
        rows = ["Triples per graph:"]
        rows += [f"  {part:<12} {count:>7}" for part, count in self.triples_per_part.items()]
        rows.append("Instances per class:")
        rows += [f"  {name:<40} {count:>5}" for name, count in self.instances_per_class.items()]
        rows.append("Labels per language:")
        rows += [f"  {lang:<12} {count:>7}" for lang, count in self.labels_per_language.items()]
        return "\n".join(rows)


def compute_stats(kg: KnowledgeGraph) -> Stats:
    """Triples per part, instances per class of the data, labels per language tag."""
    triples = {part: len(graph) for part, graph in kg.parts.items()}
    triples["total"] = sum(triples.values())
    data = Graph()
    for part in ("data", "links"):
        if part in kg.parts:
            for triple in kg.parts[part]:
                data.add(triple)
    namespaces = kg.parts.get("ontology", data).namespace_manager
    classes = Counter(o.n3(namespaces) for o in data.objects(None, RDF.type))
    languages: Counter[str] = Counter()
    for graph in kg.parts.values():
        for prop in LABEL_PROPERTIES:
            for label in graph.objects(None, prop):
                if isinstance(label, Literal):
                    languages[label.language or "(none)"] += 1
    return Stats(
        triples,
        dict(sorted(classes.items(), key=lambda item: (-item[1], item[0]))),
        dict(sorted(languages.items())),
    )
