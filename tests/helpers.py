"""Helpers shared by the tests: the CLI runner fixture, one-line-error checks, option and
page builders on tiny synthetic data (no TensorFlow), file snapshots."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from reportgen.dataset import load_dataset
from reportgen.export import publish_sample
from reportgen.gallery import write_gallery
from reportgen.options import Options
from reportgen.page import ModelMeta, ModelRef, page_context
from reportgen.plotting import write_chart

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


def fake_probs(y, wrong: dict[int, int]) -> np.ndarray:
    """Probabilities (n, 10): 0.91 on the label, except rows in ``wrong`` {index: predicted}."""
    probs = np.full((len(y), 10), 0.01, dtype=np.float32)
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
    from reportgen.fsutil import png_bytes, write_bytes
    from reportgen.plotting import dark_name

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

    from reportgen import calibration, changes, label_errors
    from reportgen.page import HistoryRow

    ds = load_dataset(npz_path)
    opts = Options(site_dir=tmp_path / "site", title=title, description=description,
                   sample_per_class=2)
    sample = publish_sample(ds, opts.assets_dir, 2, 0)
    probs = fake_probs(ds.y_test, {0: (int(ds.y_test[0]) + 1) % 10})
    before = fake_probs(ds.y_test, {1: (int(ds.y_test[1]) + 2) % 10})
    charts = (contextlib.nullcontext() if draw
              else mock.patch("reportgen.gallery.write_chart", _placeholder_charts))
    with charts:
        gallery, _ = write_gallery(ds.x_test, ds.y_test, probs, opts.assets_dir, opts.url,
                                   epochs=2, y_train=ds.y_train,
                                   train_probs=fake_probs(ds.y_train, {}))
    cal = calibration.calibration(ds.y_test, probs)
    (write_chart if draw else _placeholder_charts)(
        opts.assets_dir / "calibration" / "reliability.png", _reliability, cal)
    cal.reliability_png = opts.url(opts.assets_dir / "calibration" / "reliability.png")
    suspects, _ = label_errors.suspected_label_errors(ds.x_test, ds.y_test, probs,
                                                      opts.assets_dir)
    ch = changes.compare(ds.y_test, before, probs, previous="models/mnist-1-90.00.keras",
                         current="model.keras")
    changes.write_change_thumbnails(ds.x_test, ch, opts.assets_dir)
    meta = fake_meta(log=log_extra)
    history = [HistoryRow("mlp", 1, 0, 0.9, 2, "2026-01-01T00:00:00", "mnist-1-90.00.keras"),
               HistoryRow("mlp", 2, 0, 0.95, 1, "2026-01-02T00:00:00", "model.keras", True)]
    ctx = page_context(ds, opts, sample={s: {str(d): v for d, v in sample[s].items()}
                                         for s in sample},
                       model=ModelRef("model.keras", meta), gallery=gallery,
                       calibration=cal, label_errors=suspects, changes=ch, history=history)
    return opts, ctx


def _reliability(cal):
    from reportgen.plotting import reliability_figure

    return reliability_figure(cal.accuracy, cal.confidence, cal.counts, cal.ece, cal.n_bins,
                              cal.bins)
