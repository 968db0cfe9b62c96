"""Train a model kind of the registry (default: the original project's MLP), evaluate it on
the test split and put it into the model store.

Unlike the original, scaling to [0, 1] is a layer *inside* the model (Rescaling(1/255)), so
the saved model takes raw uint8 images, the same at training and at inference time.
TensorFlow is imported inside the functions that need it, so importing this module is cheap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from ..analysis.metrics import evaluate_probabilities
from ..data.dataset import Dataset
from ..engine.files import relpath
from ..records import ModelMeta
from . import store as model_store
from . import tunelog
from .augment import augmented_batches, augmented_copy, photo_copy
from .io import to_probabilities
from .kinds import get_kind, model_summary, quiet_tensorflow, seed_everything

#: The last 10% of the training split is held out for validation,
#: as Keras' validation_split does and seed 004 did; the model never trains on it.
VALIDATION_SPLIT = 0.1


def validation_start(n_train: int) -> int:
    """Where the validation part begins in a training split of ``n_train`` images: the
    first ``validation_start(n)`` images train the model, the rest validate it."""
    return n_train - int(n_train * VALIDATION_SPLIT)
HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


def _initial(model, ds: Dataset, n_fit: int) -> dict:
    """Loss and accuracy of the untrained model on the training and validation parts."""
    loss, acc = model.evaluate(ds.x_train[:n_fit], ds.y_train[:n_fit], batch_size=2048,
                               verbose=0)
    val_loss, val_acc = model.evaluate(ds.x_train[n_fit:], ds.y_train[n_fit:],
                                       batch_size=2048, verbose=0)
    return {"epoch": 0, "loss": float(loss), "accuracy": float(acc), "val_loss": float(val_loss),
            "val_accuracy": float(val_acc)}


@dataclass(frozen=True)
class TrainResult:
    """model_path: the .keras file in the store; meta: its metadata; reused: True when a
    stored model with the same key was taken instead of training."""

    model_path: Path
    meta: ModelMeta
    reused: bool


#: The fewest optimizer steps an epoch takes: a small dataset trains with smaller batches
#: (at least MIN_BATCH images) rather than one or two steps an epoch.
STEPS_PER_EPOCH = 64
MIN_BATCH = 16


def batch_size_for(recipe_batch: int, n_fit: int) -> int:
    """The batch size a training split of ``n_fit`` images trains with: the recipe's, or
    smaller (down to MIN_BATCH) so an epoch takes STEPS_PER_EPOCH steps. MNIST's 54,000
    images keep the recipe's."""
    return max(MIN_BATCH, min(recipe_batch, n_fit // STEPS_PER_EPOCH))


def train_model(ds: Dataset, models_dir: Path, *, kind: str = "mlp",
                epochs: int | None = None, seed: int = 0, log_path: Path | None = None,
                retrain: bool = False,
                on_epoch: Callable[[int, int, dict], None] | None = None) -> TrainResult:
    """Train ``kind`` on ``ds`` for ``epochs`` (or reuse a stored model with the same key),
    evaluate it on the test split and save it into the store (see model_store) with its
    metadata and test probabilities. Appends the original's log lines to ``log_path``.

    epochs: None = the kind's default (models.kinds.KINDS). on_epoch(epoch, epochs, logs) is
    called after each epoch. Raises ValueError if epochs < 1, ModelError for an unknown
    kind."""
    mk = get_kind(kind)
    epochs = mk.epochs if epochs is None else epochs
    if epochs < 1:
        raise ValueError("epochs must be at least 1")
    n_fit = validation_start(len(ds.y_train))
    batch = batch_size_for(mk.recipe.batch_size, n_fit)
    recipe = mk.recipe.as_dict() | {"batch_size": batch}
    key = model_store.model_key(ds.digest, mk.name, epochs, seed, recipe)
    if not retrain and (found := model_store.find_model(models_dir, key)):
        return TrainResult(found, model_store.load_meta(found), True)

    keras = quiet_tensorflow()
    log = tunelog.training_started(epochs)
    tunelog.append_log(log_path, log)
    seed_everything(seed)
    steps = epochs * int(np.ceil(n_fit / batch))
    model = mk.builder(ds.info, mk.recipe.learning_rate,
                       steps if mk.recipe.lr_decay == "cosine" else None)
    history = [_initial(model, ds, n_fit)]  # epoch 0: the untrained model, as 004 printed
    callbacks = [keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: history.append(
        {"epoch": e + 1, **{k: float(v) for k, v in (logs or {}).items()
                            if k in HISTORY_KEYS}}))]
    if on_epoch:
        callbacks.append(keras.callbacks.LambdaCallback(
            on_epoch_end=lambda e, logs: on_epoch(e + 1, epochs, dict(logs or {}))))
    t0 = time.perf_counter()
    x_fit, y_fit = ds.x_train[:n_fit], ds.y_train[:n_fit]
    validation = (ds.x_train[n_fit:], ds.y_train[n_fit:])
    if mk.recipe.augment and ds.info.kind != "ink":  # a photo: no stroke or ink variation
        x_fit, y_fit = photo_copy(x_fit, y_fit, seed, ds.info.flips)
        model.fit(x_fit, y_fit, epochs=epochs, batch_size=batch, shuffle=True,
                  verbose=0, callbacks=callbacks, validation_data=validation)
    elif mk.recipe.augment and not mk.recipe.augment_once:  # new variations each epoch
        model.fit(augmented_batches(x_fit, y_fit, batch, seed), epochs=epochs,
                  verbose=0, callbacks=callbacks, shuffle=False, validation_data=validation)
    else:
        if mk.recipe.augment:  # the variations drawn once, kept for every epoch
            x_fit, y_fit = augmented_copy(x_fit, y_fit, seed)
        model.fit(x_fit, y_fit, epochs=epochs, batch_size=batch, shuffle=True,
                  verbose=0, callbacks=callbacks, validation_data=validation)
    train_s = time.perf_counter() - t0
    log += tunelog.history(history, epochs)
    tunelog.append_log(log_path, log[1:])
    probs = to_probabilities(np.asarray(model.predict(ds.x_test, batch_size=1024, verbose=0),
                                        dtype=np.float32))
    loss, acc, wrong = evaluate_probabilities(probs, ds.y_test)
    path = model_store.model_path(models_dir, mk.prefix(ds.info), epochs, acc)
    lines = (tunelog.loss_accuracy(loss, acc) + tunelog.training_finished(epochs, relpath(path))
             + tunelog.predictions(wrong, len(ds.y_test)))
    tunelog.append_log(log_path, lines)
    meta = ModelMeta(kind=mk.name, epochs=epochs, seed=seed, test_loss=round(loss, 6),
                     test_accuracy=round(acc, 6), wrong_count=wrong, sha256="",
                     summary=model_summary(model), train_seconds=round(train_s, 3),
                     trained_at=datetime.now().isoformat(), key=key, log=log + lines,
                     history=[{k: round(v, 6) for k, v in h.items()} for h in history])
    model_store.save(model, path, meta, probs, ds.digest)
    return TrainResult(path, meta, False)
