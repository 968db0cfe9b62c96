"""One real run of `reportgen site-assets` on the embedded MNIST dataset (--epochs 1)."""

import json
import os
import subprocess
import sys

import pytest

from reportgen.report.page_audit import missing_references, page_references
from tests.conftest import EMBEDDED, MNIST_DIGEST, MNIST_TEST_COUNTS, MNIST_TRAIN_COUNTS

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("integration")
    cmd = [sys.executable, "-m", "reportgen", "site-assets", "--dataset", str(EMBEDDED),
           "--site-dir", str(base / "site"), "--export-dir", str(base / "export"),
           "--models-dir", str(base / "models"), "--log-file", str(base / "tune.log"),
           "--epochs", "1", "--quiet", "--create"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((base / "site/static/assets/datasets/mnist/summary.json").read_text())
    return base, summary


def test_export_has_exact_class_counts(run):
    base, _ = run
    for split, expected in (("train", MNIST_TRAIN_COUNTS), ("test", MNIST_TEST_COUNTS)):
        counts = [len(os.listdir(base / "export" / split / str(d))) for d in range(10)]
        assert counts == expected


def test_summary(run):
    _, s = run
    assert s["dataset"]["digest"] == MNIST_DIGEST
    assert s["dataset"]["train_counts"] == MNIST_TRAIN_COUNTS
    assert s["dataset"]["test_counts"] == MNIST_TEST_COUNTS
    assert s["model"]["epochs"] == 1 and s["model"]["test_accuracy"] >= 0.95


def test_gallery_matches_log_and_confusion_matrix(run):
    base, s = run
    assets = base / "site/static/assets/datasets/mnist"
    wrong = sorted((assets / "wrong-predictions").glob("*/*.png"))
    assert len(wrong) == s["wrong_predictions"]["count"]
    # the sprite sheet holds them all, 16 a row (report.assets.write_sheet)
    from PIL import Image

    with Image.open(next((assets / "wrong-predictions").glob("sheet-*.png"))) as sheet:
        assert sheet.size == (16 * 28, -(-len(wrong) // 16) * 28)
    assert f"False predictions: {len(wrong):,}/10,000" in (base / "tune.log").read_text()
    manifest = json.loads((base / "site/.reportgen-manifest.json").read_text())
    cm = manifest["stages"]["gallery"]["result"]["confusion"]
    assert sum(map(sum, cm)) == 10_000
    assert [sum(row) for row in cm] == MNIST_TEST_COUNTS


def test_every_page_reference_resolves(run):
    base, s = run
    mdx = (base / "site/docs/image-classification/glassy.mdx").read_text()
    refs = page_references(mdx)
    assert len(refs) >= 240 + s["wrong_predictions"]["count"] + 1
    assert missing_references(mdx, base / "site") == []


def test_audit_passes_on_fresh_output(run):
    base, _ = run
    proc = subprocess.run([sys.executable, "-m", "reportgen", "audit", "--dataset", str(EMBEDDED),
                           "--export-dir", str(base / "export"), "--site-dir", str(base / "site")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "audit passed" in proc.stdout and "60,000" in proc.stdout and "10,000" in proc.stdout
    assert (base / "site/static/assets/datasets/mnist/class-counts.png").is_file()


def test_page_has_custom_test_section(run):
    base, _ = run
    mdx = (base / "site/docs/image-classification/glassy.mdx").read_text()
    assert "## Extra Custom Test" in mdx and "predicted: " in mdx
    assert "class-counts.png" in mdx


def test_robustness_section(run):
    """summary.json's robustness: the clean accuracy is the model's, every corruption is
    there and costs the model something somewhere; the page names the weakest one."""
    base, s = run
    rob = s["robustness"]
    assert rob["clean"] == pytest.approx(s["model"]["test_accuracy"], abs=1e-4)
    assert len(rob) == 17 and all(0 <= v <= 1 for v in rob.values())  # clean, mean, 15
    corrupted = {k: v for k, v in rob.items() if k not in ("clean", "mean")}
    assert rob["mean"] == pytest.approx(sum(corrupted.values()) / 15, abs=1e-6)
    assert min(corrupted.values()) < rob["clean"] - 0.05
    weakest = min((v, k) for k, v in corrupted.items())[1].replace("_", " ")
    mdx = (base / "site/docs/image-classification/glassy.mdx").read_text()
    assert f'The model suffers most from **{{"{weakest}"}}**' in mdx
    assert f"Mean accuracy over the 15 corruptions: {rob['mean'] * 100:.1f}%" in mdx
    # calibrated: the temperature on the page and in summary.json
    cal = s["calibration"]
    assert cal["ece_after"] == s["ece"] and f"T = {cal['temperature']:.2f}" in mdx
    folder = base / "site/static/assets/datasets/mnist/robustness"
    assert len(list(folder.glob("mnist-test-1-*-robustness.png"))) == 1
    assert len(list(folder.glob("mnist-test-1-*-robustness-dark.png"))) == 1
    # augmentation ran in the input pipeline only: the saved model is the builder's
    from reportgen.models.io import load

    model = load(next((base / "models").glob("*/*.keras"))).keras_model
    assert not [la for la in model.layers if type(la).__name__.startswith("Random")]
    assert [la.name for la in model.layers][:2] == ["digits", "scale_0_1"]
