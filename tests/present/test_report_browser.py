"""report.html in a real browser: the summary is visible and nothing is escaped twice.

Uses headless Chromium through Playwright with the system's ``chromium`` (Debian package;
``.ci/run`` and ``make browser`` install it), since Playwright's own browser download is not
always reachable. Skips, saying why, only where neither Playwright nor a Chromium exists.
"""

from __future__ import annotations

import shutil

import pytest

from tests.present.test_report import result, summary  # noqa: F401  (fixtures: a synthetic experiment)

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None
)  # fmt: skip
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium; make browser)"
)


@pytest.fixture
def page(result, summary, tmp_path):  # noqa: F811
    from sim.present.report import write_results

    out = write_results(result, summary, tmp_path / "res")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto((out / "report.html").resolve().as_uri())
        yield page
        browser.close()


def test_the_summary_is_on_the_first_screen(page):
    summary_box = page.locator("#summary")
    assert summary_box.is_visible()
    box = summary_box.bounding_box()
    assert box is not None and box["y"] < 900  # starts on the first screen
    text = summary_box.inner_text()
    assert "comes out ahead" in text or "No arm earns more" in text
    assert "CNY" in text and "95% interval" in text


def test_nothing_is_escaped_twice(page):
    text = page.locator("body").inner_text()
    for entity in ("&quot;", "&amp;", "&lt;", "&gt;", "&#"):
        assert entity not in text, entity
    assert "A synthetic check <of> escaping & plots." in text
    assert "coupons.value = 30" in page.locator("#arms").inner_text()


def test_numbers_are_for_people(page):
    table = page.locator("#results").inner_text()
    assert "e-0" not in table and "e+0" not in table
    assert not any(len(tok.strip("+−-%,")) > 12 for tok in table.split() if tok[:1].isdigit())
