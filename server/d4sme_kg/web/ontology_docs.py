"""/ontology: every class, property and concept of the kgo ontology in both languages.

HTML for browsers (labels, comments, alignments to the standard vocabularies, domains
and ranges, one anchor per term so that ``…/ontology#Event`` lands on it); the
ontology in every format of the table by ``Accept`` or suffix (``/ontology.ttl``,
``/ontology.trig``), as a document: in TriG and N-Quads too in the default graph, its
named graph linked in the ``Link`` header (``/graph/ontology`` keeps it in that graph).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request

from d4sme_kg.formats import GRAPH_FORMATS
from d4sme_kg.web import current_service
from d4sme_kg.web.graphs import in_dataset, quads, rdf_response
from d4sme_kg.web.negotiation import (
    HTML,
    alternates,
    asked_format,
    choose,
    link_header,
)
from d4sme_kg.web.rendering import Namespaces, labels, page_language, page_rows

bp = Blueprint("ontology", __name__)

#: What /ontology offers: the page, then every RDF format.
OFFERED = (HTML, *GRAPH_FORMATS)
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
#: Sections of the page: the kind of term and its heading in English and Korean.
SECTIONS = (
    (OWL + "Ontology", "Ontologies", "온톨로지"),
    (OWL + "Class", "Classes", "클래스"),
    (OWL + "ObjectProperty", "Object properties", "객체 속성"),
    (OWL + "DatatypeProperty", "Datatype properties", "데이터 속성"),
    (SKOS + "ConceptScheme", "Concept schemes", "개념 체계"),
    (SKOS + "Concept", "Concepts", "개념"),
)


@bp.route("/ontology")
@bp.route("/ontology.<suffix>")
def ontology(suffix: str | None = None) -> Response:
    explicit = asked_format("ontology", suffix, OFFERED)
    fmt = choose(request, OFFERED, explicit)
    graph = current_service().project.graph_iri("ontology")
    if fmt is HTML:
        lang = page_language()
        body = render_template(
            "ontology.html",
            lang=lang,
            sections=sections(lang),
            alternates=[(f.name, href) for f, href in alternates("/ontology")],
        )
        response = Response(body, mimetype="text/html")
    else:
        # A document about the ontology: its triples in the default graph in every
        # format; the named graph they are in is linked (/graph/ontology keeps them there).
        found = quads("graph-quads", g=("uri", graph))
        response = rdf_response([q.triple for q in found], fmt)
    response.vary.add("Accept")
    response.headers["Link"] = link_header("/ontology", *in_dataset([graph]))
    return response


def sections(lang: str) -> list[dict[str, Any]]:
    """The terms grouped by kind, each with its labels, comments and related terms."""
    ns = Namespaces.current()
    names = labels(lang)

    def links(field: str, row: dict[str, dict[str, str]]) -> list[dict[str, str | None]]:
        iris = row.get(field, {}).get("value", "").split()
        return [
            {"text": ns.curie(i), "href": ns.href(i, lang), "title": names.get(i, i)}
            for i in sorted(iris)
        ]

    by_kind: dict[str, list[dict[str, Any]]] = {}
    for row in page_rows("ontology-terms"):
        iri = row["term"]["value"]
        local = iri[len(ns.ontology) :] if iri.startswith(ns.ontology) else ""
        by_kind.setdefault(row["kind"]["value"], []).append(
            {
                "iri": iri,
                "anchor": local or None,
                "curie": ns.curie(iri),
                "label": {
                    k: row.get("label" + k.title(), {}).get("value", "") for k in ("en", "ko")
                },
                "comment": {
                    k: row.get("comment" + k.title(), {}).get("value", "") for k in ("en", "ko")
                },
                "parents": links("parents", row),
                "domains": links("domains", row),
                "ranges": links("ranges", row),
            }
        )
    return [
        {"kind": kind, "title": ko if lang == "ko" else en, "terms": by_kind[kind]}
        for kind, en, ko in SECTIONS
        if kind in by_kind
    ]
