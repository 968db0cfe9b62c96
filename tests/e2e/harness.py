"""Build the e2e Docusaurus site, serve it on 127.0.0.1 and check the page in Chromium.

Used by the e2e test and by `make preview`. Chromium is Debian's (/usr/bin/chromium), driven
by Playwright; no browser is ever downloaded.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import io
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

SITE = Path(__file__).resolve().parent / "site"
CHROMIUM = os.environ.get("REPORTGEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PAGE_PATH = "image-classification/glassy/"


def npm_ci(site: Path = SITE) -> None:
    """Install the site's node packages from its lockfile when they are missing."""
    if not (site / "node_modules" / "@docusaurus" / "core").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=site, check=True,
                       timeout=900)


def build_site(out_dir: Path, base_url: str = "/", site: Path = SITE, minify: bool = False,
               ) -> subprocess.CompletedProcess:
    """`docusaurus build --out-dir out_dir` with BASE_URL=base_url (unminified unless
    ``minify``: faster); returns the process (check .returncode; stdout+stderr in .stdout)."""
    npm_ci(site)
    env = dict(os.environ, BASE_URL=base_url, DOCUSAURUS_IGNORE_SSG_WARNINGS="true")
    return subprocess.run(["node", "node_modules/@docusaurus/core/bin/docusaurus.mjs", "build",
                           "--out-dir", str(out_dir), *([] if minify else ["--no-minify"])],
                          cwd=site, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=900)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


_TEXT_TYPES = (".html", ".js", ".css", ".json", ".svg", ".txt", ".xml", ".map")


class _GzipHandler(_QuietHandler):
    """Text files gzip-compressed when the browser accepts it, as every static host serves
    them (GitHub Pages, Netlify, Vercel): what a reader's browser downloads."""

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if ("gzip" not in self.headers.get("Accept-Encoding", "")
                or path.suffix not in _TEXT_TYPES or not path.is_file()):
            return super().send_head()
        if path.name == "index.html" and not self.path.split("?")[0].endswith(("/", ".html")):
            return super().send_head()  # the redirect to the folder's URL
        body = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@contextlib.contextmanager
def serve(root: Path, gzip_text: bool = False):
    """Serve ``root`` on 127.0.0.1 on a free port (text files gzipped when ``gzip_text``);
    yields the base URL; stops the server."""
    handler = functools.partial(_GzipHandler if gzip_text else _QuietHandler,
                                directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class PageCheck:
    """What a reader's browser saw."""

    status: int | None = None
    h1: str = ""
    text: str = ""
    images: int = 0
    broken_images: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    wrong_counts: dict[str, int] = field(default_factory=dict)
    sample_counts: dict[str, int] = field(default_factory=dict)
    theme: str = ""
    #: src of every chart image (ThemedImage) the reader sees, in page order
    visible_charts: list[str] = field(default_factory=list)
    #: number of chart images hidden (the other theme's variant, when rendered at all)
    hidden_charts: int = 0
    #: HTML ids on the page (link targets)
    ids: list[str] = field(default_factory=list)
    sidebar: str = ""
    edit_links: int = 0
    #: URL of every sprite sheet the page's thumbnail grids use
    sheets: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.status == 200 and not self.broken_images and not self.console_errors
                and not self.failed_requests and self.images > 0)


def check_page(url: str, screenshot: Path | None = None, timeout_s: float = 60,
               color_scheme: str = "light") -> PageCheck:
    """Open ``url`` in headless Chromium with the reader's system colour scheme
    ``color_scheme`` ("light" or "dark"), load every image eagerly, and report what it saw;
    writes a full-page screenshot to ``screenshot`` if given."""
    from playwright.sync_api import sync_playwright

    res = PageCheck()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900},
                                    color_scheme=color_scheme)
            page.set_default_timeout(timeout_s * 1000)
            page.on("console", lambda m: m.type == "error" and res.console_errors.append(m.text))
            page.on("pageerror", lambda e: res.console_errors.append(str(e)))
            page.on("requestfailed", lambda r: res.failed_requests.append(r.url))
            page.on("response", lambda r: r.status >= 400 and res.failed_requests.append(
                f"{r.status} {r.url}"))
            response = page.goto(url, wait_until="load")
            res.status = response.status if response else None
            page.evaluate("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.wait_for_function(
                "Array.from(document.images).every(i => i.complete)", timeout=timeout_s * 1000)
            page.wait_for_load_state("networkidle")
            res.h1 = page.locator("h1").first.inner_text().strip()
            res.text = page.locator("article").first.inner_text()
            imgs = page.evaluate(
                "Array.from(document.images).map(i => [i.currentSrc || i.src, i.naturalWidth])")
            res.images = len(imgs) + page.locator("article .reportgen-thumb").count()
            res.broken_images = [src for src, w in imgs if not w]
            # sprite sheets: every sheet a thumbnail grid names must load as an image
            sheets = page.evaluate("""async () => {
                const urls = new Set(Array.from(document.querySelectorAll('article [style*="--rg-sheet"]'))
                  .map(e => getComputedStyle(e).getPropertyValue('--rg-sheet').trim())
                  .filter(Boolean).map(v => v.replace(/^url\\(["']?|["']?\\)$/g, '')));
                const broken = [];
                for (const u of urls) {
                  const ok = await new Promise(r => { const i = new Image();
                    i.onload = () => r(i.naturalWidth > 0); i.onerror = () => r(false); i.src = u; });
                  if (!ok) broken.push(u);
                }
                return {urls: Array.from(urls), broken}; }""")
            res.sheets, res.broken_images = sheets["urls"], res.broken_images + sheets["broken"]
            res.wrong_counts = page.evaluate(
                "Object.fromEntries(Array.from(document.querySelectorAll("
                "'figure.reportgen-custom-images-table[id^=\"wrong-\"]')).map(f => "
                "[f.dataset.classdigit, f.querySelectorAll('img, [role=img]').length]))")
            res.theme = page.evaluate("document.documentElement.dataset.theme")
            charts = page.evaluate(
                "Array.from(document.querySelectorAll('article img[class*=\"themedComponent\"]'))"
                ".map(i => [i.currentSrc || i.src, getComputedStyle(i).display !== 'none'"
                " && i.offsetWidth > 0])")
            res.visible_charts = [src for src, shown in charts if shown]
            res.hidden_charts = sum(1 for _, shown in charts if not shown)
            res.ids = page.evaluate("Array.from(document.querySelectorAll('article [id]'))"
                                    ".map(e => e.id)")
            res.sidebar = page.locator("nav.menu").first.inner_text()
            res.edit_links = page.locator("a.theme-edit-this-page").count()
            res.sample_counts = page.evaluate(
                "Object.fromEntries(Array.from(document.querySelectorAll("
                "'figure.reportgen-images-table')).map(f => "
                "[f.dataset.split + '/' + f.dataset.classdigit, "
                "f.querySelectorAll('img, [role=img]').length]))")
            page.evaluate("window.scrollTo(0, 0)")
            if screenshot:
                # a full-page shot renders nothing the page skips off screen
                # (content-visibility: auto, the galleries): render everything first
                page.add_style_tag(content="* { content-visibility: visible !important; }")
                settle_images(page, timeout_s)
                Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return res


@contextlib.contextmanager
def opened(url: str, width: int = 1280, color_scheme: str = "light", timeout_s: float = 60,
           wait_until: str = "load"):
    """A page of Debian's Chromium (Playwright) at ``width`` x 900 px in ``color_scheme``,
    ``url`` opened; the browser is closed after the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900},
                                    color_scheme=color_scheme)
            page.set_default_timeout(timeout_s * 1000)
            page.goto(url, wait_until=wait_until)
            yield page
        finally:
            browser.close()


def layout(url: str, width: int, color_scheme: str = "light", css: str = "",
           screenshot: Path | None = None, timeout_s: float = 60) -> dict:
    """How the page at ``url`` fits a ``width`` px wide screen (with ``css`` added, e.g. a
    theme's large headings): {"page": the document's scroll width, "regions": [(its
    heading, scroll width, client width)] of each of reportgen's scroll regions wider than
    it is shown, other than the confusion matrices (which scroll by design)}; writes a
    full-page screenshot, every image loaded, to ``screenshot`` if given."""
    with opened(url, width, color_scheme, timeout_s, "networkidle") as page:
        if css:
            page.add_style_tag(content=css)
        page.add_style_tag(content="* { content-visibility: visible !important; }")
        settle_images(page, timeout_s)
        res = page.evaluate("""() => ({
          page: document.documentElement.scrollWidth,
          regions: Array.from(document.querySelectorAll('.reportgen-scroll'))
            .filter(e => !e.id.startsWith('confusion-') && e.scrollWidth > e.clientWidth + 1)
            .map(e => [(e.getAttribute('aria-label') || ''), e.scrollWidth, e.clientWidth])})""")
        if screenshot:
            Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
        return res


def settle_images(page, timeout_s: float = 60) -> None:
    """Make every image of ``page`` load and wait until each shown one has: a full-page
    screenshot must show what a reader who scrolls sees, not the gaps of lazy images
    (``wait_for_load_state("networkidle")`` returns at once once reached, so it cannot
    wait for images that start loading later). Scrolls through the page, then back up."""
    page.evaluate("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
    height = page.evaluate("document.documentElement.scrollHeight")
    for y in range(0, height, 700):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(30)
    page.wait_for_function(
        "Array.from(document.images).filter(i => i.offsetWidth > 0)"
        ".every(i => i.complete && i.naturalWidth > 0)", timeout=timeout_s * 1000)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(100)


def reset_generated(site: Path = SITE) -> None:
    """Remove what reportgen generated in the e2e site, so components are copied afresh."""
    for rel in ("src", "static/assets", "docs/image-classification"):
        p = site / rel
        if p.is_dir():
            shutil.rmtree(p)
    for p in site.glob(".reportgen-manifest*.json"):  # one per page
        p.unlink()




@dataclass
class LoadCheck:
    """What a reader's browser fetched to show a page, cache disabled, up to ``load``
    (before any scrolling): requests, bytes on the wire, and the image URLs requested."""

    requests: int = 0
    bytes: int = 0
    images: list[str] = field(default_factory=list)
    #: <img> elements without width and height attributes (they shift the layout)
    unsized_images: list[str] = field(default_factory=list)
    #: right-hand table-of-contents entries
    toc_entries: int = 0


def measure_load(url: str, color_scheme: str = "light", width: int = 1280, height: int = 800,
                 timeout_s: float = 60) -> LoadCheck:
    """Open ``url`` in Chromium with the HTTP cache disabled (CDP) at width x height and
    count what was fetched until the ``load`` event."""
    from playwright.sync_api import sync_playwright

    res = LoadCheck()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height},
                                    color_scheme=color_scheme)
            page.set_default_timeout(timeout_s * 1000)
            cdp = page.context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            seen: dict[str, str] = {}
            sizes: dict[str, int] = {}
            cdp.on("Network.requestWillBeSent",
                   lambda e: seen.setdefault(e["requestId"], e["request"]["url"]))
            cdp.on("Network.loadingFinished",
                   lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
            page.goto(url, wait_until="load")
            loaded = dict(seen)
            res.requests = len(loaded)
            res.bytes = sum(sizes.get(k, 0) for k in loaded)
            res.images = [u for u in loaded.values()
                          if u.split("?")[0].lower().endswith((".png", ".jpg", ".jpeg", ".gif",
                                                                ".webp", ".svg"))]
            res.unsized_images = page.evaluate(
                "Array.from(document.querySelectorAll('article img')).filter(i => "
                "!i.getAttribute('width') || !i.getAttribute('height')).map(i => i.src)")
            res.toc_entries = page.locator(".table-of-contents li").count()
        finally:
            browser.close()
    return res


AXE = Path(os.environ.get("REPORTGEN_AXE", SITE / "node_modules" / "axe-core" / "axe.min.js"))
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_violations(url: str, color_scheme: str = "light", width: int = 1280,
                   selector: str = "article", timeout_s: float = 60) -> dict[str, list[str]]:
    """axe-core (WCAG 2.1 A/AA and best practices) on ``selector`` of the page at ``url``:
    {rule id: [kind of each failing node]}. A node's kind is its tag, classes and parent's
    tag (``a<p``, ``a.breadcrumbs__link<li``): the same kind failing on a plain page of the
    site is the theme's doing, not the page's (:func:`page_caused`)."""
    with opened(url, width, color_scheme, timeout_s) as page:
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        return page.evaluate(
            """async ([sel, tags]) => { const r = await axe.run(document.querySelector(sel),
               {runOnly: {type: 'tag', values: tags}});
               const kind = (t) => { const e = document.querySelector(t.join(' '));
                 if (!e) return t.join(' ');
                 const cls = Array.from(e.classList).filter(c => !/_[a-zA-Z0-9]{4,}$/.test(c)).sort();
                 return e.tagName.toLowerCase() + cls.map(c => '.' + c).join('') + '<'
                        + (e.parentElement ? e.parentElement.tagName.toLowerCase() : ''); };
               return Object.fromEntries(r.violations.map(v =>
                 [v.id, v.nodes.map(n => kind(n.target))])); }""", [selector, AXE_TAGS])



def page_caused(page: dict[str, list[str]], plain: dict[str, list[str]]) -> dict[str, list[str]]:
    """The violations of ``page`` (axe_violations) whose rule and node kind do not fail on
    the site's ``plain`` page too."""
    out = {rule: [k for k in kinds if k not in plain.get(rule, [])] for rule, kinds in page.items()}
    return {rule: kinds for rule, kinds in out.items() if kinds}
