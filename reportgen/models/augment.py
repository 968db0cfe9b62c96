"""Training-time data augmentation: the images a model learns from are varied the way
handwriting that is not MNIST's varies, so that the model reads a user's own digits and
not only MNIST's.

MNIST's digits were written with similar pens, scanned at one resolution and normalised
into a 20x20 box (LeCun et al., the MNIST page). A user's digit, after the same
normalisation (data.images.mnist_normalize), still differs in slant, proportions, stroke
width, sharpness and resolution. The augmenter varies each: a small affine warp
(rotation, zoom, shear and shift composed into one Keras ops.image.affine_transform),
stroke width (grey-scale dilation and erosion, a 2x2 max filter), blur (a 3x3 binomial
filter) and resolution loss (down to 10-20 px and back). It runs in the tf.data input pipeline during
training only: the saved model holds none of it, so inference is unchanged.
"""

from __future__ import annotations

import numpy as np

from ..data.card import BUILTIN_INFO

#: Share of each batch that is augmented; the rest is shown as the dataset has it, which
#: keeps the test accuracy of the un-augmented recipes.
AUGMENTED_SHARE = 0.5
#: The image side (px) the shifts and resolutions were tuned on: the embedded dataset's.
TUNED_ON = BUILTIN_INFO.height


def build_augmenter(seed: int = 0):
    """A function (images uint8 (b, h, w) or (b, h, w, 3), 0 = background; batch number)
    -> uint8 images of the same shape that varies the first AUGMENTED_SHARE of a
    (shuffled) batch and passes the rest unchanged: stroke width, then one affine warp
    (rotation up to 15 degrees, zoom up to 15% and up to 30% more across, so narrower or
    wider shapes, shear up to 0.15, shift up to 2 px; Keras' ops.image.affine_transform),
    resolution and blur, the strongest ink then brought back to 255. Shifts and
    resolutions are in px of a TUNED_ON-px side, scaled to the images' own size.
    TensorFlow ops, for tf.data.Dataset.map; every draw is stateless, seeded by ``seed``
    and the batch number, so a run is reproducible."""
    import keras
    import tensorflow as tf

    blur_kernel = tf.constant(np.outer(*[np.array([1.0, 2.0, 1.0]) / 4] * 2)[:, :, None, None],
                              tf.float32)  # a 3x3 binomial (Gaussian-like, sigma ~0.7) filter

    def stroke_width(x, amount):
        """amount in [-1, 1] per image: -1 = eroded by a 2x2 min filter, 1 = dilated by a
        2x2 max filter, between = mixed with the original."""
        dilated = tf.nn.max_pool2d(x, 2, 1, "SAME")
        eroded = -tf.nn.max_pool2d(-x, 2, 1, "SAME")
        a = amount[:, None, None, None]
        return tf.where(a > 0, x + a * (dilated - x), x - a * (eroded - x))

    def affine(x, u, h, w):
        """u: uniform draws (6, n); h, w: image size (float). The warp maps each output
        pixel to its source pixel."""
        angle = (2 * u[0] - 1) * np.pi * 15 / 180
        zoom_y = 1 + (2 * u[1] - 1) * 0.15
        zoom_x = zoom_y * (1 + (2 * u[2] - 1) * 0.3)
        shear = (2 * u[3] - 1) * 0.3
        cos, sin = tf.cos(angle), tf.sin(angle)
        a0, a1 = cos / zoom_x, (-sin + shear * cos) / zoom_y
        b0, b1 = sin / zoom_x, (cos + shear * sin) / zoom_y
        cx, cy = (w - 1) / 2, (h - 1) / 2
        tx, ty = (2 * u[4] - 1) * 2 * (w / TUNED_ON), (2 * u[5] - 1) * 2 * (h / TUNED_ON)
        zeros = tf.zeros_like(a0)
        transform = tf.stack([a0, a1, cx - a0 * cx - a1 * cy - tx,
                              b0, b1, cy - b0 * cx - b1 * cy - ty, zeros, zeros], axis=1)
        return keras.ops.image.affine_transform(x, transform, fill_mode="constant")

    def augment(images, batch):
        """images: uint8 (b, h, w) or (b, h, w, 3); batch: the batch's number (int64
        scalar)."""
        grey = len(images.shape) == 3
        x = tf.cast(images, tf.float32)
        x = x[..., None] if grey else x
        h, w = tf.shape(x)[1], tf.shape(x)[2]
        k = tf.cast(tf.round(tf.cast(tf.shape(x)[0], tf.float32) * AUGMENTED_SHARE), tf.int32)
        u = tf.random.stateless_uniform([10, k], [seed, tf.cast(batch, tf.int32)])
        v = stroke_width(x[:k], 2 * u[0] - 1)
        v = affine(v, u[1:7], tf.cast(h, tf.float32), tf.cast(w, tf.float32))
        side = 10 + tf.cast(u[7, 0] * 11, tf.int32)  # resolution: 10-20 px and back
        small = [side * h // TUNED_ON, side * w // TUNED_ON]
        low = tf.image.resize(tf.image.resize(v, small, "area"), [h, w], "bilinear")
        v = tf.where((u[8] < 0.3)[:, None, None, None], low, v)
        blurred = (tf.nn.conv2d(v, blur_kernel, 1, "SAME") if grey else tf.nn.depthwise_conv2d(
            v, tf.tile(blur_kernel, [1, 1, 3, 1]), [1, 1, 1, 1], "SAME"))
        v = v + u[9][:, None, None, None] * (blurred - v)
        # as data.images.mnist_normalize does, the strongest ink is 255
        v = v * (255.0 / tf.maximum(tf.reduce_max(v, [1, 2, 3], True), 1.0))
        out = tf.concat([v, x[k:]], axis=0)
        out = tf.cast(tf.clip_by_value(tf.round(out), 0, 255), tf.uint8)
        return out[..., 0] if grey else out

    return augment


#: Batches augmented in one call of augmented_batches: fewer, larger TensorFlow ops, whose
#: dispatch would otherwise cost about as much as their arithmetic on small images.
GROUP = 8


def augmented_batches(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int = 0):
    """A tf.data.Dataset of (images, labels) batches with variations drawn anew each epoch:
    x uint8 (n, h, w[, 3]), y (n,) int labels, reshuffled each epoch (seeded). The images are
    varied by build_augmenter(seed) GROUP batches at a time, then mixed (a seeded
    permutation), so each batch holds augmented and unchanged images in about equal
    numbers."""
    import tensorflow as tf

    augment = build_augmenter(seed)

    def vary(i, group):
        images, labels = group
        images = augment(images, i)
        order = tf.argsort(tf.random.stateless_uniform(tf.shape(labels), [seed + 1, tf.cast(
            i, tf.int32)]))
        return tf.gather(images, order), tf.gather(labels, order)

    batches = -(-len(y) // batch_size)  # unbatch() hides it; Keras warns without it
    data = tf.data.Dataset.from_tensor_slices((x, y.astype(np.int32)))
    data = data.shuffle(len(y), seed=seed, reshuffle_each_iteration=True)
    data = data.batch(batch_size * GROUP).enumerate().map(
        vary, num_parallel_calls=tf.data.AUTOTUNE).unbatch().batch(batch_size)
    return data.apply(tf.data.experimental.assert_cardinality(batches)).prefetch(
        tf.data.AUTOTUNE)


#: Images varied per call when the variations are drawn once (augmented_copy).
COPY_GROUP = 2048


def augmented_copy(x: np.ndarray, y: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The training images with their variations drawn once, for model.fit(x', y',
    shuffle=True) over every epoch: x uint8 (n, h, w[, 3]), y (n,) labels. Returns (x' uint8
    of x's shape, y' (n,)): the same images in a seeded random order, the first
    AUGMENTED_SHARE of each COPY_GROUP varied by build_augmenter(seed). One pass of
    augmentation (about 1.3 s for 54,000 images of 28x28 px on 2 CPU cores), then plain arrays, which
    Keras batches and shuffles faster than a tf.data pipeline that shuffles image by
    image."""
    import tensorflow as tf

    augment = tf.function(build_augmenter(seed))
    order = np.random.default_rng(seed).permutation(len(y))
    x, y = x[order], y[order]
    parts = [augment(tf.constant(x[i:i + COPY_GROUP]), tf.constant(i // COPY_GROUP, tf.int64))
             .numpy() for i in range(0, len(y), COPY_GROUP)]
    return (np.concatenate(parts) if parts else x.copy()), y


def build_photo_augmenter(seed: int = 0, flips: bool = False):
    """The augmentation of a dataset whose card says ``kind: photo`` (no strokes, no ink):
    a function (images uint8 (b, h, w) or (b, h, w, 3); batch number) -> uint8 images of
    the same shape, the first AUGMENTED_SHARE of the batch varied by one small affine warp
    (rotation up to 10 degrees, zoom up to 10%, shift up to 1/14 of the side; edges
    repeated, Keras' ops.image.affine_transform) and, when the card allows it (``flips``),
    a horizontal flip of half of them; brightness and colour are left as they are. Every
    draw is stateless, seeded by ``seed`` and the batch number."""
    import keras
    import tensorflow as tf

    def augment(images, batch):
        grey = len(images.shape) == 3
        x = tf.cast(images, tf.float32)
        x = x[..., None] if grey else x
        h, w = tf.cast(tf.shape(x)[1], tf.float32), tf.cast(tf.shape(x)[2], tf.float32)
        k = tf.cast(tf.round(tf.cast(tf.shape(x)[0], tf.float32) * AUGMENTED_SHARE), tf.int32)
        u = tf.random.stateless_uniform([6, k], [seed, tf.cast(batch, tf.int32)])
        angle = (2 * u[0] - 1) * np.pi * 10 / 180
        zoom = 1 + (2 * u[1] - 1) * 0.1
        cos, sin = tf.cos(angle) / zoom, tf.sin(angle) / zoom
        cx, cy = (w - 1) / 2, (h - 1) / 2
        tx, ty = (2 * u[2] - 1) * w / 14, (2 * u[3] - 1) * h / 14
        zeros = tf.zeros_like(cos)
        transform = tf.stack([cos, -sin, cx - cos * cx + sin * cy - tx,
                              sin, cos, cy - sin * cx - cos * cy - ty, zeros, zeros], axis=1)
        v = keras.ops.image.affine_transform(x[:k], transform, fill_mode="nearest")
        if flips:
            v = tf.where((u[4] < 0.5)[:, None, None, None], tf.reverse(v, [2]), v)
        out = tf.concat([v, x[k:]], axis=0)
        out = tf.cast(tf.clip_by_value(tf.round(out), 0, 255), tf.uint8)
        return out[..., 0] if grey else out

    return augment


def photo_copy(x: np.ndarray, y: np.ndarray, seed: int = 0, flips: bool = False,
               ) -> tuple[np.ndarray, np.ndarray]:
    """As :func:`augmented_copy`, with :func:`build_photo_augmenter`: x uint8 (n, h, w[, 3]),
    y (n,) labels -> (x', y') in a seeded random order, the first AUGMENTED_SHARE of each
    COPY_GROUP varied."""
    import tensorflow as tf

    augment = tf.function(build_photo_augmenter(seed, flips))
    order = np.random.default_rng(seed).permutation(len(y))
    x, y = x[order], y[order]
    parts = [augment(tf.constant(x[i:i + COPY_GROUP]), tf.constant(i // COPY_GROUP, tf.int64))
             .numpy() for i in range(0, len(y), COPY_GROUP)]
    return (np.concatenate(parts) if parts else x.copy()), y
