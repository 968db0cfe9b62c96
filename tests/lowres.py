"""A fourth non-MNIST digit set, for the benchmark only (never shipped, never shown): digits
scanned at a low resolution and scaled up, as a form's scan or a thumbnail gives them,
unlike tests/scrawl.py (whose scans keep their own, mostly larger, resolution).

Each digit is drawn as tests/scrawl.py draws it (its letter forms, slant, wobble and
pressure), with a pen from thin (3% of the digit's height, and at least 0.8 px of the scan)
to thick (25%), away from the
centre of the page (up to 20% of the page's side either way). It is then scanned with the
digit 7 to 16 px high, sometimes thresholded to black and white as a fax or a cheap scanner
does, scaled up 4 to 12 times with nearest-neighbour (blocky) or bilinear (soft blocks)
filtering, and laid on grey paper with a little noise. Labels are the folder names.

`python -m tests.lowres OUT 30` writes 30 images per digit into OUT/<digit>/.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

from tests.scrawl import draw_digit
from tests.scrawl import write_set as write_scrawl_like


def lowres_digit(digit: int, seed: int) -> Image.Image:
    """One low-resolution, scaled-up scan of ``digit``: 'L' image, dark ink on light paper."""
    rng = np.random.default_rng([seed, digit, 11])
    digit_px = rng.uniform(7, 16)
    # a legible scan: the pen covers at least 0.8 px of it
    thinnest = min(max(0.03, 0.8 / digit_px), 0.25)
    img, height, _, canvas = draw_digit(digit, rng, pen_range=(thinnest, 0.25),
                                        shift=tuple(rng.uniform(-0.2, 0.2, 2)))
    side = max(6, int(round(canvas * digit_px / height)))
    small = np.asarray(img.resize((side, side), Image.Resampling.BOX), np.float32) / 255
    if rng.random() < 0.35:  # a black-and-white scan
        small = (small > rng.uniform(0.3, 0.6)).astype(np.float32)
    paper, dark = rng.uniform(0.75, 1.0), rng.uniform(0.0, 0.3)
    gray = paper * (1 - small) + dark * small
    scan = Image.fromarray(np.clip(gray * 255, 0, 255).astype(np.uint8))
    factor = int(rng.integers(4, 13))
    filt = Image.Resampling.NEAREST if rng.random() < 0.6 else Image.Resampling.BILINEAR
    big = np.asarray(scan.resize((side * factor, side * factor), filt), np.float32)
    big = big + rng.normal(0, rng.uniform(0, 4), big.shape)
    return Image.fromarray(np.clip(big, 0, 255).astype(np.uint8))


def write_set(out: Path, per_digit: int, first_seed: int = 0) -> int:
    """Write per_digit scans of each digit as out/<digit>/<k>.png; returns the count."""
    return write_scrawl_like(out, per_digit, first_seed, make=lowres_digit)


if __name__ == "__main__":
    write_set(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 30)
