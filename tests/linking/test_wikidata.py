"""``d4sme-kg link wikidata`` against a real local SPARQL server with look-alikes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from d4sme_kg.cli import cli
from d4sme_kg.namespaces import SCHEMA, WD

from ..servers import http, oxigraph_server
from .conftest import FIXTURE
from .test_identifiers import expected_links

KG = "https://w3id.org/d4sme-kg/id/"
KGO = "https://w3id.org/d4sme-kg/ontology#"
LOOK_ALIKES = {
    "Q3783",
    "Q355",
    "Q22890",
    "Q830149",
    "Q897968",
    "Q29725028",
    "Q99000003",
    "Q99000006",
}


def run(
    root: Path, endpoint: str, cache: Path, output: Path, *extra: str, input: str | None = None
) -> str:
    result = CliRunner().invoke(
        cli,
        [
            "--root",
            str(root),
            "link",
            "wikidata",
            "--endpoint",
            endpoint,
            "--cache-dir",
            str(cache),
            "-o",
            str(output),
            "--date",
            "2026-12-01",
            *extra,
        ],
        input=input,
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def asserted(path: Path) -> set[tuple[str, str]]:
    graph = Graph().parse(path)
    return {
        (str(s).removeprefix(KG), str(o).removeprefix(str(WD)))
        for p in (SCHEMA.sameAs, SKOS.exactMatch)
        for s, o in graph.subject_objects(p)
    }


def statuses(path: Path) -> dict[tuple[str, str], str]:
    graph = Graph().parse(path)
    out = {}
    for node in graph.subjects(RDF.type, URIRef(KGO + "Link")):
        key = (
            str(graph.value(node, RDF.subject)).removeprefix(KG),
            str(graph.value(node, RDF.object)).removeprefix(str(WD)),
        )
        out[key] = str(graph.value(node, URIRef(KGO + "reviewStatus"))).removeprefix(KGO)
    return out


def test_links_every_true_item_and_no_look_alike(
    fresh_project: Path, wikidata: str, clean_cache: Path, tmp_path: Path
) -> None:
    output = tmp_path / "wikidata.ttl"
    text = run(fresh_project, wikidata, clean_cache, output)
    assert asserted(output) == expected_links()
    assert not {qid for _, qid in asserted(output)} & LOOK_ALIKES
    states = statuses(output)
    # The footballer named Kim Dae-won is a candidate for review, never a link.
    assert states[("kim-dae-won", "Q99000006")] == "Candidate"
    assert "16 accepted" in text and "kim-dae-won" in text


def test_rerun_is_offline_and_gives_the_same_file(
    fresh_project: Path, clean_cache: Path, tmp_path: Path
) -> None:
    output = tmp_path / "wikidata.ttl"
    with oxigraph_server() as base:
        http(
            "POST",
            base + "/store?default",
            (FIXTURE / "items.ttl").read_bytes(),
            {"Content-Type": "text/turtle"},
        )
        endpoint = base + "/query"
        run(fresh_project, endpoint, clean_cache, output)
    first = output.read_bytes()
    # The server is gone: only the cache (keyed by endpoint and query) can answer.
    text = run(fresh_project, endpoint, clean_cache, output)
    assert output.read_bytes() == first
    assert "16 accepted" in text


def test_output_validates(fresh_project: Path, wikidata: str, clean_cache: Path) -> None:
    output = fresh_project / "data" / "links" / "wikidata.ttl"
    run(fresh_project, wikidata, clean_cache, output)
    result = CliRunner().invoke(cli, ["--root", str(fresh_project), "validate"])
    assert result.exit_code == 0, result.output


def test_review_round_trip(
    fresh_project: Path, wikidata: str, clean_cache: Path, tmp_path: Path
) -> None:
    output = tmp_path / "wikidata.ttl"
    run(fresh_project, wikidata, clean_cache, output, "--review", input="r\n")
    assert statuses(output)[("kim-dae-won", "Q99000006")] == "Rejected"
    assert ("kim-dae-won", "Q99000006") not in asserted(output)
    graph = Graph().parse(output)
    node = URIRef(KG + "link-kim-dae-won-wikidata-q99000006")
    assert graph.value(node, URIRef("http://www.w3.org/ns/prov#wasAttributedTo")) == URIRef(
        KG + "d4sme-kg-team"
    )
    # A rerun keeps the person's decision and proposes the rejected item no more.
    run(fresh_project, wikidata, clean_cache, output)
    assert statuses(output)[("kim-dae-won", "Q99000006")] == "Rejected"
    assert asserted(output) == expected_links()


def test_review_accept_asserts_and_survives_rerun(
    fresh_project: Path, wikidata: str, clean_cache: Path, tmp_path: Path
) -> None:
    output = tmp_path / "wikidata.ttl"
    run(fresh_project, wikidata, clean_cache, output, "--review", input="a\n")
    assert ("kim-dae-won", "Q99000006") in asserted(output)
    run(fresh_project, wikidata, clean_cache, output)
    assert statuses(output)[("kim-dae-won", "Q99000006")] == "Accepted"
    assert ("kim-dae-won", "Q99000006") in asserted(output)


def test_people_decisions_in_the_shipped_file_are_kept(
    project_copy: Callable[[], Path], wikidata: str, clean_cache: Path
) -> None:
    root = project_copy()
    output = root / "data" / "links" / "wikidata.ttl"
    before = asserted(output)
    text = run(root, wikidata, clean_cache, output)
    assert asserted(output) == before
    assert "16 kept as reviewed" in text


def test_dry_run_writes_nothing(
    fresh_project: Path, wikidata: str, clean_cache: Path, tmp_path: Path
) -> None:
    output = tmp_path / "wikidata.ttl"
    text = run(fresh_project, wikidata, clean_cache, output, "--dry-run")
    assert not output.exists()
    assert "dry run" in text
