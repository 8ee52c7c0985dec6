"""Screenshots for the README: an experiment report (docs/report_*.png) or a ground-truth
folder opened in the dashboard's Results tab (docs/dashboard_truth.png).

Both are taken in headless Chromium (Playwright, Debian's ``chromium``). A results folder
of ``omo compare`` has its ``report.html`` rendered and gives the summary screen and the
full page; an ``omo truth`` folder is opened by ``omo dashboard --results`` on a free
localhost port, and the Results tab is taken once its table and plots are drawn::

    .venv/bin/python docs/make_screenshots.py results/phased_rollout
    omo truth configs/baseline.yaml --set population.size=5000 --min-seeds 3 --max-seeds 3 \\
        --out results/truth-small
    .venv/bin/python docs/make_screenshots.py results/truth-small
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def chromium() -> str | None:
    """Path of a Chromium the system provides (Playwright's own download is not needed)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def is_truth(folder: Path) -> bool:
    """An ``omo truth`` folder (as the dashboard's Results tab recognises one)."""
    return (folder / "effects.parquet").is_file() and (folder / "manifest.json").is_file()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "results", type=Path, help="a results folder of `omo compare` or `omo truth`"
    )
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the PNGs")
    parser.add_argument(
        "--kpi", default="profit", help="truth: the money the Results tab shows (profit, revenue)"
    )
    args = parser.parse_args(argv)
    browser_path = chromium()
    truth = is_truth(args.results)
    page_path = args.results / "report.html"
    if browser_path is None or not (truth or page_path.is_file()):
        print(
            f"error: need {page_path} (omo compare) or effects.parquet and manifest.json "
            "(omo truth) in the folder, and a chromium on PATH",
            file=sys.stderr,
        )
        return 2
    if truth:
        return _dashboard_truth(args.results, args.out, args.kpi, browser_path)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(page_path.resolve().as_uri())
        page.screenshot(path=args.out / "report_summary.png")
        page.locator("h2").first.scroll_into_view_if_needed()
        page.screenshot(
            path=args.out / "report_over_time.png", full_page=True, clip=_clip(page, "h2")
        )
        browser.close()
    print(f"wrote {args.out / 'report_summary.png'} and {args.out / 'report_over_time.png'}")
    return 0


def _clip(page, selector: str) -> dict:  # noqa: ANN001
    box = page.locator(selector).first.bounding_box()
    return {"x": 0, "y": box["y"] - 10, "width": 1200, "height": 700}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dashboard_truth(folder: Path, out: Path, kpi: str, browser_path: str) -> int:
    """Serve the dashboard on this machine with the truth folder open, take its Results
    tab, and stop the server."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    folder = folder.resolve()
    if folder.is_relative_to(ROOT):  # shown in the picture: the path a reader would type
        folder = folder.relative_to(ROOT)
    server = subprocess.Popen(
        [sys.executable, "-m", "sim.cli.main", "dashboard", "--port", str(port),
         "--results", str(folder), "--population", "1000"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(180):
            if server.poll() is not None:
                print(f"error: the dashboard exited: {server.stdout.read().decode()[-2000:]}")
                return 1
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
            # Tall enough for the summary, both plots and the channel table: the app
            # scrolls inside its own pane, which a full-page picture does not unroll.
            page = browser.new_page(viewport={"width": 1400, "height": 1900})
            page.goto(url)
            page.get_by_role("tab", name="Results").click(timeout=120_000)
            box = page.locator(".omo-results-kpi input")
            box.fill(kpi)
            box.press("Enter")
            page.wait_for_selector(f"text=incremental {kpi} by channel", timeout=120_000)
            page.wait_for_function(  # both plots drawn, and the channel table filled
                """() => {
                    const imgs = [...document.querySelectorAll('.omo-result-figure img')];
                    const table = document.querySelector('.omo-result-table');
                    return imgs.length >= 2 && imgs.every(i => i.complete && i.naturalHeight)
                        && table && table.innerText.includes('±');
                }""",
                timeout=120_000,
            )
            box.blur()
            page.wait_for_timeout(500)  # the last redraw settles
            path = out / "dashboard_truth.png"
            page.screenshot(path=path, full_page=True)
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
