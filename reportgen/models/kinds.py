"""The model kinds reportgen trains (a small registry), their Keras builders, and the
TensorFlow set-up training needs (quiet import, seeding, summary text). Loading and
feeding a model a user brings is models.io.

Each :class:`ModelKind` holds its builder, its default recipe, the code the page shows
(derived from the builder's source, so it cannot drift from what is trained) and a
paragraph describing it. TensorFlow/Keras are imported inside the functions that need
them, so importing this module is cheap.
"""

from __future__ import annotations

import ast
import inspect
import os
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from ..data.card import DatasetInfo
from ..errors import ModelError


def quiet_tensorflow():
    """Import TensorFlow and Keras quietly and return keras. TensorFlow's C++ side prints
    absl's "InitializeLog" warning and oneDNN's notice on stderr while it loads, whatever
    TF_CPP_MIN_LOG_LEVEL says; file descriptor 2 points to /dev/null for the import. Its
    Python logger is set to errors only."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "keras" in sys.modules:
        return sys.modules["keras"]
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            import keras
            import tensorflow as tf
            tf.constant(0)  # the first op logs once more; let it happen now
            # Python-side warnings (tf.function retracing when one process predicts with
            # several models: a site of several pages) are TensorFlow's business, not the
            # user's
            tf.get_logger().setLevel("ERROR")
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    return keras


def compile_adam(model, learning_rate: float, decay_steps: int | None = None):
    """Compile with Adam (cosine decay to 0 over decay_steps when given), sparse categorical
    cross-entropy and accuracy; returns the model."""
    import keras

    lr = learning_rate
    if decay_steps:
        lr = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps)
    model.compile(optimizer=keras.optimizers.Adam(lr),
                  loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=["accuracy"])
    return model


def build_mlp(info: DatasetInfo, learning_rate: float = 0.001, decay_steps: int | None = None):
    """The original project's MLP, its two hidden layers widened from 128 to 384 units, with
    scaling to [0, 1] as its first layer: takes uint8 (n, *info.image_shape); outputs
    float32 (n, info.n_classes) softmax probabilities. With 128 units it read about 81% of non-MNIST
    handwriting (tests/scrawl.py) however it was trained; with 384, about 87% at the same
    MNIST accuracy, still trained in about 0.6x the original recipe's time (README,
    Benchmarks)."""
    import keras

    inputs = keras.Input(shape=info.image_shape, dtype="uint8", name=info.input_name)
    x = keras.layers.Rescaling(1.0 / 255, name="scale_0_1")(inputs)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(384, activation="relu", name="hidden_1")(x)
    x = keras.layers.Dense(384, activation="relu", name="hidden_2")(x)
    outputs = keras.layers.Dense(info.n_classes, activation="softmax", name=info.output_name)(x)
    return compile_adam(keras.Model(inputs, outputs, name="glassy"), learning_rate, decay_steps)


def build_cnn(info: DatasetInfo, learning_rate: float = 0.003, decay_steps: int | None = None):
    """Seed 003's CNN family sized for a CPU: conv blocks with batch normalization, max
    pooling and dropout, scaling as the first layer. Batch normalization's moving
    statistics use momentum 0.9, so they settle within a short training too. Takes uint8
    (n, *info.image_shape); outputs float32 (n, info.n_classes) softmax probabilities."""
    import keras

    layers = keras.layers
    inputs = keras.Input(shape=info.image_shape, dtype="uint8", name=info.input_name)
    x = layers.Rescaling(1.0 / 255, name="scale_0_1")(inputs)
    x = layers.Reshape(info.channel_shape, name="channel")(x)
    x = layers.Conv2D(32, 5, padding="same", use_bias=False, name="conv_1")(x)
    x = layers.BatchNormalization(momentum=0.9, name="bn_1")(x)
    x = layers.Activation("relu", name="relu_1")(x)
    x = layers.MaxPooling2D(name="pool_1")(x)
    x = layers.Conv2D(64, 3, padding="same", use_bias=False, name="conv_2")(x)
    x = layers.BatchNormalization(momentum=0.9, name="bn_2")(x)
    x = layers.Activation("relu", name="relu_2")(x)
    x = layers.MaxPooling2D(name="pool_2")(x)
    x = layers.Dropout(0.25, name="dropout_1")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(128, use_bias=False, name="dense")(x)
    x = layers.BatchNormalization(momentum=0.9, name="bn_3")(x)
    x = layers.Activation("relu", name="relu_3")(x)
    x = layers.Dropout(0.3, name="dropout_2")(x)
    outputs = layers.Dense(info.n_classes, activation="softmax", name=info.output_name)(x)
    return compile_adam(keras.Model(inputs, outputs, name="glassy_cnn"), learning_rate,
                        decay_steps)


@dataclass(frozen=True)
class Recipe:
    """How a kind is trained. batch_size: images per step; learning_rate: Adam's initial
    rate; lr_decay: "cosine" (to 0 over all steps) or None; version: bumped when the
    builder or the augmentation changes, so stored models of the old recipe are not reused;
    augment: vary the training images (models.augment) or not; augment_once: draw the
    variations once and keep them for every epoch (cheaper) instead of anew each epoch."""

    batch_size: int
    learning_rate: float
    lr_decay: str | None
    version: int
    augment: bool = False
    augment_once: bool = False

    @classmethod
    def from_dict(cls, d: dict) -> Recipe:
        """From :meth:`as_dict`'s output (unknown keys ignored; no "augment": False)."""
        return cls(**{k: d.get(k) for k in ("batch_size", "learning_rate", "lr_decay",
                                            "version")}, augment=bool(d.get("augment")),
                   augment_once=bool(d.get("augment_once")))

    def as_dict(self) -> dict:
        return {"batch_size": self.batch_size, "learning_rate": self.learning_rate,
                "lr_decay": self.lr_decay, "version": self.version, "augment": self.augment,
                "augment_once": self.augment_once}

    def text(self) -> str:
        """One sentence for the page, e.g. "Adam, learning rate 0.002 with cosine decay,
        batch size 128, half of each batch augmented"."""
        text = (f"Adam, learning rate {self.learning_rate} with {self.lr_decay or 'no'} "
                f"decay, batch size {self.batch_size}")
        if self.augment:
            from .augment import AUGMENTED_SHARE
            text += (f", {AUGMENTED_SHARE:.0%} of each batch augmented (rotation, zoom, "
                     "shear, shift, stroke width, blur, resolution), the variations drawn "
                     + ("once for all epochs" if self.augment_once else "anew each epoch"))
        return text


@dataclass(frozen=True)
class ModelKind:
    """One entry of the registry. name: the kind ("mlp"); file_prefix: model files are
    ``<prefix>-<epochs>-<acc>.keras`` (None: the dataset's, :meth:`prefix`);
    builder(info, learning_rate, decay_steps) -> compiled Keras model for the dataset
    ``info`` describes; recipe: default recipe; epochs: default epochs; description: how the page
    names it, followed by
    ", trained for 6 epochs …" (e.g. "The original project's multi-layer perceptron")."""

    name: str
    file_prefix: str | None
    builder: Callable
    recipe: Recipe
    description: str
    epochs: int

    def prefix(self, info: DatasetInfo) -> str:
        """The file-name prefix of this kind's models of the dataset ``info``."""
        return self.file_prefix or info.file_prefix or info.slug

    def code(self, epochs: int | None, batch_size: int | None = None,
             info: DatasetInfo | None = None) -> str:
        """The Python the page shows: the sources of compile_adam and the builder (the
        dataset's values written in for ``info.…``: the code as it ran), with an
        augmented recipe those of models.augment's build_augmenter and augmented_batches
        (docstrings removed), and the fit call with this recipe's values."""
        lines = _source(compile_adam) + [""] + _with_values(_source(self.builder), info)
        epochs_text = epochs if epochs else "EPOCHS"
        batch = batch_size or self.recipe.batch_size
        call = f"model = {self.builder.__name__}({self.recipe.learning_rate})"
        if self.recipe.lr_decay == "cosine":
            fitted = "x_fit" if self.recipe.augment else "x_train"
            call = (f"decay_steps = {epochs_text} * math.ceil(len({fitted}) / {batch})  "
                    f"# {self.recipe.lr_decay} decay to 0\n"
                    f"model = {self.builder.__name__}({self.recipe.learning_rate}, decay_steps)")
        fit = f"{call}\nmodel.fit(x_train, y_train, epochs={epochs_text}, batch_size={batch})"
        if self.recipe.augment and info is not None and info.kind != "ink":
            from .augment import build_photo_augmenter, photo_copy

            lines += [""] + _source(build_photo_augmenter) + [""] + _source(photo_copy)
            fit = (f"{call}\n# the last 10% of the training split is held out for validation\n"
                   f"x_aug, y_aug = photo_copy(x_fit, y_fit, flips={info.flips})  "
                   "# the variations drawn once\n"
                   f"model.fit(x_aug, y_aug, epochs={epochs_text}, batch_size={batch}, "
                   "validation_data=(x_val, y_val))")
        elif self.recipe.augment:
            from .augment import augmented_batches, augmented_copy, build_augmenter

            helper = augmented_copy if self.recipe.augment_once else augmented_batches
            lines += [""] + _source(build_augmenter) + [""] + _source(helper)
            held_out = "# the last 10% of the training split is held out for validation\n"
            if self.recipe.augment_once:
                fit = (f"{call}\n{held_out}x_aug, y_aug = augmented_copy(x_fit, y_fit)  "
                       "# the variations drawn once\n"
                       f"model.fit(x_aug, y_aug, epochs={epochs_text}, batch_size={batch}, "
                       "validation_data=(x_val, y_val))")
            else:
                fit = (f"{call}\n{held_out}"
                       f"model.fit(augmented_batches(x_fit, y_fit, {batch}), "
                       f"epochs={epochs_text}, validation_data=(x_val, y_val))")
        return "\n".join(lines).rstrip() + "\n\n\n" + fit


def _with_values(lines: list[str], info: DatasetInfo | None) -> list[str]:
    """Builder source lines with ``info.<field>`` replaced by the dataset's values and the
    ``info`` parameter left out (the page shows the model as built for its dataset)."""
    if info is None:
        return lines
    values = {f"info.{k}": repr(getattr(info, k)) for k in (
        "image_shape", "channel_shape", "n_classes", "input_name", "output_name")}
    out = []
    for line in lines:
        line = line.replace("info: DatasetInfo, ", "")
        for expr, value in values.items():
            line = line.replace(expr, value.replace("'", '"'))
        out.append(line)
    return out


def _source(fn) -> list[str]:
    """A function's source lines without its docstring."""
    src = textwrap.dedent(inspect.getsource(fn))
    node = ast.parse(src).body[0]
    lines = src.splitlines()
    doc = node.body[0] if node.body and isinstance(node.body[0], ast.Expr) and isinstance(
        getattr(node.body[0], "value", None), ast.Constant) else None
    if doc is not None:
        del lines[doc.lineno - 1:doc.end_lineno]
    return lines


KINDS: dict[str, ModelKind] = {
    "mlp": ModelKind(
        name="mlp", file_prefix=None, builder=build_mlp,
        recipe=Recipe(batch_size=256, learning_rate=0.003, lr_decay="cosine", version=4,
                      augment=True, augment_once=True),
        description=("The original project's multi-layer perceptron, its two hidden layers "
                     "widened from 128 to 384 units"), epochs=6),
    "cnn": ModelKind(
        name="cnn", file_prefix="cnn", builder=build_cnn,
        recipe=Recipe(batch_size=128, learning_rate=0.003, lr_decay="cosine", version=3,
                      augment=True),
        description=("A convolutional network of seed 003's family (convolutions with batch "
                     "normalization, max pooling and dropout), sized for a CPU"), epochs=5),
}


def get_kind(name: str) -> ModelKind:
    """The registry entry ``name``; raises ModelError for an unknown kind."""
    try:
        return KINDS[name]
    except KeyError:
        raise ModelError(f"unknown model kind {name!r}; expected one of "
                         f"{', '.join(KINDS)}") from None


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow and make TensorFlow ops deterministic."""
    keras = quiet_tensorflow()
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def model_summary(model) -> str:
    """Keras' model.summary() as plain text (80 columns)."""
    lines: list[str] = []
    model.summary(print_fn=lambda s, **_: lines.append(s), line_length=80)
    return "\n".join(lines).rstrip()
