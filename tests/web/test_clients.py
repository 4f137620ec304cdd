"""Real clients against a real server: SPARQLWrapper with its defaults, Comunica's Accept."""

from __future__ import annotations

import io
import json

import pytest
from rdflib import Graph
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from ..servers import http

SELECT = (
    "PREFIX kg: <https://w3id.org/d4sme-kg/id/> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?l WHERE { kg:kakao rdfs:label ?l } ORDER BY ?l"
)
CONSTRUCT = (
    "PREFIX kg: <https://w3id.org/d4sme-kg/id/> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "CONSTRUCT { kg:kakao rdfs:label ?l } WHERE { kg:kakao rdfs:label ?l }"
)
# What Comunica 5 sends to find out what a URL is.
COMUNICA_ACCEPT = (
    "application/n-quads,application/trig;q=0.95,application/ld+json;q=0.9,"
    "application/n-triples;q=0.8,text/turtle;q=0.6,application/rdf+xml;q=0.5,"
    "text/n3;q=0.35,application/xml;q=0.3,image/svg+xml;q=0.3,text/xml;q=0.3,"
    "text/html;q=0.2,application/xhtml+xml;q=0.18,application/json;q=0.135,"
    "text/shaclc;q=0.1,text/shaclc-ext;q=0.05"
)
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_defaults_read_every_result_format(
    server: str, fmt: str, method: str
) -> None:
    client = SPARQLWrapper(f"{server}/sparql")
    client.setQuery(SELECT)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    result = client.query()
    body = result.response.read()
    if fmt == JSON:
        labels = [b["l"]["value"] for b in json.loads(body)["results"]["bindings"]]
    elif fmt == XML:
        labels = _xml_labels(body)
    else:
        separator = "\t" if fmt == TSV else ","
        labels = [line.split(separator)[0].strip('"') for line in body.decode().splitlines()[1:]]
        labels = [label.split('"@')[0].lstrip('"') for label in labels]
    assert labels == ["Kakao", "카카오"]


def _xml_labels(body: bytes) -> list[str]:
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2005/sparql-results#}"
    return [e.text or "" for e in ET.fromstring(body).iter(f"{ns}literal")]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    "fmt, parse_as", [(N3, "turtle"), (TURTLE, "turtle"), (RDFXML, "xml"), (JSONLD, "json-ld")]
)
def test_sparqlwrapper_defaults_read_every_graph_format(
    server: str, fmt: str, parse_as: str, method: str
) -> None:
    # SPARQLWrapper sends format=n3 or format=rdf+xml (and output=) besides Accept.
    client = SPARQLWrapper(f"{server}/sparql")
    client.setQuery(CONSTRUCT)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    body = client.query().response.read()
    graph = Graph().parse(io.BytesIO(body), format=parse_as)
    assert sorted(str(o) for o in graph.objects()) == ["Kakao", "카카오"]


def test_a_format_parameter_that_names_nothing_known_leaves_the_choice_to_accept(
    server: str,
) -> None:
    from urllib.parse import urlencode

    query = urlencode({"query": SELECT, "format": "text/x-nothing"})
    reply = http(
        "GET", f"{server}/sparql?{query}", headers={"Accept": "application/sparql-results+xml"}
    )
    assert reply.status == 200 and reply.media_type == "application/sparql-results+xml"
    for alias, media in [
        ("rdf+xml", "application/rdf+xml"),
        ("n3", "text/turtle"),
        ("ntriples", "application/n-triples"),
        ("json-ld", "application/ld+json"),
        ("ttl", "text/turtle"),
    ]:
        query = urlencode({"query": CONSTRUCT, "format": alias})
        reply = http("GET", f"{server}/sparql?{query}")
        assert (reply.status, reply.media_type) == (200, media), alias
    query = urlencode({"query": SELECT, "output": "csv"})
    assert http("GET", f"{server}/sparql?{query}").media_type == "text/csv"


def test_an_rdf_client_that_also_takes_html_gets_the_service_description(server: str) -> None:
    reply = http("GET", f"{server}/sparql", headers={"Accept": COMUNICA_ACCEPT})
    assert reply.status == 200
    assert reply.media_type == "application/n-quads" or reply.media_type.endswith("trig")
    assert b"http://www.w3.org/ns/sparql-service-description#" in reply.body


def test_a_browser_gets_the_query_page(server: str) -> None:
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(f"{server}/sparql", headers={"Accept": BROWSER_ACCEPT})
    try:
        opener.open(request)
    except urllib.error.HTTPError as error:
        assert error.code == 302 and error.headers["Location"].endswith("/")
    else:
        raise AssertionError("no redirect to the query page")
