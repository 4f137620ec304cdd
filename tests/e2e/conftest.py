"""The browser tests: a real Chromium (driven by Playwright) against a real server."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "browser: drives a real Chromium (Playwright + /usr/bin/chromium) against "
        "`d4sme-kg serve`; skipped when either is missing",
    )
