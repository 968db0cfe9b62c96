"""A site laid out like Jest's website, as a docs maintainer's real project is: the
Docusaurus site in ``website/``, the docs beside it in ``../docs`` (``path: '../docs'``), a
hand-written ``sidebars.json``, one docs version. reportgen finds the docs folder in the
config, says that the sidebar does not show the page, and once it does the site builds
with the page in its docs and its sidebar. Then the repository is moved to a fresh folder
with an empty user cache and no model store, as a docs CI clones it: ``reportgen check``
exits 0, and 1 after a one-line edit of the page.

The site reuses the e2e site's node packages (hard links, else a copy: one React per
build); it is trained on a real MNIST subset to keep the suite short."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import EMBEDDED, ROOT
from tests.e2e.harness import SITE, check_page, layout, npm_ci, serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CONFIG = """// Laid out like Jest's website/docusaurus.config.js
module.exports = {
  title: 'Jest-like',
  favicon: 'img/favicon.ico',
  url: 'http://127.0.0.1',
  baseUrl: '/',
  onBrokenLinks: 'throw',
  presets: [
    [
      'classic',
      {
        docs: {
          path: '../docs',
          sidebarPath: require.resolve('./sidebars.json'),
          editUrl: ({versionDocsDirPath, docPath}) =>
            `https://example.invalid/edit/${versionDocsDirPath}/${docPath}`,
        },
        blog: false,
      },
    ],
  ],
  themeConfig: {navbar: {title: 'Jest-like', items: [
    {type: 'doc', docId: 'getting-started', label: 'Docs', position: 'left'}]}},
};
"""
SIDEBAR = {"docs": {"Introduction": ["getting-started"]}}


def run(cmd, cwd, env=None, timeout=900):
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def reportgen(*args, cwd, cache: Path):
    """``reportgen`` as a docs maintainer runs it from their repository: outside a reportgen
    checkout, its user cache (store, export, log) under ``cache``."""
    env = dict(os.environ, XDG_CACHE_HOME=str(cache), HOME=str(cache.parent))
    return run([sys.executable, "-m", "reportgen", *map(str, args)], cwd, env)


def docusaurus(site: Path, *args: str):
    env = dict(os.environ, DOCUSAURUS_IGNORE_SSG_WARNINGS="true")
    return run(["node", "node_modules/@docusaurus/core/bin/docusaurus.mjs", *args], site, env)


def link_node_modules(site: Path) -> None:
    npm_ci()
    try:
        subprocess.run(["cp", "-al", str(SITE / "node_modules"), str(site / "node_modules")],
                       check=True, capture_output=True, timeout=300)
    except subprocess.CalledProcessError:  # another file system: a copy
        shutil.copytree(SITE / "node_modules", site / "node_modules", symlinks=True)


def test_a_jest_like_site_gets_its_page_and_ci_gates_it_on_another_machine(tmp_path):
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is required: apt-get install chromium")
    repo = tmp_path / "first" / "jest"
    site, docs = repo / "website", repo / "docs"
    docs.mkdir(parents=True)
    (docs / "getting-started.md").write_text("# Getting started\n\nInstall it.\n")
    site.mkdir()
    (site / "docusaurus.config.js").write_text(CONFIG)
    (site / "sidebars.json").write_text(json.dumps(SIDEBAR, indent=2))
    (site / "src" / "pages").mkdir(parents=True)
    (site / "src" / "pages" / "index.md").write_text("# Jest-like\n\nThe home page.\n")
    shutil.copy(SITE / "package.json", site / "package.json")
    shutil.copytree(SITE / "static" / "img", site / "static" / "img")
    link_node_modules(site)
    (repo / "data").mkdir()
    with np.load(EMBEDDED) as npz:
        subset = {k: npz[k][:6_000] if "train" in k else npz[k][:1_000] for k in npz.files}
    np.savez_compressed(repo / "data" / "subset.npz", **subset)
    cache = tmp_path / "first" / "home" / ".cache"

    proc = reportgen("site-assets", "--site-dir", "website", "--dataset", "data/subset.npz",
                     "--epochs", "1", "--sample-per-class", "3", "--quiet", cwd=repo, cache=cache)
    assert proc.returncode == 0, proc.stderr[-3000:]
    page = docs / "image-classification" / "glassy.mdx"
    assert page.is_file() and not (site / "docs").exists()
    assert "reads the docs from '../docs'" in proc.stderr
    assert ("note: the page is in no sidebar: add 'image-classification/glassy' to a sidebar "
            "in sidebars.json") in " ".join(proc.stderr.split())
    # as README's Sidebars section says: add the doc id; the hint is gone
    SIDEBAR["docs"]["Image Classification"] = ["image-classification/glassy"]
    (site / "sidebars.json").write_text(json.dumps(SIDEBAR, indent=2))
    proc = reportgen("site-assets", "--site-dir", "website", "--dataset", "data/subset.npz",
                     "--epochs", "1", "--sample-per-class", "3", "--quiet", cwd=repo, cache=cache)
    assert proc.returncode == 0 and "sidebar" not in proc.stderr, proc.stderr[-3000:]
    assert "ran: sample" not in proc.stdout  # nothing changed but the sidebar

    proc = docusaurus(site, "docs:version", "1.0")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert (site / "versioned_docs" / "version-1.0" / "image-classification" / "glassy.mdx").is_file()
    out = tmp_path / "build"
    proc = docusaurus(site, "build", "--out-dir", str(out), "--no-minify")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    with serve(out) as origin:
        seen = {v: check_page(f"{origin}/docs/{v}image-classification/glassy")
                for v in ("", "next/")}
    for version, res in seen.items():
        assert res.ok, (version, res.broken_images[:5], res.console_errors[:3])
        assert "Mr. Glassy the Bot" in res.h1 and res.images > 30
        assert "Mr. Glassy the Bot" in res.sidebar, res.sidebar  # in the sidebar
        assert res.edit_links == 0
    # a phone and a laptop, light and dark, the site's headings as large as Jest's:
    # nothing pushes the page sideways, the tables fit the docs column on a laptop
    with serve(out) as origin:
        url = f"{origin}/docs/next/image-classification/glassy"
        for width in (390, 1280):
            for theme in ("light", "dark"):
                shot = ROOT / "tests" / "artifacts" / f"jest-layout-{width}-{theme}.png"
                fit = layout(url, width, theme, css=".markdown h2 {font-size: 3rem}",
                             screenshot=shot)
                assert fit["page"] <= width, (width, theme, fit)
                if width == 1280:
                    assert fit["regions"] == [], (theme, fit)
    html = (out / "docs" / "image-classification" / "glassy" / "index.html").read_text()
    assert 'aria-label="Breadcrumbs"' in html and "menu__link--active" in html

    # the docs CI: the repository cloned elsewhere, no user cache, no model store
    second = tmp_path / "second" / "jest"
    shutil.copytree(repo, second, ignore=shutil.ignore_patterns("node_modules"))
    empty = tmp_path / "second" / "home" / ".cache"
    proc = reportgen("check", "--site-dir", "website", cwd=second, cache=empty)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not on this machine" in proc.stderr and not empty.exists()
    manifest = (second / "website" / ".reportgen-manifest.json").read_text()
    assert str(tmp_path) not in manifest and str(Path.home()) not in manifest
    moved = second / "docs" / "image-classification" / "glassy.mdx"
    moved.write_text(moved.read_text().replace("## ", "## Edited ", 1))
    proc = reportgen("check", "--site-dir", "website", cwd=second, cache=empty)
    assert proc.returncode == 1
    assert "changed: ../docs/image-classification/glassy.mdx" in proc.stdout, proc.stdout
