"""The pages in a real browser: Chromium, driven by Playwright, against `d4sme-kg serve`.

One server and one browser for the module; every test opens its own page (a fresh
browser context, English unless it switches). Every wait is bounded (``TIMEOUT``).
Skipped, with the reason, where Playwright or the system's Chromium is missing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from ..servers import d4sme_server
from .browser import required

_, sync_api = required()

pytestmark = pytest.mark.browser

TIMEOUT = 10_000  # ms, for every wait and navigation
HANGUL = re.compile("[\uac00-\ud7a3]")
ENTITY = "https://w3id.org/d4sme-kg/id/"


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with d4sme_server(["--workers", "1", "--timeout", "5"]) as url:
        yield url


@pytest.fixture
def page(browser: sync_api.Browser, base: str) -> Iterator[sync_api.Page]:
    """A new page in a new context (no shared cookies or cache), English by default."""
    context = browser.new_context(
        base_url=base,
        locale="en-US",
        accept_downloads=True,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT)
    context.set_default_navigation_timeout(TIMEOUT)
    failed: list[str] = []
    context.on(
        "requestfailed",
        lambda request: failed.append(f"{request.url}: {request.failure}"),
    )
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
    assert not failed, f"requests failed in the browser: {failed}"


def run_example(page: sync_api.Page, name: str, lang: str = "en") -> sync_api.Locator:
    """Load the named query ``name`` into the editor, run it; the result table's rows."""
    page.goto(f"/?example={name}&lang={lang}")
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(r"[?&]query="))
    rows = page.locator("table.results tbody tr")
    rows.first.wait_for()
    return rows


def test_run_a_named_query_from_the_query_page(page: sync_api.Page) -> None:
    page.goto("/?lang=en")
    examples = page.locator("aside.examples li")
    assert examples.count() >= 10, "the query page lists the named queries as examples"
    attendees = examples.filter(has_text="Who attended the roundtable")
    expect = sync_api.expect
    expect(attendees).to_have_count(1)
    attendees.get_by_role("link", name="load into the editor").click()
    page.wait_for_url(re.compile(r"example=attendees"))
    editor = page.locator("textarea[name=query]")
    assert "schema:attendee" in editor.input_value()
    assert page.locator("table.results").count() == 0, "nothing has run yet"

    page.get_by_role("button", name="Run").click()
    page.wait_for_url(re.compile(r"[?&]query="))
    table = page.locator("table.results")
    table.wait_for()
    headers = table.locator("thead th").all_inner_texts()
    assert headers == ["event", "attendee", "nameEn", "nameKo", "kinds", "country"]
    rows = table.locator("tbody tr")
    assert rows.count() >= 5
    assert page.locator("p.count").inner_text() == f"{rows.count()} rows"
    names_en = table.locator("tbody tr td:nth-child(3)").all_inner_texts()
    names_ko = table.locator("tbody tr td:nth-child(4)").all_inner_texts()
    assert any(n.startswith("Kakao") for n in names_en), names_en
    assert any(n.startswith("카카오") for n in names_ko), names_ko
    # The query stays in the editor and in the URL, so that the result can be shared.
    assert "schema:attendee" in editor.input_value()
    share = page.get_by_role("link", name="Link to this result").get_attribute("href") or ""
    assert "schema%3Aattendee" in share or "schema:attendee" in share


def test_switch_the_language(page: sync_api.Page) -> None:
    rows = run_example(page, "attendees")
    count = rows.count()
    event_en = rows.first.locator("td").first.inner_text()
    assert event_en and not HANGUL.search(event_en), event_en
    assert page.locator("html").get_attribute("lang") == "en"

    page.get_by_role("link", name="한국어").click()
    page.wait_for_url(re.compile(r"lang=ko"))
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.get_by_role("button", name="실행").count() == 1
    assert HANGUL.search(page.locator("h1").inner_text())
    rows = page.locator("table.results tbody tr")
    assert rows.count() == count, "the same query ran again"
    event_ko = rows.first.locator("td").first.inner_text()
    assert HANGUL.search(event_ko), f"the IRI's label is Korean now: {event_ko!r}"
    assert event_ko != event_en
    assert page.locator("p.count").inner_text() == f"{count} 행"
    query = parse_qs(urlsplit(page.url).query)["query"][0]
    assert "schema:attendee" in query

    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.locator("table.results tbody tr").first.locator("td").first.inner_text() == (
        event_en
    )


def test_follow_a_result_to_its_entity_page(page: sync_api.Page) -> None:
    rows = run_example(page, "attendees")
    kakao = rows.locator("td:nth-child(2) a", has_text=re.compile(r"^Kakao$"))
    assert kakao.get_attribute("title") == ENTITY + "kakao"
    kakao.click()
    page.wait_for_url(re.compile(r"/id/kakao\?lang=en$"))
    assert page.locator("h1").inner_text() == "Kakao"
    assert page.locator("p.iri code").inner_text() == ENTITY + "kakao"
    labels = page.locator("table.labels td[lang=ko]").all_inner_texts()
    assert "카카오" in labels
    facts = page.locator("table.facts tbody tr")
    assert facts.count() >= 5
    quotes = page.locator("table.facts blockquote[lang=ko]")
    assert quotes.count() >= 1 and HANGUL.search(quotes.first.inner_text())
    assert page.locator("table.incoming tr").count() >= 1

    # The same entity in Korean.
    page.get_by_role("link", name="한국어").click()
    page.wait_for_url(re.compile(r"/id/kakao\?lang=ko$"))
    assert page.locator("h1").inner_text() == "카카오"


def test_download_a_result_as_csv(page: sync_api.Page) -> None:
    rows = run_example(page, "attendees")
    shown = rows.count()
    link = page.locator("p.downloads").get_by_role("link", name="csv", exact=True)
    assert link.get_attribute("download") is not None
    with page.expect_download(timeout=TIMEOUT) as info:
        link.click()
    download = info.value
    assert download.failure() is None
    path = download.path()
    text = path.read_text(encoding="utf-8")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["event", "attendee", "nameEn", "nameKo", "kinds", "country"]
    assert len(table) - 1 == shown, "the download holds the rows the page shows"
    attendees = {row[1] for row in table[1:]}
    assert ENTITY + "kakao" in attendees
    assert any(row[3] == "카카오" for row in table[1:]), "UTF-8 Korean survives the download"


def test_a_syntax_error_is_explained(page: sync_api.Page) -> None:
    page.goto("/?lang=en")
    bad = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?s\nWHERE { ?s rdfs:label }\n"
    )
    page.locator("textarea[name=query]").fill(bad)
    with page.expect_response(
        lambda r: r.request.resource_type == "document" and "query=" in r.url
    ) as answer:
        page.get_by_role("button", name="Run").click()
    assert answer.value.status == 400
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.locator("strong").inner_text() == "Query error"
    detail = alert.locator(".detail").inner_text()
    where = re.search(r"\b(\d+):(\d+)\b", detail)
    assert where, detail
    line, column = int(where.group(1)), int(where.group(2))
    assert line == 3 and 22 <= column <= 24, f"the `}}` on line 3, col 23: {detail}"
    assert page.locator("table.results").count() == 0
    # The faulty text stays in the editor, to be corrected.
    assert page.locator("textarea[name=query]").input_value().replace("\r\n", "\n") == bad


def _drawn_picture(
    page: sync_api.Page, path: str, figure: str
) -> tuple[sync_api.Locator, dict[str, float]]:
    """Open ``path``; the one SVG picture in ``figure``, shown and not empty, and its box."""
    page.goto(path)
    svg = page.locator(f"{figure} svg")
    sync_api.expect(svg).to_have_count(1)
    sync_api.expect(svg).to_be_visible()
    box = svg.bounding_box()
    assert box is not None, "the element is not rendered"
    assert box["width"] > 100 and box["height"] > 100, box
    return svg, dict(box)


def test_the_article_graph_renders(page: sync_api.Page) -> None:
    svg, box = _drawn_picture(page, "/graph?lang=en", "figure.article-graph")
    expect = sync_api.expect
    assert box["width"] > 600, "the picture takes the page's width"
    nodes = svg.locator("a circle")
    links = svg.locator("path")
    assert nodes.count() >= 50, nodes.count()
    assert links.count() >= 50, links.count()
    # Nodes are drawn inside the picture, not collapsed onto one point.
    first, last = nodes.first.bounding_box(), nodes.last.bounding_box()
    assert (
        first
        and last
        and first["width"] > 0
        and (first["x"], first["y"])
        != (
            last["x"],
            last["y"],
        )
    )
    assert box["x"] <= first["x"] <= box["x"] + box["width"]
    kakao = svg.locator('a[href="/id/kakao?lang=en"]')
    expect(kakao).to_have_count(1)
    assert kakao.locator("text").text_content() == "Kakao"
    kakao.locator("circle").click()
    page.wait_for_url(re.compile(r"/id/kakao\?lang=en$"))
    assert page.locator("h1").inner_text() == "Kakao"


def test_the_entity_neighbourhood_renders(page: sync_api.Page) -> None:
    svg, _ = _drawn_picture(page, "/id/kakao?lang=en", "figure.neighbourhood")
    expect = sync_api.expect
    nodes = svg.locator("a circle")
    lines = svg.locator("line")
    assert nodes.count() >= 5
    assert lines.count() == nodes.count() - 1, "one line from the centre to each neighbour"
    line = lines.first.bounding_box()
    assert line is not None and line["width"] + line["height"] > 20
    assert svg.locator("text.edge-label").count() == lines.count()
    south_korea = svg.locator('a[href="/id/south-korea?lang=en"]')
    expect(south_korea).to_have_count(1)
    south_korea.locator("circle").click()
    page.wait_for_url(re.compile(r"/id/south-korea\?lang=en$"))
    assert page.locator("h1").inner_text() == "South Korea"
    expect(page.locator("figure.neighbourhood svg a circle").first).to_be_visible()


def test_the_editor_highlights_sparql_and_adds_our_prefixes(page: sync_api.Page) -> None:
    page.goto("/?lang=en")
    editor = page.locator("textarea[name=query]")
    editor.fill('SELECT ?s WHERE { ?s rdfs:label "카카오"@ko } # labels')
    colours = page.locator("pre.sparql-highlight")
    sync_api.expect(colours.locator(".tok-keyword").first).to_have_text("SELECT")
    assert colours.locator(".tok-var").all_inner_texts() == ["?s", "?s"]
    assert colours.locator(".tok-pname").all_inner_texts() == ["rdfs:label"]
    assert colours.locator(".tok-string").all_inner_texts() == ['"카카오"']
    assert colours.locator(".tok-comment").all_inner_texts() == ["# labels"]
    # The coloured copy lines up with what the user typed, character for character.
    assert colours.inner_text().rstrip("\n") == editor.input_value()

    page.get_by_role("button", name="Add prefixes").click()
    text = editor.input_value()
    assert text.startswith("PREFIX kg: <https://w3id.org/d4sme-kg/id/>")
    assert "PREFIX schema: <https://schema.org/>" in text and text.endswith("# labels")
    page.get_by_role("button", name="Add prefixes").click()
    assert editor.input_value() == text, "prefixes already there are not added twice"
    page.get_by_role("button", name="Run").click()
    page.wait_for_url(re.compile(r"[?&]query="))
    sync_api.expect(page.locator("table.results tbody tr")).to_have_count(1)


def test_result_tables_sort_by_a_column(page: sync_api.Page) -> None:
    rows = run_example(page, "class-counts")
    table = page.locator("table.results")
    headers = table.locator("thead th")
    count_column = next(
        i
        for i, t in enumerate(headers.all_inner_texts())
        if "count" in t.lower() or "instances" in t.lower() or t.strip() in ("n", "number")
    )

    def column() -> list[float]:
        return [
            float(cell.replace(",", ""))
            for cell in table.locator(
                f"tbody tr td:nth-child({count_column + 1})"
            ).all_inner_texts()
        ]

    assert rows.count() > 5
    headers.nth(count_column).click()
    assert headers.nth(count_column).get_attribute("aria-sort") == "ascending"
    ascending = column()
    assert ascending == sorted(ascending)
    headers.nth(count_column).click()
    assert headers.nth(count_column).get_attribute("aria-sort") == "descending"
    assert column() == sorted(ascending, reverse=True)
