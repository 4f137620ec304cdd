"""An entity IRI in every RDF format: its alternates, suffixes and 404s (issue 13, item 2)."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from d4sme_kg.formats import GRAPH_FORMATS

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_the_page_links_every_format_with_its_media_type(client: FlaskClient) -> None:
    text = client.get("/id/kakao", headers=BROWSER).get_data(as_text=True)
    for fmt in GRAPH_FORMATS:
        link = f'<link rel="alternate" type="{fmt.media_type}" href="/id/kakao{fmt.suffix}">'
        assert link in text, link
        assert f'<a href="/id/kakao{fmt.suffix}">{fmt.name}</a>' in text


def test_every_alternate_in_the_link_header_answers_in_its_type(client: FlaskClient) -> None:
    reply = client.get("/id/kakao", headers={"Accept": "text/turtle"})
    links = re.findall(r'<([^>]+)>; rel="alternate"; type="([^"]+)"', reply.headers["Link"])
    assert {media for _, media in links} == {f.media_type for f in GRAPH_FORMATS}
    for href, media in links:
        answer = client.get(href)
        assert (answer.status_code, answer.mimetype) == (200, media), href


@pytest.mark.parametrize("suffix", [f.suffix for f in GRAPH_FORMATS])
def test_an_unknown_entity_with_a_suffix_is_404_with_suggestions(
    client: FlaskClient, suffix: str
) -> None:
    reply = client.get(f"/id/kakoa{suffix}")
    assert reply.status_code == 404 and reply.mimetype == "application/problem+json"
    assert "https://w3id.org/d4sme-kg/id/kakao" in reply.get_json()["suggestions"]
