"""Where docs maintainers live: a real Docusaurus 3 site with two locales, versioned with
`docusaurus docs:version 1.0`, then regenerated with another model. Built with
onBrokenLinks: 'throw'; the frozen 1.0 page, the current page and the French copies are
opened in Chromium, and none has a broken image. Runs in the e2e site (a copy with linked
node_modules renders two React contexts) and removes the versions and translations after;
trained on a real MNIST subset to keep the suite short."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import EMBEDDED
from tests.e2e.harness import SITE, check_page, npm_ci, reset_generated, serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def docusaurus(site: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    env = dict(os.environ, LOCALES="en,fr", DOCUSAURUS_IGNORE_SSG_WARNINGS="true")
    return subprocess.run(["node", "node_modules/@docusaurus/core/bin/docusaurus.mjs", *args],
                          cwd=site, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout)


def accuracy_in(text: str) -> str:
    return re.search(r"test accuracy ([\d.]+)%", text)[1]


VERSIONING = ("versioned_docs", "versioned_sidebars", "versions.json", "i18n")


def remove_versions(site: Path) -> None:
    for name in VERSIONING:
        p = site / name
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink(missing_ok=True)


@pytest.fixture
def site():
    npm_ci()
    remove_versions(SITE)
    reset_generated()
    try:
        yield SITE
    finally:
        remove_versions(SITE)
        reset_generated()


def test_versioned_and_translated_pages_keep_their_images(tmp_path, site):
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is required: apt-get install chromium")
    with np.load(EMBEDDED) as npz:
        subset = {k: npz[k][:6_000] if "train" in k else npz[k][:1_000] for k in npz.files}
    np.savez_compressed(tmp_path / "subset.npz", **subset)
    cmd = [sys.executable, "-m", "reportgen", "site-assets", "--dataset",
           str(tmp_path / "subset.npz"), "--site-dir", str(site), "--export-dir",
           str(tmp_path / "export"), "--models-dir", str(tmp_path / "models"), "--log-file",
           str(tmp_path / "tune.log"), "--sample-per-class", "3", "--quiet"]
    for step in (["--epochs", "1"], None, ["--epochs", "3"]):
        if step is None:  # freeze 1.0 and translate the current page into French
            proc = docusaurus(site, "docs:version", "1.0", timeout=300)
            assert proc.returncode == 0, proc.stdout[-3000:]
            fr = site / "i18n/fr/docusaurus-plugin-content-docs/current"
            shutil.copytree(site / "docs", fr)
            page = fr / "image-classification" / "glassy.mdx"
            page.write_text(page.read_text().replace("## MNIST digits dataset",
                                                     "## Le jeu de données MNIST"))
            continue
        proc = subprocess.run([*cmd, *step], capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stderr[-3000:]
    check = subprocess.run([sys.executable, "-m", "reportgen", "check", "--site-dir", str(site),
                            "--json"], capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
    audit = subprocess.run([sys.executable, "-m", "reportgen", "audit", "--page-only",
                            "--site-dir", str(site)], capture_output=True, text=True, timeout=300)
    assert audit.returncode == 0, audit.stdout
    out = tmp_path / "build"
    proc = docusaurus(site, "build", "--out-dir", str(out), "--no-minify")
    assert proc.returncode == 0, proc.stdout[-4000:]  # onBrokenLinks: 'throw'
    assert "broken" not in proc.stdout.lower(), proc.stdout[-4000:]
    versions = json.loads((site / "versions.json").read_text())
    assert versions == ["1.0"]
    with serve(out) as origin:
        pages = {"1.0": f"{origin}/image-classification/glassy/",
                 "current": f"{origin}/next/image-classification/glassy/",
                 "fr 1.0": f"{origin}/fr/image-classification/glassy/",
                 "fr current": f"{origin}/fr/next/image-classification/glassy/"}
        seen = {name: check_page(url) for name, url in pages.items()}
    for name, res in seen.items():
        assert res.status == 200 and res.images > 30, name
        assert res.broken_images == [] and res.failed_requests == [], (name, res.broken_images[:5])
    assert accuracy_in(seen["1.0"].text) != accuracy_in(seen["current"].text)
    # each page shows the wrong predictions of its own model: sheets are named by content,
    # so regenerating the current page kept 1.0's sheet
    wrong = {name: [u.rsplit("/", 1)[1] for u in res.sheets if "/wrong-predictions/" in u]
             for name, res in seen.items()}
    assert len(wrong["1.0"]) == 1 and wrong["1.0"] != wrong["current"]
    # the French pages were copied from the 1-epoch page and keep showing its sheet
    assert wrong["fr 1.0"] == wrong["1.0"] == wrong["fr current"]
    assert accuracy_in(seen["fr 1.0"].text) == accuracy_in(seen["1.0"].text)
    assert "Le jeu de données MNIST" in seen["fr current"].text
