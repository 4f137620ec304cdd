"""`d4sme-kg query NAME --param k=v` with the named queries, and the parameter rules."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from d4sme_kg.cli import cli
from d4sme_kg.parameters import InvalidParameter, bind_parameters, bind_values, to_term
from d4sme_kg.queries import public_queries, read_query

REPO = Path(__file__).resolve().parents[2]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--root", str(REPO), "query", *args])
    return result.exit_code, result.output


def test_named_query_prints_a_table() -> None:
    code, out = invoke("session-chairs")
    assert code == 0, out
    assert "Park Young-sun" in out and "박영선" in out and "(3 rows)" in out


def test_named_query_with_a_parameter_as_csv() -> None:
    code, out = invoke("quotes-on-line", "--param", "line=11", "-f", "csv")
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(out.strip())))
    assert len(rows) == 6 and rows[-1]["quote"] == "기존 문자메시지"  # sorted by offset


def test_named_query_in_a_subfolder_and_a_prefixed_iri() -> None:
    code, out = invoke("claims", "--param", "subject=kg:kakao-makers", "-f", "tsv")
    assert code == 0, out
    assert "카카오메이커스" in out
    code, out = invoke("checks/claims-not-asserted")
    assert code == 0 and "(0 rows)" in out


def test_graph_query_in_turtle() -> None:
    code, out = invoke("entity-description", "--param", "entity=kg:paris", "-f", "turtle")
    assert code == 0, out
    assert "파리" in out


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("line=eleven", "must be a whole number"),
        ("nope=1", "unknown parameter(s) nope"),
        ("line", "not of the form name=value"),
    ],
)
def test_bad_parameters_are_one_line_errors(param: str, message: str) -> None:
    code, out = invoke("quotes-on-line", "--param", param)
    assert code == 2
    assert message in out and "Traceback" not in out


def test_types() -> None:
    assert to_term("n", "integer", "11") == ("literal", "11", XSD + "integer", None)
    assert to_term("d", "decimal", "0.5")[2] == XSD + "decimal"
    assert to_term("b", "boolean", "true")[2] == XSD + "boolean"
    assert to_term("d", "date", "2019-11-29")[2] == XSD + "date"
    assert to_term("l", "lang", "KO")[1] == "ko"
    assert to_term("s", "string", "카카오")[1] == "카카오"
    assert to_term("i", "IRI", "<https://example.org/x>") == ("uri", "https://example.org/x")
    assert to_term("i", "iri", "kg:kakao") == ("uri", "https://w3id.org/d4sme-kg/id/kakao")
    assert to_term("i", "iri", "kg:kakao", {"kg": "http://other/id/"}) == (
        "uri",
        "http://other/id/kakao",
    )


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("integer", "1.5"),
        ("decimal", "x"),
        ("boolean", "yes"),
        ("date", "29/11/2019"),
        ("lang", "k o"),
        ("iri", "kakao"),
        ("iri", "nope:kakao"),
        ("iri", "https://a b"),
        ("iri", 'https://a/"x'),
        ("color", "red"),
    ],
)
def test_values_that_do_not_fit_are_refused(kind: str, raw: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        to_term("p", kind, raw)
    assert caught.value.http_status == 400 and "p" in caught.value.message


def test_defaults_and_empty_values(tmp_path: Path) -> None:
    path = tmp_path / "q.rq"
    path.write_text(
        "# title: T\n# param: ?n integer 3 -- how many\n# param: ?x string -- free\n"
        "SELECT ?n ?x WHERE {}\n",
        encoding="utf-8",
    )
    query = read_query(path, "q")
    assert bind_values(query, {}) == {"n": ("literal", "3", XSD + "integer", None)}
    assert bind_values(query, {"n": "", "x": "a"})["x"][1] == "a"
    assert bind_parameters(query, ["n=4"])["n"][1] == "4"
    assert query.body == "SELECT ?n ?x WHERE {}\n"
    assert query.description("ko") == ""


def test_internal_queries_are_not_listed() -> None:
    names = set(public_queries(REPO / "queries"))
    assert "attendees" in names and "checks/unused-evidence" in names
    assert not any(n.startswith(("system/", "pages/")) for n in names)


XSD = "http://www.w3.org/2001/XMLSchema#"
