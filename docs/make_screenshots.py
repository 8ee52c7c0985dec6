"""Screenshots of an experiment report for the README (docs/report_*.png).

Renders ``report.html`` of a results folder in headless Chromium (Playwright, Debian's
``chromium``) and saves the summary screen and the full page::

    .venv/bin/python docs/make_screenshots.py results/phased_rollout
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def chromium() -> str | None:
    """Path of a Chromium the system provides (Playwright's own download is not needed)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="a results folder of `omo compare`")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the PNGs")
    args = parser.parse_args(argv)
    page_path = args.results / "report.html"
    browser_path = chromium()
    if not page_path.is_file() or browser_path is None:
        print(f"error: need {page_path} and a chromium on PATH", file=sys.stderr)
        return 2
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


if __name__ == "__main__":
    sys.exit(main())
