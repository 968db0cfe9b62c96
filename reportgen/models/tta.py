"""Test-time augmentation for ranking suspected label errors: a model's probabilities of
each test image averaged over the image as it is and its four 1-pixel shifts (right, left,
down, up).

One forward pass scores an image by one pose of it; a slightly shifted copy is the same
image to a person, so an image whose given label the model doubts in every pose is a
better suspect than one it doubts in one pose only. Averaging the predictions of shifted
copies is the test-time augmentation of Krizhevsky, Sutskever and Hinton ("ImageNet
Classification with Deep Convolutional Neural Networks", 2012, section 4.1, ten crops);
here it steadies the ranking at place 50, where the probabilities of one pass are noise
(measured in ``make bench``: the validated MNIST label errors in the first 50). Shifts
repeat the edge pixels (an MNIST background stays black, a photo's border is stretched by
one pixel), never wrap around. Accuracy, captions and every other section keep the
probabilities of the image as it is.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: The four shifts, by name: (rows down, columns right), in pixels.
SHIFTS = {"right": (0, 1), "left": (0, -1), "down": (1, 0), "up": (-1, 0)}


def shifted(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Images moved ``dy`` pixels down and ``dx`` right (negative: up, left), the edge
    rows and columns repeated into the space they leave (so an image 1 px high is its own
    vertical shift). x: array (n, h, w) or (n, h, w, c), any dtype, h, w >= 1. Returns an
    array of x's shape and dtype."""
    h, w = x.shape[1:3]
    pad = [(0, 0), (max(dy, 0), max(-dy, 0)), (max(dx, 0), max(-dx, 0))]
    padded = np.pad(x, pad + [(0, 0)] * (x.ndim - 3), mode="edge")
    top, left = max(-dy, 0), max(-dx, 0)
    return padded[:, top:top + h, left:left + w]


def view_name(shift: str) -> str:
    """The cache name (models.store ``view``) of the test images shifted by ``shift``."""
    return f"shifted-{shift}"


#: probabilities(view, images): a model's calibrated probabilities, float (n, n_classes),
#: of the test images as they are (view "", images None) or of images(x_test), cached as
#: ``view`` (report.run.Run.probabilities, models.store.probabilities_of).
Probabilities = Callable[[str, Callable[[np.ndarray], np.ndarray] | None], np.ndarray]


def shift_averaged(probabilities: Probabilities) -> np.ndarray:
    """The mean of a model's calibrated probabilities of the test images as they are and
    shifted by each of :data:`SHIFTS`: float32 (n, n_classes), rows summing to 1. Raises
    what ``probabilities`` raises (ModelError when the model is not on this machine and
    nothing is cached)."""
    views = [probabilities("", None)]
    for shift, (dy, dx) in SHIFTS.items():
        views.append(probabilities(view_name(shift),
                                   lambda x, dy=dy, dx=dx: shifted(x, dy, dx)))
    return np.mean(views, axis=0, dtype=np.float64).astype(np.float32)
