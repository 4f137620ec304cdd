"""The browser tests: a real Chromium (driven by Playwright) against a real server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .browser import launch, required


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "browser: drives a real Chromium (Playwright + /usr/bin/chromium) against "
        "`d4sme-kg serve`; skipped when either is missing",
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """The system's Chromium, headless, for one test module (skipped where missing)."""
    executable, sync_api = required()
    with sync_api.sync_playwright() as playwright:
        chromium = launch(playwright, executable)
        try:
            yield chromium
        finally:
            chromium.close()
