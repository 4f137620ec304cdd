"""SPARQL results in their four standard formats (JSON, XML, CSV, TSV).

One neutral model serves every backend: the local engine's solutions and a remote
endpoint's JSON answer are both turned into :class:`Solutions` and written here,
after the row limit has been checked.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: A term: ("uri", iri) | ("bnode", id) | ("literal", lexical, datatype, language) |
#: ("triple", subject, predicate, object)
Term = tuple[Any, ...]


@dataclass(frozen=True)
class Solutions:
    """The answer of a SELECT (``variables`` and ``rows``) or of an ASK (``boolean``)."""

    variables: Sequence[str]
    rows: Sequence[dict[str, Term]]
    boolean: bool | None = None


def literal(value: str, datatype: str | None = None, language: str | None = None) -> Term:
    if language:
        return ("literal", value, RDF_LANGSTRING, language.lower())
    return ("literal", value, datatype or XSD_STRING, None)


def serialize_solutions(solutions: Solutions, format_name: str) -> bytes:
    """Write ``solutions`` as ``json``, ``xml``, ``csv`` or ``tsv``."""
    writer = _WRITERS[format_name]
    return writer(solutions)


_JSON_TRUE, _JSON_FALSE = b'{"head":{},"boolean":true}', b'{"head":{},"boolean":false}'


def _json(solutions: Solutions) -> bytes:
    if solutions.boolean is not None:
        # Written out: ASK is the commonest small request, and json.dumps the most of it.
        return _JSON_TRUE if solutions.boolean else _JSON_FALSE
    document = {
        "head": {"vars": list(solutions.variables)},
        "results": {
            "bindings": [
                {name: _json_term(term) for name, term in row.items()} for row in solutions.rows
            ]
        },
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json_term(term: Term) -> dict[str, Any]:
    kind = term[0]
    if kind == "literal":
        out = {"type": "literal", "value": term[1]}
        if term[3]:
            out["xml:lang"] = term[3]
        elif term[2] != XSD_STRING:
            out["datatype"] = term[2]
        return out
    if kind == "triple":
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term[1]),
                "predicate": _json_term(term[2]),
                "object": _json_term(term[3]),
            },
        }
    return {"type": kind, "value": term[1]}


def _xml(solutions: Solutions) -> bytes:
    out = [
        '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
        "<head>",
    ]
    if solutions.boolean is not None:
        out.append(f"</head><boolean>{'true' if solutions.boolean else 'false'}</boolean></sparql>")
        return "".join(out).encode("utf-8")
    out.extend(f"<variable name={quoteattr(name)}/>" for name in solutions.variables)
    out.append("</head><results>")
    for row in solutions.rows:
        out.append("<result>")
        for name, term in row.items():
            out.append(f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>")
        out.append("</result>")
    out.append("</results></sparql>\n")
    return "".join(out).encode("utf-8")


def _xml_term(term: Term) -> str:
    kind = term[0]
    if kind == "uri":
        return f"<uri>{escape(term[1])}</uri>"
    if kind == "bnode":
        return f"<bnode>{escape(term[1])}</bnode>"
    if kind == "triple":
        return (
            f"<triple><subject>{_xml_term(term[1])}</subject><predicate>"
            f"{_xml_term(term[2])}</predicate><object>{_xml_term(term[3])}</object></triple>"
        )
    if term[3]:
        return f"<literal xml:lang={quoteattr(term[3])}>{escape(term[1])}</literal>"
    if term[2] != XSD_STRING:
        return f"<literal datatype={quoteattr(term[2])}>{escape(term[1])}</literal>"
    return f"<literal>{escape(term[1])}</literal>"


def _csv(solutions: Solutions) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if solutions.boolean is not None:
        writer.writerow(["_askResult"])
        writer.writerow(["true" if solutions.boolean else "false"])
    else:
        writer.writerow(solutions.variables)
        for row in solutions.rows:
            writer.writerow(
                [_csv_term(row[name]) if name in row else "" for name in solutions.variables]
            )
    return buffer.getvalue().encode("utf-8")


def _csv_term(term: Term) -> str:
    if term[0] == "bnode":
        return f"_:{term[1]}"
    if term[0] == "triple":
        return _tsv_term(term)
    return str(term[1])


def _tsv(solutions: Solutions) -> bytes:
    if solutions.boolean is not None:
        return f"?_askResult\n{'true' if solutions.boolean else 'false'}\n".encode()
    lines = ["\t".join(f"?{name}" for name in solutions.variables)]
    for row in solutions.rows:
        lines.append(
            "\t".join(_tsv_term(row[name]) if name in row else "" for name in solutions.variables)
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def _tsv_term(term: Term) -> str:
    kind = term[0]
    if kind == "uri":
        return f"<{term[1]}>"
    if kind == "bnode":
        return f"_:{term[1]}"
    if kind == "triple":
        return f"<< {_tsv_term(term[1])} {_tsv_term(term[2])} {_tsv_term(term[3])} >>"
    text = (
        str(term[1])
        .replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    if term[3]:
        return f'"{text}"@{term[3]}'
    if term[2] == XSD + "integer" and text.lstrip("+-").isdigit():
        return text
    if term[2] != XSD_STRING:
        return f'"{text}"^^<{term[2]}>'
    return f'"{text}"'


_WRITERS = {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}


def solutions_from_json(document: dict[str, Any]) -> Solutions:
    """Read a SPARQL JSON results document (as a remote endpoint sends it)."""
    if "boolean" in document:
        return Solutions((), (), bool(document["boolean"]))
    variables = document.get("head", {}).get("vars", [])
    rows = [
        {name: _term_from_json(value) for name, value in binding.items()}
        for binding in document.get("results", {}).get("bindings", [])
    ]
    return Solutions(variables, rows)


def _term_from_json(value: dict[str, Any]) -> Term:
    kind = value.get("type")
    if kind in ("literal", "typed-literal"):
        return literal(value["value"], value.get("datatype"), value.get("xml:lang"))
    if kind == "triple":
        inner = value["value"]
        return (
            "triple",
            _term_from_json(inner["subject"]),
            _term_from_json(inner["predicate"]),
            _term_from_json(inner["object"]),
        )
    return (kind, value["value"])
