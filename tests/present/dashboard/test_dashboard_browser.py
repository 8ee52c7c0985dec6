"""``omo dashboard`` in a real browser: move a lever, run, the charts update, compare two
strategies and the paired difference appears; convert stores from the lever panel and the
run and the comparison carry the conversion; open a truth folder in the Results tab.

Starts the dashboard on a free localhost port and drives it with Playwright and Debian's
``chromium`` (as tests/present/test_report_browser.py does; Playwright's own browser
download is not reachable everywhere). Skips only where Playwright or Chromium is missing.
Screenshots go to the test's temporary folder, or to ``docs/`` with
``OMO_DASHBOARD_SCREENSHOTS=docs`` (how the README's pictures are made).
"""

from __future__ import annotations

import os
import re
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
    page.screenshot(path=str(tmp_path_factory.mktemp("screens") / "stores.png"), full_page=True)

    page.get_by_role("tab", name="Compare").click()
    assert "stores.count" in page.locator(".omo-strategy-b").inner_text()
    page.locator(".omo-compare").click()
    headline = page.locator("text=Profit, paired difference B - A")
    headline.wait_for(timeout=300_000)
    text = page.locator(".omo-paired").inner_text()
    assert "profit" in text and "CNY" in text
    assert "95% interval" in page.locator("body").inner_text()
    page.screenshot(path=str(out / "dashboard_compare.png"))


def _wait_text(page, selector: str, text: str, timeout: int = 60_000) -> None:
    page.wait_for_function(
        "([s, t]) => (document.querySelector(s)?.innerText || '').includes(t)",
        arg=[selector, text],
        timeout=timeout,
    )


def test_a_store_conversion_reaches_the_run_and_the_comparison(page, tmp_path_factory):
    """Convert the busiest half of the tier-1/2 stores, with full experience zones and an
    online-order area: the panel counts the stores, the run's model converts that many, the
    charts redraw for the new run, and strategy B of a comparison carries the conversion."""
    from sim.engine.store_fit import converted_count
    from sim.scenario.config import load_scenario

    label = page.locator(".omo-lever-stores_count").inner_text()
    stores = int(re.search(r"Stores: ([\d,]+)", label).group(1).replace(",", ""))
    page.get_by_role("tab", name="Compare").click()
    page.locator(".omo-snapshot").click()  # A: the levers before the conversion
    page.wait_for_selector(".omo-strategy-a")

    conversion = {
        "stores.conversion.tiers": ["tier12"],
        "stores.conversion.busiest_share": 0.5,
        "stores.conversion.experience_level": 1.0,
        "stores.conversion.online_order_area": True,
    }
    expected = converted_count(
        load_scenario(ROOT / "configs" / "baseline.yaml", {"stores.count": stores, **conversion})
    )
    assert 0 < expected < stores
    page.locator(".omo-choice-tier34 label").click()  # tier-3/4 stores off
    page.wait_for_selector(".omo-choice-tier34 input[aria-checked=false]")
    page.locator(".omo-lever-stores_conversion_busiest_share [role=slider]").focus()
    for _ in range(10):
        page.keyboard.press("ArrowLeft")  # -5% a press, from 100%
    _wait_text(page, ".omo-lever-stores_conversion_busiest_share", "50%")
    page.locator(".omo-lever-stores_conversion_experience_level label").click()
    _wait_text(page, ".omo-conversion", "experience level 1.00")
    page.locator(".omo-lever-stores_conversion_online_order_area .v-select__slot").click()
    page.locator(".menuable__content__active .v-list-item", has_text="yes").click()
    _wait_text(page, ".omo-conversion", f"Converts {expected} of {stores} stores")
    assert "stores.conversion" not in page.locator(".omo-strategy-a").inner_text()
    _wait_text(page, ".omo-strategy-b", "stores.conversion.online_order_area")

    page.get_by_role("tab", name="Run").click()
    page.evaluate(
        """() => {
            const old = document.querySelector('.omo-daily img');
            window.omoBefore = old ? old.src : null;
            window.omoConverted = new Set();
            new MutationObserver(() => document.querySelectorAll('.omo-daily img')
                .forEach(img => img.getAttribute('src') && img.src !== window.omoBefore
                    && window.omoConverted.add(img.src))
            ).observe(document.body,
                {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
        }"""
    )
    page.locator(".omo-run").click()
    _wait_text(page, ".omo-run-config", f"{expected} of {stores} stores converted", 120_000)
    run_config = page.locator(".omo-run-config").inner_text()
    assert all(path in run_config for path in conversion)
    page.wait_for_selector(f"text=simulated day {DAYS} of {DAYS}", timeout=180_000)
    page.wait_for_function("() => window.omoConverted.size >= 2")  # this run's own pictures
    page.wait_for_selector("button.omo-journey:not(.v-btn--disabled)", timeout=60_000)
    page.locator(".omo-journey").click()
    page.wait_for_selector("text=purchase_attempt", timeout=60_000)
    page.locator(".omo-lever-stores_conversion_tiers").scroll_into_view_if_needed()
    page.screenshot(path=str(shots(tmp_path_factory) / "dashboard_run.png"), full_page=True)

    page.get_by_role("tab", name="Compare").click()
    page.locator(".omo-compare").click()
    _wait_text(page, ".omo-compare-ran", "stores.conversion.tiers", 300_000)  # this comparison
    ran = page.locator(".omo-compare-ran").inner_text()
    assert "stores.conversion.tiers" in ran.split("B:")[1]
    assert "stores.conversion" not in ran.split("B:")[0]
    body = page.locator("body").inner_text()
    assert "Profit, paired difference B - A" in body
    assert "B - A: +0 CNY" not in body  # the conversion and its costs acted in B's runs


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
    page.screenshot(path=str(tmp_path_factory.mktemp("screens") / "truth.png"), full_page=True)


def test_the_readme_script_pictures_a_truth_folder_in_the_results_tab(tmp_path):
    """``docs/make_screenshots.py`` on a truth folder serves the dashboard and takes it."""
    from tests.present.dashboard.truth_folder import write_truth_folder

    folder = write_truth_folder(tmp_path / "truth")
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "make_screenshots.py"), str(folder),
         "--out", str(tmp_path), "--kpi", "revenue"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "dashboard_truth.png").read_bytes().startswith(b"\x89PNG")
