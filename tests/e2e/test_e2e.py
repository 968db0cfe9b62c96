"""The page in a real Docusaurus 3 build, opened in real Chromium (root and non-root baseUrl)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reportgen.engine.manifest import Manifest
from reportgen.report.charts.figures import diagram_available
from tests.conftest import EMBEDDED, ROOT
from tests.e2e.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGE_PATH,
    SITE,
    axe_violations,
    build_site,
    check_page,
    measure_load,
    page_caused,
    reset_generated,
    serve,
)

pytestmark = pytest.mark.e2e
ARTIFACTS = ROOT / "tests" / "artifacts"
TITLE = "Mr. Glassy the Bot"
# Text a user hands the page (description, and a models folder that ends up in the log).
HOSTILE = "Reads {digits} <tag> :word `ticks` \"double\" 'single' & done"
HOSTILE_DIR = "models {v2} <tag> :word `tick` \"q\" 'q'"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """reportgen site-assets into the e2e site (full MNIST, 1 epoch, hostile text)."""
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is required: apt-get install chromium")
    base = tmp_path_factory.mktemp("e2e")
    reset_generated()
    cmd = [sys.executable, "-m", "reportgen", "site-assets", "--dataset", str(EMBEDDED),
           "--site-dir", str(SITE), "--export-dir", str(base / "export"),
           "--models-dir", str(base / HOSTILE_DIR), "--log-file", str(base / "tune.log"),
           "--epochs", "1", "--description", HOSTILE, "--quiet"]
    # run from base: the models folder is inside the working directory, so the log names
    # it (relative); a folder outside it would be named by the model's file name only
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=base)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assets = SITE / "static" / "assets" / "datasets" / "mnist"
    summary = json.loads((assets / "summary.json").read_text())
    wrong = {str(d): len(list((assets / "wrong-predictions" / str(d)).glob("*.png")))
             for d in range(10)}
    write_legacy_page(assets)
    folder = make_products(base / "products")
    proc = subprocess.run([sys.executable, "-m", "reportgen", "site-assets", "--dataset",
                           str(folder), "--page", SECOND, "--site-dir", str(SITE),
                           "--export-dir", str(base / "export-products"), "--models-dir",
                           str(base / "models"), "--log-file", str(base / "tune.log"),
                           "--epochs", "3", "--quiet"],
                          capture_output=True, text=True, timeout=900, cwd=base)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "broken.png" in proc.stderr and "left out" in proc.stderr
    return base, summary, wrong, assets


#: The second page of the site: an image folder of the test's own making.
SECOND = "products"
SECOND_NAMES = ["red mug", "blue/green plate", "yellow cup"]


def make_products(root: Path) -> Path:
    """An image folder a docs maintainer might have: train/ and test/ of three class
    folders, 24x24 RGB, PNG and JPEG mixed, one corrupt file, a .DS_Store, and a
    classes.txt with names that hold a space and a slash."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(3)
    colours = [(200, 30, 30), (30, 90, 200), (220, 200, 30)]
    for split, n in (("train", 60), ("test", 20)):
        for c, colour in enumerate(colours):
            d = root / split / f"c{c}"
            d.mkdir(parents=True)
            for i in range(n):
                a = rng.integers(200, 256, (24, 24, 3), dtype=np.uint8)
                y, x = rng.integers(2, 12, 2)
                a[y:y + 10, x:x + 10] = np.array(colour) + rng.integers(0, 40, 3)
                im = Image.fromarray(a)
                im.save(d / f"{i:03d}.jpg", quality=92) if i % 3 == 0 else im.save(d / f"{i:03d}.png")
    (root / "train" / "c0" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\ntruncated")
    (root / "train" / "c1" / ".DS_Store").write_bytes(b"\0")
    (root / "classes.txt").write_text("\n".join(SECOND_NAMES) + "\n", encoding="utf-8")
    return root


LEGACY = "image-classification/legacy/"


def write_legacy_page(assets: Path) -> None:
    """A page written for the original components, as the original page was: string
    props, file names only, no assetsUrl, no confidence (the components must still render
    it). It names the first wrong prediction of each digit that has one."""
    blocks = []
    for d in range(10):
        names = sorted(p.name for p in (assets / "wrong-predictions" / str(d)).glob("*.png"))[:2]
        if names:
            paths = ",\n".join(f'    "{n}"' for n in names)
            blocks.append(f'<CustomImagesTable\n  size={{112}}\n  heading="Wrong Predictions"\n'
                          f'  dirname="wrong-predictions"\n  classdigit="{d}"\n'
                          f'  imagePaths={{[\n{paths}\n  ]}}\n/>\n')
    (SITE / "docs" / LEGACY.split("/")[0] / "legacy.mdx").write_text(
        "---\nid: legacy\nslug: /image-classification/legacy\n---\n\n"
        'import CustomImagesTable from "../../src/components/CustomImagesTable";\n\n'
        "# Legacy page\n\n" + "\n".join(blocks))


def build_and_check(base: Path, base_url: str, name: str, themes=("light",), also=()):
    """Build the site under ``base_url`` and open the page once per colour scheme; returns
    the PageCheck of the first (or {theme: PageCheck} when several are asked for). ``also``:
    other page paths, checked in the light theme under their own names."""
    root = base / f"serve-{name}"
    out = root / base_url.strip("/") if base_url.strip("/") else root
    proc = build_site(out, base_url)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "broken anchors" not in proc.stdout, proc.stdout[-4000:]  # the pair links resolve
    assert (out / PAGE_PATH / "index.html").is_file()
    with serve(root) as origin:
        res = {t: check_page(f"{origin}{base_url}{PAGE_PATH}",
                             ARTIFACTS / f"e2e-{name}{'' if t == 'light' else '-' + t}.png",
                             color_scheme=t) for t in themes}
        for path in also:
            res[path] = check_page(f"{origin}{base_url}{path}")
    return res if len(themes) > 1 or also else res[themes[0]]


def charts_in(mdx: str) -> int:
    return mdx.count("<ThemedImage")


@pytest.mark.parametrize("base_url,name", [("/", "root"), ("/docs-site/", "baseurl")])
def test_page_in_browser(rendered, base_url, name):
    base, summary, wrong, _ = rendered
    mdx = (SITE / "docs" / "image-classification" / "glassy.mdx").read_text()
    by_theme = build_and_check(base, base_url, name, themes=("light", "dark"), also=[LEGACY])
    legacy = by_theme.pop(LEGACY)
    # the original page's component props (file names only) still render with ours
    assert legacy.status == 200 and legacy.broken_images == [] and legacy.console_errors == []
    assert legacy.images == sum(min(n, 2) for n in wrong.values())
    assert re.search(r"\d → \d \(#\d+\)", legacy.text) and "%" not in legacy.text
    for theme, res in by_theme.items():
        assert res.status == 200 and res.theme == theme
        assert res.h1 == TITLE
        assert res.broken_images == [] and res.failed_requests == []
        assert res.console_errors == []
        # every thumbnail: 12 per digit per split, the wrong predictions, the charts
        assert res.sample_counts == {f"{s}/{d}": 12 for s in ("train", "test") for d in range(10)}
        assert res.wrong_counts == wrong
        # the reader sees one variant of every chart: the one of their theme
        assert len(res.visible_charts) == charts_in(mdx) >= 3
        assert all(src.endswith("-dark.png") == (theme == "dark")
                   for src in res.visible_charts), res.visible_charts
        # user text is shown literally, not parsed
        assert HOSTILE in res.text
        assert HOSTILE_DIR in res.text
        # the new sections, each pair's link target, the sidebar label, no edit link
        for heading in ("Most confused pairs", "Calibration", "Suspected label errors",
                        "Model history", "Training split"):
            assert heading in res.text
        pairs = [f"confusion-test-{c['label']}-{c['predicted']}" for c in summary["top_confusions"]]
        assert pairs and all(p in res.ids for p in pairs)
        assert "suspected-label-errors" in res.ids and len(res.ids) == len(set(res.ids))
        assert "Image Classification" in res.sidebar and "image-classification" not in res.sidebar
        assert res.edit_links == 0
        assert (ARTIFACTS / f"e2e-{name}{'' if theme == 'light' else '-dark'}.png"
                ).stat().st_size > 50_000
    light = by_theme["light"]
    assert sum(wrong.values()) == summary["wrong_predictions"]["count"]
    assert light.images >= 240 + summary["wrong_predictions"]["count"] + charts_in(mdx)
    assert len(summary["suspected_label_errors"]) > 0 and 0 <= summary["ece"] < 0.2


def ssr_matrix(html: str, caption: str) -> list[list[int]]:
    """The counts of the confusion-matrix table with ``caption`` in server-rendered HTML."""
    table = re.search(rf"<caption>{caption}</caption>(.*?)</table>", html, re.S)
    assert table, caption
    body = table[1].split("<tbody>")[1]
    return [[int(c.replace(",", "")) for c in re.findall(r"<td[^>]*>(?:<a[^>]*>)?([\d,]+)", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_a_reader_explores_the_page(rendered):
    """Issue "A page readers can explore", in a real build served as static hosts serve it
    (text gzipped): the SSR matrix, cells that open exactly their images, the load budget
    (1280x800, cache disabled, before scrolling), the table of contents, alt texts, tables
    that fit or scroll in a focusable region, and no page-caused axe violation in light and
    dark at 1280 and 390 px."""
    from playwright.sync_api import sync_playwright

    base, summary, wrong, _ = rendered
    root = base / "serve-root"  # the build of test_page_in_browser[root], when it ran
    if not (root / PAGE_PATH / "index.html").is_file():
        proc = build_site(root)
        assert proc.returncode == 0, proc.stdout[-4000:]
    html = (root / PAGE_PATH / "index.html").read_text()
    cm = ssr_matrix(html, "Confusion matrix of the test split")
    per_class = summary["wrong_predictions"]["per_class"]
    assert len(cm) == 10 and all(len(r) == 10 for r in cm)
    assert [sum(r) for r in cm] == summary["dataset"]["test_counts"]
    assert [sum(r) - r[t] for t, r in enumerate(cm)] == per_class
    assert len(ssr_matrix(html, "Confusion matrix of the training split")) == 10
    gallery = Manifest(SITE).result("gallery")
    with serve(root, gzip_text=True) as origin:
        url = f"{origin}/{PAGE_PATH}"
        plain = {(w, t): axe_violations(f"{origin}/", t, w)
                 for w in (1280, 390) for t in ("light", "dark")}
        for theme in ("light", "dark"):
            load = measure_load(url, theme)
            assert load.requests <= 60 and load.bytes <= 600_000, (load.requests, load.bytes)
            dark = [u for u in load.images if "-dark." in u]
            assert dark == [] if theme == "light" else all(
                u.replace("-dark.", ".") not in load.images for u in dark)
            assert load.unsized_images == [] and 0 < load.toc_entries <= 20
            for width in (1280, 390):
                caused = page_caused(axe_violations(url, theme, width), plain[width, theme])
                assert caused == {}, (theme, width, caused)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                         headless=True)
            try:
                page = browser.new_page(viewport={"width": 390, "height": 800})
                page.goto(url, wait_until="load")
                names = page.evaluate(
                    "Array.from(document.querySelectorAll('article img, article [role=img]'))"
                    ".map(e => e.getAttribute('alt') ?? e.getAttribute('aria-label') ?? '')")
                assert len(names) >= 240 and not [n for n in names if ".png" in n or not n]
                assert page.evaluate(
                    "Array.from(document.querySelectorAll('article table')).filter(t => "
                    "t.scrollWidth > t.clientWidth + 1 || (t.parentElement.scrollWidth > "
                    "t.parentElement.clientWidth + 1 && !(t.parentElement.tabIndex >= 0)))"
                    ".length") == 0
                # a cell's text starts with its count as a word of its own ("969 98.9%")
                assert page.evaluate(
                    "Array.from(document.querySelectorAll('#confusion-test tbody tr')).map(r => "
                    "Array.from(r.querySelectorAll('td')).map(d => "
                    "Number(d.textContent.trim().split(/\\s+/)[0].replace(/,/g, ''))))") == cm
                cells = [(t, p) for t in range(10) for p in range(10) if t != p and cm[t][p]]
                for t, p in cells[:: max(1, len(cells) // 8)]:
                    page.click(f"#confusion-test-{t}-{p}")
                    shown = page.locator("#confusion-test-panel figure").evaluate_all(
                        "fs => fs.map(f => Number(f.dataset.index))")
                    want = [int(f.split("-")[1]) for f in gallery["files"][str(t)]
                            if f.endswith(f"-{p}.png")]
                    assert shown == want and len(want) == cm[t][p], (t, p)
                    expanded = page.get_attribute(f"#confusion-test-{t}-{p}", "aria-expanded")
                    assert expanded == "true"
                diagonal = page.get_attribute("#confusion-test a[href='#test-digit-5']",
                                              "aria-label")
                # the name starts with the cell's visible text (WCAG 2.5.3, label in name)
                assert re.fullmatch(rf"{cm[5][5]:,} \d+\.\d%: true 5, predicted 5, read "
                                    r"correctly; see the test images of 5", diagonal), diagonal
            finally:
                browser.close()


def test_a_second_page_from_an_image_folder(rendered):
    """Issue "Any image-classification dataset": the site holds the MNIST page and a page
    made from an image folder (RGB, named classes, PNG and JPEG, a corrupt file). Both are
    in the sidebar, the second shows class names and no word of MNIST, has no broken image
    and no page-caused axe violation in light and dark at 1280 and 390 px; ``check`` passes
    on the site, then fails naming the second page only when it is edited by hand."""
    base, *_ = rendered
    root = base / "serve-root"
    if not (root / PAGE_PATH / "index.html").is_file():
        proc = build_site(root)
        assert proc.returncode == 0, proc.stdout[-4000:]
    second = f"image-classification/{SECOND}/"
    assert (root / second / "index.html").is_file()
    mdx = (SITE / "docs" / "image-classification" / f"{SECOND}.mdx").read_text()
    assert not re.search(r"digit|MNIST", mdx.replace("classdigit", "").replace("MNIST-C", ""))
    assert (SITE / "static" / "assets" / "datasets" / SECOND / "summary.json").is_file()
    with serve(root) as origin:
        url = f"{origin}/{second}"
        for theme in ("light", "dark"):
            res = check_page(url, ARTIFACTS / f"e2e-{SECOND}{'' if theme == 'light' else '-dark'}.png",
                             color_scheme=theme)
            assert res.status == 200 and res.broken_images == [] and res.console_errors == []
            assert res.h1 == "products image classifier"
            assert "Mr. Glassy the Bot" in res.sidebar and "products image classifier" in res.sidebar
            assert all(name in res.text for name in SECOND_NAMES)
            assert "1 unreadable file was left out" in res.text
            assert res.sample_counts == {f"{s}/{d}": 12 for s in ("train", "test") for d in range(3)}
        plain = {(w, t): axe_violations(f"{origin}/", t, w)
                 for w in (1280, 390) for t in ("light", "dark")}
        for theme in ("light", "dark"):
            for width in (1280, 390):
                caused = page_caused(axe_violations(url, theme, width), plain[width, theme])
                assert caused == {}, (theme, width, caused)
    check = [sys.executable, "-m", "reportgen", "check", "--site-dir", str(SITE)]
    proc = subprocess.run(check, capture_output=True, text=True, timeout=300, cwd=base)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "page glassy: current" in proc.stdout and f"page {SECOND}: current" in proc.stdout
    page = SITE / "docs" / "image-classification" / f"{SECOND}.mdx"
    text = page.read_text()
    page.write_text(text + "\nEdited by hand.\n")
    try:
        proc = subprocess.run(check, capture_output=True, text=True, timeout=300, cwd=base)
    finally:
        page.write_text(text)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"page {SECOND}: stale" in proc.stdout and "page glassy: current" in proc.stdout
    assert "stale: glassy" not in proc.stdout and f"stale: {SECOND}: render" in proc.stdout


def test_missing_image_fails_the_check(rendered):
    base, _, _, assets = rendered
    victim = next((assets / "wrong-predictions").glob("sheet-*.png"))
    saved = base / victim.name
    shutil.move(victim, saved)
    try:
        res = build_and_check(base, "/", "negative")
    finally:
        shutil.move(saved, victim)
    assert not res.ok
    assert any(src.endswith("/wrong-predictions/" + victim.name) for src in res.broken_images), \
        res.broken_images


def test_cnn_page_in_browser(tmp_path):
    """--model-kind cnn builds the whole page: curves, diagram, gallery, confusion matrix,
    custom test, and the changes since the page's previous model (a 1-epoch MLP). Runs
    last: it replaces the MLP page of the tests above. Trained on a real MNIST subset
    (first 12,000 train / 2,000 test images) to keep the suite short."""
    import numpy as np

    with np.load(EMBEDDED) as npz:
        subset = {k: npz[k][:12_000] if "train" in k else npz[k][:2_000] for k in npz.files}
    np.savez_compressed(tmp_path / "subset.npz", **subset)
    reset_generated()
    cmd = [sys.executable, "-m", "reportgen", "site-assets", "--dataset", str(tmp_path / "subset.npz"),
           "--site-dir", str(SITE), "--export-dir", str(tmp_path / "export"), "--models-dir",
           str(tmp_path / "models"), "--log-file", str(tmp_path / "tune.log"),
           "--epochs", "1", "--quiet"]
    for kind in ("mlp", "cnn"):  # the MLP page first: the CNN page then shows the changes
        proc = subprocess.run([*cmd, "--model-kind", kind], capture_output=True, text=True,
                              timeout=900)
        assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((SITE / "static/assets/datasets/mnist/summary.json").read_text())
    assert summary["model"]["kind"] == "cnn" and summary["model"]["test_accuracy"] >= 0.9
    assert Path(summary["changes"]["previous_model"]).name.startswith("mnist-1-")
    assert summary["changes"]["accuracy_delta"] > 0 and summary["changes"]["fixed"]
    mdx = (SITE / "docs" / "image-classification" / "glassy.mdx").read_text()
    assert "convolutional network" in mdx and 'alt={"Training curves' in mdx
    assert ('alt={"Architecture diagram' in mdx) is diagram_available()
    by_theme = build_and_check(tmp_path, "/", "cnn", themes=("light", "dark"))
    for theme, res in by_theme.items():
        assert res.status == 200 and res.h1 == TITLE and res.theme == theme
        assert res.broken_images == [] and res.console_errors == []
        assert "Training curves" in res.text and "convolutional network" in res.text
        assert "Changes since the previous model" in res.text and "fixed-mistakes" in res.ids
        assert len(res.visible_charts) == charts_in(mdx)
        assert all(src.endswith("-dark.png") == (theme == "dark") for src in res.visible_charts)
