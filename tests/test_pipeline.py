"""site-assets on a tiny synthetic dataset: outputs, skipping, ownership, reproducibility."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from reportgen.options import Options
from reportgen.pipeline import site_assets
from reportgen.report.charts.figures import diagram_available
from reportgen.report.page_audit import missing_references
from tests.conftest import make_arrays, write_npz
from tests.helpers import opts_for, snapshot

pytestmark = pytest.mark.slow  # trains models


@pytest.fixture(scope="module")
def cold(tmp_path_factory):
    """One cold run, read by the tests; a test that writes works on its own copy
    (``own``), so no test depends on another's order."""
    base = tmp_path_factory.mktemp("cold")
    npz = write_npz(base / "tiny.npz", make_arrays(8, 4))
    opts = opts_for(base, npz)
    return base, npz, opts, site_assets(opts)


@pytest.fixture
def own(cold, tmp_path):
    """A copy of the cold run's site, store and export (warm: nothing trains), for a test
    that changes it."""
    base, npz, _, _ = cold
    copy = tmp_path / "own"
    shutil.copytree(base, copy, symlinks=True)
    opts = opts_for(copy, npz)
    return copy, npz, opts, site_assets(opts)


def test_cold_run_outputs(cold):
    base, npz, opts, rep = cold
    s = rep.summary
    assert s["dataset"]["train_counts"] == [8] * 10 and s["dataset"]["test_counts"] == [4] * 10
    assert set(s) == {"dataset", "model", "wrong_predictions", "top_confusions", "ece",
                      "suspected_label_errors", "robustness", "classes", "calibration",
                      "page", "timings_s"}  # no changes
    assert s["classes"] == [str(d) for d in range(10)]
    assert s["robustness"]["clean"] == pytest.approx(s["model"]["test_accuracy"], abs=1e-6)
    assert len(s["robustness"]) == 17  # clean, mean and MNIST-C's 15
    rob = [v for k, v in s["robustness"].items() if k not in ("clean", "mean")]
    assert s["robustness"]["mean"] == pytest.approx(sum(rob) / 15, abs=1e-6)
    assert 0 <= s["ece"] <= 1
    cal = s["calibration"]
    assert set(cal) == {"temperature", "ece_before", "ece_after"} and cal["ece_after"] == s["ece"]
    assert 0.05 <= cal["temperature"] <= 20
    # the temperature is kept with the stored model's metadata
    meta = json.loads((opts.models_dir / "1" / s["model"]["path"]).with_suffix(".json")
                      .read_text())
    assert meta["temperature"] == cal["temperature"]
    assert sum(c["count"] for c in s["top_confusions"]) <= s["wrong_predictions"]["count"]
    assert all(0 <= i < 40 for i in s["suspected_label_errors"])
    category = opts.site_dir / "docs" / "image-classification" / "_category_.json"
    assert json.loads(category.read_text()) == {"label": "Image Classification"}
    assert set(s["model"]) == {"kind", "epochs", "seed", "path", "test_accuracy", "test_loss",
                               "input_scaling"}
    assert s["model"]["input_scaling"] == "raw"
    # a path outside the working directory is named by its file name only (no machine paths)
    assert s["model"]["epochs"] == 1 and "/" not in s["model"]["path"]
    assert (opts.models_dir / "1" / s["model"]["path"]).is_file()
    # the label-error ranking's shifted views (models.tta), cached beside the model
    assert all((opts.models_dir / "1" / s["model"]["path"]).with_suffix(
        f".shifted-{shift}.probs.npz").is_file() for shift in ("right", "left", "down", "up"))
    assert s["model"]["kind"] == "mlp"
    assert re.fullmatch(r"mnist-1-\d+\.\d\d\.keras", Path(s["model"]["path"]).name)
    assert s["timings_s"]["export"] > 0 and s["timings_s"]["train"] > 0
    wrong = list((opts.assets_dir / "wrong-predictions").glob("*/*.png"))
    assert len(wrong) == s["wrong_predictions"]["count"] == sum(s["wrong_predictions"]["per_class"])
    assert len(list((opts.assets_dir / "wrong-predictions").glob("sheet-*.png"))) == 1
    mdx = rep.page.read_text()
    assert missing_references(mdx, opts.site_dir) == []
    assert (opts.site_dir / "src" / "components" / "ImagesTable.jsx").is_file()
    log = opts.log_file.read_text()
    assert "Training with EPOCHS=1" in log and "False predictions:" in log
    assert "Initial cost: " in log and "Epoch 1/1 - loss: " in log and "val_accuracy: " in log
    figures = sorted(p.name for p in (opts.assets_dir / "model").iterdir())
    drawn = diagram_available()  # Graphviz installed: README's first prerequisite, not a must
    assert [f.split("-")[0] for f in figures] == ["curves"] * 2 + ["diagram"] * 2 * drawn
    assert sum(f.endswith("-dark.png") for f in figures) == 1 + drawn
    assert 'alt={"Training curves' in mdx
    assert ('alt={"Architecture diagram' in mdx) is drawn and "Graphviz" not in mdx
    assert "held out for validation" in mdx
    assert f"False predictions: {s['wrong_predictions']['count']}/40" in log
    assert json.loads((opts.assets_dir / "summary.json").read_text()) == s
    assert len(list(opts.export_dir.rglob("*.png"))) == 120


def test_warm_run_skips_everything_without_tensorflow(own):
    base, npz, opts, _ = own
    (opts.site_dir / "notes.md").write_text("a file of the site's own")
    before = snapshot(opts.site_dir)
    code = (
        "import sys, json\n"
        "from pathlib import Path\n"
        "from reportgen.options import Options\n"
        "from reportgen.pipeline import site_assets\n"
        f"o = Options(**json.loads({json.dumps(json.dumps(_opts_json(opts)))}))\n"
        "r = site_assets(o)\n"
        "print(json.dumps({'tf': 'tensorflow' in sys.modules, 'ran': sorted(r.ran),"
        " 'skipped': r.skipped}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    res = json.loads(out.stdout.splitlines()[-1])
    assert res == {"tf": False, "ran": [],
                   "skipped": ["export", "sample", "train", "gallery", "calibration",
                               "label_errors", "robustness", "model_figures", "class_counts",
                               "custom_test", "category", "render", "summary"]}
    assert snapshot(opts.site_dir) == before


def _opts_json(opts: Options) -> dict:
    out = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(opts).items()
           if k in ("dataset", "site_dir", "export_dir", "models_dir", "log_file", "epochs",
                    "sample_per_class", "workers")}
    return out | {"custom_images": [str(p) for p in opts.custom_images]}


def test_epochs_change_rewrites_only_model_outputs(own):
    base, npz, opts, rep1 = own
    foreign = opts.assets_dir / "wrong-predictions" / "my-notes.txt"
    foreign.parent.mkdir(parents=True, exist_ok=True)
    foreign.write_text("mine")
    before = snapshot(opts.site_dir)
    opts2 = opts_for(base, npz, epochs=2)
    rep2 = site_assets(opts2)
    assert "train" in rep2.ran and "gallery" in rep2.ran
    after = snapshot(opts.site_dir)
    changed = {p for p in after if before.get(p) != after[p]}
    gone = set(before) - set(after)
    allowed = re.compile(r"(docs/image-classification/glassy\.mdx|.*summary\.json|"
                         r"\.reportgen-manifest\.json|.*/wrong-predictions/(\d/)?.*\.png|"
                         r".*/confusion-matrices/mnist-(test|train)-\d+-.*\.png|"
                         r".*/calibration/mnist-test-\d+-.*\.png|"
                         r".*/suspected-label-errors/.*\.png|"
                         r".*/changes/(fixed|new)/.*\.png|"
                         r".*/robustness/.*\.png|"
                         r".*/model/(curves|diagram)-.*\.png|"
                         r".*/custom-test/.*\.png)$")  # the custom test depends on the model
    assert changed and all(allowed.match(p) for p in changed | gone), changed | gone
    assert not any("/train/" in p or "/test/" in p or "class-counts" in p for p in changed)
    assert foreign.read_text() == "mine"
    assert rep2.summary["model"]["epochs"] == 2
    cms = list((opts.assets_dir / "confusion-matrices").iterdir())
    assert len(cms) == 8 and {p.name.split("-")[2] for p in cms} == {"2"}
    # the page's model changed: the comparison with the 1-epoch model
    changes = rep2.summary["changes"]
    assert changes["previous_model"] == rep1.summary["model"]["path"]
    assert changes["accuracy_delta"] == pytest.approx(
        rep2.summary["model"]["test_accuracy"] - rep1.summary["model"]["test_accuracy"], abs=1e-6)
    assert "## Changes since the previous model" in rep2.page.read_text()
    # with each corruption's accuracy under both models
    delta = changes["robustness_delta"]
    assert set(delta) == set(rep1.summary["robustness"])
    assert delta["fog"] == pytest.approx(
        rep2.summary["robustness"]["fog"] - rep1.summary["robustness"]["fog"], abs=1e-6)
    assert "### Robustness changes" in rep2.page.read_text()


def _comparable(site: Path) -> dict[str, bytes]:
    out = {}
    for p in sorted(site.rglob("*")):
        if not p.is_file() or p.name == ".reportgen-manifest.json":
            continue
        data = p.read_bytes()
        if p.name == "summary.json":
            d = json.loads(data)
            d.pop("timings_s")
            d.pop("page")  # the site folders differ by design
            data = json.dumps(d, sort_keys=True).encode()
        elif p.suffix == ".mdx":
            data = re.sub(rb"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\]", b"[T]", data)
            # the model history's "trained at" (the two runs train at different minutes)
            data = re.sub(rb'\{"\d{4}-\d\d-\d\d \d\d:\d\d"\}', b"{T}", data)
            # the provenance line's model sha256: Keras writes the save date into the file
            data = re.sub(rb"sha256 <code>[0-9a-f]{12}</code>", b"sha256 <code>S</code>", data)
        out[p.relative_to(site).as_posix()] = data
    return out


def test_two_cold_runs_are_byte_identical(tmp_path):
    npz = write_npz(tmp_path / "tiny.npz", make_arrays(8, 4))
    models = tmp_path / "models"
    a = opts_for(tmp_path / "a", npz, models_dir=models)
    b = opts_for(tmp_path / "b", npz, models_dir=models, retrain=True)
    site_assets(a)
    site_assets(b)
    ca, cb = _comparable(a.site_dir), _comparable(b.site_dir)
    assert sorted(ca) == sorted(cb)
    assert [k for k in ca if ca[k] != cb[k]] == []


def test_killed_export_is_repaired(tmp_path):
    npz = write_npz(tmp_path / "mid.npz", make_arrays(600, 100))  # 7,000 images
    cmd = [sys.executable, "-m", "reportgen", "export", "--dataset", str(npz), "--export-dir",
           str(tmp_path / "export"), "--site-dir", str(tmp_path / "site"), "--workers", "1",
           "--create"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            n = sum(1 for _ in (tmp_path / "export").rglob("*.png")) if (
                tmp_path / "export").exists() else 0
            if n > 200:
                break
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert 0 < len(list((tmp_path / "export").rglob("*.png"))) < 7000
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    files = list((tmp_path / "export").rglob("*.png"))
    assert len(files) == 7000 and not list((tmp_path / "export").rglob("*.tmp"))
    for f in files[::500]:
        with Image.open(f) as im:
            im.load()
            assert im.size == (28, 28)


def test_given_model_sets_the_page_epochs(cold, tmp_path):
    base, npz, _, rep = cold
    model = opts_for(base, npz).models_dir / "1" / rep.summary["model"]["path"]
    opts = opts_for(tmp_path / "given", npz, epochs=None, model=model)
    out = site_assets(opts)
    assert out.summary["model"]["epochs"] == 1 and not opts.models_dir.exists()
    assert "trained for 1 epoch with seed" in out.page.read_text()


def _page_figures(mdx: str) -> tuple[str, str]:
    wrong = re.search(r"The model gets ([\d,]+) of", mdx)[1]
    acc = re.search(r"test accuracy ([\d.]+)%", mdx)[1]
    return wrong, acc


def test_gallery_then_render_never_mixes_two_models(own, runner):
    """Bug 2: `gallery --model other` then `render` gave the wrong count of one model and
    the accuracy of another, and the audit passed."""
    from reportgen.cli import app
    from reportgen.data.dataset import load_dataset
    from reportgen.models.train import train_model

    base, npz, opts, rep = own
    other = train_model(load_dataset(npz), base / "other-models", epochs=3, seed=1)
    common = ["--dataset", str(npz), "--site-dir", str(opts.site_dir)]
    shown = json.loads((opts.assets_dir / "summary.json").read_text())
    res = runner.invoke(app, ["gallery", "--model", str(other.model_path), *common,
                              "--log-file", str(opts.log_file)])
    assert res.exit_code == 0, res.output
    expected = (f"{other.meta.wrong_count:,}", f"{other.meta.test_accuracy * 100:.2f}")
    assert _page_figures(rep.page.read_text()) == expected  # gallery re-rendered the page
    res = runner.invoke(app, ["render", *common, "--export-dir", str(opts.export_dir)])
    assert res.exit_code == 0, res.output
    mdx = rep.page.read_text()
    assert _page_figures(mdx) == expected
    assert "trained for 3 epochs with seed 1" in mdx
    summary = json.loads((opts.assets_dir / "summary.json").read_text())
    assert summary["model"]["path"].endswith(other.model_path.name)
    assert summary["wrong_predictions"]["count"] == other.meta.wrong_count
    assert missing_references(mdx, opts.site_dir) == []
    # the page compares the new model with the one it showed before
    assert summary["changes"]["previous_model"] == shown["model"]["path"]
    fixed, new = set(summary["changes"]["fixed"]), set(summary["changes"]["new"])
    assert not fixed & new
    assert len(new) - len(fixed) == other.meta.wrong_count - shown["wrong_predictions"]["count"]


def test_a_retrain_that_gives_the_same_model_changes_nothing(own):
    """A retrain with the same recipe and seed is deterministic: it saves the same weights
    under the same name, and the model's content digest (not the file's bytes, which hold
    the save date) says it is the same model, so the page shows no "Changes since the
    previous model" of a model against itself and nothing after the training reruns."""
    base, npz, opts, first = own
    sha = json.loads((opts.site_dir / ".reportgen-manifest.json").read_text())[
        "stages"]["train"]["result"]["meta"]["sha256"]
    second = site_assets(opts_for(base, npz, retrain=True))
    assert "train" in second.ran and "changes" not in second.ran and "gallery" not in second.ran
    assert "changes" not in second.summary
    assert second.summary["model"]["path"] == first.summary["model"]["path"]
    manifest = json.loads((opts.site_dir / ".reportgen-manifest.json").read_text())
    assert manifest["stages"]["train"]["result"]["meta"]["sha256"] == sha
    assert [h["sha256"] for h in manifest["state"]["history"]] == [sha]
    third = site_assets(opts)
    assert third.ran == {} and "## Changes since the previous model" not in third.page.read_text()


def test_cnn_kind_builds_the_whole_page(tmp_path):
    """--model-kind cnn: its own file name, description, curves, diagram, gallery."""
    npz = write_npz(tmp_path / "tiny.npz", make_arrays(8, 4))
    opts = opts_for(tmp_path, npz, model_kind="cnn")
    rep = site_assets(opts)
    s = rep.summary
    assert s["model"]["kind"] == "cnn" and Path(s["model"]["path"]).name.startswith("cnn-1-")
    mdx = rep.page.read_text()
    assert "convolutional network of seed 003" in mdx and "def build_cnn(" in mdx
    assert 'alt={"Training curves' in mdx
    assert ('alt={"Architecture diagram' in mdx) is diagram_available()
    assert missing_references(mdx, opts.site_dir) == []
