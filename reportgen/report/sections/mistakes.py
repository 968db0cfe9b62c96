"""The wrong predictions and the confusion matrices: the gallery of the test split's
mistakes (one row per true class, most confident first), the matrices of both splits,
per-class precision, recall and F1, and the most confused pairs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...analysis.mistakes import MATRIX_CLASSES
from ...engine.files import relpath
from ...engine.manifest import StageOutput
from ...engine.stage import Stage
from ...engine.typed import dump
from ...models import tunelog
from ...records import GalleryResult
from ..assets import WRONG_DIR, parse_thumbnail_name
from ..charts.gallery import TOP_PAIRS, write_gallery
from ..section import PageEnv, Section
from ..view import accessible
from ..view.page import class_images, matrix_props
from ._common import RUN, assets_dir, model_key

if TYPE_CHECKING:
    from ..run import Run


def _gallery(r: Run) -> StageOutput:
    o, ds = r.opts, r.ds
    g, written = write_gallery(ds.x_test, ds.y_test, r.probabilities(r.model), o.assets_dir,
                               o.url, epochs=r.model.meta.epochs, info=ds.info,
                               y_train=ds.y_train,
                               train_probs=r.probabilities(r.model, "train"))
    cm_file = o.site_dir / "static" / g.confusion_png.lstrip("/")
    g.log = tunelog.confusion_saved(relpath(cm_file, o.site_dir))
    tunelog.append_log(o.log_file, g.log)
    return StageOutput(dump(g), written)


GALLERY = Stage("gallery", GalleryResult, inputs=model_key, run=_gallery, out_dir=assets_dir,
                constants=(TOP_PAIRS,), reads=("train",), uses=RUN, order=30)


def _wrong_rows(g: GalleryResult, info) -> list:
    """The gallery's rows, each thumbnail with its accessible name ("test image 8325:
    labelled 0, the model read 6 with 96% confidence") and caption ("→6 96%"), class names
    from ``info`` (report.assets.parse_thumbnail_name reads the file names, here only)."""
    files = g.files if g.shown_per_class is None else {
        d: names[:g.shown_per_class] for d, names in g.files.items()}
    rows = class_images(info, files, g.sheet)
    for row in rows:
        row.labels, row.captions = [], []
        shown = g.confidence.get(row.label, [])[:len(row.files)]
        for name, p in zip(row.files, shown, strict=True):
            _, index, predicted = parse_thumbnail_name(name)
            row.labels.append(accessible.read_as(index, row.name, info.class_name(predicted), p))
            row.captions.append(f"→{info.class_name(predicted)} "
                                f"{accessible.percent(p).replace('over ', '>')}")
    return rows


def _context(results: Mapping[str, Any], env: PageEnv) -> dict:
    g: GalleryResult = results["gallery"]
    return {
        "wrong_count": g.wrong_count, "wrong_classes": _wrong_rows(g, env.info),
        "wrong_shown": g.shown_per_class,
        "wrong_dir": WRONG_DIR, "wrong_files": g.files, "wrong_confidence": g.confidence,
        "confusion": matrix_props(g.confusion, env.info),
        "confusion_png": g.confusion_png, "confusion_csv": g.confusion_csv,
        "confusion_normalized_png": g.confusion_normalized_png,
        "train_confusion": g.train_confusion and matrix_props(g.train_confusion, env.info),
        "train_confusion_png": g.train_confusion_png,
        "train_confusion_normalized_png": g.train_confusion_normalized_png,
        "matrix_classes": MATRIX_CLASSES,
        "pairs": [{"label": c.label, "predicted": c.predicted, "count": c.count,
                   "name": env.info.class_name(c.label),
                   "predicted_name": env.info.class_name(c.predicted)}
                  for c in g.top_confusions],
        "tables": {"metrics": accessible.metrics_table(g.metrics, env.info)}}


def _charts(results: Mapping[str, Any]) -> list[str | None]:
    g: GalleryResult = results["gallery"]
    return [g.confusion_png, g.confusion_normalized_png, g.train_confusion_png,
            g.train_confusion_normalized_png]


SECTION = Section("mistakes", order=20, stages=(GALLERY,), context=_context, charts=_charts)
