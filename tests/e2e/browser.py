"""The system's Chromium driven by Playwright, for the browser tests and the screenshots.

Playwright's own browser downloads are never used: the tests run the Chromium that the
system provides (Debian's ``chromium`` package at /usr/bin/chromium, or the executable
named by ``CHROMIUM_PATH``), headless, with a fresh temporary profile, and only ever
talk to servers on 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-proxy-server",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_path() -> str | None:
    """The Chromium executable to drive, or None when there is none."""
    wanted = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM
    found = shutil.which(wanted)
    return found


def launch(playwright: Playwright, executable: str) -> Browser:
    """Start ``executable`` headless (Playwright gives it a new, empty user-data dir)."""
    return playwright.chromium.launch(
        executable_path=executable, args=list(CHROMIUM_ARGS), timeout=30_000
    )


def required() -> tuple[str, ModuleType]:
    """The Chromium to drive and ``playwright.sync_api``, or the calling test module is
    skipped with what to install (call it at module level)."""
    import pytest

    executable = chromium_path()
    if executable is None:
        pytest.skip(
            "no Chromium at /usr/bin/chromium (or $CHROMIUM_PATH): install the `chromium` "
            "package to run the browser tests",
            allow_module_level=True,
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="the Python package `playwright` is not installed (pip install playwright; "
        "no browser download is needed, the system's Chromium is used)",
    )
    return executable, sync_api
