"""The query mix: what every server is asked, with the anchors each data set fills in."""

from __future__ import annotations

PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX kgo: <https://w3id.org/d4sme-kg/ontology#>
"""

#: (name, what it exercises, text with {org} {event} {article} {evidence} {word_ko} {word_en})
QUERIES: list[tuple[str, str, str]] = [
    (
        "lookup",
        "entity lookup by IRI: every property of one organisation",
        "SELECT ?p ?o WHERE {{ <{org}> ?p ?o }}",
    ),
    (
        "join3",
        "3-way join: claims about the services of an organisation, with evidence lines",
        """SELECT ?service ?claim ?predicate ?line WHERE {{
  ?service schema:provider <{org}> .
  ?claim rdf:subject ?service ; rdf:predicate ?predicate ; kgo:evidence ?evidence .
  ?evidence kgo:lineNumber ?line .
}}""",
    ),
    (
        "label_ko",
        "label search in Korean: CONTAINS + LANG filter over every label",
        """SELECT ?s ?label WHERE {{
  ?s rdfs:label ?label .
  FILTER(LANG(?label) = "ko" && CONTAINS(?label, "{word_ko}"))
}}""",
    ),
    (
        "label_en",
        "label search in English: CONTAINS + LANG filter over every label",
        """SELECT ?s ?label WHERE {{
  ?s rdfs:label ?label .
  FILTER(LANG(?label) = "en" && CONTAINS(?label, "{word_en}"))
}}""",
    ),
    (
        "aggregate",
        "COUNT / GROUP BY: instances per class over the whole graph",
        "SELECT ?class (COUNT(?s) AS ?n) WHERE {{ ?s rdf:type ?class }} GROUP BY ?class",
    ),
    (
        "optional_lang",
        "OPTIONAL with language filters: parts of an event, en/ko labels, chair",
        """SELECT ?part ?type ?en ?ko ?chairKo WHERE {{
  ?part schema:superEvent <{event}> ; rdf:type ?type .
  OPTIONAL {{ ?part rdfs:label ?en FILTER(LANG(?en) = "en") }}
  OPTIONAL {{ ?part rdfs:label ?ko FILTER(LANG(?ko) = "ko") }}
  OPTIONAL {{ ?part kgo:chairedBy ?chair .
             ?chair rdfs:label ?chairKo FILTER(LANG(?chairKo) = "ko") }}
}}""",
    ),
    (
        "construct",
        "CONSTRUCT: the evidence spans of an article with their quote selectors",
        """CONSTRUCT {{ ?evidence kgo:lineNumber ?line ; oa:hasSelector ?selector .
             ?selector oa:exact ?exact }}
WHERE {{
  ?evidence oa:hasSource <{article}> ; kgo:lineNumber ?line ; oa:hasSelector ?selector .
  ?selector rdf:type oa:TextQuoteSelector ; oa:exact ?exact .
}}""",
    ),
    (
        "ask",
        "ASK: is there an inferred claim about the organisation?",
        """ASK {{ ?claim rdf:type kgo:Claim ; rdf:subject <{org}> ;
           kgo:derivationMode kgo:Inferred }}""",
    ),
    (
        "describe",
        "DESCRIBE one evidence node (its blank-node selectors included)",
        "DESCRIBE <{evidence}>",
    ),
]
#: Not in the mix (not in the ratios): the smallest request, to show per-request overhead.
PING = ("ping", "ASK {} : per-request overhead, no data touched", "ASK {{}}")

ARTICLE_ANCHORS = {
    "org": "https://w3id.org/d4sme-kg/id/kakao",
    "event": "https://w3id.org/d4sme-kg/id/d4sme-roundtable-2019",
    "article": "https://w3id.org/d4sme-kg/id/article-kakao-d4sme",
    "evidence": "https://w3id.org/d4sme-kg/id/evidence-l9-share",
    "word_ko": "디지털",
    "word_en": "digital",
}

GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")


def form_of(text: str) -> str:
    for word in text.replace("{", " ").split():
        if word.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return word.upper()
    raise ValueError(text)


def accept_for(form: str) -> str:
    return "application/n-triples" if form in GRAPH_FORMS else "application/sparql-results+json"


def concrete(anchors: dict[str, str]) -> dict[str, str]:
    """Name -> full text (prefixes included) of every query of the mix, then ping."""
    texts = {name: PREFIXES + text.format(**anchors) for name, _what, text in QUERIES}
    texts[PING[0]] = PING[2].format()
    return texts


def described() -> dict[str, str]:
    return {name: what for name, what, _text in [*QUERIES, PING]}
