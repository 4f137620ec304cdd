"""OOPS!-style checks of the ontology files against the vocabulary contract (spec/vocab.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, XSD

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_DIR = ROOT / "ontology"
CORE = ONTOLOGY_DIR / "d4sme.ttl"
ALIGNMENTS = ONTOLOGY_DIR / "alignments.ttl"
STANDARD = ONTOLOGY_DIR / "imports" / "standard-terms.ttl"
SHAPES = [ONTOLOGY_DIR / "shapes.ttl", ONTOLOGY_DIR / "shapes-recommended.ttl"]

ONTOLOGY_IRI = URIRef("https://w3id.org/d4sme-kg/ontology")
KGO = Namespace("https://w3id.org/d4sme-kg/ontology#")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
PROV = Namespace("http://www.w3.org/ns/prov#")
OA = Namespace("http://www.w3.org/ns/oa#")
TIME = Namespace("http://www.w3.org/2006/time#")
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VANN = Namespace("http://purl.org/vocab/vann/")
SH = Namespace("http://www.w3.org/ns/shacl#")
SWC = Namespace("http://data.semanticweb.org/ns/swc/ontology#")
CONF = Namespace("https://w3id.org/scholarlydata/ontology/conference-ontology.owl#")
EVENT = Namespace("http://purl.org/NET/c4dm/event.owl#")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")

# --- the contract, restated (spec/vocab.md) ---------------------------------------

CLASSES: dict[str, set[URIRef]] = {
    "Event": {SCHEMA.Event},
    "Session": {KGO.Event},
    "Presentation": {KGO.Event},
    "Organization": {SCHEMA.Organization, ORG.Organization, FOAF.Organization},
    "Service": {SCHEMA.Service},
    "Principle": {SCHEMA.CreativeWork},
    "Problem": {SKOS.Concept},
    "Capability": {SKOS.Concept},
    "Topic": {SKOS.Concept},
    "AttendeeCategory": {SKOS.Concept},
    "OrganizationKind": {SKOS.Concept},
    "Stance": {PROV.Entity},
    "Invitation": {PROV.Entity},
    "Request": {PROV.Entity},
    "Source": {SCHEMA.CreativeWork},
    "SecondSource": {KGO.Source},
    "SourceStatement": {OA.SpecificResource},
    "Claim": {RDF.Statement, PROV.Entity},
    "Link": {RDF.Statement, PROV.Entity},
    "SourceLine": {SCHEMA.CreativeWork},
    "DerivationMode": {SKOS.Concept},
    "ReviewStatus": {SKOS.Concept},
}

LANG_STRING = RDF.langString
# property: (domain or None, range, super-property or None, object/datatype)
PROPERTIES: dict[str, tuple[URIRef | None, URIRef | str, URIRef | None, URIRef]] = {
    "sessionNumber": (KGO.Session, XSD.integer, None, OWL.DatatypeProperty),
    "chairedBy": (KGO.Event, SCHEMA.Person, SCHEMA.contributor, OWL.ObjectProperty),
    "sessionChair": (KGO.Event, SCHEMA.Person, SCHEMA.contributor, OWL.ObjectProperty),
    "presentedItem": (KGO.Presentation, "Service|Principle", SCHEMA.about, OWL.ObjectProperty),
    "addressesProblem": (KGO.Service, KGO.Problem, None, OWL.ObjectProperty),
    "ledBy": (KGO.Organization, KGO.Organization, ORG.linkedTo, OWL.ObjectProperty),
    "organizationKind": (KGO.Organization, KGO.OrganizationKind, None, OWL.ObjectProperty),
    "basedIn": (KGO.Organization, SCHEMA.Country, SCHEMA.location, OWL.ObjectProperty),
    "jurisdiction": (ORG.Post, SCHEMA.Country, None, OWL.ObjectProperty),
    "attendeeCategory": (KGO.Event, KGO.AttendeeCategory, None, OWL.ObjectProperty),
    "hasAim": (None, LANG_STRING, None, OWL.DatatypeProperty),
    "requiresCoding": (KGO.Service, XSD.boolean, None, OWL.DatatypeProperty),
    "enables": (KGO.Service, SKOS.Concept, None, OWL.ObjectProperty),
    "replaces": (KGO.Service, SKOS.Concept, None, OWL.ObjectProperty),
    "comparedTo": (SCHEMA.Observation, SKOS.Concept, None, OWL.ObjectProperty),
    "alignedWith": (None, SKOS.Concept, None, OWL.ObjectProperty),
    "firstAmong": (KGO.Principle, LANG_STRING, None, OWL.DatatypeProperty),
    "stanceHolder": (KGO.Stance, KGO.Organization, PROV.wasAttributedTo, OWL.ObjectProperty),
    "regardedAs": (KGO.Stance, LANG_STRING, None, OWL.DatatypeProperty),
    "invitee": (KGO.Invitation, KGO.Organization, None, OWL.ObjectProperty),
    "inviter": (KGO.Invitation, KGO.Organization, None, OWL.ObjectProperty),
    "invitedTo": (KGO.Invitation, KGO.Event, None, OWL.ObjectProperty),
    "soleInviteeFrom": (KGO.Invitation, SCHEMA.Country, None, OWL.ObjectProperty),
    "requestedTopic": (KGO.Request, LANG_STRING, None, OWL.DatatypeProperty),
    "requestedOf": (KGO.Request, KGO.Organization, None, OWL.ObjectProperty),
    "requester": (KGO.Request, KGO.Organization, None, OWL.ObjectProperty),
    "requestedFor": (KGO.Request, KGO.Event, None, OWL.ObjectProperty),
    "requesterNamed": (KGO.Request, XSD.boolean, None, OWL.DatatypeProperty),
    "meetingOf": (KGO.Event, KGO.Organization, None, OWL.ObjectProperty),
    "launched": (KGO.Event, KGO.Organization, None, OWL.ObjectProperty),
    "organizedBy": (KGO.Organization, KGO.Organization, ORG.linkedTo, OWL.ObjectProperty),
    "corroboratedBy": (None, KGO.SourceStatement, None, OWL.ObjectProperty),
    "differsFrom": (KGO.Claim, KGO.Claim, None, OWL.ObjectProperty),
    "dependsOn": (KGO.Claim, KGO.Claim, None, OWL.ObjectProperty),
    "hedge": (KGO.Claim, LANG_STRING, None, OWL.DatatypeProperty),
    "locator": (KGO.SourceStatement, LANG_STRING, None, OWL.DatatypeProperty),
    "statement": (KGO.SourceStatement, LANG_STRING, None, OWL.DatatypeProperty),
    "evidence": (None, OA.SpecificResource, None, OWL.ObjectProperty),
    "mention": (None, OA.SpecificResource, None, OWL.ObjectProperty),
    "derivationMode": (None, KGO.DerivationMode, None, OWL.ObjectProperty),
    "isApproximate": (None, XSD.boolean, None, OWL.DatatypeProperty),
    "lineNumber": (None, XSD.integer, None, OWL.DatatypeProperty),
    "lineStart": (KGO.SourceLine, XSD.integer, None, OWL.DatatypeProperty),
    "lineEnd": (KGO.SourceLine, XSD.integer, None, OWL.DatatypeProperty),
    "sourceFile": (SCHEMA.CreativeWork, XSD.string, None, OWL.DatatypeProperty),
    "translation": (OA.SpecificResource, LANG_STRING, None, OWL.DatatypeProperty),
    "reviewStatus": (KGO.Link, KGO.ReviewStatus, None, OWL.ObjectProperty),
    "linkMethod": (KGO.Link, "string|langString", None, OWL.DatatypeProperty),
    "confidence": (KGO.Link, XSD.string, None, OWL.DatatypeProperty),
    "score": (KGO.Link, XSD.decimal, None, OWL.DatatypeProperty),
    "iso3166Alpha2": (SCHEMA.Country, XSD.string, SCHEMA.identifier, OWL.DatatypeProperty),
    "iso3166Alpha3": (SCHEMA.Country, XSD.string, SCHEMA.identifier, OWL.DatatypeProperty),
    "iso3166Numeric": (SCHEMA.Country, XSD.string, SCHEMA.identifier, OWL.DatatypeProperty),
}

SCHEMES = {
    KGO.DerivationModes: (KGO.DerivationMode, [KGO.Stated, KGO.Inferred]),
    KGO.ReviewStatuses: (KGO.ReviewStatus, [KGO.Accepted, KGO.Rejected, KGO.Candidate]),
}

STANDARD_CLASSES = [
    SCHEMA.Person, FOAF.Person, SCHEMA.Corporation, SCHEMA.GovernmentOrganization, SCHEMA.Project,
    ORG.OrganizationalUnit, ORG.OrganizationalCollaboration, SCHEMA.Place, SCHEMA.Country,
    SCHEMA.City, SCHEMA.EventSeries, SCHEMA.BlogPosting, SCHEMA.VideoObject,
    SCHEMA.MobileApplication, SCHEMA.SoftwareApplication, SCHEMA.Observation,
    SCHEMA.StatisticalVariable, SCHEMA.Report, ORG.Post, ORG.Role, ORG.Membership, TIME.Interval,
    TIME.Instant, TIME.DateTimeDescription, OA.SpecificResource, OA.TextQuoteSelector,
    OA.TextPositionSelector, PROV.Activity, PROV.Entity, SKOS.Concept, SKOS.ConceptScheme,
    VOID.Dataset, DCAT.Dataset,
]  # fmt: skip

STANDARD_PROPERTIES = [
    RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.definition, SKOS.editorialNote, SKOS.inScheme,
    SKOS.hasTopConcept, SKOS.topConceptOf, SKOS.exactMatch, SKOS.related, SCHEMA.sameAs,
    SCHEMA.startDate, SCHEMA.location, SCHEMA.containedInPlace, SCHEMA.organizer, SCHEMA.attendee,
    SCHEMA.performer, SCHEMA.subEvent, SCHEMA.superEvent, SCHEMA.about, SCHEMA.provider,
    SCHEMA.serviceType, SCHEMA.featureList, SCHEMA.description, SCHEMA.headline, SCHEMA.author,
    SCHEMA.publisher, SCHEMA.inLanguage, SCHEMA.video, SCHEMA.url, SCHEMA.dateCreated,
    SCHEMA.hasPart, SCHEMA.isPartOf, SCHEMA.jobTitle, SCHEMA.observationAbout,
    SCHEMA.variableMeasured, SCHEMA.value, SCHEMA.unitText, SCHEMA.unitCode, SCHEMA.text,
    SCHEMA.identifier, SCHEMA.mainEntityOfPage, ORG.unitOf, ORG.subOrganizationOf, ORG.holds,
    ORG.postIn, ORG.role, ORG.member, ORG.organization, ORG.memberDuring, TIME.inside,
    TIME.inXSDDate, TIME.hasTime, TIME.inDateTime, TIME.month, TIME.day, TIME.unitType,
    PROV.wasDerivedFrom, PROV.wasAttributedTo, PROV.wasGeneratedBy, PROV.used, RDF.subject,
    RDF.predicate, RDF.object, OA.hasSource, OA.hasSelector, OA.exact, OA.prefix, OA.suffix,
    OA.start, OA.end, DCTERMS.date, DCTERMS.source, RDFS.seeAlso, FOAF.page,
]  # fmt: skip

VOCABULARY_OF = {
    str(SCHEMA): URIRef("https://schema.org/"),
    str(ORG): URIRef("http://www.w3.org/ns/org#"),
    str(FOAF): URIRef("http://xmlns.com/foaf/0.1/"),
    str(SKOS): URIRef("http://www.w3.org/2004/02/skos/core"),
    str(PROV): URIRef("http://www.w3.org/ns/prov#"),
    str(OA): URIRef("http://www.w3.org/ns/oa#"),
    str(TIME): URIRef("http://www.w3.org/2006/time"),
    str(VOID): URIRef("http://rdfs.org/ns/void#"),
    str(DCAT): URIRef("http://www.w3.org/ns/dcat#"),
    str(DCTERMS): URIRef("http://purl.org/dc/terms/"),
    str(RDF): URIRef(str(RDF)),
    str(RDFS): URIRef(str(RDFS)),
}


@pytest.fixture(scope="module")
def core() -> Graph:
    return Graph().parse(CORE, format="turtle")


@pytest.fixture(scope="module")
def standard() -> Graph:
    return Graph().parse(STANDARD, format="turtle")


def _kgo_terms(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(str(KGO))}


def _langs(graph: Graph, subject: URIRef, predicate: URIRef) -> list[str]:
    return sorted(
        str(o.language) for o in graph.objects(subject, predicate) if isinstance(o, Literal)
    )


# --- files -----------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(ONTOLOGY_DIR.rglob("*.ttl")), ids=lambda p: p.name)
def test_every_ontology_file_parses_and_never_uses_http_schema_org(path: Path) -> None:
    assert "http://schema.org" not in path.read_text(encoding="utf-8")
    graph = Graph().parse(path, format="turtle")
    assert len(graph) > 0
    for triple in graph:
        for term in triple:
            assert not str(term).startswith("http://schema.org/"), triple


# --- header ----------------------------------------------------------------------------


def test_ontology_header(core: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in core
    assert core.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef(
        "https://w3id.org/d4sme-kg/ontology/0.1.0"
    )
    assert core.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("0.1.0")
    assert core.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert core.value(ONTOLOGY_IRI, DCTERMS.creator) == Literal("d4sme-kg team")
    for prop in (DCTERMS.created, DCTERMS.modified):
        assert core.value(ONTOLOGY_IRI, prop) == Literal("2026-11-27", datatype=XSD.date)
    assert core.value(ONTOLOGY_IRI, VANN.preferredNamespacePrefix) == Literal("kgo")
    assert core.value(ONTOLOGY_IRI, VANN.preferredNamespaceUri) == Literal(str(KGO))
    for prop in (DCTERMS.title, DCTERMS.description):
        assert _langs(core, ONTOLOGY_IRI, prop) == ["en", "ko"], prop


# --- every kgo term ------------------------------------------------------------------


def test_every_kgo_term_is_documented_in_both_languages(core: Graph) -> None:
    problems = []
    for term in sorted(_kgo_terms(core)):
        if _langs(core, term, RDFS.label) != ["en", "ko"]:
            problems.append(f"{term}: rdfs:label {_langs(core, term, RDFS.label)}")
        if not {"en", "ko"} <= set(_langs(core, term, RDFS.comment)):
            problems.append(f"{term}: rdfs:comment {_langs(core, term, RDFS.comment)}")
        if core.value(term, RDFS.isDefinedBy) != ONTOLOGY_IRI:
            problems.append(f"{term}: rdfs:isDefinedBy")
    assert problems == []


def test_naming_conventions(core: Graph) -> None:
    for cls in core.subjects(RDF.type, OWL.Class):
        if isinstance(cls, URIRef) and cls.startswith(str(KGO)):
            assert re.fullmatch(r"[A-Z][A-Za-z0-9]*", cls[len(KGO) :]), cls
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in core.subjects(RDF.type, kind):
            assert re.fullmatch(r"[a-z][A-Za-z0-9]*", prop[len(KGO) :]), prop


def test_the_contract_terms_and_only_those_are_declared(core: Graph) -> None:
    classes = {c for c in core.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    assert classes == {KGO[name] for name in CLASSES}
    properties = set(core.subjects(RDF.type, OWL.ObjectProperty)) | set(
        core.subjects(RDF.type, OWL.DatatypeProperty)
    )
    assert properties == {KGO[name] for name in PROPERTIES}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_class_alignment(core: Graph, name: str) -> None:
    assert set(core.objects(KGO[name], RDFS.subClassOf)) == CLASSES[name]
    assert not set(core.objects(KGO[name], OWL.equivalentClass)), "align with subClassOf only"


def _range_members(graph: Graph, node) -> set:
    return set(Collection(graph, graph.value(node, OWL.unionOf)))


@pytest.mark.parametrize("name", sorted(PROPERTIES))
def test_property_domain_range_and_super(core: Graph, name: str) -> None:
    domain, expected_range, super_property, kind = PROPERTIES[name]
    prop = KGO[name]
    assert (prop, RDF.type, kind) in core
    assert core.value(prop, RDFS.domain) == domain
    actual_range = core.value(prop, RDFS.range)
    if expected_range == "Service|Principle":
        assert _range_members(core, actual_range) == {KGO.Service, KGO.Principle}
    elif expected_range == "string|langString":
        assert _range_members(core, actual_range) == {XSD.string, RDF.langString}
    else:
        assert actual_range == expected_range
    assert core.value(prop, RDFS.subPropertyOf) == super_property


def test_properties_without_domain_say_why(core: Graph) -> None:
    for name in PROPERTIES:
        prop = KGO[name]
        english = " ".join(
            str(c) for c in core.objects(prop, RDFS.comment) if getattr(c, "language", None) == "en"
        )
        if core.value(prop, RDFS.domain) is None:
            assert "No domain" in english, f"{prop} has no domain and no 'No domain' comment"
        else:
            assert "No domain" not in english, f"{prop} has a domain but says it has none"
        assert core.value(prop, RDFS.range) is not None, prop


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_ontology_concept_schemes(core: Graph, scheme: URIRef) -> None:
    cls, members = SCHEMES[scheme]
    assert (scheme, RDF.type, SKOS.ConceptScheme) in core
    assert _langs(core, scheme, SKOS.prefLabel) == ["en", "ko"]
    assert set(core.objects(scheme, SKOS.hasTopConcept)) == set(members)
    for concept in members:
        assert (concept, RDF.type, cls) in core
        assert (concept, RDF.type, SKOS.Concept) in core
        assert core.value(concept, SKOS.inScheme) == scheme
        assert core.value(concept, SKOS.topConceptOf) == scheme
        assert _langs(core, concept, SKOS.prefLabel) == ["en", "ko"]
        assert _langs(core, concept, SKOS.definition) == ["en", "ko"]


# --- alignments and standard terms ---------------------------------------------------


def test_alignment_module() -> None:
    graph = Graph().parse(ALIGNMENTS, format="turtle")
    assert set(graph.objects(KGO.Event, RDFS.subClassOf)) == {EVENT.Event, SEM.Event}
    assert set(graph.objects(KGO.Session, RDFS.subClassOf)) == {SWC.SessionEvent, CONF.Session}
    assert set(graph.objects(KGO.Presentation, RDFS.subClassOf)) == {SWC.TalkEvent, CONF.Talk}
    assert not set(graph.subject_objects(OWL.equivalentClass))


def _declared_types(graph: Graph, term: URIRef) -> set:
    return set(graph.objects(term, RDF.type))


def _vocabulary(term: URIRef) -> URIRef:
    for namespace, vocabulary in VOCABULARY_OF.items():
        if term.startswith(namespace):
            return vocabulary
    raise AssertionError(f"unknown vocabulary for {term}")


def _shape_terms() -> set[URIRef]:
    """Standard terms the shapes use as targets, classes and paths."""
    shapes = Graph()
    for path in SHAPES:
        shapes.parse(path, format="turtle")
    terms = set()
    for prop in (SH.targetClass, SH["class"], SH.path, SH.targetSubjectsOf, SH.targetObjectsOf):
        terms |= {o for o in shapes.objects(None, prop) if isinstance(o, URIRef)}
    return {t for t in terms if not t.startswith(str(KGO)) and not str(t).startswith(str(RDF))}


def test_standard_terms_are_declared(standard: Graph) -> None:
    class_types = {OWL.Class, RDFS.Class}
    property_types = {
        RDF.Property,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
    }
    problems = []
    for term in STANDARD_CLASSES:
        if not _declared_types(standard, term) & class_types:
            problems.append(f"{term}: not declared as a class")
    for term in STANDARD_PROPERTIES:
        if not _declared_types(standard, term) & property_types:
            problems.append(f"{term}: not declared as a property")
    for term in set(STANDARD_CLASSES) | set(STANDARD_PROPERTIES) | _shape_terms():
        if not _declared_types(standard, term):
            problems.append(f"{term}: used by the shapes but not declared")
            continue
        if standard.value(term, RDFS.isDefinedBy) != _vocabulary(term):
            problems.append(f"{term}: rdfs:isDefinedBy {standard.value(term, RDFS.isDefinedBy)}")
        if _langs(standard, term, RDFS.label) != ["en", "ko"]:
            problems.append(f"{term}: needs one English and one Korean label")
    assert problems == []


@pytest.mark.parametrize(
    ("sub", "sup"),
    [
        (SCHEMA.BlogPosting, SCHEMA.CreativeWork),
        (SCHEMA.Report, SCHEMA.CreativeWork),
        (SCHEMA.VideoObject, SCHEMA.CreativeWork),
        (SCHEMA.MobileApplication, SCHEMA.SoftwareApplication),
        (SCHEMA.SoftwareApplication, SCHEMA.CreativeWork),
        (SCHEMA.Corporation, SCHEMA.Organization),
        (SCHEMA.GovernmentOrganization, SCHEMA.Organization),
        (SCHEMA.Project, SCHEMA.Organization),
        (SCHEMA.Country, SCHEMA.Place),
        (SCHEMA.City, SCHEMA.Place),
        (SCHEMA.EventSeries, SCHEMA.Event),
        (ORG.OrganizationalUnit, ORG.Organization),
        (ORG.OrganizationalCollaboration, ORG.Organization),
        (OA.TextQuoteSelector, OA.Selector),
        (TIME.DateTimeDescription, TIME.GeneralDateTimeDescription),
    ],
)
def test_standard_subclass_chains(standard: Graph, sub: URIRef, sup: URIRef) -> None:
    assert sup in set(standard.transitive_objects(sub, RDFS.subClassOf))


def test_unit_of_is_a_sub_organization_relation(standard: Graph) -> None:
    assert (ORG.unitOf, RDFS.subPropertyOf, ORG.subOrganizationOf) in standard


def test_every_standard_term_has_one_english_and_one_korean_label(standard: Graph) -> None:
    """Every declared term (not the extract's own owl:Ontology header) is labelled in both."""
    ontologies = set(standard.subjects(RDF.type, OWL.Ontology))
    declared = {
        s for s in standard.subjects(RDF.type) if isinstance(s, URIRef) and s not in ontologies
    }
    assert len(declared) > 100
    problems = []
    for term in sorted(declared):
        found = _langs(standard, term, RDFS.label)
        if found != ["en", "ko"]:
            problems.append(f"{term}: rdfs:label languages {found}")
        for label in standard.objects(term, RDFS.label):
            korean = isinstance(label, Literal) and label.language == "ko"
            if korean and not re.search("[\uac00-\ud7a3]", str(label)):
                problems.append(f"{term}: the Korean label {label!r} has no Hangul")
    assert problems == []


def test_standard_extract_defines_no_kgo_terms(standard: Graph) -> None:
    assert not _kgo_terms(standard)
