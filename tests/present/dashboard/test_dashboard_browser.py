"""``omo dashboard`` in a real browser: move a lever, run, the charts update, compare two
strategies and the paired difference appears.

Starts the dashboard on a free localhost port and drives it with Playwright and Debian's
``chromium`` (as tests/present/test_report_browser.py does; Playwright's own browser
download is not reachable everywhere). Skips only where Playwright or Chromium is missing.
Screenshots go to the test's temporary folder, or to ``docs/`` with
``OMO_DASHBOARD_SCREENSHOTS=docs`` (how the README's pictures are made).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytest.importorskip("solara", reason="solara is not installed")
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
ROOT = Path(__file__).resolve().parents[3]
pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium; make browser)"
    ),
    pytest.mark.slow,
]
DAYS = 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli.main", "dashboard", "--port", str(port),
         "--population", "2000", "--days", str(DAYS), "--workers", "2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(180):
            if proc.poll() is not None:
                pytest.fail(f"the dashboard exited: {proc.stdout.read().decode()[-2000:]}")
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def page(server):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server)
        page.wait_for_selector(".omo-run", timeout=120_000)
        yield page
        browser.close()


def shots(tmp_path_factory) -> Path:
    if os.environ.get("OMO_DASHBOARD_SCREENSHOTS") == "docs":
        return ROOT / "docs"
    return tmp_path_factory.mktemp("screens")


def test_binds_to_localhost_only(server):
    assert server.startswith("http://127.0.0.1:")


def test_a_lever_moves_a_run_draws_and_a_comparison_is_paired(page, tmp_path_factory):
    out = shots(tmp_path_factory)
    stores = page.locator(".omo-lever-stores_count")
    assert "Stores: 200" in stores.inner_text()
    stores.locator("[role=slider]").focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")  # +10 stores a press
    page.wait_for_function(
        "() => document.querySelector('.omo-lever-stores_count').innerText.includes('250')"
    )

    # Every picture the daily chart shows, recorded as it arrives: a small run may redraw
    # twice before the test could read the first one.
    page.evaluate(
        """() => {
            window.omoPictures = new Set();
            const seen = () => document.querySelectorAll('.omo-daily img')
                .forEach(img => img.getAttribute('src') && window.omoPictures.add(img.src));
            new MutationObserver(seen).observe(document.body,
                {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
        }"""
    )
    page.locator(".omo-run").click()
    page.wait_for_selector(".omo-daily img", timeout=120_000)
    page.wait_for_selector(f"text=simulated day {DAYS} of {DAYS}", timeout=180_000)
    page.wait_for_function("() => window.omoPictures.size >= 2")  # redrawn after day 30
    assert page.locator(".omo-funnel img").count() == 1
    page.wait_for_selector("button.omo-journey:not(.v-btn--disabled)", timeout=60_000)
    page.locator(".omo-journey").click()  # the run is over: read one consumer's journey
    page.wait_for_selector("text=purchase_attempt", timeout=60_000)
    page.screenshot(path=str(out / "dashboard_run.png"), full_page=True)

    page.get_by_role("tab", name="Compare").click()
    assert "stores.count" in page.locator(".omo-strategy-b").inner_text()
    page.locator(".omo-compare").click()
    headline = page.locator("text=Profit, paired difference B - A")
    headline.wait_for(timeout=300_000)
    text = page.locator(".omo-paired").inner_text()
    assert "profit" in text and "CNY" in text
    assert "95% interval" in page.locator("body").inner_text()
    page.screenshot(path=str(out / "dashboard_compare.png"))


def test_the_results_tab_opens_a_truth_folder_and_draws_it(page, tmp_path_factory):
    """A truth folder made here: its channel table (with intervals) and plots appear."""
    from tests.present.dashboard.truth_folder import write_truth_folder

    folder = write_truth_folder(tmp_path_factory.mktemp("results") / "truth")
    page.get_by_role("tab", name="Results").click()
    path = page.locator(".omo-results-path input")
    path.wait_for(timeout=60_000)
    path.fill(str(folder))
    path.press("Enter")
    page.wait_for_selector(".omo-results-truth", timeout=120_000)
    assert "Ground truth" in page.locator(".omo-results-truth").inner_text()
    page.wait_for_selector(".omo-result-figure img", timeout=120_000)
    assert page.locator(".omo-result-figure img").count() == 2  # by channel, by week
    table = page.locator(".omo-result-table").first
    table.wait_for(timeout=60_000)
    text = table.inner_text()
    assert "short_video" in text and "ugc" in text and "±" in text

    kpi = page.locator(".omo-results-kpi input")
    kpi.fill("revenue")
    kpi.press("Enter")
    page.wait_for_selector("text=incremental revenue by channel", timeout=60_000)
    page.screenshot(path=str(shots(tmp_path_factory) / "dashboard_truth.png"), full_page=True)
