"""Corruptions after MNIST-C of the test images, each at one fixed severity, for the page's
Robustness section.

After Mu and Gilmer, "MNIST-C: A Robustness Benchmark for Computer Vision" (2019,
arXiv:1906.02337; github.com/google-research/mnist-c), which defines 15 corruptions and
reports how much clean-MNIST models lose on them. 13 of them are here, written with NumPy
and scipy.ndimage (BSD-3-Clause) at severities close to MNIST-C's: shot noise, impulse
noise, glass blur, motion blur, shear, scale, rotate, brightness, translate, fog, dotted
line, zigzag and edges (MNIST-C's canny edges; here the Sobel gradient's strongest quarter,
as scikit-image is not a dependency). Stripe and spatter are left out.

Every corruption is a function (x uint8 (n, h, w), 0 = background; severity; numpy
Generator) -> uint8 (n, h, w), vectorised over the batch; :func:`corrupt` seeds it, so the
same images, corruption, severity and seed give the same output on any machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: The seed every corruption is drawn with unless told otherwise.
SEED = 0
#: The method's source, as the page cites it (markdown).
REFERENCE = ("MNIST-C (Mu and Gilmer, [MNIST-C: A Robustness Benchmark for Computer Vision]"
             "(https://arxiv.org/abs/1906.02337), 2019)")


def _u8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def _warp(x: np.ndarray, inverse: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Resample each image at inverse[k] @ (p - c) + c - shift[k] (bilinear, 0 outside):
    inverse (n, 2, 2) maps output to input coordinates about the centre c ((h - 1) / 2,
    (w - 1) / 2);
    shift (n, 2) moves the image by (rows, cols)."""
    from scipy import ndimage

    n, h, w = x.shape[:3]
    centre = np.array([(h - 1) / 2, (w - 1) / 2])[:, None, None]
    p = np.mgrid[0:h, 0:w].astype(np.float64) - centre  # (2, h, w)
    src = np.einsum("kij,jhw->kihw", inverse, p) + centre - shift[:, :, None, None]
    k = np.broadcast_to(np.arange(n, dtype=np.float64)[:, None, None], (n, h, w))
    coords = np.stack([k, src[:, 0], src[:, 1]])
    return ndimage.map_coordinates(x.astype(np.float32), coords, order=1, cval=0.0)


def _signs(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice([-1.0, 1.0], n)


def shot_noise(x, severity, rng):
    """Poisson (shot) noise of ``severity`` photons at full ink (MNIST-C: 60)."""
    return _u8(rng.poisson(x / 255.0 * severity) / severity * 255.0)


def impulse_noise(x, severity, rng):
    """Salt-and-pepper noise on a ``severity`` share of the pixels (MNIST-C: 0.07)."""
    out = x.copy()
    hit = rng.random(x.shape) < severity
    out[hit] = np.where(rng.random(int(hit.sum())) < 0.5, 0, 255)
    return out


def glass_blur(x, severity, rng):
    """Gaussian blur (sigma ``severity`` px), each pixel swapped with a neighbour up to 1 px
    away, blurred again (MNIST-C's glass blur: sigma 0.7, delta 1)."""
    from scipy import ndimage

    sigma = (0, severity, severity)
    blurred = ndimage.gaussian_filter(x.astype(np.float32), sigma)
    n, h, w = x.shape[:3]
    k, r, c = np.meshgrid(np.arange(n), np.arange(h), np.arange(w), indexing="ij")
    r2 = np.clip(r + rng.integers(-1, 2, r.shape), 0, h - 1)
    c2 = np.clip(c + rng.integers(-1, 2, c.shape), 0, w - 1)
    return _u8(ndimage.gaussian_filter(blurred[k, r2, c2], sigma))


def motion_blur(x, severity, rng):
    """Each image smeared along a line of ``severity`` px at a random angle (one of 8)."""
    from scipy import ndimage

    out = np.empty_like(x)
    angles = rng.integers(0, 8, len(x))
    length = int(severity)
    for a in range(8):
        kernel = np.zeros((length, length), np.float32)
        theta = np.pi * a / 8
        t = np.linspace(-(length - 1) / 2, (length - 1) / 2, 4 * length)
        rr = np.clip(np.rint((length - 1) / 2 + t * np.sin(theta)).astype(int), 0, length - 1)
        cc = np.clip(np.rint((length - 1) / 2 + t * np.cos(theta)).astype(int), 0, length - 1)
        kernel[rr, cc] = 1
        kernel /= kernel.sum()
        chosen = angles == a
        if chosen.any():
            out[chosen] = _u8(ndimage.convolve(x[chosen].astype(np.float32), kernel[None],
                                               mode="constant"))
    return out


def shear(x, severity, rng):
    """Sheared sideways by ``severity`` (a random sign and 0.5-1 x it; MNIST-C up to 0.5)."""
    n = len(x)
    s = _signs(rng, n) * rng.uniform(0.5, 1.0, n) * severity
    inverse = np.zeros((n, 2, 2))
    inverse[:, 0, 0] = inverse[:, 1, 1] = 1
    inverse[:, 1, 0] = s
    return _u8(_warp(x, inverse, np.zeros((n, 2))))


def scale(x, severity, rng):
    """Shrunk (or enlarged) by a factor in ``severity`` = (low, high) (MNIST-C: 0.4-0.8 ...)."""
    n = len(x)
    f = rng.uniform(*severity, n)
    inverse = np.eye(2)[None] / f[:, None, None]
    return _u8(_warp(x, inverse, np.zeros((n, 2))))


def rotate(x, severity, rng):
    """Rotated by 0.5-1 x ``severity`` degrees either way (MNIST-C: up to 45)."""
    n = len(x)
    t = np.radians(_signs(rng, n) * rng.uniform(0.5, 1.0, n) * severity)
    inverse = np.stack([np.stack([np.cos(t), -np.sin(t)], 1),
                        np.stack([np.sin(t), np.cos(t)], 1)], 1)
    return _u8(_warp(x, inverse, np.zeros((n, 2))))


def brightness(x, severity, rng):
    """Every pixel lifted by ``severity`` of full ink (the background turns grey)."""
    return _u8(x.astype(np.float32) + severity * 255.0)


def translate(x, severity, rng):
    """Moved by ``severity`` px in a random direction (MNIST-C: up to 6 px)."""
    n = len(x)
    angle = rng.uniform(0, 2 * np.pi, n)
    shift = severity * np.stack([np.sin(angle), np.cos(angle)], 1)
    return _u8(_warp(x, np.broadcast_to(np.eye(2), (n, 2, 2)), shift))


def fog(x, severity, rng):
    """Smooth random haze of ``severity`` x full ink added (a blurred noise field, MNIST-C's
    plasma fractal in spirit), the ink rescaled so that it still peaks at 255."""
    from scipy import ndimage

    noise = ndimage.gaussian_filter(rng.random(x.shape).astype(np.float32), (0, 3, 3))
    lo = noise.min(axis=(1, 2), keepdims=True)
    hi = noise.max(axis=(1, 2), keepdims=True)
    haze = (noise - lo) / np.maximum(hi - lo, 1e-6) * severity * 255.0
    out = x.astype(np.float32) + haze
    return _u8(out * 255.0 / np.maximum(out.max(axis=(1, 2), keepdims=True), 1.0))


def _lines(x, points: np.ndarray, keep: Callable[[np.ndarray], np.ndarray]):
    """Draw polylines (points: (n, m, 2) row/col) in full ink, keeping the samples where
    keep(t) is True (t: 0-1 along the line)."""
    out = x.copy()
    n, m, _ = points.shape
    t = np.linspace(0, 1, 60 * (m - 1))
    seg = np.minimum((t * (m - 1)).astype(int), m - 2)
    frac = t * (m - 1) - seg
    pts = points[:, seg] * (1 - frac)[None, :, None] + points[:, seg + 1] * frac[None, :, None]
    top = np.array(x.shape[1:3]) - 1
    pts = np.clip(np.rint(pts).astype(int), 0, top)
    mask = keep(t)
    k = np.repeat(np.arange(n), mask.sum())
    out[k, pts[:, mask, 0].ravel(), pts[:, mask, 1].ravel()] = 255
    return out


def dotted_line(x, severity, rng):
    """A dotted line between two random points (dots every ``severity`` px of line)."""
    n, h, w = x.shape[:3]
    ends = rng.uniform(0, 1, (n, 2, 2)) * np.array([h - 1, w - 1], dtype=np.float64)
    return _lines(x, ends, lambda t: (np.floor(t * 40 / severity) % 2) == 0)


def zigzag(x, severity, rng):
    """A zigzag of ``severity`` straight strokes across the image."""
    (n, h, w), m = x.shape[:3], int(severity) + 1
    cols = np.sort(rng.uniform(0, w - 1, (n, m)), axis=1)
    rows = rng.uniform(0, h - 1, (n, m))
    return _lines(x, np.stack([rows, cols], 2), lambda t: np.ones_like(t, bool))


def edges(x, severity, rng):
    """Only the edges: the Sobel gradient's magnitude, pixels above the ``severity``
    quantile of each image's non-zero gradient set to full ink."""
    from scipy import ndimage

    f = x.astype(np.float32)
    mag = np.hypot(ndimage.sobel(f, axis=1), ndimage.sobel(f, axis=2))
    out = np.zeros_like(x)
    for i in range(len(x)):
        nz = mag[i][mag[i] > 0]
        if nz.size:
            out[i][mag[i] >= np.quantile(nz, severity)] = 255
    return out


@dataclass(frozen=True)
class Corruption:
    """One corruption: name (summary.json's key, e.g. "glass_blur"), label ("glass blur"),
    apply(x, severity, rng), severity (its one parameter), what (one phrase for the page)."""

    name: str
    label: str
    apply: Callable
    severity: float | tuple
    what: str


#: The corruptions and their fixed severities, in the page's order.
CORRUPTIONS: dict[str, Corruption] = {c.name: c for c in (
    Corruption("shot_noise", "shot noise", shot_noise, 60, "Poisson noise, 60 photons at full ink"),
    Corruption("impulse_noise", "impulse noise", impulse_noise, 0.07,
               "7% of pixels turned black or white"),
    Corruption("glass_blur", "glass blur", glass_blur, 0.7,
               "blurred, pixels swapped with neighbours, blurred again"),
    Corruption("motion_blur", "motion blur", motion_blur, 5, "smeared along a 5 px line"),
    Corruption("shear", "shear", shear, 0.5, "sheared sideways by 0.25-0.5"),
    Corruption("scale", "scale", scale, (0.5, 0.7), "shrunk to 50-70%"),
    Corruption("rotate", "rotate", rotate, 40, "rotated by 20-40 degrees"),
    Corruption("brightness", "brightness", brightness, 0.4, "background lifted to 40% grey"),
    Corruption("translate", "translate", translate, 5, "moved 5 px"),
    Corruption("fog", "fog", fog, 0.6, "smooth haze up to 60% of full ink"),
    Corruption("dotted_line", "dotted line", dotted_line, 2, "a dotted line across"),
    Corruption("zigzag", "zigzag", zigzag, 3, "a zigzag of 3 strokes across"),
    Corruption("edges", "edges", edges, 0.75, "only the edges (Sobel) left"),
)}


def corrupt(x: np.ndarray, name: str, seed: int = SEED) -> np.ndarray:
    """``x`` (uint8 (n, h, w), 0 = background, or (n, h, w, 3) RGB) under corruption
    ``name`` at its fixed severity, drawn from numpy's default_rng([seed, position of
    name]); uint8 of x's shape. RGB images are corrupted channel by channel, each with the
    same draws, so a warp or a stroke lands at the same place in every channel. Raises
    KeyError for an unknown name."""
    c = CORRUPTIONS[name]
    x = np.asarray(x, dtype=np.uint8)

    def draws() -> np.random.Generator:
        return np.random.default_rng([seed, list(CORRUPTIONS).index(name)])

    if x.ndim == 4:
        return np.stack([c.apply(np.ascontiguousarray(x[..., ch]), c.severity, draws())
                         for ch in range(x.shape[3])], axis=-1)
    return c.apply(x, c.severity, draws())


def severities() -> dict[str, float | list]:
    """{name: severity} of every corruption (what goes into a stage key)."""
    return {n: list(c.severity) if isinstance(c.severity, tuple) else c.severity
            for n, c in CORRUPTIONS.items()}
