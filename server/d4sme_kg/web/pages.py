"""Pages for people: the query page (the full page comes with the named queries)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from d4sme_kg.formats import RESULT_FORMATS

bp = Blueprint("pages", __name__)

EXAMPLE = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?entity ?label WHERE { ?entity rdfs:label ?label . FILTER(LANG(?label) = "ko") }
LIMIT 20"""


@bp.route("/")
def query_page() -> str:
    service = current_app.extensions["d4sme_kg"]
    return render_template(
        "query.html",
        example=EXAMPLE,
        triples=service.backend.size(),
        formats=[f.name for f in RESULT_FORMATS],
    )
