"""The light reading of SPARQL requests that the safety rules rely on."""

from __future__ import annotations

import time

import pytest

from d4sme_kg.sparql import add_using, analyse


def test_forms() -> None:
    assert analyse("PREFIX a: <http://a/> SELECT * { ?s ?p ?o }").form == "SELECT"
    assert analyse("ASK {}").form == "ASK"
    assert analyse("# SELECT in a comment\nCONSTRUCT {} WHERE {}").form == "CONSTRUCT"
    assert analyse("DESCRIBE <x>").form == "DESCRIBE"
    update = analyse("BASE <http://a/> LOAD <d> ; INSERT DATA { <s> <p> 1 }")
    assert update.is_update and update.operations == ["LOAD", "INSERT"]


def test_service_targets_are_resolved_whatever_their_spelling() -> None:
    text = (
        "PREFIX w: <http://127.0.0.1:9/> BASE <http://127.0.0.1:8/> SELECT * WHERE { "
        'SERVICE SILENT w:sparql { ?s ?p "SERVICE <http://not-this/>" } '
        "SERVICE <rel> {} SERVICE ?endpoint {} FILTER(?a<3) }  # SERVICE <http://nor-this/>"
    )
    analysis = analyse(text)
    assert analysis.services == ["http://127.0.0.1:9/sparql", "http://127.0.0.1:8/rel"]
    assert analysis.service_variables == ["?endpoint"]


def test_dataset_clauses() -> None:
    analysis = analyse("PREFIX g: <http://g/> SELECT * FROM g:one FROM NAMED <http://g/two> {}")
    assert analysis.from_graphs == ["http://g/one"]
    assert analysis.from_named_graphs == ["http://g/two"]


def test_add_using_goes_before_each_modify_where_only() -> None:
    update = (
        "DROP ALL ; INSERT DATA { <a> <b> <c> } ; "
        "INSERT { GRAPH <g> { ?s ?p ?o } } WHERE { { ?s ?p ?o } } ; "
        "DELETE WHERE { ?s ?p ?o }"
    )
    out = add_using(update, ["http://x/1"], ["http://x/2"])
    assert out.count("USING <http://x/1> USING NAMED <http://x/2> WHERE") == 1
    assert out.endswith("DELETE WHERE { ?s ?p ?o }")
    assert add_using(update, [], []) == update


def test_add_using_refuses_a_second_dataset_and_bad_iris() -> None:
    with pytest.raises(ValueError, match="own dataset"):
        add_using("WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", ["http://x/"], [])
    with pytest.raises(ValueError, match="not an IRI"):
        add_using("INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }", ["http://x/> } ; DROP ALL #"], [])


def test_long_whitespace_is_read_in_linear_time() -> None:
    # A regression guard: trailing whitespace used to be retried from every position.
    # Quadratic, 100,000 spaces took many minutes; linear, they take milliseconds.
    started = time.monotonic()
    analysis = analyse("ASK {}" + " " * 100_000)
    assert analysis.form == "ASK"
    assert add_using("INSERT { } WHERE { }" + " \n" * 50_000, ["http://g"], []).count("USING") == 1
    assert time.monotonic() - started < 5
