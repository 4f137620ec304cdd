"""Section ``races``: four writers replace Kakao's English label at the same moment.

The shapes allow exactly one ``rdfs:label`` per language (sh:uniqueLang, at most two),
so two writes that each look right alone can break the data together. In each round
four writers start at once (a barrier), each with its own new label:

- two replace it in one update (DELETE/INSERT … WHERE): each must succeed;
- one read the label before the round and deletes that value while inserting its own
  (DELETE DATA; INSERT DATA): when another writer came first, its DELETE finds nothing
  and its INSERT would make two English labels, so it must be refused (422);
- one adds its label by a Graph Store Protocol merge (POST /store): always a second
  English label, always refused.

After every round: every write was answered 200 or 422, Kakao has exactly one English
and one Korean label, and the English one is the label of a write that succeeded. At
the end the whole dataset, exported, is validated against the shapes.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import quote

import pyoxigraph as ox

from .client import Answer, once
from .harness import TOKEN, Check, Options, Server, alive_and_healthy, failing
from .writes import DATA_GRAPH, PREFIXES, english_labels

KAKAO = "https://w3id.org/d4sme-kg/id/kakao"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def run(options: Options) -> list[Check]:
    rounds = options.pick(20, 5)
    began = time.monotonic()
    problems: list[str] = []
    tally = {200: 0, 422: 0}
    with Server(["--workers", "2"], writes=True) as server:
        problems += _conforms(server, "before the rounds")
        for number in range(rounds):
            problems += _round(server, number, tally)
        problems += _conforms(server, "after the rounds")
        healthy, why = alive_and_healthy(server)
        problems += [] if healthy else [why]
    return [
        Check(
            "races",
            f"writes on: {rounds} rounds of 4 writers replacing Kakao's English rdfs:label at "
            "once (2 DELETE/INSERT, 1 from a stale read, 1 Graph Store merge)",
            f"{tally[200]} succeeded, {tally[422]} refused; one English label after every "
            "round; the export conforms to the shapes"
            if not problems
            else f"{tally[200]} succeeded, {tally[422]} refused",
            not problems,
            failing(problems),
            time.monotonic() - began,
        )
    ]


def _round(server: Server, number: int, tally: dict[int, int]) -> list[str]:
    labels = [f"Kakao (race {number}.{w})" for w in range(4)]
    before = english_labels(once(server.port), f"round {number}")
    if not before:
        return [f"round {number}: Kakao's English label could not be read: {before}"]
    stale = before[0]
    barrier = threading.Barrier(4)
    answers: list[Answer | None] = [None] * 4

    def write(w: int) -> None:
        client = once(server.port, 60)
        new = _literal(labels[w])
        if w < 2:
            text = (
                f"{PREFIXES}DELETE {{ GRAPH ?g {{ kg:kakao rdfs:label ?old }} }} "
                f"INSERT {{ GRAPH {DATA_GRAPH} {{ kg:kakao rdfs:label {new} }} }} "
                f"WHERE {{ GRAPH ?g {{ kg:kakao rdfs:label ?old "
                f'FILTER(LANGMATCHES(LANG(?old), "en")) }} }}'
            )
        elif w == 2:
            text = (
                f"{PREFIXES}DELETE DATA {{ GRAPH {DATA_GRAPH} {{ kg:kakao rdfs:label "
                f"{_literal(stale)} }} }} ; INSERT DATA {{ GRAPH {DATA_GRAPH} {{ kg:kakao "
                f"rdfs:label {new} }} }}"
            )
        barrier.wait()
        if w == 3:
            triple = f"<{KAKAO}> <{LABEL}> {new} .\n".encode()
            headers = {"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"}
            graph = quote(DATA_GRAPH.strip("<>"), safe="")
            answers[w] = client.send("POST", f"/store?graph={graph}", triple, headers, retry=False)
        else:
            answers[w] = client.update(TOKEN, text)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    problems = []
    succeeded = set()
    for w, answer in enumerate(answers):
        status = answer.status if answer is not None else None
        if status in tally:
            tally[status] += 1
        if status == 200:
            succeeded.add(labels[w])
        elif status != 422:
            problems.append(f"round {number}, writer {w}: {answer and answer.describe()}")
    for w in (0, 1):
        if labels[w] not in succeeded:
            problems.append(f"round {number}: the atomic replacement of writer {w} failed")
    if labels[3] in succeeded:
        problems.append(f"round {number}: a second English label was accepted by /store")
    after = english_labels(once(server.port), f"after round {number}")
    if after is None or len(after) != 1 or after[0] not in succeeded:
        problems.append(
            f"round {number}: English labels {after}, writes that succeeded {sorted(succeeded)}"
        )
    korean = once(server.port).query_get(
        f"{PREFIXES}SELECT (COUNT(*) AS ?n) WHERE {{ kg:kakao rdfs:label ?l "
        f'FILTER(LANG(?l) = "ko") }} # {number}'
    )
    if korean.status != 200 or b'"value":"1"' not in korean.body:
        problems.append(f"round {number}: Kakao's Korean labels: {korean.describe()}")
    return problems


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"@en'


def _conforms(server: Server, when: str) -> list[str]:
    """The dataset as the server exports it, checked against the project's shapes (what
    ``d4sme-kg validate`` runs), in this process."""
    from d4sme_kg.loading import load_project
    from d4sme_kg.project import Project
    from d4sme_kg.service import to_rdflib
    from d4sme_kg.validation import validate_graph

    export = once(server.port, 60).send("GET", "/export.nq")
    if export.status != 200:
        return [f"{when}: the export failed: {export.describe()}"]
    quads = set(ox.parse(export.body, format=ox.RdfFormat.N_QUADS))
    project = Project.from_root()
    shapes = load_project(project, ["shapes"]).parts["shapes"]
    report = validate_graph(to_rdflib(quads), shapes)
    if report.conforms:
        return []
    return [
        f"{when}: the export does not conform: {r.focus} {r.path}: {r.message('en')}"
        for r in report.violations[:3]
    ]
