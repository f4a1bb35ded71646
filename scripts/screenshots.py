"""Build the documentation and take headless-Chromium screenshots of its pages.

    python scripts/screenshots.py [--out screenshots] [--site DIR] [page ...]

Pages default to the method pages, the validation page and the API reference;
a page is a path inside the site (``methods/bm/``). The PNGs are for a person
to look at (are the formulas typeset, do the tables render?), not for the
tests, and are not committed. Needs ``chromium`` (Debian: apt-get install
chromium); MathJax runs in the page, so the browser waits for it
(``--virtual-time-budget``) before the screenshot.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = (
    "methods/wwz/", "methods/kww/", "methods/bm/", "methods/leontief/",
    "methods/indicators/", "validation/", "cite/", "api/",
)  # fmt: skip
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def build(site: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)]
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)


def shoot(browser: str, page: Path, png: Path, height: int) -> None:
    cmd = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        "--allow-file-access-from-files", "--virtual-time-budget=15000",
        f"--window-size=1280,{height}", f"--screenshot={png}", page.as_uri(),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("pages", nargs="*", default=PAGES)
    p.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "gvcdecomp-screenshots")
    p.add_argument("--site", type=Path, help="an already built site (default: build one)")
    p.add_argument("--height", type=int, default=2400, help="window height in pixels")
    args = p.parse_args(argv)
    browser = next((b for b in BROWSERS if shutil.which(b)), None)
    if browser is None:
        p.error(f"no headless browser found (looked for {', '.join(BROWSERS)})")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or Path(tmp) / "site"
        if args.site is None:
            build(site)
        for page in args.pages:
            html = site / page / "index.html" if page.endswith("/") else site / page
            if not html.is_file():
                p.error(f"{page}: no {html}")
            png = args.out / (page.strip("/").replace("/", "-") + ".png")
            shoot(browser, html, png, args.height)
            print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
