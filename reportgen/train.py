"""Train and evaluate the original project's MLP; save it with its metadata and test probabilities.

Model (the original's): Flatten(28x28) -> Dense(128, relu) -> Dense(128, relu) ->
Dense(10, softmax), Adam, sparse categorical cross-entropy. Unlike the original, scaling to
[0, 1] is a layer *inside* the model (Rescaling(1/255)), so the saved model takes raw uint8
images, the same at training and at inference time.

TensorFlow is imported inside the functions that need it, so importing this module is cheap.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from .dataset import Dataset
from .errors import ModelError
from .fsutil import relpath, sha256_file, write_bytes, write_text

MODEL_KIND = "mlp-128-128"

#: The default recipe (README "Training recipe" has the measurements behind it): batch 128
#: instead of Keras' 32 cuts the steps per epoch by 4; a higher Adam learning rate with
#: cosine decay to 0 converges in few epochs.
RECIPE = {"batch_size": 128, "learning_rate": 0.002, "lr_decay": "cosine", "version": 2}
DEFAULT_EPOCHS = 6


@dataclass(frozen=True)
class TrainResult:
    """model_path: the .keras file; meta: its metadata (see :func:`load_meta`);
    reused: True when an existing model with the same key was taken instead of training."""

    model_path: Path
    meta: dict
    reused: bool


def model_key(ds_digest: str, epochs: int, seed: int, recipe: dict | None = None) -> dict:
    """What determines a trained model: dataset digest, model kind, epochs, seed, recipe."""
    return {"dataset_digest": ds_digest, "kind": MODEL_KIND, "epochs": int(epochs),
            "seed": int(seed), "recipe": dict(recipe or RECIPE)}


def meta_path(model_path: Path) -> Path:
    """``mnist-4-97.53.keras`` -> ``mnist-4-97.53.json`` (metadata beside the model)."""
    return Path(model_path).with_suffix(".json")


def probs_path(model_path: Path) -> Path:
    """``mnist-4-97.53.keras`` -> ``mnist-4-97.53.probs.npz``: the cache of test-set
    probabilities (float32 (n_test, 10)) with the digest of the dataset they belong to."""
    return Path(model_path).with_suffix(".probs.npz")


def log_line(message: str, when: datetime | None = None) -> str:
    """One line of the original's log format: ``[YYYY-MM-DD HH:MM:SS] message``."""
    return f"[{(when or datetime.now()).strftime('%Y-%m-%d %H:%M:%S')}] {message}"


def append_log(log_path: Path | None, lines: list[str]) -> None:
    """Append ``lines`` to the log file (``logs/tune.log``), creating its folder."""
    if not log_path or not lines:
        return
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def find_model(models_dir: Path, key: dict) -> Path | None:
    """The newest model in ``models_dir/<epochs>/`` whose metadata has ``key`` and whose file
    hash still matches, or None."""
    folder = Path(models_dir) / str(key["epochs"])
    found = []
    for mp in sorted(folder.glob("mnist-*.json")):
        try:
            meta = json.loads(mp.read_text())
        except (OSError, ValueError):
            continue
        model = mp.with_suffix(".keras")
        if (meta.get("key") == key and model.is_file() and probs_path(model).is_file()
                and meta.get("sha256") == sha256_file(model)):
            found.append((meta.get("trained_at", ""), model))
    return max(found)[1] if found else None


def load_meta(model_path: Path) -> dict:
    """Metadata of a model saved by :func:`train_model`: key, test_loss, test_accuracy (0-1),
    wrong_count, log lines, summary text, train seconds, sha256. Raises ModelError when missing."""
    try:
        return json.loads(meta_path(model_path).read_text())
    except FileNotFoundError:
        raise ModelError(f"{meta_path(model_path)}: no metadata beside the model") from None
    except ValueError as exc:
        raise ModelError(f"{meta_path(model_path)}: unreadable metadata ({exc})") from None


def _quiet_tensorflow() -> None:
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def build_model(learning_rate: float = 0.001, decay_steps: int | None = None):
    """The original's MLP with a Rescaling(1/255) input layer; takes uint8 (n, 28, 28)."""
    _quiet_tensorflow()
    import keras

    inputs = keras.Input(shape=(28, 28), dtype="uint8", name="digits")
    x = keras.layers.Rescaling(1.0 / 255, name="scale_0_1")(inputs)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(128, activation="relu", name="hidden_1")(x)
    x = keras.layers.Dense(128, activation="relu", name="hidden_2")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="digit_probabilities")(x)
    model = keras.Model(inputs, outputs, name="glassy")
    lr = learning_rate
    if decay_steps:
        lr = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps)
    model.compile(optimizer=keras.optimizers.Adam(lr),
                  loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=["accuracy"])
    return model


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow and make TensorFlow ops deterministic."""
    _quiet_tensorflow()
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def model_summary(model) -> str:
    """Keras' model.summary() as plain text."""
    lines: list[str] = []
    model.summary(print_fn=lambda s, **_: lines.append(s), line_length=80)
    return "\n".join(lines).rstrip()


def predict_probabilities(model, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """Softmax probabilities, float32 (n, 10), for uint8 images x (n, 28, 28)."""
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0), dtype=np.float32)


def evaluate_probabilities(probs: np.ndarray, y: np.ndarray) -> tuple[float, float, int]:
    """(loss, accuracy 0-1, wrong count) of probabilities (n, 10) against labels (n,).

    loss is the mean sparse categorical cross-entropy, probabilities clipped to [1e-7, 1]
    as Keras does."""
    p = np.clip(probs[np.arange(len(y)), y.astype(np.int64)], 1e-7, 1.0)
    wrong = int(np.count_nonzero(probs.argmax(axis=1) != y))
    return float(-np.log(p).mean()), 1.0 - wrong / len(y), wrong


def load_model(model_path: Path):
    """Load a .keras model; raises ModelError with one line when it cannot be read."""
    model_path = Path(model_path)
    if not model_path.is_file():
        raise ModelError(f"{model_path}: no such model file")
    _quiet_tensorflow()
    import keras

    try:
        return keras.models.load_model(model_path)
    except Exception as exc:  # keras raises many types for a bad file
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelError(f"{model_path}: cannot load model ({msg})") from None


def train_model(ds: Dataset, models_dir: Path, *, epochs: int = DEFAULT_EPOCHS, seed: int = 0,
                log_path: Path | None = None, retrain: bool = False,
                recipe: dict | None = None,
                on_epoch: Callable[[int, int, dict], None] | None = None) -> TrainResult:
    """Train the MLP on ``ds`` (or reuse a model with the same key), evaluate it on the test
    split and save ``<models_dir>/<epochs>/mnist-<epochs>-<acc>.keras`` (acc: test accuracy in
    percent, two decimals, as the original), with metadata (``.json``) and the test-set
    probabilities (``.probs.npy``) beside it. Appends the original log lines to ``log_path``.

    on_epoch(epoch, epochs, logs) is called after each epoch. Raises ValueError if epochs < 1.
    """
    if epochs < 1:
        raise ValueError("epochs must be at least 1")
    recipe = dict(recipe or RECIPE)
    key = model_key(ds.digest, epochs, seed, recipe)
    if not retrain and (found := find_model(models_dir, key)):
        return TrainResult(found, load_meta(found), True)

    _quiet_tensorflow()
    import keras

    log = [log_line(f"Training with EPOCHS={epochs}")]
    append_log(log_path, log)
    seed_everything(seed)
    steps = epochs * int(np.ceil(len(ds.y_train) / recipe["batch_size"]))
    model = build_model(recipe["learning_rate"],
                        steps if recipe.get("lr_decay") == "cosine" else None)
    callbacks = []
    if on_epoch:
        callbacks.append(keras.callbacks.LambdaCallback(
            on_epoch_end=lambda e, logs: on_epoch(e + 1, epochs, dict(logs or {}))))
    t0 = time.perf_counter()
    model.fit(ds.x_train, ds.y_train, epochs=epochs, batch_size=recipe["batch_size"],
              shuffle=True, verbose=0, callbacks=callbacks)
    train_s = time.perf_counter() - t0
    probs = predict_probabilities(model, ds.x_test)
    loss, acc, wrong = evaluate_probabilities(probs, ds.y_test)
    n = len(ds.y_test)
    model_path = Path(models_dir) / str(epochs) / f"mnist-{epochs}-{acc * 100:.2f}.keras"
    model_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = model_path.with_name(f".{model_path.stem}.tmp.keras")
    model.save(tmp)
    tmp.replace(model_path)
    write_bytes(probs_path(model_path), _npz_bytes(probs, ds.digest), if_changed=False)
    lines = [
        log_line(f"Loss: {loss:.4f}, Accuracy: {acc * 100:.2f}%"),
        log_line(f"Finished training with EPOCHS={epochs}"),
        log_line(f"Model saved to path '{relpath(model_path)}'"),
        log_line(f"False predictions: {wrong:,}/{n:,}"),
        log_line(f"True predictions: {n - wrong:,}/{n:,}"),
    ]
    append_log(log_path, lines)
    meta = {"key": key, "kind": MODEL_KIND, "epochs": epochs, "seed": seed,
            "test_loss": round(loss, 6), "test_accuracy": round(acc, 6), "wrong_count": wrong,
            "train_seconds": round(train_s, 3), "trained_at": datetime.now().isoformat(),
            "log": log + lines, "summary": model_summary(model),
            "sha256": sha256_file(model_path)}
    write_text(meta_path(model_path), json.dumps(meta, indent=1), if_changed=False)
    return TrainResult(model_path, meta, False)


def _npz_bytes(probs: np.ndarray, ds_digest: str) -> bytes:
    import io

    buf = io.BytesIO()
    np.savez(buf, probs=probs, digest=np.array(ds_digest))
    return buf.getvalue()


def load_probabilities(model_path: Path, ds: Dataset) -> np.ndarray:
    """Test-set probabilities (float32 (n_test, 10)) of a model on ``ds``: the cached
    ``.probs.npz`` when it belongs to this dataset, else computed with TensorFlow and cached.
    Raises ModelError when the model cannot be loaded or does not output 10 classes."""
    cache = probs_path(model_path)
    try:
        with np.load(cache, allow_pickle=False) as npz:
            if str(npz["digest"]) == ds.digest and npz["probs"].shape == (len(ds.y_test), 10):
                return npz["probs"]
    except (OSError, KeyError, ValueError):
        pass
    probs = predict_probabilities(load_model(model_path), ds.x_test)
    if probs.ndim != 2 or probs.shape[1] != 10:
        raise ModelError(f"{model_path}: model outputs shape {probs.shape}, expected (n, 10)")
    write_bytes(cache, _npz_bytes(probs, ds.digest), if_changed=False)
    return probs
