"""Screenshots of the main pages, for the docs: ``python -m tests.e2e.screenshots``.

Starts ``d4sme-kg serve`` on 127.0.0.1, opens each page in the system's headless
Chromium (see ``browser.py``) and writes ``docs/screenshots/NAME.png`` (or ``--out``).
The query page is shown after a named query has run, as a person would see it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from tests.e2e.browser import chromium_path, launch
from tests.servers import d4sme_server

REPO = Path(__file__).resolve().parents[2]
#: (file name, path, run the query in the editor first, whole page or the first screen)
PAGES = (
    ("query", "/?example=attendees&lang=en", True, True),
    ("query-ko", "/?example=attendees&lang=ko", True, True),
    ("entity-kakao", "/id/kakao?lang=en", False, False),
    ("entity-kakao-ko", "/id/kakao?lang=ko", False, False),
    ("graph", "/graph?lang=en", False, True),
    ("graph-ko", "/graph?lang=ko", False, True),
    ("ontology", "/ontology?lang=en", False, False),
    ("queries", "/queries?lang=en", False, False),
)


def korean_fonts() -> bool | None:
    """Whether fontconfig knows a font with Korean glyphs (None: no fc-list to ask)."""
    if shutil.which("fc-list") is None:
        return None
    found = subprocess.run(
        ["fc-list", ":lang=ko", "family"], capture_output=True, text=True, timeout=30
    )
    return bool(found.stdout.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument("--only", nargs="*", help="the names of the pages to take")
    args = parser.parse_args(argv)
    chromium = chromium_path()
    if chromium is None:
        print("no Chromium at /usr/bin/chromium (or $CHROMIUM_PATH)", file=sys.stderr)
        return 2
    if korean_fonts() is False:
        print(
            "warning: no font with Korean glyphs (Hangul will show as boxes); "
            "install one, e.g. apt-get install fonts-noto-cjk",
            file=sys.stderr,
        )
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with d4sme_server(["--workers", "1"]) as base, sync_playwright() as playwright:
        browser = launch(playwright, chromium)
        try:
            context = browser.new_context(
                base_url=base,
                locale="en-US",
                viewport={"width": args.width, "height": args.height},
            )
            context.set_default_timeout(15_000)
            for name, path, run, whole in PAGES:
                if args.only and name not in args.only:
                    continue
                page = context.new_page()
                page.goto(path)
                if run:
                    page.locator("form button[type=submit]").click()
                    page.locator("table.results").wait_for()
                page.wait_for_load_state("load")
                target = args.out / f"{name}.png"
                page.screenshot(path=str(target), full_page=whole)
                page.close()
                print(target.relative_to(REPO) if target.is_relative_to(REPO) else target)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
