"""Load any model a user brings (.keras, .h5, a TensorFlow SavedModel folder) and feed it
the dataset's images the way it was trained.

Inputs: uint8 (n, h, w) or (n, h, w, 3), the dataset's (data.card.DatasetInfo). The
model's input shape decides the layout: the image shape as is, (h, w, 1) with a channel
axis for grey images, or flattened (h * w * channels,); anything else is a ModelError.
``input_scaling`` decides the values:

* ``raw``: the uint8 pixels as they are (the model scales them itself);
* ``unit``: x / 255, as seeds 003 and 004 trained;
* ``keras-normalize``: ``tf.keras.utils.normalize(x, axis=1)``, as the original page's
  notebooks trained (each image's columns scaled to unit L2 norm along axis 1);
* ``auto``: raw when the model has a Rescaling or Normalization layer, unit otherwise
  (a SavedModel's layers cannot be seen: unit).

Outputs that are not probabilities (a row not summing to 1, or negative values: logits)
get a softmax.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..data.card import DatasetInfo
from ..errors import ModelError
from .kinds import quiet_tensorflow

SCALINGS = ("auto", "raw", "unit", "keras-normalize")
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")
SAVED_MODEL_NOTE = "(a TensorFlow SavedModel: Keras cannot show its summary or diagram)"


@dataclass
class LoadedModel:
    """A model ready to predict a dataset's images. keras_model: the Keras model (None for
    a SavedModel); call: function float/uint8 array -> array; input_shape: without the
    batch axis; scales_itself: it has a Rescaling/Normalization layer; n_classes: the
    probabilities it must output per image (None: not known, any number)."""

    path: Path
    call: Any
    input_shape: tuple
    scales_itself: bool
    keras_model: Any = None
    n_classes: int | None = None

    def resolve_scaling(self, scaling: str) -> str:
        """``auto`` -> raw or unit (see the module docstring); others unchanged."""
        if scaling not in SCALINGS:
            raise ModelError(f"--input-scaling {scaling!r}: expected one of {', '.join(SCALINGS)}")
        if scaling != "auto":
            return scaling
        return "raw" if self.scales_itself else "unit"

    def predict(self, x: np.ndarray, scaling: str, batch_size: int = 1024) -> np.ndarray:
        """Probabilities float32 (n, n_classes) for uint8 images x (n, h, w) or (n, h, w, 3)
        (laid out as the model's input shape)."""
        scaling = self.resolve_scaling(scaling)
        xs = scale(x, scaling)
        if xs.shape[1:] != tuple(self.input_shape):
            xs = xs.reshape(len(xs), *self.input_shape)
        k = self.n_classes
        out = [np.asarray(self.call(xs[i:i + batch_size]), dtype=np.float32)
               for i in range(0, len(xs), batch_size)] or [np.zeros((0, k or 0), np.float32)]
        probs = np.concatenate(out)
        if probs.ndim != 2 or (k is not None and probs.shape[1] != k):
            raise ModelError(f"{self.path}: model outputs shape {probs.shape[1:]}, expected "
                             f"({k},) class probabilities")
        return to_probabilities(probs)


def scale(x: np.ndarray, scaling: str) -> np.ndarray:
    """uint8 images (n, h, w[, 3]) -> the model's input values (see the module docstring)."""
    if scaling == "raw":
        return x
    if scaling == "unit":
        return x.astype(np.float32) / 255.0
    if scaling == "keras-normalize":
        return np.asarray(quiet_tensorflow().utils.normalize(x.astype(np.float32), axis=1),
                          dtype=np.float32)
    raise ModelError(f"input scaling {scaling!r}: expected one of {', '.join(SCALINGS[1:])}")


def to_probabilities(out: np.ndarray) -> np.ndarray:
    """Rows that are already probabilities stay; logits (negative values or rows not
    summing to 1 within 1e-3) get a numerically stable softmax."""
    if len(out) and (out.min() < 0 or np.abs(out.sum(axis=1) - 1).max() > 1e-3):
        e = np.exp(out - out.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
    return out


def load(path: Path, info: DatasetInfo | None = None) -> LoadedModel:
    """Load a .keras or .h5 file or a SavedModel folder (through Keras 3's TFSMLayer), to
    predict the images of the dataset ``info`` describes (None: the model is not fed here,
    e.g. for its diagram, so its input and output shapes are not checked). Raises
    ModelError (one line) for a missing, foreign, truncated or corrupt model, or an input
    shape that is none of :func:`input_shapes`."""
    path = Path(path)
    if path.is_dir():
        if not (path / "saved_model.pb").is_file():
            raise ModelError(f"{path}: a folder, but not a TensorFlow SavedModel (no "
                             "saved_model.pb)")
        return _load_saved_model(path, info)
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    if path.suffix.lower() not in MODEL_SUFFIXES:
        raise ModelError(f"{path}: not a Keras model file (expected "
                         f"{', '.join(MODEL_SUFFIXES)} or a SavedModel folder)")
    if path.suffix.lower() == ".keras" and not zipfile.is_zipfile(path):
        raise ModelError(f"{path}: not a valid .keras file (truncated or corrupt)")
    keras = quiet_tensorflow()
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:  # keras raises many types for a bad file
        raise ModelError(f"{path}: cannot load model ({_first_line(exc)})") from None
    shape = _check_shape(path, tuple(model.input_shape)[1:], info)
    scales = any(type(layer).__name__ in ("Rescaling", "Normalization")
                 for layer in _all_layers(model))
    # predict_on_batch: the caller batches; Model.predict's per-call set-up cost 8x more
    return LoadedModel(path, model.predict_on_batch, shape, scales, model,
                       info.n_classes if info else None)


def _load_saved_model(path: Path, info: DatasetInfo | None) -> LoadedModel:
    keras = quiet_tensorflow()
    import tensorflow as tf

    try:
        sig = tf.saved_model.load(str(path)).signatures["serving_default"]
        spec = next(iter(sig.structured_input_signature[1].values()))
        layer = keras.layers.TFSMLayer(str(path), call_endpoint="serving_default")
    except Exception as exc:  # noqa: BLE001 - TensorFlow raises many types
        raise ModelError(f"{path}: cannot load SavedModel ({_first_line(exc)})") from None
    shape = _check_shape(path, tuple(spec.shape)[1:], info)
    dtype = spec.dtype.as_numpy_dtype

    def call(xs):
        out = layer(tf.constant(np.asarray(xs, dtype=dtype)))
        return next(iter(out.values())) if isinstance(out, dict) else out

    return LoadedModel(path, call, shape, False, n_classes=info.n_classes if info else None)


def input_shapes(info: DatasetInfo) -> tuple[tuple[int, ...], ...]:
    """The input shapes (without the batch axis) a model of the dataset ``info`` may take:
    its image shape, (h, w, 1) for grey images, and the image flattened."""
    h, w, c = info.height, info.width, info.channels
    return (info.image_shape, *([(h, w, 1)] if c == 1 else []), (h * w * c,))


def _check_shape(path: Path, shape: tuple, info: DatasetInfo | None) -> tuple:
    if info is None:  # not fed here (its diagram, its summary): any input shape
        return shape
    shapes = input_shapes(info)
    if shape not in shapes:
        raise ModelError(f"{path}: model takes input shape {shape}; reportgen feeds "
                         f"{info.name} images as {', '.join(map(str, shapes))}")
    return shape


def _all_layers(model):
    for layer in getattr(model, "layers", []):
        yield layer
        yield from _all_layers(layer)


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
