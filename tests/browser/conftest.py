"""Real-browser tests: Playwright's sync API driving Debian's Chromium (never ``playwright install``).

Without ``/usr/bin/chromium`` the tests are skipped with the reason printed,
except in CI (``CI`` set), where a missing browser is a failure. Screenshots go
to ``test-results/screenshots/`` (git-ignored).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
AXE = Axe()
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
VIEWPORTS = {"mobile": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


@pytest.fixture(scope="session")
def chromium():
    """One Chromium for the whole run (its own fixture name: pytest-playwright's are not used)."""
    if not os.path.exists(CHROMIUM):
        reason = f"browser tests need {CHROMIUM} (Debian package 'chromium'); it is not installed"
        if os.environ.get("CI"):
            pytest.fail(reason + " and CI is set, so they must run", pytrace=False)
        print(f"\nSKIPPED: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class Tab:
    """A page plus what went wrong in it: console errors (CSP violations too) and script errors."""

    def __init__(self, page, name: str):
        self.page = page
        self.name = name
        self.errors: list[str] = []
        self.violations: list[str] = []
        self.expect_404 = False
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _console(self, msg):
        if msg.type != "error":
            return
        where = msg.location.get("url", "") if msg.location else ""
        # A deliberate 404 (a switched-off plugin's page) and the absent favicon are expected.
        if "Failed to load resource" in msg.text and (where.endswith("/favicon.ico") or self.expect_404):
            return
        self.errors.append(f"{msg.text} at {where or self.page.url}")

    def shot(self, step: str):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{self.name}-{step}.png"), full_page=True)
        self.audit(step)

    def audit(self, step: str = ""):
        """Run axe-core on the page as it is now; serious and critical violations fail the test at its end."""
        results = AXE.run(self.page)
        for violation in results.response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [", ".join(node["target"]) for node in violation["nodes"]][:5]
                self.violations.append(f"{self.name} {step} {self.page.url}: {violation['id']} "
                                       f"({violation['impact']}) {violation['help']} at {targets}")


@pytest.fixture
def open_tab(chromium):
    """``open_tab(viewport_name, test_name)``: a fresh browser context (no cookies) in English."""
    contexts, tabs = [], []

    def _open(viewport: str, name: str) -> Tab:
        context = chromium.new_context(viewport=VIEWPORTS[viewport], locale="en-US")
        context.set_default_timeout(10_000)
        contexts.append(context)
        tab = Tab(context.new_page(), f"{name}-{viewport}")
        tabs.append(tab)
        return tab

    yield _open
    for context in contexts:
        context.close()
    found = [v for tab in tabs for v in tab.violations]
    assert not found, "accessibility (axe-core) violations:\n" + "\n".join(found)
