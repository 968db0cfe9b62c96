"""MNIST-C's 15 corruptions of the test images, as published, for the page's Robustness
section.

Source: Mu and Gilmer, "MNIST-C: A Robustness Benchmark for Computer Vision" (2019,
arXiv:1906.02337). The definitions follow the reference code, google-research/mnist-c
``corruptions.py`` (Apache-2.0), at the severity each function there takes by default,
which is the one the published dataset (zenodo.org/record/3237938) was built with:

==============  =====================================================================
shot noise      Poisson noise, 3 photons at full ink (severity 5 of 5)
impulse noise   17% of pixels set to black or white (salt and pepper, severity 4)
glass blur      blur (sigma 0.7), 2 passes of random swaps with a neighbour at most
                1 px up or left, blur again (severity 1)
motion blur     ImageMagick's motion blur, radius 10, sigma 3, angle -45..45 degrees
shear           sheared by 0.4 rad either way about the centre (severity 2)
scale           shrunk to 70% about the centre (severity 3)
rotate          rotated by 0.4 rad (23 degrees) either way about the centre (severity 2)
brightness      HSV value + 0.5 (severity 5)
translate       moved 3 px on each axis, each with a random sign (severity 3)
stripe          the leftmost and rightmost quarter of the columns inverted
fog             a plasma fractal (diamond-square, decay 1.4) x 3 added (severity 5)
spatter         blurred, thresholded noise as mud of 25% ink (severity 4)
dotted line     an anti-aliased line from the left to the right edge, every other
                2-px band of columns left out
zigzag          an anti-aliased zigzag from column 2 to 25
canny edges     Canny's edges (scikit-image, sigma 1)
==============  =====================================================================

The code is our own, written from those definitions with NumPy, scipy.ndimage (BSD-3) and
scikit-image (BSD-3): vectorised over the batch, so that images sharing one transform share
one interpolation. Where the reference fixes 28 px (a line's end at column 27, the zigzag's
columns 2 and 25, stripe's columns 7 and 21, the centre 13.5), the same proportion of the
image's own size is used, so 28x28 images get the reference's numbers exactly.

Two differences remain, both stated where they apply: motion blur reproduces ImageMagick's
kernel with NumPy (the reference runs ImageMagick through Wand), and random draws come
from a seeded numpy Generator instead of numpy's global state, so each image gets its own
draws from the reference's distributions but not the published file's pixels. No
corruption, nor its parameters, is used in training (MNIST-C's own rule).

Every corruption is a function (x uint8 (n, h, w), 0 = background; numpy Generator) ->
uint8 (n, h, w), rounded to the nearest level; :func:`corrupt` seeds it, so the same
images, corruption and seed give the same output on any machine.
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
#: The reference implementation and its licence (markdown).
SOURCE = ("[google-research/mnist-c](https://github.com/google-research/mnist-c) "
          "(Apache-2.0)")
#: Images processed at once by the heavier corruptions (bounds their memory).
CHUNK = 2048
#: Fog's fractals drawn per call at most (see :func:`fog`).
FOG_FIELDS = 512
#: Pixels per image x images corrupted at once by :func:`corrupt` (MNIST's test split,
#: 10,000 x 784, is one part; 224 x 224 photos go 159 at a time).
PIXEL_BUDGET = 8_000_000


def _u8(x: np.ndarray) -> np.ndarray:
    """Floats in 0-255 -> uint8, rounded to the nearest level (clipped)."""
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def _unit(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float64) / 255.0


def _centred(matrix: np.ndarray, h: int, w: int) -> np.ndarray:
    """The 3x3 inverse map (output (col, row) -> input (col, row)) of the 2x2 ``matrix``
    with the translation that keeps the image's centre ((w - 1) / 2, (h - 1) / 2; 13.5 for
    28 px) fixed, as the reference's ``a3 = 13.5 * (1 - a1 - a2)``."""
    c = np.array([(w - 1) / 2, (h - 1) / 2])
    out = np.eye(3)
    out[:2, :2] = matrix
    out[:2, 2] = c - matrix @ c
    return out


#: Images of up to this many pixels are warped through the warp's matrix (see _warp).
WARP_MATRIX_PIXELS = 32 * 32


def _stacked_warp(images: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    """scikit-image's ``warp(image, inverse_map=AffineTransform(matrix=inverse))``,
    bilinear, 0 outside (the reference's warp defaults), of float images (h, w, k) stacked
    as channels. Returns float64 (h, w, k)."""
    from skimage.transform import AffineTransform, warp

    return warp(images, AffineTransform(matrix=inverse), order=1, mode="constant", cval=0.0)


def _warp(x: np.ndarray, maps: np.ndarray, which: np.ndarray) -> np.ndarray:
    """x: uint8 (n, h, w); maps: (m, 3, 3) inverse maps in (col, row) coordinates, as
    scikit-image's ``warp(image, inverse_map=...)`` takes them; which: int (n,), the map of
    each image. Returns float64 (n, h, w) in 0-1.

    A bilinear warp is linear in the pixels, so for images of at most WARP_MATRIX_PIXELS
    pixels scikit-image warps the h*w one-pixel images once, which gives the warp as a
    sparse (h*w, h*w) matrix, and all the images that share the map are multiplied by it
    at once. Larger images are warped stacked as channels, CHUNK at a time."""
    from scipy import sparse

    n, h, w = x.shape
    out = np.empty(x.shape, np.float64)
    for k, m in enumerate(maps):
        chosen = np.flatnonzero(which == k)
        if not len(chosen):
            continue
        if h * w <= WARP_MATRIX_PIXELS:
            basis = np.eye(h * w).reshape(h * w, h, w).transpose(1, 2, 0)
            matrix = sparse.csr_matrix(_stacked_warp(basis, m).reshape(h * w, h * w))
            out[chosen] = (matrix @ _unit(x[chosen]).reshape(-1, h * w).T).T.reshape(-1, h, w)
            continue
        for start in range(0, len(chosen), CHUNK):
            part = chosen[start:start + CHUNK]
            stack = np.moveaxis(_unit(x[part]), 0, -1)  # (h, w, k): one map for all
            out[part] = np.moveaxis(_stacked_warp(stack, m), -1, 0)
    return out


def _gaussian(x: np.ndarray, sigma: tuple[float, float]) -> np.ndarray:
    """scikit-image's ``gaussian`` (mode "nearest", truncate 4) of each image in the float
    batch x (n, h, w), sigma (rows, cols) in px."""
    from scipy import ndimage

    return ndimage.gaussian_filter(x, (0, *sigma), mode="nearest", truncate=4.0)


def shot_noise(x, rng):
    """Poisson noise: each pixel's ink (0-1) times 3 photons, drawn, divided by 3, clipped
    (reference: ``c = 3``). A blank pixel stays blank."""
    out = np.zeros(x.shape, np.uint8)
    ink = x > 0  # Poisson(0) is 0: only the ink is drawn
    out[ink] = _u8(np.clip(rng.poisson(x[ink] * (3 / 255.0)) / 3.0, 0, 1) * 255)
    return out


def impulse_noise(x, rng):
    """Salt and pepper on 17% of the pixels, each hit pixel white or black with equal
    odds: what scikit-image's ``random_noise(mode="s&p", amount=0.17)`` does in the
    reference, drawn here in float32 for speed."""
    hit = rng.random(x.shape, np.float32) < 0.17
    salt = rng.random(x.shape, np.float32) < 0.5
    return np.where(hit, np.where(salt, np.uint8(255), np.uint8(0)), x)


def glass_blur(x, rng):
    """The reference's glass blur at (sigma 0.7, delta 1, 2 iterations): blurred, truncated
    to uint8, then twice over every pixel from (h-1, w-1) back to (2, 2): with probability
    1/2, swapped with the pixel dy, dx away, each drawn from {-1, 0} (``randint(-1, 1)``),
    then blurred again. The reference blurs a 2-D image with ``multichannel=True``, which
    scikit-image reads as rows x channels, so both blurs run along the rows (vertically)
    only; so do these."""
    from scipy import ndimage

    def blur(a):  # (h, w, n) float: scikit-image's gaussian along the rows only
        return ndimage.gaussian_filter1d(a, 0.7, axis=0, mode="nearest", truncate=4.0)

    n, h, w = x.shape
    img = np.ascontiguousarray(np.moveaxis(x, 0, -1))  # (h, w, n): a pixel's n values
    img = np.floor(blur(img.astype(np.float32) / 255) * 255).astype(np.uint8)
    positions = [(r, c) for r in range(h - 1, 1, -1) for c in range(w - 1, 1, -1)]
    for _ in range(2):
        # one draw of 3 fair bits per pixel and image: swap or not, dy and dx in {-1, 0}
        bits = rng.integers(0, 8, (len(positions), n), dtype=np.uint8)
        # the three neighbours a pixel can swap with (dy, dx = 0, 0 swaps it with itself)
        moves = [((0, -1), bits == 5), ((-1, 0), bits == 3), ((-1, -1), bits == 7)]
        for p, (r, c) in enumerate(positions):
            here = img[r, c].copy()
            for (mr, mc), chosen in moves:
                np.copyto(img[r, c], img[r + mr, c + mc], where=chosen[p])
                np.copyto(img[r + mr, c + mc], here, where=chosen[p])
    img = blur(img.astype(np.float32) / 255)
    return _u8(np.clip(np.moveaxis(img, -1, 0), 0, 1) * 255)


def motion_kernel(angle: float, radius: float = 10, sigma: float = 3):
    """ImageMagick's MotionBlurImage kernel (MagickCore/effect.c): width 2 ceil(radius) + 1
    taps, weights exp(-i^2 / (2 sigma^2)) normalised, tap i at offset (x, y) =
    (ceil(i cos a - 0.5), ceil(i sin a - 0.5)) from the pixel. Returns (weights float
    (width,), offsets int (width, 2) as (row, col))."""
    width = int(2 * np.ceil(radius) + 1)
    i = np.arange(width, dtype=np.float64)
    weights = np.exp(-(i * i) / (2 * sigma * sigma))
    a = np.radians(angle)
    offsets = np.stack([np.ceil(i * np.sin(a) - 0.5), np.ceil(i * np.cos(a) - 0.5)], 1)
    return weights / weights.sum(), offsets.astype(int)


def motion_blur(x, rng):
    """ImageMagick's motion blur (radius 10, sigma 3, angle uniform in -45..45 degrees, as
    the reference), with :func:`motion_kernel`: each output pixel is the weighted sum of the
    pixels along the angle's line, pixels beyond the border repeating the edge (ImageMagick's
    default virtual pixels). Differs from the reference in not running ImageMagick: no Q16
    quantisation between steps, and a PNG round trip is not needed."""
    n, h, w = x.shape
    weights, _ = motion_kernel(0.0)
    offsets = np.stack([motion_kernel(a)[1] for a in rng.uniform(-45, 45, n)]
                       or [np.zeros((len(weights), 2), int)])
    pad = len(weights)
    padded = np.pad(x.astype(np.float32) / 255, ((0, 0), (pad, pad), (pad, pad)), mode="edge")
    out = np.zeros(x.shape, np.float32)
    patterns, which = np.unique(offsets[:n], axis=0, return_inverse=True)
    for p, pattern in enumerate(patterns):  # images whose taps round to the same pixels
        chosen = np.flatnonzero(which.ravel() == p)
        sub, acc = padded[chosen], np.zeros((len(chosen), h, w), np.float32)
        for wgt, (dr, dc) in zip(weights, pattern, strict=True):
            acc += np.float32(wgt) * sub[:, pad + dr:pad + dr + h, pad + dc:pad + dc + w]
        out[chosen] = acc
    return _u8(np.clip(out, 0, 1) * 255)


def _signed_maps(x, rng, matrix_of: Callable[[float], np.ndarray], c: float):
    n, h, w = x.shape
    sign = rng.choice([-1, 1], n)
    maps = np.stack([_centred(matrix_of(-c), h, w), _centred(matrix_of(c), h, w)])
    return _u8(np.clip(_warp(x, maps, (sign > 0).astype(int)), 0, 1) * 255)


def shear(x, rng):
    """Sheared by 0.4 either way about the centre: the inverse map [[1, -sin c], [0, cos c]]
    in (col, row), with c = +-0.4 (scikit-image's ``AffineTransform(shear=c)`` as the
    reference ran it, before scikit-image 0.20 changed what ``shear`` means)."""
    return _signed_maps(x, rng, lambda c: np.array([[1, -np.sin(c)], [0, np.cos(c)]]), 0.4)


def rotate(x, rng):
    """Rotated by 0.4 rad (about 23 degrees) either way about the centre: the inverse map
    [[cos c, -sin c], [sin c, cos c]] with c = +-0.4."""
    return _signed_maps(x, rng, lambda c: np.array([[np.cos(c), -np.sin(c)],
                                                    [np.sin(c), np.cos(c)]]), 0.4)


def scale(x, rng):
    """Shrunk to 70% about the centre (the inverse map scales by 1 / 0.7)."""
    n, h, w = x.shape
    maps = _centred(np.eye(2) / 0.7, h, w)[None]
    return _u8(np.clip(_warp(x, maps, np.zeros(n, int)), 0, 1) * 255)


def brightness(x, rng):
    """HSV value raised by 0.5 (of full ink), clipped: for grey images the pixel + 0.5, so
    a blank pixel becomes 127.5 (stored as 128). RGB images (n, h, w, 3) keep their hue
    and saturation: the value V is the largest channel, and scaling all three channels by
    V' / V changes V alone, so that is what the reference's rgb2hsv, V + 0.5, hsv2rgb
    round trip gives (black becomes grey V'); tested against scikit-image's round trip."""
    f = _unit(x)
    if f.ndim == 4:
        v = f.max(axis=-1, keepdims=True)
        lifted = np.clip(v + 0.5, 0, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(f == v, lifted, f * (lifted / v))  # the largest: V' exactly
        return _u8(np.clip(out, 0, 1) * 255)
    return _u8(np.clip(f + 0.5, 0, 1) * 255)


def translate(x, rng):
    """Moved by exactly 3 px on each axis, each with its own random sign (bilinear with
    whole-pixel shifts: an exact move, the new border blank)."""
    n, h, w = x.shape
    signs = rng.choice([-1, 1], (n, 2))
    maps, which = np.unique(signs, axis=0, return_inverse=True)
    inverse = np.stack([np.array([[1, 0, 3 * sx], [0, 1, 3 * sy], [0, 0, 1]], float)
                        for sx, sy in maps])
    return _u8(np.clip(_warp(x, inverse, which.ravel()), 0, 1) * 255)


def stripe(x, rng):
    """Columns [0, w/4) and [3w/4, w) inverted (255 - value); 7 and 21 for 28 px."""
    w = x.shape[2]
    out = x.copy()
    out[:, :, : w // 4] = 255 - out[:, :, : w // 4]
    out[:, :, (3 * w) // 4:] = 255 - out[:, :, (3 * w) // 4:]
    return out


def plasma_fractal(n: int, rng: np.random.Generator, mapsize: int = 256,
                   wibbledecay: float = 1.4) -> np.ndarray:
    """n height maps (float (n, mapsize, mapsize), each scaled to 0-1) by the
    diamond-square algorithm, as the reference's ``plasma_fractal`` (itself after
    FLHerne/mapgen), vectorised over n. mapsize must be a power of two."""
    m = np.zeros((n, mapsize, mapsize), np.float32)
    step, wibble = mapsize, 100.0

    def wibbled(a):  # a / 4 + wibble * uniform(-wibble, wibble), in float32
        noise = rng.random(a.shape, np.float32)
        noise *= np.float32(2 * wibble * wibble)
        noise -= np.float32(wibble * wibble)
        a *= np.float32(0.25)
        a += noise
        return a

    while step >= 2:
        half = step // 2
        corner = m[:, 0::step, 0::step]
        sq = corner + np.roll(corner, -1, axis=1)
        sq = sq + np.roll(sq, -1, axis=2)
        m[:, half::step, half::step] = wibbled(sq)
        dr = m[:, half::step, half::step]
        ul = m[:, 0::step, 0::step]
        lt = dr + np.roll(dr, 1, axis=1) + ul + np.roll(ul, -1, axis=2)
        m[:, 0::step, half::step] = wibbled(lt)
        tt = dr + np.roll(dr, 1, axis=2) + ul + np.roll(ul, -1, axis=1)
        m[:, half::step, 0::step] = wibbled(tt)
        step //= 2
        wibble /= wibbledecay
    m -= m.min(axis=(1, 2), keepdims=True)
    m /= m.max(axis=(1, 2), keepdims=True)
    return m


def fog(x, rng):
    """The reference's fog at (3.0, 1.4): a plasma fractal (mapsize 256, or the next power
    of two above a larger image) x 3 added to the ink (0-1), then everything scaled by
    max / (max + 3), max being the image's brightest pixel.

    The reference draws a fractal per image; a 256 x 256 fractal costs about 1.7 ms, so here
    at most :data:`FOG_FIELDS` are drawn and each image takes one of them at random. Each
    image's haze has the reference's distribution; hazes repeat across images beyond
    FOG_FIELDS of them."""
    n, h, w = x.shape
    size = 1 << max(8, int(np.ceil(np.log2(max(h, w, 1)))))
    fields = min(n, FOG_FIELDS)
    haze = np.concatenate([plasma_fractal(min(64, fields - s), rng, size)[:, :h, :w]
                           for s in range(0, fields, 64)] or [np.zeros((0, h, w))])
    which = rng.integers(0, max(fields, 1), n) if n > fields else np.arange(n)
    f = _unit(x)
    top = f.max(axis=(1, 2), keepdims=True)
    return _u8(np.clip((f + 3.0 * haze[which]) * top / (top + 3.0), 0, 1) * 255)


def spatter(x, rng):
    """The reference's spatter at (0.65, 0.3, 1, 0.65, 1.5): noise N(0.65, 0.3) blurred
    (sigma 1), kept above 0.65 as a mask, the mask blurred (sigma 1.5) and kept where >= 0.8;
    there the image fades to mud of 63/255 ink."""
    f = x.astype(np.float32) / 255
    liquid = _gaussian(rng.standard_normal(f.shape, np.float32) * 0.3 + 0.65, (1, 1))
    m = _gaussian((liquid > 0.65).astype(np.float32), (1.5, 1.5))
    m[m < 0.8] = 0
    return _u8(np.clip(f * (1 - m) + 63 / 255 * m, 0, 1) * 255)


def line_from_points(c0, r0, c1, r1, h: int, w: int, cols: tuple[int, int] | None = None,
                     ) -> np.ndarray:
    """The reference's anti-aliased line of each image (c0, r0, c1, r1: float (n,), columns
    and rows of the ends): ink log(1 - d / 2.3) + 1 at vertical distance d from the line,
    clipped to 0-1, and 0 left of floor(c0) and from ceil(c1) on; 0 where c1 == c0 (or an
    end is NaN). Returns float (n, h, w), or only columns cols = (lo, hi) of it."""
    lo, hi = cols or (0, w)
    c0, r0, c1, r1 = (np.asarray(a, np.float64)[:, None, None] for a in (c0, r0, c1, r1))
    cc = np.arange(lo, hi, dtype=np.float64)[None, None, :]
    rr = np.arange(h, dtype=np.float64)[None, :, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (r1 - r0) / (c1 - c0)
        dist = np.clip(np.abs(rr - (slope * (cc - c0) + r0)), 0, 2.3 - 1e-10)
        ink = np.clip(np.log(1 - dist / 2.3) + 1, 0, 1)
        inside = (cc >= np.floor(c0)) & (cc < np.ceil(c1))
    ink = np.where(inside & np.isfinite(slope), ink, 0.0)
    return np.nan_to_num(ink)


def _drawn_once(params: np.ndarray, draw: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Drawings that depend only on a few integers per image: params int (n, p); draw(keys
    int (k, p)) -> float (k, h, w) is called once on the unique rows, and each image gets
    its row's drawing, float (n, h, w). (28 px images have at most 27 x 27 lines.)"""
    keys, which = np.unique(params, axis=0, return_inverse=True)
    return draw(keys)[which.ravel()]


def dotted_line(x, rng):
    """A line from column 0 (row r0) to column w - 1 (row r1), r0 and r1 uniform integers in
    [0, h - 1), with the 2-px column bands [0, 2), [4, 6), ... left out, added to the ink."""
    n, h, w = x.shape

    def draw(keys):
        k = len(keys)
        ink = line_from_points(np.zeros(k), keys[:, 0], np.full(k, w - 1.0), keys[:, 1], h, w)
        ink[:, :, (np.arange(w) // 2) % 2 == 0] = 0
        return ink

    ink = _drawn_once(rng.integers(0, h - 1, (n, 2)), draw)
    return _u8(np.clip(_unit(x) + ink, 0, 1) * 255)


def zigzag_points(r0: np.ndarray, r1: np.ndarray, c0: float, c1: float) -> np.ndarray:
    """The reference's zigzag (a = b = 2): ends (col, row) of its strokes from (c0, r0) to
    about (c1, r1), float (n, m, 2), NaN-padded where an image has fewer. The shape depends
    only on r1 - r0, so it is drawn once per difference and moved to each r0."""
    a = b = 2.0
    deltas, which = np.unique(np.asarray(r1) - np.asarray(r0), return_inverse=True)
    shapes = []
    for t in np.arctan(deltas / (c1 - c0)):
        d = (c1 - c0) / np.cos(t)
        pts = [(0.0, 0.0)]
        r_i = 0.0
        for i in range(int((d - a) // (2 * a)) + 1):
            r_i = (-1) ** i * b
            pts.append(((2 * i + 1) * a, r_i))
        max_c = (2 * a) * (d // (2 * a))
        if d != max_c:
            pts.append((d, r_i / (2 * (d - max_c))))
        rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        shapes.append((rot @ np.array(pts).T).T + [c0, 0.0])
    m = max((len(p) for p in shapes), default=0)
    padded = np.full((len(shapes), m, 2), np.nan)
    for k, p in enumerate(shapes):
        padded[k, :len(p)] = p
    out = padded[which.ravel()]
    out[:, :, 1] += np.asarray(r0, np.float64)[:, None]
    return out


def zigzag(x, rng):
    """The reference's zigzag: strokes 2 px long and 2 px high from column 2 (row r0,
    uniform in [0, h - 1)) to column w - 3 (row r0 + an integer in [-5, 5)), added to the
    ink as anti-aliased lines (:func:`line_from_points`)."""
    n, h, w = x.shape
    r0 = rng.integers(0, h - 1, n)
    r1 = r0 + rng.integers(-5, 5, n)

    def draw(keys):
        pts = zigzag_points(keys[:, 0].astype(np.float64), keys[:, 1].astype(np.float64),
                            2.0, w - 3.0)
        ink = np.zeros((len(keys), h, w))
        for j in range(1, pts.shape[1]):
            a, b = pts[:, j - 1], pts[:, j]
            ends = np.concatenate([a[:, 0], b[:, 0]])
            if np.isnan(ends).all():
                continue
            # a stroke inks only the columns between its ends: draw just those
            lo = int(np.clip(np.floor(np.nanmin(ends)), 0, w))
            hi = int(np.clip(np.ceil(np.nanmax(ends)) + 1, lo, w))
            ink[:, :, lo:hi] += line_from_points(a[:, 0], a[:, 1], b[:, 0], b[:, 1], h, w,
                                                 (lo, hi))
        return ink

    ink = _drawn_once(np.stack([r0, r1], 1), draw)
    return _u8(np.clip(_unit(x) + ink, 0, 1) * 255)


def canny_edges(x, rng):
    """Canny's edges (scikit-image's ``feature.canny`` with its defaults: sigma 1,
    thresholds 0.1 and 0.2 of full ink) in full ink on blank, image by image as the
    reference.

    The images are laid out as tiles of one mosaic, 6 px of blank apart, masked to their
    tiles, and given to ``canny`` at once (one call instead of one per image: 1 s instead
    of 4.4 s for MNIST's test split). Each tile's smoothing sees only itself and its
    outermost pixels are never edges, as for the image alone. One thing differs: the
    gradient of a tile's outermost pixels (the image alone mirrors its smoothed border; the
    mosaic has the blank gap there), which the pixels one in from the border compare
    themselves with. So only those pixels may differ from ``canny`` run image by image: 33
    of 251,539 edge pixels in MNIST's first 3,000 test images (tested)."""
    from skimage.feature import canny

    n, h, w = x.shape
    out = np.empty(x.shape, np.uint8)
    gap, per_row = 6, max(1, int(np.sqrt(CHUNK)))
    for start in range(0, n, CHUNK):
        part = _unit(x[start:start + CHUNK])
        k = len(part)
        rows = -(-k // per_row)
        tiles = np.zeros((rows * per_row, h + gap, w + gap))
        tiles[:k, gap:, gap:] = part
        inside = np.zeros(tiles.shape, bool)
        inside[:k, gap:, gap:] = True

        def lay(t, rows=rows):  # (rows * per_row, th, tw) -> one mosaic, blank edges
            t = t.reshape(rows, per_row, h + gap, w + gap).transpose(0, 2, 1, 3)
            return np.pad(t.reshape(rows * (h + gap), per_row * (w + gap)),
                          ((0, gap), (0, gap)))

        edges = canny(lay(tiles), mask=lay(inside))[:-gap, :-gap]
        edges = edges.reshape(rows, h + gap, per_row, w + gap).transpose(0, 2, 1, 3)
        out[start:start + k] = edges.reshape(-1, h + gap, w + gap)[:k, gap:, gap:] * 255
    return out


@dataclass(frozen=True)
class Corruption:
    """One corruption: name (summary.json's key, e.g. "glass_blur"), label ("glass blur"),
    apply(x uint8 (n, h, w), rng) -> uint8 (n, h, w), severity (the reference's parameters
    at the published severity, what a stage key holds), what (one phrase for the page),
    colour (apply takes RGB (n, h, w, 3) itself, instead of channel by channel)."""

    name: str
    label: str
    apply: Callable
    severity: object
    what: str
    colour: bool = False


#: MNIST-C's 15 corruptions at the published severities, in the reference's order.
CORRUPTIONS: dict[str, Corruption] = {c.name: c for c in (
    Corruption("shot_noise", "shot noise", shot_noise, 3,
               "Poisson noise, 3 photons at full ink"),
    Corruption("impulse_noise", "impulse noise", impulse_noise, 0.17,
               "17% of pixels turned black or white"),
    Corruption("glass_blur", "glass blur", glass_blur, [0.7, 1, 2],
               "blurred, pixels swapped with neighbours, blurred again"),
    Corruption("motion_blur", "motion blur", motion_blur, [10, 3],
               "smeared along a line at -45 to 45 degrees"),
    Corruption("shear", "shear", shear, 0.4, "sheared by 0.4 either way"),
    Corruption("scale", "scale", scale, 0.7, "shrunk to 70%"),
    Corruption("rotate", "rotate", rotate, 0.4, "rotated by 23 degrees either way"),
    Corruption("brightness", "brightness", brightness, 0.5, "brightness raised by 0.5",
               colour=True),
    Corruption("translate", "translate", translate, 3, "moved 3 px on each axis"),
    Corruption("stripe", "stripe", stripe, [0.25, 0.75],
               "the outer quarters of the columns inverted"),
    Corruption("fog", "fog", fog, [3.0, 1.4], "a fractal haze added"),
    Corruption("spatter", "spatter", spatter, [0.65, 0.3, 1, 0.65, 1.5],
               "splashes of grey mud"),
    Corruption("dotted_line", "dotted line", dotted_line, [2.3, 2],
               "a dotted line across"),
    Corruption("zigzag", "zigzag", zigzag, [2, 2], "a zigzag across"),
    Corruption("canny_edges", "canny edges", canny_edges, [1, 0.1, 0.2],
               "only the edges (Canny) left"),
)}


def corrupt(x: np.ndarray, name: str, seed: int = SEED) -> np.ndarray:
    """``x`` (uint8 (n, h, w), 0 = background, or (n, h, w, 3) RGB) under corruption
    ``name`` at its published severity, drawn from numpy's default_rng([seed, position of
    name]) (and the part's number, after the first part); uint8 of x's shape. Images are
    corrupted in parts of at most :data:`PIXEL_BUDGET` pixels (MNIST's 10,000 test images
    are one part), which bounds the memory whatever the image size. RGB images are
    corrupted channel by channel, each with the same draws, so a warp or a stroke lands at
    the same place in every channel (brightness works in HSV on the whole pixel). Raises
    KeyError for an unknown name."""
    c = CORRUPTIONS[name]
    x = np.asarray(x, dtype=np.uint8)
    if not len(x):
        return x.copy()
    per_part = max(1, PIXEL_BUDGET // int(np.prod(x.shape[1:3])))
    out = np.empty_like(x)
    for part, start in enumerate(range(0, len(x), per_part)):
        key = [seed, list(CORRUPTIONS).index(name), *([part] if part else [])]
        chunk = x[start:start + per_part]
        if chunk.ndim == 4 and not c.colour:
            out[start:start + per_part] = np.stack(
                [c.apply(np.ascontiguousarray(chunk[..., ch]), np.random.default_rng(key))
                 for ch in range(chunk.shape[3])], axis=-1)
        else:
            out[start:start + per_part] = c.apply(chunk, np.random.default_rng(key))
    return out


def severities() -> dict[str, object]:
    """{name: severity} of every corruption (what goes into a stage key)."""
    return {n: c.severity for n, c in CORRUPTIONS.items()}
