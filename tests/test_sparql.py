"""The light reading of SPARQL requests that the safety rules rely on."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from d4sme_kg.sparql import MAX_NESTING, MAX_OPTIONAL_CALLS, add_using, analyse


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


# Each builds a query nested ``n`` levels deep by one construct (benchmarks/nesting.py
# measures what the engine survives of each).
NESTINGS = {
    "STR()": lambda n: "SELECT (" + "STR(" * n + '"x"' + ")" * n + " AS ?x) {}",
    "CONCAT()": lambda n: "SELECT (" + "CONCAT(" * n + '"x"' + ")" * n + " AS ?x) {}",
    "IF()": lambda n: "SELECT (" + "IF(true," * n + "1" + ",0)" * n + " AS ?x) {}",
    "( )": lambda n: "SELECT (" + "(" * n + "1" + ")" * n + " AS ?x) {}",
    "+": lambda n: "SELECT (" + "1+" * n + "1 AS ?x) {}",
    "&&": lambda n: "SELECT (" + "true&&" * n + "true AS ?x) {}",
    "!": lambda n: "SELECT (" + "!" * n + "true AS ?x) {}",
    "EXISTS": lambda n: "SELECT * {" + " FILTER EXISTS {" * n + "}" * n + " }",
    "NOT EXISTS": lambda n: "SELECT * {" + " FILTER NOT EXISTS {" * n + "}" * n + " }",
    "{ }": lambda n: "SELECT * " + "{" * n + "}" * n,
    "UNION": lambda n: "SELECT * { " + "{} UNION " * n + "{} }",
    "MINUS": lambda n: "SELECT * { {} " + "MINUS {} " * n + "}",
    "OPTIONAL": lambda n: "SELECT * { " + "OPTIONAL { ?s ?p ?o } " * n + "}",
    "path ( )": lambda n: "SELECT * { ?s " + "(" * n + "<p>" + ")" * n + " ?o }",
    "collection": lambda n: "SELECT * { " + "(" * n + ")" * n + " <p> ?o }",
    "<< >>": lambda n: "SELECT * { " + "<< " * n + "<s> <p> <o>" + " <p> <o> >>" * n + " }",
    "< run": lambda n: "SELECT * {" + "<" * n,
    "update": lambda n: (
        "INSERT { <s> <p> ?x } WHERE { BIND(" + "STR(" * n + "1" + ")" * n + " AS ?x) }"
    ),
}


@pytest.mark.parametrize("name", NESTINGS)
def test_nesting_past_the_limit_is_found_with_its_place(name: str) -> None:
    build = NESTINGS[name]
    # The reading over-counts (a bound, not a parse) by at most four per level.
    assert analyse(build(MAX_NESTING // 8)).too_deep_at is None
    for depth in (1_000, 10_000, 50_000):
        analysis = analyse(build(depth))
        assert analysis.depth > MAX_NESTING and analysis.too_deep_at is not None
        line, column = analysis.too_deep_at
        assert line == 1 and 1 < column < len(build(depth))


def test_the_place_counts_lines_and_skips_comments() -> None:
    text = "# a comment with ( ( (\nSELECT * {\n" + "{" * 1_200 + "}" * 1_200 + "}"
    # SELECT, * and the first { are three levels of the bound.
    assert analyse(text).too_deep_at == (3, 998)


def test_a_lower_limit_can_be_asked_for() -> None:
    text = NESTINGS["{ }"](50)
    assert analyse(text).too_deep_at is None
    analysis = analyse(text, nesting_limit=20)
    assert analysis.too_deep_at == (1, 28) and analysis.depth == 52


def test_every_query_of_ours_and_of_the_w3c_suite_is_within_the_limit() -> None:
    root = Path(__file__).parents[1]
    texts = [p.read_text(encoding="utf-8") for p in sorted(root.glob("queries/**/*.rq"))]
    w3c = root.parent / "shared" / "w3c"
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(w3c.rglob("*.r[qu]"))]
    assert len(texts) > 60
    assert max(analyse(text, nesting_limit=10**9).depth for text in texts) < MAX_NESTING // 10
    assert not [text for text in texts if analyse(text).optional_calls_at is not None]


def test_a_base_urljoin_cannot_read_is_left_to_the_engine() -> None:
    analysis = analyse("BASE <http://[> SELECT * { SERVICE <x> {} }")
    assert analysis.services == ["x"]


def test_an_rdf_collection_counts_an_item_a_level() -> None:
    # ( 1 1 1 … ) is a chain of rdf:rest to the engine: 50,000 items ended a 64 MiB stack.
    collection = "SELECT * { (" + " 1" * 50_000 + " ) <urn:p> ?o }"
    assert analyse(collection).too_deep_at is not None
    # Commas separate arguments and IN lists: those stay flat.
    listed = "SELECT * { FILTER(?x IN (" + ", ".join(["<urn:a>"] * 5_000) + ")) }"
    assert analyse(listed).too_deep_at is None


def _optional_calls(depth: int, broken: bool = False) -> str:
    kinds = [("SUBSTR(?s, (", "))"), ("REGEX(STR(", "), 'a')"), ("REPLACE(", ", 'a', 'b')")]
    opening = "".join(kinds[i % 3][0] for i in range(depth))
    closing = "".join(kinds[i % 3][1] for i in reversed(range(depth)))
    return f"SELECT ({opening}?s{'' if broken else closing} AS ?x) {{}}"


def test_optional_argument_calls_nested_past_their_limit_are_found() -> None:
    assert analyse(_optional_calls(MAX_OPTIONAL_CALLS)).optional_calls_at is None
    deep = analyse(_optional_calls(MAX_OPTIONAL_CALLS + 1))
    assert deep.optional_calls_at is not None
    assert analyse(_optional_calls(40, broken=True)).optional_calls_at is not None


def test_optional_argument_calls_side_by_side_are_not_nested() -> None:
    side_by_side = " ".join(f"(SUBSTR(?s, {i}) AS ?x{i})" for i in range(50))
    assert analyse(f"SELECT {side_by_side} {{}}").optional_calls_at is None
    quoted = "SELECT * { FILTER(REGEX(?s, '" + "SUBSTR(" * 30 + "')) }"
    assert analyse(quoted).optional_calls_at is None


def test_the_engine_still_parses_nested_optional_calls_in_exponential_time() -> None:
    # Where this fails, pyoxigraph parses them in linear time and the limit may go.
    import pyoxigraph

    def parse_seconds(depth: int) -> float:
        started = time.perf_counter()
        with pytest.raises(SyntaxError):
            pyoxigraph.Store().query(_optional_calls(depth, broken=True))
        return time.perf_counter() - started

    assert parse_seconds(16) > 8 * parse_seconds(10)
