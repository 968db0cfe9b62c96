"""The page's "Extra Custom Test": the user's own images, preprocessed as the dataset's
card says (data.images.preprocess), predicted by the page's model, shown with their
model-size version, a confusion matrix and the original's log lines. Writes into
``<assets>/custom-test/`` (names: report.assets).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ...analysis.calibration import temperature_scaled
from ...analysis.metrics import confusion_matrix
from ...data.card import DatasetInfo
from ...data.images import PREPROCESSINGS, label_of
from ...engine.files import png_bytes, write_bytes
from ...models import tunelog
from ...models.io import load
from ...models.predict import accuracy, fill_predictions, preprocess_files
from ...records import CustomTestResult, ImageCell, ModelMeta
from ..assets import CUSTOM_DIR, custom_confusion_name, custom_image_names
from ..view.accessible import percent
from .heatmap import confusion_matrix_figure
from .plotting import write_chart


def safe_name(path: Path, label_from_parent: bool) -> str:
    """A file stem safe in a URL: letters, digits, ``_`` and ``-``; ``7/a.png`` ->
    ``7-a`` when the label comes from the parent folder."""
    stem = f"{path.parent.name}-{path.stem}" if label_from_parent else path.stem
    return re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_") or "image"


def _thumbnail(path: Path) -> np.ndarray:
    """The user's image as RGB uint8 (h, w, 3), at most 224 px, transparency on white."""
    from PIL import Image

    with Image.open(path) as im:
        im = im.convert("RGBA") if "A" in im.getbands() or im.mode == "P" else im
        thumb = im.convert("RGB") if im.mode != "RGBA" else Image.alpha_composite(
            Image.new("RGBA", im.size, "white"), im).convert("RGB")
        thumb.thumbnail((224, 224), Image.Resampling.LANCZOS)
    return np.asarray(thumb)


def run_custom_test(model_path: Path, meta: ModelMeta, files: list[Path], problems: list[str],
                    assets_dir: Path, url_of: Callable[[Path], str], log_file: Path | None,
                    info: DatasetInfo) -> tuple[CustomTestResult | None, list[Path]]:
    """Predict ``files`` with the model, write each image (``<name>.png``, at most 224 px)
    and its model-size version (``<name>-<h>x<w>.png``, the size of ``info``'s images)
    into ``<assets>/custom-test/``, draw the custom-test confusion matrix when images are
    labelled (see data.images.label_of) and append the original's log lines. problems:
    one line per input that was not found. Returns (result, files written); the result is
    None when no image could be read."""
    x, preds = preprocess_files(files, info=info)
    size = f"{info.height}x{info.width}"
    if len(x):
        fill_predictions(preds, temperature_scaled(
            load(model_path, info).predict(x, meta.input_scaling), meta.temperature or 1.0))
    folder = Path(assets_dir) / CUSTOM_DIR
    written, images, seen, used, xs = [], [], [], set(), iter(x)
    for p in preds:
        if p.error:
            continue
        name = safe_name(p.path, p.label is not None and label_of(p.path.name, info) is None)
        while name in used:
            name += "_"
        used.add(name)
        shown, small = (folder / n for n in custom_image_names(name, info.height, info.width))
        write_bytes(shown, png_bytes(_thumbnail(p.path)))
        write_bytes(small, png_bytes(next(xs)))
        written += [shown, small]
        number = len(images) + 1
        known = f"labelled {info.class_name(p.label)}, " if p.label is not None else ""
        sure = percent(p.probability)
        images.append(ImageCell(
            f"{known}read {info.class_name(p.predicted)} ({sure})",
            f"custom image {number}: {known}the model read {info.class_name(p.predicted)} with "
            f"{sure} confidence",
            url_of(shown), p.correct))
        seen.append(ImageCell(f"custom image {number}, {size}",
                              f"custom image {number} as the model saw it, {size}",
                              url_of(small)))
    judged = [p for p in preds if p.correct is not None]
    correct, total = accuracy(preds)
    log = tunelog.custom_test(meta.epochs, meta.test_accuracy,
                              [(p.predicted, p.label) for p in judged])
    cm_url, counts = None, []
    if total:
        cm = confusion_matrix([p.label for p in judged], [p.predicted for p in judged],
                              info.n_classes)
        cm_path = folder / custom_confusion_name(info.slug, meta.epochs, meta.test_accuracy)
        written += write_chart(cm_path, confusion_matrix_figure, cm,
                               f"Custom test: {correct} of {total} correct", noun=info.noun,
                               names=list(info.classes))
        cm_url = url_of(cm_path)
        counts = cm.tolist()
    tunelog.append_log(log_file, log)
    if not images:
        return None, written
    return CustomTestResult(
        intro=PREPROCESSINGS[info.preprocessing].format(n=len(images), name=info.name,
                                                        h=info.height, w=info.width),
        images=images, preprocessed=seen, correct=correct,
        total=total, accuracy=correct / total if total else 0.0, confusion_png=cm_url,
        confusion=counts,
        problems=problems + [p.error for p in preds if p.error], log=log), written
