"""`make bench`'s reader figures: the page as a reader's browser loads it, against the e2e
site's plain page, in a real (minified) Docusaurus build served as static hosts serve it
(text gzipped): requests and bytes at load (1280x800, cache disabled, before scrolling),
and Lighthouse's mobile performance (simulated slow 4G and 4x CPU slowdown)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse

from tests.e2e.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGE_PATH,
    SITE,
    build_site,
    measure_load,
    reset_generated,
    serve,
)

LIGHTHOUSE = Path(__file__).resolve().parent / "lighthouse"


def _lighthouse_or_error(url: str) -> dict:
    """:func:`lighthouse`, or ``{"error": ...}`` when it cannot run (its npm install or
    Chromium failed), so one missing tool does not lose the rest of the bench."""
    try:
        return lighthouse(url)
    except (subprocess.SubprocessError, OSError, ValueError) as exc:
        return {"error": str(exc)[:500]}


def lighthouse(url: str) -> dict:
    """Lighthouse 12 (mobile, performance only) on ``url``: score 0-1, time to interactive
    and main-thread work in seconds, total bytes and requests."""
    if not (LIGHTHOUSE / "node_modules" / "lighthouse").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=LIGHTHOUSE, check=True,
                       timeout=900)
    proc = subprocess.run(
        [str(LIGHTHOUSE / "node_modules" / ".bin" / "lighthouse"), url, "--output=json",
         "--quiet", "--only-categories=performance", "--chrome-flags=" + " ".join(CHROMIUM_ARGS)],
        capture_output=True, text=True, timeout=600, check=True,
        env=dict(os.environ, CHROME_PATH=CHROMIUM))
    report = json.loads(proc.stdout)
    audits = report["audits"]
    return {"score": report["categories"]["performance"]["score"],
            "interactive_s": round(audits["interactive"]["numericValue"] / 1000, 2),
            "main_thread_s": round(audits["mainthread-work-breakdown"]["numericValue"] / 1000, 2),
            "bytes": int(audits["total-byte-weight"]["numericValue"]),
            "requests": len(audits["network-requests"]["details"]["items"])}


def _has_dark_variant(root: Path, url: str) -> bool:
    """True when ``url`` is a chart's light variant: its ``-dark`` sibling is in ``root``."""
    path = root / urlparse(url).path.lstrip("/")
    return "-dark." not in url and path.with_name(f"{path.stem}-dark{path.suffix}").is_file()


def bench_reader(site: Path, tmp: Path, page_path: str = PAGE_PATH,
                 lighthouse_too: bool = True) -> dict:
    """Build the e2e site with the page of ``site`` (a reportgen site dir) and measure it
    (at ``page_path``) and the site's plain page. Leaves the e2e site as it found it
    (generated files reset)."""
    reset_generated()
    try:
        for rel in ("docs/image-classification", "static/assets", "src/components"):
            shutil.copytree(site / rel, SITE / rel)
        out = tmp / "reader-build"
        proc = build_site(out, minify=True)
        if proc.returncode:
            raise RuntimeError(proc.stdout[-3000:])
        res = {}
        with serve(out, gzip_text=True) as origin:
            for name, url in (("page", f"{origin}/{page_path}"), ("plain", f"{origin}/")):
                loads = {t: measure_load(url, t) for t in ("light", "dark")}
                light, dark = loads["light"], loads["dark"]
                other = [u for u in light.images if "-dark." in u] + [
                    u for u in dark.images if _has_dark_variant(out, u)]
                res[name] = {"requests": light.requests, "bytes": light.bytes,
                             "requests_dark": dark.requests, "bytes_dark": dark.bytes,
                             "images": len(light.images), "toc_entries": light.toc_entries,
                             "unsized_images": len(light.unsized_images),
                             "other_theme_images": other} | (
                    {"lighthouse_mobile": _lighthouse_or_error(url)} if lighthouse_too else {})
        html = out / page_path / "index.html"
        res["page"]["html_bytes"] = html.stat().st_size
        return res
    finally:
        reset_generated()
