"""`make preview`: build the e2e Docusaurus site with the current site-assets/ (or the site
folder given as the first argument), screenshot the page in the light and the dark theme to
site-assets/preview.png and preview-dark.png, and print the local URL (served until Ctrl-C
on a terminal)."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from tests.e2e.harness import PAGE_PATH, SITE, build_site, check_page, reset_generated, serve

ROOT = Path(__file__).resolve().parents[2]
OVERLAY = ROOT / "site-assets"


def main() -> int:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else OVERLAY
    page = source / "docs" / "image-classification" / "glassy.mdx"
    if not page.is_file():
        print(f"error: {page} does not exist; run `make site-assets` first", file=sys.stderr)
        return 2
    reset_generated()
    shutil.copytree(source / "docs" / "image-classification", SITE / "docs" / "image-classification")
    shutil.copytree(source / "static" / "assets", SITE / "static" / "assets")
    shutil.copytree(source / "src" / "components", SITE / "src" / "components")
    out = SITE / "build"
    proc = build_site(out)
    if proc.returncode != 0:
        print(proc.stdout[-4000:], file=sys.stderr)
        print("error: docusaurus build failed", file=sys.stderr)
        return 1
    with serve(out) as origin:
        url = f"{origin}/{PAGE_PATH}"
        results = []
        for theme, name in (("light", "preview.png"), ("dark", "preview-dark.png")):
            res = check_page(url, OVERLAY / name, color_scheme=theme)
            results.append(res)
            print(f"screenshot ({theme}): {OVERLAY / name}")
            print(f"page: h1 {res.h1!r}, {res.images} images, {len(res.broken_images)} broken, "
                  f"{len(res.console_errors)} console errors, theme {res.theme}")
        if sys.stdin.isatty():  # outside a terminal the server stops at once: no URL to open
            print(f"open: {url} (serving on 127.0.0.1 until Ctrl-C)")
            try:
                while True:
                    time.sleep(1)
            except KeyboardInterrupt:
                pass
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
