"""SHACL shape tests: small hand-written graphs that must conform or must fail.

- ``tests/shapes/valid/*.ttl`` must conform (Warnings allowed).
- ``tests/shapes/invalid/*.ttl`` state the results they expect inside
  themselves as ``kgsh:ExpectedResult`` nodes (focus node, result path,
  constraint component, severity; plus ``sh:sourceShape`` for SPARQL
  constraints, whose component alone does not say which rule fired). The
  expectation triples are removed before validation, and the set of actual
  results must equal the expected set exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from d4sme_kg.validation import validate_graph

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "shapes"
ONTOLOGY_FILES = [
    ROOT / "ontology" / "d4sme.ttl",
    ROOT / "ontology" / "imports" / "standard-terms.ttl",
]
SHAPES_FILES = [ROOT / "ontology" / "shapes.ttl", ROOT / "ontology" / "shapes-recommended.ttl"]

SH = Namespace("http://www.w3.org/ns/shacl#")
KGSH = Namespace("https://w3id.org/d4sme-kg/shapes#")

ResultKey = tuple[Node, Node | None, Node, Node, Node | None]


def _load(paths: list[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


_SHAPES = _load(SHAPES_FILES)
_ONTOLOGY = _load(ONTOLOGY_FILES)


def validate(data: Graph, engine: str = "hybrid") -> tuple[bool, Graph]:
    """Validate as the project does: the ontology travels with the data."""
    report = validate_graph(data + _ONTOLOGY, _SHAPES, engine=engine)
    return report.conforms, report.graph


def _key(graph: Graph, node: Node) -> ResultKey:
    """(focus, path, component, severity, source shape for SPARQL results)."""
    component = graph.value(node, SH.sourceConstraintComponent)
    source = None
    if component == SH.SPARQLConstraintComponent:
        source = graph.value(node, SH.sourceShape)
    return (
        graph.value(node, SH.focusNode),
        graph.value(node, SH.resultPath),
        component,
        graph.value(node, SH.resultSeverity),
        source,
    )


def actual_results(results: Graph) -> set[ResultKey]:
    return {_key(results, r) for r in results.subjects(RDF.type, SH.ValidationResult)}


def split_expectations(graph: Graph) -> set[ResultKey]:
    """Take the kgsh:ExpectedResult nodes out of ``graph`` and return them as keys."""
    expected = set()
    for node in list(graph.subjects(RDF.type, KGSH.ExpectedResult)):
        expected.add(_key(graph, node))
        graph.remove((node, None, None))
    return expected


@cache
def _run_case(path: Path) -> tuple[Graph, set[ResultKey], Graph]:
    """Parse a case, take out its expectations, validate it (cached: two tests use it)."""
    data = Graph().parse(path, format="turtle")
    expected = split_expectations(data)
    _conforms, results = validate(data)
    return data, expected, results


def _cases(kind: str) -> list[Path]:
    return sorted((CASES / kind).glob("*.ttl"))


def _describe(keys: set[ResultKey]) -> str:
    return "\n".join(sorted(" | ".join(str(part) for part in key) for key in keys))


@pytest.mark.parametrize("path", _cases("valid"), ids=lambda p: p.stem)
def test_valid_case_conforms(path: Path) -> None:
    data = Graph().parse(path, format="turtle")
    assert not set(data.subjects(RDF.type, KGSH.ExpectedResult)), "valid cases expect nothing"
    conforms, results = validate(data)
    violations = {key for key in actual_results(results) if key[3] == SH.Violation}
    assert conforms, "unexpected violations:\n" + _describe(violations)


@pytest.mark.parametrize("path", _cases("invalid"), ids=lambda p: p.stem)
def test_invalid_case_gives_exactly_the_expected_results(path: Path) -> None:
    data, expected, results = _run_case(path)
    assert expected, f"{path.name} states no kgsh:ExpectedResult"
    assert not set(data.subjects(RDF.type, KGSH.ExpectedResult))
    for key in expected:
        assert key[2] is not None and key[3] is not None, f"incomplete expectation in {path.name}"
        if key[2] == SH.SPARQLConstraintComponent:
            assert key[4] is not None, f"SPARQL expectation without sh:sourceShape in {path.name}"
    actual = actual_results(results)
    assert actual == expected, (
        f"missing:\n{_describe(expected - actual)}\nunexpected:\n{_describe(actual - expected)}"
    )


@pytest.mark.parametrize("path", _cases("invalid") + _cases("valid"), ids=lambda p: p.stem)
def test_hybrid_engine_agrees_with_plain_pyshacl(path: Path) -> None:
    # The service checks SPARQL-based constraints with pyoxigraph (fast); plain pySHACL
    # (rdflib's SPARQL, SHACL-AF targets) must reach exactly the same results.
    data = Graph().parse(path, format="turtle")
    split_expectations(data)
    hybrid_conforms, hybrid = validate(data)
    plain_conforms, plain = validate(data, engine="pyshacl")
    assert hybrid_conforms == plain_conforms
    assert actual_results(hybrid) == actual_results(plain), (
        f"only hybrid:\n{_describe(actual_results(hybrid) - actual_results(plain))}\n"
        f"only pySHACL:\n{_describe(actual_results(plain) - actual_results(hybrid))}"
    )


def test_there_are_cases() -> None:
    assert _cases("valid"), "no valid shape cases"
    assert len(_cases("invalid")) >= 40, "too few invalid shape cases"


# --- every shape and every SPARQL rule is exercised by an invalid case -------------


def _is_targeted(shape: Node, focus: Node, data: Graph) -> bool:
    if (shape, SH.target, None) in _SHAPES:
        return True  # a SPARQL target (SHACL-AF) selects exactly the nodes it reports on
    for cls in _SHAPES.objects(shape, SH.targetClass):
        for node_type in data.objects(focus, RDF.type):
            if cls in set(data.transitive_objects(node_type, RDFS.subClassOf)):
                return True
    if any((focus, p, None) in data for p in _SHAPES.objects(shape, SH.targetSubjectsOf)):
        return True
    if any((None, p, focus) in data for p in _SHAPES.objects(shape, SH.targetObjectsOf)):
        return True
    return focus in set(_SHAPES.objects(shape, SH.targetNode))


def _sparql_text(graph: Graph, constraint: Node) -> str:
    return str(graph.value(constraint, SH.select)).strip()


def test_every_shape_and_sparql_rule_has_a_failing_case() -> None:
    node_shapes = {s for s in _SHAPES.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
    sparql_rules = {_sparql_text(_SHAPES, c) for c in _SHAPES.objects(None, SH.sparql)}
    covered_shapes: set[Node] = set()
    covered_rules: set[str] = set()
    for path in _cases("invalid"):
        data, _expected, results = _run_case(path)
        mixed = data + _ONTOLOGY
        for result in results.subjects(RDF.type, SH.ValidationResult):
            source = results.value(result, SH.sourceShape)
            focus = results.value(result, SH.focusNode)
            constraint = results.value(result, SH.sourceConstraint)
            # pySHACL copies the constraint into its report; the hybrid engine names the
            # shapes graph's own node.
            for graph in (results, _SHAPES):
                if constraint is not None and graph.value(constraint, SH.select) is not None:
                    covered_rules.add(_sparql_text(graph, constraint))
                    break
            for shape in node_shapes:
                owns = source == shape or (shape, SH.property, source) in _SHAPES
                if owns and _is_targeted(shape, focus, mixed):
                    covered_shapes.add(shape)
    assert sorted(node_shapes - covered_shapes) == []
    assert len(sparql_rules - covered_rules) == 0, "SPARQL rules without a failing case:\n" + (
        "\n---\n".join(sorted(sparql_rules - covered_rules))
    )


# --- the shapes themselves ----------------------------------------------------------


def test_shapes_pass_meta_shacl() -> None:
    shacl_shacl = Graph().parse(Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl")
    conforms, _results, text = pyshacl.validate(_SHAPES, shacl_graph=shacl_shacl)
    assert conforms, text
    # The same check through pySHACL's own switch (raises if the shapes are broken).
    conforms, _results, text = pyshacl.validate(
        Graph(), shacl_graph=_SHAPES, ont_graph=_ONTOLOGY, meta_shacl=True, advanced=True
    )
    assert conforms, text


def test_the_ontology_alone_conforms() -> None:
    conforms, results = validate(Graph())
    assert conforms and not actual_results(results), _describe(actual_results(results))


def test_the_ontology_concepts_conform_as_data() -> None:
    # pySHACL copies only class/property axioms from ont_graph, so the ontology's
    # own concepts (kgo:Stated, kgo:Accepted, ...) are checked by validating the
    # ontology as data.
    conforms, results = validate(_load(ONTOLOGY_FILES))
    assert conforms and not actual_results(results), _describe(actual_results(results))


def test_node_shapes_are_labelled_in_both_languages() -> None:
    for shape in _SHAPES.subjects(RDF.type, SH.NodeShape):
        if not isinstance(shape, URIRef):
            continue
        langs = sorted(label.language for label in _SHAPES.objects(shape, RDFS.label))
        assert langs == ["en", "ko"], f"{shape}: rdfs:label languages {langs}"


def _constraint_carriers() -> set[Node]:
    """Property shapes, and node shapes with a node-level constraint, that a person reads."""
    carriers = set(_SHAPES.objects(None, SH.property)) | set(_SHAPES.objects(None, SH.sparql))
    carriers |= {s for s in _SHAPES.subjects(SH["class"], None) if isinstance(s, URIRef)}
    return carriers


def test_every_constraint_has_a_message_in_english_and_korean() -> None:
    missing = []
    for node in _constraint_carriers():
        langs = {message.language for message in _SHAPES.objects(node, SH.message)}
        if not {"en", "ko"} <= langs:
            missing.append(f"{node}: {sorted(str(lang) for lang in langs)}")
    assert missing == []


def test_severity_of_recommended_shapes_is_warning() -> None:
    recommended = _load([SHAPES_FILES[1]])
    shapes = [s for s in recommended.subjects(RDF.type, SH.NodeShape)]
    assert shapes
    for shape in shapes:
        assert recommended.value(shape, SH.severity) == SH.Warning, shape
    core = _load([SHAPES_FILES[0]])
    assert not set(core.objects(None, SH.severity)), "core shapes are Violations (the default)"


# --- every part of every SPARQL-based rule has a case that breaks only it ------------------
#
# Each mutation below is a deliberately broken copy of one rule: the SPARQL of its target and
# constraints with one part left out (or one restriction dropped). The case named with it breaks
# that part only, so it must notice: an invalid case no longer gets exactly its expected results,
# a valid case gets a violation. A part that no case guards shows up here as a test that fails.


@dataclass(frozen=True)
class Mutation:
    shape: str
    ignores: str
    replacements: tuple[tuple[str, str], ...]
    case: str


def _m(shape: str, ignores: str, case: str, *replacements: tuple[str, str]) -> Mutation:
    return Mutation(shape, ignores, replacements, case)


MUTATIONS = [
    _m("EvidencePositionShape", "oa:end", "invalid/evidence-end-wrong",
       ("?end - ?start", "STRLEN(STR(?exact))")),
    _m("EvidencePositionShape", "oa:start", "invalid/evidence-start-wrong",
       ("SUBSTR(STR(?text), ?start + 1, ?end - ?start)",
        "SUBSTR(STR(?text), ?end - STRLEN(STR(?exact)) + 1, STRLEN(STR(?exact)))")),
    _m("EvidenceQuoteShape", "a source without text", "invalid/evidence-source-without-text",
       ("!BOUND(?text) || ", "")),
    _m("EvidenceQuoteShape", "the quote", "invalid/evidence-quote-not-in-text",
       (" || !CONTAINS(STR(?text), STR(?exact))", "")),
    _m("EvidenceLineShape", "a line that does not exist", "invalid/evidence-wrong-line",
       ("!BOUND(?line) || ", "")),
    _m("EvidenceLineShape", "the start of the span", "invalid/evidence-line-start-outside",
       ("?start < ?lineStart || ", "")),
    _m("EvidenceLineShape", "the end of the span", "invalid/evidence-wrong-line",
       (" || ?end > ?lineEnd", "")),
    _m("SessionShape", "the event", "invalid/session-number-duplicate",
       ("?other a kgo:Session ; kgo:sessionNumber ?value ; schema:superEvent ?event .",
        "?other a kgo:Session ; kgo:sessionNumber ?value .")),
    _m("SessionShape", "the number", "invalid/session-number-duplicate",
       ("?other a kgo:Session ; kgo:sessionNumber ?value ;",
        "?other a kgo:Session ; kgo:sessionNumber ?otherValue ;")),
    _m("SessionShape", "that a session is not its own duplicate",
       "invalid/session-number-duplicate",
       ("FILTER (?other != $this)", "")),
    _m("PresentationShape", "the date", "invalid/presenter-membership-other-date",
       ("org:memberDuring/time:inside/time:inXSDDate ?date .",
        "org:memberDuring/time:inside/time:inXSDDate ?someDate .")),
    _m("PresentationShape", "who the member is", "invalid/presenter-membership-someone-else",
       ("org:member ?person ;", "org:member ?someone ;")),
    _m("PresentationShape", "the organisation", "invalid/presenter-without-membership",
       ("?unit (org:unitOf|org:subOrganizationOf)* ?org .", "")),
    _m("PresentationShape", "units of the organisation (too strict)", "valid/full-graph",
       ("?unit (org:unitOf|org:subOrganizationOf)* ?org .", "FILTER (?unit = ?org)")),
    _m("FactClaimShape", "the claim's object", "invalid/fact-claim-other-object",
       ("rdf:object ?value", "rdf:object ?anyValue")),
    _m("FactClaimShape", "the claim's predicate", "invalid/fact-claim-other-predicate",
       ("rdf:predicate ?path ; ", "")),
    _m("FactClaimShape", "the claim's subject", "invalid/fact-claim-other-subject",
       ("rdf:subject ?this ; ", ""), ("rdf:subject $this ; ", "")),
    _m("FactClaimShape", "the claim's type", "invalid/fact-claim-reifier-not-a-claim",
       ("MINUS { ?claim a kgo:Claim ; ", "MINUS { ?claim "),
       ("FILTER EXISTS { ?claim a kgo:Claim }", "")),
    _m("FactClaimShape", "that labels need no claim (too strict)", "valid/full-graph",
       ("rdf:type, rdfs:label, ", "rdf:type, ")),
    _m("ClaimAssertedShape", "the object", "invalid/claim-object-not-asserted",
       ("FILTER NOT EXISTS { ?s ?p ?o }", "FILTER NOT EXISTS { ?s ?p ?anyObject }")),
    _m("ClaimAssertedShape", "the predicate", "invalid/claim-predicate-not-asserted",
       ("FILTER NOT EXISTS { ?s ?p ?o }", "FILTER NOT EXISTS { ?s ?anyPredicate ?o }")),
    _m("ClaimAssertedShape", "the subject", "invalid/claim-subject-not-asserted",
       ("FILTER NOT EXISTS { ?s ?p ?o }", "FILTER NOT EXISTS { ?anySubject ?p ?o }")),
    _m("LinkAssertionShape", "candidates", "invalid/link-candidate-asserted",
       ("FILTER ((?status = kgo:Accepted) != ?asserted)",
        "FILTER ((?status = kgo:Accepted) != ?asserted && ?status != kgo:Candidate)")),
    _m("LinkAssertionShape", "accepted links", "invalid/link-accepted-not-asserted",
       ("FILTER ((?status = kgo:Accepted) != ?asserted)",
        "FILTER (?status != kgo:Accepted && ?asserted)")),
    _m("LinkAssertionShape", "rejected links", "invalid/link-rejected-but-asserted",
       ("FILTER ((?status = kgo:Accepted) != ?asserted)",
        "FILTER (?status = kgo:Accepted && !?asserted)")),
    _m("IdentityLinkRecordedShape", "the link's predicate",
       "invalid/link-recorded-for-other-predicate",
       ("rdf:predicate schema:sameAs ; ", ""), ("rdf:predicate skos:exactMatch ; ", ""),
       ("rdf:predicate ?path ; ", "")),
    _m("IdentityLinkRecordedShape", "the link's object", "invalid/link-recorded-for-other-item",
       ("rdf:object ?value }", "rdf:object ?anyValue }"),
       ("rdf:object ?value .", "rdf:object ?anyValue .")),
    _m("IdentityLinkRecordedShape", "skos:exactMatch", "invalid/exactmatch-bad",
       ("?this skos:exactMatch ?value .", "?this skos:exactMatch ?value . FILTER (false)"),
       ("IN (schema:sameAs, skos:exactMatch)", "IN (schema:sameAs)")),
    _m("IdentityLinkRecordedShape", "schema:sameAs", "invalid/sameas-page-url",
       ("?this schema:sameAs ?value .", "?this schema:sameAs ?value . FILTER (false)"),
       ("IN (schema:sameAs, skos:exactMatch)", "IN (skos:exactMatch)")),
    _m("LabelLanguageShape", "skos:prefLabel", "invalid/preflabel-romanised",
       ("rdfs:label|skos:prefLabel", "rdfs:label"),
       ("IN (rdfs:label, skos:prefLabel)", "IN (rdfs:label)")),
    _m("LabelLanguageShape", "rdfs:label", "invalid/label-romanised",
       ("rdfs:label|skos:prefLabel", "skos:prefLabel"),
       ("IN (rdfs:label, skos:prefLabel)", "IN (skos:prefLabel)")),
    _m("TalkAttributionShape", "the talk's first line", "invalid/talk-not-attributed",
       ("?n >= 9 &&", "?n >= 10 &&")),
    _m("TalkAttributionShape", "that line 16 is a heading (too strict)",
       "invalid/talk-attribution-parts",
       ("?n <= 19 && ?n != 16", "?n <= 19")),
    _m("TalkAttributionShape", "that inferences are not the speaker's (too strict)",
       "invalid/talk-attribution-parts",
       ("FILTER NOT EXISTS { ?this kgo:derivationMode kgo:Inferred }", "")),
    _m("TalkAttributionShape", "observations and stances", "invalid/talk-attribution-parts",
       ("IN (kgo:Claim, schema:Observation, kgo:Stance)", "IN (kgo:Claim)")),
    _m("TalkAttributionShape", "which document the lines are of (too strict)",
       "invalid/talk-attribution-parts",
       ('FILTER (STR(?file) = "source/article.ko.txt")', "")),
    _m("SecondSourceEvidenceShape", "that the evidence's source is named",
       "invalid/second-source-not-named",
       ("?this kgo:evidence ?evidence .", "?this kgo:none ?evidence ."),
       ("$this kgo:evidence ?evidence .", "$this kgo:none ?evidence .")),
    _m("SecondSourceEvidenceShape", "that a quote's source is named too",
       "invalid/second-source-fact-with-quote",
       ("?evidence oa:hasSource ?src .", "?evidence a kgo:SourceStatement ; oa:hasSource ?src .")),
    _m("SecondSourceEvidenceShape", "that a named source is located",
       "invalid/second-source-not-located",
       ("?src a kgo:SecondSource .", "?src a kgo:None .")),
    _m("SecondSourceEvidenceShape", "that a corroboration locates a source (too strict)",
       "valid/second-sources",
       ("kgo:evidence|kgo:corroboratedBy ?located", "kgo:evidence ?located")),
    _m("SpecificResourceShape", "that statements are not quoted spans (too strict)",
       "valid/second-sources",
       ("FILTER NOT EXISTS { ?this a/rdfs:subClassOf* kgo:SourceStatement }", "")),
    _m("MentionShape", "that a source's publisher needs no mention (too strict)",
       "invalid/corroboration-bad",
       ("FILTER NOT EXISTS { ?work schema:publisher ?this ; a kgo:SecondSource }", "")),
    _m("EvidenceTranslationShape", "that statements have no quote to translate (too strict)",
       "invalid/corroboration-bad",
       ("FILTER NOT EXISTS { ?this a kgo:SourceStatement }", "")),
    _m("InferredClaimShape", "inferred n-ary nodes and attributions", "invalid/attribution-bad",
       ("?this kgo:derivationMode kgo:Inferred .",
        "?this a kgo:Claim ; kgo:derivationMode kgo:Inferred .")),
]  # fmt: skip


def _mutated_shapes(mutation: Mutation) -> Graph:
    """The shapes with the SPARQL of one shape's target and constraints changed."""
    shape = KGSH[mutation.shape]
    nodes = set(_SHAPES.objects(shape, SH.target)) | set(_SHAPES.objects(shape, SH.sparql))
    assert nodes, f"{mutation.shape} has no SPARQL"
    shapes = Graph()
    for prefix, namespace in _SHAPES.namespaces():
        shapes.bind(prefix, namespace)
    used = {old: 0 for old, _new in mutation.replacements}
    for s, p, o in _SHAPES:
        if p == SH.select and s in nodes:
            text = str(o)
            for old, new in mutation.replacements:
                used[old] += text.count(old)
                text = text.replace(old, new)
            o = Literal(text)
        shapes.add((s, p, o))
    assert all(used.values()), (
        f"{mutation.shape}: not in its SPARQL: {[k for k, n in used.items() if not n]}"
    )
    return shapes


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: f"{m.shape}-{m.case.split('/')[1]}")
def test_a_rule_that_ignores_one_part_fails_its_case(mutation: Mutation) -> None:
    kind, name = mutation.case.split("/")
    data = Graph().parse(CASES / kind / f"{name}.ttl", format="turtle")
    expected = split_expectations(data)
    report = validate_graph(data + _ONTOLOGY, _mutated_shapes(mutation))
    actual = actual_results(report.graph)
    if kind == "valid":
        caught = any(key[3] == SH.Violation for key in actual)
    else:
        caught = actual != expected
    assert caught, (
        f"{mutation.case} does not notice a {mutation.shape} that ignores {mutation.ignores}"
    )


def test_every_sparql_rule_has_its_parts_guarded() -> None:
    with_sparql = {s for s in _SHAPES.subjects(SH.sparql, None) if isinstance(s, URIRef)}
    with_sparql |= {s for s in _SHAPES.subjects(SH.target, None) if isinstance(s, URIRef)}
    guarded = {KGSH[m.shape] for m in MUTATIONS}
    assert sorted(with_sparql - guarded) == []
