"""Predict the class of a user's own images with a model: read and normalised as the
dataset's card says (data.images.preprocess), fed as the model needs (models.io)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..analysis.calibration import temperature_scaled
from ..data.card import BUILTIN_INFO, DatasetInfo
from ..data.images import collect_images, label_of, load_ink, preprocess, style_notes
from ..errors import ImageError
from .io import load

#: An answer whose calibrated probability (temperature scaling) is below this is flagged
#: "low confidence": on the embedded dataset's test split the page's models (MLP 98.49%,
#: T 1.45; CNN 99.49%, T 1.11) are right only 54% and 65% of the time below 70% (175 and 66
#: of 10,000 answers), and 99.3% and 99.7% of the time from 70% up. (Uncalibrated, the
#: threshold was 80%: 168 and 95 answers, right 56% and 66% of the time.)
LOW_CONFIDENCE = 0.7


@dataclass
class Prediction:
    """One image's outcome: path, label (None when unknown), predicted class, probability,
    runner-up class and its probability, style (how the image is far from the dataset's style:
    data.images.style_notes); error is set (and the rest None) when the image could not be
    read."""

    path: Path
    label: int | None = None
    predicted: int | None = None
    probability: float | None = None
    runner_up: int | None = None
    runner_up_probability: float | None = None
    error: str | None = None
    style: list[str] = field(default_factory=list)

    @property
    def low_confidence(self) -> bool | None:
        """True when the probability of the answer is below LOW_CONFIDENCE (None: no
        answer)."""
        return None if self.probability is None else self.probability < LOW_CONFIDENCE

    @property
    def correct(self) -> bool | None:
        if self.label is None or self.predicted is None:
            return None
        return self.label == self.predicted

    def to_json(self) -> dict:
        d = {k: getattr(self, k) for k in ("label", "predicted", "probability", "runner_up",
                                           "runner_up_probability", "error")}
        return {"path": str(self.path), **d, "correct": self.correct,
                "low_confidence": self.low_confidence, "style_notes": list(self.style)}


def preprocess_files(files: list[Path], naive: bool = False, info: DatasetInfo = BUILTIN_INFO,
                     ) -> tuple[np.ndarray, list[Prediction]]:
    """Load and preprocess each file as the dataset ``info`` describes (data.images.
    preprocess). Returns (uint8 (k, *info.image_shape) of the readable ones, one
    Prediction per file in order, with .error set for the unreadable)."""
    arrays, preds = [], []
    for f in files:
        pred = Prediction(path=Path(f), label=label_of(f, info))
        try:
            ink = load_ink(f)
            arrays.append(preprocess(ink, info, naive))
            pred.style = style_notes(ink) if info.preprocessing == "mnist-box" else []
        except ImageError as exc:
            pred.error = str(exc) if str(exc).startswith(str(f)) else f"{f}: {exc}"
        preds.append(pred)
    x = np.stack(arrays) if arrays else np.zeros((0, *info.image_shape), dtype=np.uint8)
    return x, preds


def fill_predictions(preds: list[Prediction], probs: np.ndarray) -> list[Prediction]:
    """Set predicted / probability / runner-up of the readable predictions from probs
    (float (k, n_classes), one row per prediction without error, in order)."""
    rows = iter(probs)
    for p in preds:
        if p.error:
            continue
        row = next(rows)
        order = np.argsort(row)[::-1]
        p.predicted, p.probability = int(order[0]), float(row[order[0]])
        p.runner_up, p.runner_up_probability = int(order[1]), float(row[order[1]])
    return preds


def predict_files(model_path: Path, inputs: list[Path], naive: bool = False,
                  scaling: str = "auto", info: DatasetInfo = BUILTIN_INFO,
                  temperature: float | Callable[[], float] = 1.0,
                  ) -> tuple[list[Prediction], list[str]]:
    """Predict every image in ``inputs`` (files or folders) with the model at
    ``model_path`` (fed as model_io describes, with ``scaling``) of the dataset ``info``
    describes, its probabilities through ``temperature`` (analysis.calibration; 1: as the
    model outputs them; a function: asked only when some image is readable). Returns
    (predictions in order, problems with inputs). Unreadable images are predictions with
    .error set; the others are still predicted."""
    files, problems = collect_images(inputs)
    x, preds = preprocess_files(files, naive=naive, info=info)
    if len(x):
        probs = load(model_path, info).predict(x, scaling)
        t = temperature() if callable(temperature) else temperature
        fill_predictions(preds, temperature_scaled(probs, t))
    return preds, problems


def accuracy(preds: list[Prediction]) -> tuple[int, int]:
    """(correct, labelled and predicted) over the predictions."""
    judged = [p for p in preds if p.correct is not None]
    return sum(p.correct for p in judged), len(judged)


@dataclass
class PredictReport:
    """``reportgen predict``'s outcome: the model used, one Prediction per image file,
    problems (one line per unreadable or missing input), the page rewritten (or None) and
    the dataset's record (class names: ``to_json`` adds ``label_name``, ``predicted_name``,
    ``runner_up_name``)."""

    model: Path
    predictions: list[Prediction]
    problems: list[str]
    page: Path | None = None
    #: the dataset's record: the class names answers are given in
    info: DatasetInfo = BUILTIN_INFO

    @property
    def predicted(self) -> list[Prediction]:
        return [p for p in self.predictions if not p.error]

    @property
    def correct(self) -> int:
        return accuracy(self.predictions)[0]

    @property
    def total(self) -> int:
        return accuracy(self.predictions)[1]

    def to_json(self) -> dict:
        named = [p.to_json() | {f"{k}_name": self.info.class_name(getattr(p, k))
                                for k in ("label", "predicted", "runner_up")
                                if getattr(p, k) is not None}
                 for p in self.predictions]
        return {"model": str(self.model), "predictions": named,
                "problems": self.problems,
                "accuracy": self.correct / self.total if self.total else None}
