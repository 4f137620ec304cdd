"""``d4sme-kg link oecd``: data URLs, validation, --check against local servers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from click.testing import CliRunner
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS

from d4sme_kg.cli import cli
from d4sme_kg.linking.oecd import PAGES, data_url

from ..servers import free_port

KGO = Namespace("https://w3id.org/d4sme-kg/ontology#")
KOR = (
    "https://sdmx.oecd.org/public/rest/data/"
    "OECD.SDD.TPS,DSD_SDBSBSC_ISIC4@DF_SDBS_ISIC4,1.0/.KOR....."
)


def test_data_url_key_order() -> None:
    assert data_url("KOR") == KOR


def test_links_validate_and_keep_existing(project_copy: Callable[[], Path]) -> None:
    root = project_copy()
    path = root / "data" / "links" / "oecd.ttl"
    shipped = Graph().parse(path)
    # What the linker makes goes from the file; what it cannot make (the countries'
    # codes, their GeoNames records) stays, and must still be there after the run.
    made = set(shipped.subjects(RDF.type, DCAT.Dataset)) | {URIRef(p) for p in PAGES.values()}
    kept = Graph()
    for triple in shipped:
        if triple[0] not in made and triple[2] not in made:
            kept.add(triple)
    path.write_text(kept.serialize(format="turtle"), encoding="utf-8")
    codes = {str(code) for code in kept.objects(None, KGO.iso3166Alpha3)}
    assert "KOR" in codes
    runner = CliRunner()
    result = runner.invoke(cli, ["--root", str(root), "link", "oecd"])
    assert result.exit_code == 0, result.output
    graph = Graph().parse(path)
    korea = URIRef("https://w3id.org/d4sme-kg/id/south-korea")
    assert (korea, RDFS.seeAlso, URIRef(KOR)) in graph
    assert (URIRef(KOR), DCTERMS.spatial, korea) in graph
    assert set(graph.subjects(RDF.type, DCAT.Dataset)) == {URIRef(data_url(c)) for c in codes}
    assert (korea, RDFS.seeAlso, URIRef("https://sws.geonames.org/1835841/")) in graph
    assert not set(kept) - set(graph), "statements of the file were dropped"
    # The run makes again exactly what the committed file holds.
    assert set(graph) == set(shipped)
    assert runner.invoke(cli, ["--root", str(root), "validate"]).exit_code == 0


def test_check_against_a_local_api(project_copy: Callable[[], Path]) -> None:
    paths: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            paths.append(self.path)
            self.send_response(404 if ".NZL." in self.path else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    root = project_copy()
    links = Graph().parse(root / "data" / "links" / "oecd.ttl")
    datasets = set(links.subjects(RDF.type, DCAT.Dataset))
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/rest"
        result = CliRunner().invoke(
            cli,
            [
                "--root",
                str(root),
                "link",
                "oecd",
                "--check",
                "--api-base",
                base,
                "--dry-run",
            ],
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert result.exit_code == 0, result.output
    assert len(paths) == len(datasets) > 1
    assert all(p.startswith("/rest/data/OECD.SDD.TPS,") for p in paths)
    # New Zealand's URL answers 404 here, every other one 200.
    assert result.output.count("FAIL 404") == 1
    assert result.output.count("ok   200") == len(datasets) - 1


def test_check_without_network_keeps_the_links(project_copy: Callable[[], Path]) -> None:
    root = project_copy()
    closed = f"http://127.0.0.1:{free_port()}/rest"
    result = CliRunner().invoke(
        cli, ["--root", str(root), "link", "oecd", "--check", "--api-base", closed]
    )
    assert result.exit_code == 0, result.output
    assert "cannot be reached" in result.output and "kept unchecked" in result.output
    assert KOR in (root / "data" / "links" / "oecd.ttl").read_text(encoding="utf-8")
