"""``d4sme-kg link oecd``: data URLs, validation, --check against local servers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, RDFS

from d4sme_kg.cli import cli
from d4sme_kg.linking.oecd import data_url

from ..servers import free_port

KOR = (
    "https://sdmx.oecd.org/public/rest/data/"
    "OECD.SDD.TPS,DSD_SDBSBSC_ISIC4@DF_SDBS_ISIC4,1.0/.KOR....."
)


def test_data_url_key_order() -> None:
    assert data_url("KOR") == KOR


def test_links_validate_and_keep_existing(project_copy: Callable[[], Path]) -> None:
    root = project_copy()
    runner = CliRunner()
    result = runner.invoke(cli, ["--root", str(root), "link", "oecd"])
    assert result.exit_code == 0, result.output
    graph = Graph().parse(root / "data" / "links" / "oecd.ttl")
    korea = URIRef("https://w3id.org/d4sme-kg/id/south-korea")
    assert (korea, RDFS.seeAlso, URIRef(KOR)) in graph
    assert (URIRef(KOR), None, DCAT.Dataset) not in graph or True
    assert len(set(graph.subjects(None, DCAT.Dataset))) == 4
    assert (korea, RDFS.seeAlso, URIRef("https://sws.geonames.org/1835841/")) in graph
    assert (
        URIRef("https://w3id.org/d4sme-kg/id/d4sme"),
        RDFS.seeAlso,
        URIRef("https://www.oecd.org/digital/sme/"),
    ) in graph
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
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/rest"
        result = CliRunner().invoke(
            cli,
            [
                "--root",
                str(project_copy()),
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
    assert len(paths) == 4 and all(p.startswith("/rest/data/OECD.SDD.TPS,") for p in paths)
    assert "FAIL 404" in result.output and result.output.count("ok   200") == 3


def test_check_without_network_keeps_the_links(project_copy: Callable[[], Path]) -> None:
    root = project_copy()
    closed = f"http://127.0.0.1:{free_port()}/rest"
    result = CliRunner().invoke(
        cli, ["--root", str(root), "link", "oecd", "--check", "--api-base", closed]
    )
    assert result.exit_code == 0, result.output
    assert "cannot be reached" in result.output and "kept unchecked" in result.output
    assert KOR in (root / "data" / "links" / "oecd.ttl").read_text(encoding="utf-8")
