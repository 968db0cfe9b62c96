"""Helpers shared by the tests: the CLI runner fixture, one-line-error checks, option and
page builders on tiny synthetic data (no TensorFlow), file snapshots."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from reportgen.data.dataset import load_dataset
from reportgen.data.export import publish_sample
from reportgen.options import Options
from reportgen.records import ClassCounts, ModelMeta, ModelRef, Sample
from reportgen.report import assets
from reportgen.report.charts.gallery import write_gallery
from reportgen.report.section import PageEnv
from reportgen.report.state import HistoryRow
from reportgen.report.view.page import PageText, page_context

HOSTILE = 'Braces {x} and }{, a <tag> & </div>, :word, `code` ``` and "quotes" \'single\' # | * _'


@pytest.fixture
def runner() -> CliRunner:
    """typer's CliRunner, stdout and stderr kept apart."""
    return CliRunner()


def one_line_error(res, *fragments, code: int = 2) -> None:
    """Assert a CliRunner result is a one-line error: exit ``code``, no traceback, every
    fragment in stderr."""
    assert res.exit_code == code, res.output
    text = re.sub(r"\s+", " ", res.stderr)
    assert "Traceback" not in res.output + res.stderr
    for f in fragments:
        assert f in text, text


SAMPLES = Path(__file__).resolve().parent.parent / "data" / "test"


def opts_for(base: Path, npz: Path, **kw) -> Options:
    """Options writing everything under ``base`` (site, export, models, log), 1 epoch,
    2 sample images per class, 1 export worker, the shipped custom-test samples."""
    return Options(dataset=npz, site_dir=base / "site", export_dir=base / "export",
                   models_dir=kw.pop("models_dir", base / "models"), log_file=base / "tune.log",
                   epochs=kw.pop("epochs", 1), sample_per_class=2, workers=1,
                   custom_images=kw.pop("custom_images", [SAMPLES]), **kw)


def snapshot(folder: Path) -> dict[str, int]:
    """{relative path: mtime_ns} of every file under ``folder`` (missing folder: {})."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
            for p in sorted(folder.rglob("*")) if p.is_file()}


def fake_probs(y, wrong: dict[int, int], k: int = 10) -> np.ndarray:
    """Probabilities (n, k): 0.91 on the label, except rows in ``wrong`` {index: predicted}."""
    probs = np.full((len(y), k), 0.01, dtype=np.float32)
    probs[np.arange(len(y)), y] = 0.91
    for i, p in wrong.items():
        probs[i] = 0.01
        probs[i, p] = 0.91
    return probs


def fake_meta(epochs: int | None = 2, log=()) -> ModelMeta:
    return ModelMeta(kind="mlp", epochs=epochs, seed=0, test_loss=0.1234, test_accuracy=0.95,
                     wrong_count=1, sha256="0" * 64, summary='Model: "glassy"',
                     key={"recipe": {"batch_size": 128, "learning_rate": 0.002,
                                     "lr_decay": "cosine", "version": 2}},
                     log=["[2026-01-01 00:00:00] Training with EPOCHS=2", *log])


def _placeholder_charts(path, draw, *args, **kwargs):
    """plotting.write_chart without drawing: a 1x1 PNG for each theme (pages whose charts
    do not matter, e.g. the many pages of the injection tests)."""
    from reportgen.engine.files import png_bytes, write_bytes
    from reportgen.report.assets import dark_name

    paths = [Path(path), Path(dark_name(path))]
    for p in paths:
        write_bytes(p, png_bytes(np.zeros((1, 1), np.uint8)))
    return paths


def tiny_page(tmp_path: Path, npz_path: Path, *, title="Mr. Glassy the Bot",
              description="NN for Handwritten digit recognition.", log_extra=(), draw=False):
    """(options, PageContext) of a page with every section, built from a tiny dataset
    with a fake model whose only wrong prediction is test image 0 and a fake previous
    model that got image 1 wrong instead; every referenced image exists. The charts are
    1x1 placeholders (fast; the gallery and pipeline tests draw real ones), unless
    draw=True."""
    import contextlib
    from unittest import mock

    from reportgen.analysis import calibration, changes, label_errors
    from reportgen.report.charts.reliability import write_reliability

    ds = load_dataset(npz_path)
    opts = Options(site_dir=tmp_path / "site", title=title, description=description,
                   sample_per_class=2)
    sample = publish_sample(ds, opts.assets_dir, 2, 0)
    probs = fake_probs(ds.y_test, {0: (int(ds.y_test[0]) + 1) % 10})
    before = fake_probs(ds.y_test, {1: (int(ds.y_test[1]) + 2) % 10})
    charts = contextlib.nullcontext() if draw else contextlib.ExitStack()
    if not draw:
        for module in ("gallery", "reliability"):
            charts.enter_context(mock.patch(f"reportgen.report.charts.{module}.write_chart",
                                            _placeholder_charts))
    meta = fake_meta(log=log_extra)
    with charts:
        gallery, _ = write_gallery(ds.x_test, ds.y_test, probs, opts.assets_dir, opts.url,
                                   epochs=2, info=ds.info, y_train=ds.y_train,
                                   train_probs=fake_probs(ds.y_train, {}))
        cal, _ = write_reliability(calibration.calibration(ds.y_test, probs), meta,
                                   opts.assets_dir / assets.CALIBRATION_DIR, opts.url, ds.info)
    suspects = label_errors.suspected_label_errors(ds.y_test, probs)
    suspects.files = [assets.thumbnail_name(g, i, p) for i, g, p in
                      zip(suspects.indices, suspects.given, suspects.predicted, strict=True)]
    assets.write_thumbnails(ds.x_test, zip(suspects.indices, suspects.files, strict=True),
                            opts.assets_dir / assets.LABEL_ERRORS_DIR)
    suspects.sheet = opts.url(assets.write_sheet(
        ds.x_test, suspects.indices, opts.assets_dir / assets.LABEL_ERRORS_DIR))
    ch = changes.compare(ds.y_test, before, probs, previous="models/mnist-1-90.00.keras",
                         current="model.keras")
    for which in ("fixed", "new"):
        for c in getattr(ch, which):
            c.file = assets.thumbnail_name(c.label, c.index, c.now)
        folder = opts.assets_dir / assets.CHANGES_DIR / which
        assets.write_thumbnails(ds.x_test, [(c.index, c.file) for c in getattr(ch, which)],
                                folder)
        ch.sheets[which] = opts.url(assets.write_sheet(
            ds.x_test, [c.index for c in getattr(ch, which)], folder))
    rob, rob_files = robustness_for(ds, probs, meta, opts, draw)
    ch.robustness = changes.robustness_changes(
        dataclasses.replace(rob, corruptions=[dataclasses.replace(c, accuracy=c.accuracy / 2)
                                              for c in rob.corruptions]), rob)
    history = [HistoryRow("mlp", 1, 0, 0.9, 2, "2026-01-01T00:00:00", "mnist-1-90.00.keras"),
               HistoryRow("mlp", 2, 0, 0.95, 1, "2026-01-02T00:00:00", "model.keras", True)]
    results = {
        "sample": Sample(2, 0, {s: {str(d): v for d, v in sample[s].items()} for s in sample},
                         {s: opts.url(assets.write_sheet(
                             ds.split(s)[0], [int(n[:5]) for d in sorted(sample[s])
                                              for n in sample[s][d]],
                             opts.assets_dir / s)) for s in sample}),
        "class_counts": ClassCounts(ds.digest, ds.class_counts("train"), ds.class_counts("test"),
                                    None),
        "train": ModelRef("model.keras", meta), "gallery": gallery, "calibration": cal,
        "label_errors": suspects, "changes": ch, "robustness": rob}
    ctx = page_context(results, PageText(title, description),
                       PageEnv(ds.info, opts.assets_url, opts.thumb_size, history))
    return opts, ctx


def robustness_for(ds, probs, meta, opts, draw=False):
    """The Robustness record of a fake model that reads an image as its label when at most
    a third of the image differs from the clean one and as 0 otherwise (so corruptions
    cost it accuracy), with its files written (the chart a placeholder unless draw)."""
    from unittest import mock

    from reportgen.report.charts.robustness import measure_robustness, write_robustness

    x = ds.x_test

    def predict(xc):
        changed = (np.abs(xc.astype(int) - x.astype(int)) > 64).mean(axis=(1, 2)) > 1 / 3
        digits = np.where(changed, 0, probs.argmax(axis=1))
        return np.eye(10, dtype=np.float32)[digits]

    clean = float((probs.argmax(axis=1) == ds.y_test).mean())
    rob, samples = measure_robustness(x, ds.y_test, clean, predict, model_sha256=meta.sha256)
    patch = (mock.patch("reportgen.report.charts.robustness.write_chart", _placeholder_charts)
             if not draw else contextlib.nullcontext())
    with patch:
        return write_robustness(rob, x[rob.sample_index], samples, meta,
                                opts.assets_dir / assets.ROBUSTNESS_DIR, opts.url, ds.info)


def seed_probabilities(models_dir: Path, meta: ModelMeta, ds, test_probs, train_probs=None):
    """Write a fake model's probabilities into the store's cache
    (``<models>/cache/<sha256>-<scaling>[.train][.<view>].probs.npz``), so stages that need
    them run without TensorFlow. The test images' shifted views (models.tta) get the test
    probabilities: the fake model is not moved by a 1-px shift."""
    from reportgen.engine.files import write_bytes
    from reportgen.models.store import _npz_bytes, foreign_cache_path
    from reportgen.models.tta import SHIFTS, view_name

    views = [("test", test_probs, ""), ("train", train_probs, "")]
    views += [("test", test_probs, view_name(s)) for s in SHIFTS]
    for split, probs, view in views:
        if probs is None:
            probs = fake_probs(ds.y_train, {})
        write_bytes(foreign_cache_path(models_dir, meta.sha256, meta.input_scaling, split,
                                       view), _npz_bytes(probs, ds.digest))


def fake_run(opts: Options, meta: ModelMeta | None = None, wrong: dict[int, int] | None = None):
    """A report.run.Run on ``opts``'s site whose page model is a fake (``meta``, default
    fake_meta(); file ``<models>/m.keras``, which does not exist) with cached probabilities
    (right everywhere but ``wrong`` {test index: predicted}): the registry's stages run on it
    without TensorFlow. The train stage is not run: its result is set."""
    from reportgen.report.run import Run
    from reportgen.report.site import open_site

    site, state = open_site(opts.site_dir, opts.page or "glassy")
    run = Run(opts, site, state)
    meta = meta or fake_meta()
    k = run.ds.info.n_classes
    seed_probabilities(opts.models_dir, meta, run.ds, fake_probs(run.ds.y_test, wrong or {}, k),
                       fake_probs(run.ds.y_train, {}, k))
    run.results["train"] = ModelRef(str(opts.models_dir / "m.keras"), meta)
    return run


#: Runs stages of a copy of the package on a tiny dataset (tests/report/test_code_keys.py,
#: test_toy_section.py): {plan} is a Python expression of the stages, S the registry.
_COPY_SCRIPT = """
import json, sys
from pathlib import Path
from reportgen.options import Options
from reportgen.pipeline import run_stages
from reportgen.records import ModelFigures
from reportgen.report import stages as S
from tests.helpers import fake_run

root = Path(sys.argv[1])
opts = Options(dataset=root / "tiny.npz", site_dir=root / "site", models_dir=root / "models",
               export_dir=root / "export", log_file=root / "tune.log", sample_per_class=1)
run = fake_run(opts, wrong={{0: 3}})
run.results["model_figures"] = ModelFigures()
run_stages(run, tuple({plan}))
import reportgen
print(json.dumps({{"ran": sorted(run.site.ran), "stages": [s.name for s in S.STAGES],
                  "package": reportgen.__file__}}))
"""


def run_in_copy(pkg_parent: Path, root: Path, plan: str) -> dict:
    """Run the stages ``plan`` (an expression over ``S``, report.stages) with the package
    found in ``pkg_parent`` (a copy), in a subprocess, on ``root``'s tiny.npz. Returns
    {"ran": stages that ran, "stages": the registry's, "package": the package's file}."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    out = subprocess.run([sys.executable, "-c", _COPY_SCRIPT.format(plan=plan), str(root)],
                         capture_output=True, text=True, timeout=300, cwd=root,
                         env=os.environ | {"PYTHONPATH": f"{pkg_parent}{os.pathsep}{ROOT}"})
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])
