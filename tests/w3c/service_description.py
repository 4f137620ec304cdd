"""The service description tests (``sparql11/service-description``): the description
the endpoint serves, checked for its languages, features and dataset."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .manifests import RDF, RDF_MEDIA, SD, Manifest
from .outcomes import Outcome
from .suite_server import Server

SD_LANGUAGES = {SD + "SPARQL10Query", SD + "SPARQL11Query", SD + "SPARQL11Update"}
SD_FEATURES = {
    SD + n
    for n in (
        "DereferencesURIs",
        "UnionDefaultGraph",
        "RequiresDataset",
        "EmptyGraphs",
        "BasicFederatedQuery",
    )
}
#: sd properties: (domain class, range class or "iri" / "literal" / None for any)
SD_SCHEMA: dict[str, tuple[str, str | None]] = {
    "endpoint": ("Service", "iri"),
    "supportedLanguage": ("Service", "Language"),
    "resultFormat": ("Service", "iri"),
    "inputFormat": ("Service", "iri"),
    "feature": ("Service", "Feature"),
    "defaultEntailmentRegime": ("Service", "iri"),
    "defaultSupportedEntailmentProfile": ("Service", "iri"),
    "extensionFunction": ("Service", "Function"),
    "extensionAggregate": ("Service", "Aggregate"),
    "languageExtension": ("Service", "Feature"),
    "propertyFeature": ("Service", "Feature"),
    "defaultDataset": ("Service", "Dataset"),
    "availableGraphs": ("Service", "GraphCollection"),
    "defaultGraph": ("Dataset", "Graph"),
    "namedGraph": ("GraphCollection", "NamedGraph"),
    "name": ("NamedGraph", "iri"),
    "graph": ("NamedGraph", "Graph"),
    "entailmentRegime": (None, "iri"),  # type: ignore[dict-item]
    "supportedEntailmentProfile": (None, "iri"),  # type: ignore[dict-item]
}
#: Subclasses the schema declares (sd:Dataset is an sd:GraphCollection).
SD_SUBCLASSES = {"Dataset": {"GraphCollection"}}


def check_service_description(graph: ox.Store, endpoint: str) -> dict[str, str | None]:
    """The failures (or None) of the three service description tests, by local name."""
    sd_type = ox.NamedNode(RDF + "type")

    def types_of(node: Any) -> set[str]:
        names = set()
        for quad in graph.quads_for_pattern(node, sd_type, None, None):
            if quad.object.value.startswith(SD):
                local = quad.object.value[len(SD) :]
                names |= {local, *SD_SUBCLASSES.get(local, set())}
        return names

    services = [
        q.subject
        for q in graph.quads_for_pattern(None, sd_type, ox.NamedNode(SD + "Service"), None)
    ]
    results: dict[str, str | None] = {}
    endpoints = [
        q
        for q in graph.quads_for_pattern(
            None, ox.NamedNode(SD + "endpoint"), ox.NamedNode(endpoint), None
        )
    ]
    results["has-endpoint-triple"] = (
        None if endpoints else f"no triple ?service sd:endpoint <{endpoint}>"
    )
    problems = []
    if not services:
        problems.append("no sd:Service")
    for service in services:
        if not graph.quads_for_pattern(service, ox.NamedNode(SD + "endpoint"), None, None):
            problems.append(f"{service} has no sd:endpoint")
        languages = {
            q.object.value
            for q in graph.quads_for_pattern(
                service, ox.NamedNode(SD + "supportedLanguage"), None, None
            )
        }
        if not languages:
            problems.append(f"{service} has no sd:supportedLanguage")
        problems += [f"unknown language {lang}" for lang in languages - SD_LANGUAGES]
    for quad in graph.quads_for_pattern(None, None, None, None):
        predicate = quad.predicate.value
        if not predicate.startswith(SD):
            continue
        local = predicate[len(SD) :]
        if local not in SD_SCHEMA:
            problems.append(f"sd:{local} is not in the SPARQL service description vocabulary")
            continue
        domain, rng = SD_SCHEMA[local]
        if domain and domain not in types_of(quad.subject):
            problems.append(f"{quad.subject} uses sd:{local} but is not an sd:{domain}")
        if rng == "iri" and not isinstance(quad.object, ox.NamedNode):
            problems.append(f"sd:{local} of {quad.subject} is not an IRI: {quad.object}")
        elif rng in ("Language", "Feature"):
            if not isinstance(quad.object, ox.NamedNode):
                problems.append(f"sd:{local} value {quad.object} is not an IRI")
            elif (
                rng == "Feature"
                and local == "feature"
                and quad.object.value.startswith(SD)
                and quad.object.value not in SD_FEATURES
            ):
                problems.append(f"unknown feature {quad.object}")
        elif (
            rng
            and rng != "iri"
            and rng not in types_of(quad.object)
            and not (rng == "Graph" and isinstance(quad.object, ox.NamedNode))
        ):
            problems.append(f"sd:{local} value {quad.object} is not typed sd:{rng}")
    results["conforms-to-schema"] = "; ".join(sorted(set(problems))[:8]) or None
    return results


def run_service_description(server: Server, sparql11: Path) -> list[Outcome]:
    manifest = Manifest(sparql11 / "service-description" / "manifest.ttl")
    started = time.perf_counter()
    status, content_type, body = server.request("GET", "/sparql", {"Accept": "text/turtle"})
    graph = ox.Store()
    problem: str | None = None
    if status != 200:
        problem = f"HTTP {status}: {body.decode('utf-8', 'replace')[:200]}"
    else:
        media = content_type.split(";")[0].strip()
        if media not in RDF_MEDIA:
            problem = f"the answer is {media!r}, not RDF"
        else:
            try:
                graph.extend(
                    ox.parse(
                        body, format=ox.RdfFormat.from_media_type(media), base_iri=server.endpoint
                    )
                )
            except SyntaxError as error:
                problem = f"the RDF does not parse: {error}"
    checks = check_service_description(graph, server.endpoint) if problem is None else {}
    outcomes = []
    for entry in manifest.entries():
        if not manifest.approved(entry):
            continue
        local = entry.value.rsplit("#", 1)[-1]
        reason = problem if problem is not None else checks.get(local)
        outcomes.append(
            Outcome(
                "service-description",
                entry.value,
                manifest.name(entry),
                "failed" if reason else "passed",
                reason or "",
                seconds=time.perf_counter() - started,
            )
        )
    return outcomes
