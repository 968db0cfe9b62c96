"""Build a page context from a tiny dataset with a fake model result (no TensorFlow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reportgen.dataset import load_dataset
from reportgen.export import publish_sample
from reportgen.gallery import write_gallery
from reportgen.pipeline import Options, page_context

HOSTILE = 'Braces {x} and }{, a <tag> & </div>, :word, `code` ``` and "quotes" \'single\' # | * _'


def tiny_page(tmp_path: Path, npz_path: Path, *, title="Mr. Glassy the Bot",
              description="NN for Handwritten digit recognition.", log_extra=()):
    ds = load_dataset(npz_path)
    site = tmp_path / "site"
    opts = Options(site_dir=site, title=title, description=description, sample_per_class=2)
    sample = publish_sample(ds, opts.assets_dir, 2, 0)
    probs = np.full((len(ds.y_test), 10), 0.01, dtype=np.float32)
    probs[np.arange(len(ds.y_test)), ds.y_test] = 0.9
    probs[0] = 0.01
    probs[0, (int(ds.y_test[0]) + 1) % 10] = 0.9
    g = write_gallery(ds.x_test, ds.y_test, probs, opts.assets_dir, epochs=2, accuracy=0.95)
    meta = {"epochs": 2, "seed": 0, "test_accuracy": 0.95, "test_loss": 0.1234,
            "summary": "Model: \"glassy\"", "key": None,
            "log": ["[2026-01-01 00:00:00] Training with EPOCHS=2", *log_extra]}
    gallery = {"files": {str(d): v for d, v in g.files.items()}, "wrong_count": g.wrong_count,
               "per_class": g.per_class, "metrics": g.metrics,
               "confusion_png": opts.url(g.confusion_png), "log": []}
    ctx = page_context(ds, opts, sample={s: {str(d): v for d, v in sample[s].items()}
                                         for s in sample},
                       meta=meta, gallery=gallery)
    return opts, ctx
