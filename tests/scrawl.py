"""A third non-MNIST digit set, for the benchmark only (the tool never ships it and the page
never shows it): handwriting-like scrawls whose pen width, blur and resolution vary far more
than MNIST's, unlike tests/handwriting.py (even strokes, always sharp) and tests/typeset.py
(fonts).

Each digit has several letter forms (an open and a closed 4, a 7 with or without a bar, a 1
with or without a flag and a foot ...), drawn as smooth wobbling pen paths with a pressure
that swells and thins along the stroke. The pen runs from a hairline (1% of the digit's
height) to a felt marker (20%). The scan is then degraded: grey paper, uneven light, blur of
up to 3% of the digit's height, sensor noise, a resolution from 10 px to 300 px of digit
height (small scans are what a phone's crop of a form gives) and JPEG compression. Labels
are the folder names.

`python -m tests.scrawl OUT 30` writes 30 images per digit into OUT/<digit>/.
"""

from __future__ import annotations

import io
import math
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def _arc(cx, cy, rx, ry, a0, a1, n=16):
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in np.linspace(a0, a1, n)]


#: Letter forms per digit: each a list of strokes (points in a unit box, y down).
FORMS = {
    0: [[_arc(0.5, 0.5, 0.3, 0.46, -100, 265, 30)],
        [_arc(0.5, 0.5, 0.22, 0.47, 0, 360, 30)]],
    1: [[[(0.5, 0.02), (0.5, 0.98)]],
        [[(0.3, 0.25), (0.55, 0.02), (0.55, 0.98)], [(0.35, 0.98), (0.75, 0.98)]],
        [[(0.35, 0.18), (0.6, 0.02), (0.45, 0.98)]]],
    2: [[_arc(0.5, 0.28, 0.3, 0.26, 190, 360, 14) + [(0.78, 0.35), (0.2, 0.97), (0.85, 0.95)]],
        [_arc(0.48, 0.3, 0.28, 0.28, 200, 380, 14) + [(0.3, 0.85)]
         + _arc(0.3, 0.9, 0.08, 0.07, 270, 90, 8)[::-1] + [(0.85, 0.93)]]],
    3: [[_arc(0.45, 0.27, 0.3, 0.24, 200, 440, 16) + _arc(0.45, 0.74, 0.33, 0.25, 280, 520, 16)],
        [[(0.2, 0.05), (0.8, 0.05), (0.42, 0.42)] + _arc(0.45, 0.7, 0.33, 0.27, 280, 520, 16)]],
    4: [[[(0.65, 0.98), (0.65, 0.02), (0.12, 0.65), (0.88, 0.65)]],
        [[(0.25, 0.02), (0.18, 0.55), (0.85, 0.55)], [(0.68, 0.2), (0.68, 0.98)]]],
    5: [[[(0.8, 0.05), (0.3, 0.05), (0.25, 0.45)] + _arc(0.5, 0.68, 0.3, 0.28, 220, 500, 16)],
        [[(0.28, 0.05), (0.22, 0.48)] + _arc(0.5, 0.68, 0.3, 0.28, 220, 500, 16),
         [(0.28, 0.05), (0.82, 0.03)]]],
    6: [[[(0.72, 0.02)] + _arc(0.5, 0.7, 0.28, 0.27, 200, 560, 26)],
        [[(0.65, 0.02), (0.3, 0.5)] + _arc(0.5, 0.72, 0.24, 0.24, 180, 540, 22)]],
    7: [[[(0.15, 0.05), (0.85, 0.05), (0.35, 0.98)]],
        [[(0.15, 0.08), (0.85, 0.05), (0.45, 0.98)], [(0.35, 0.5), (0.8, 0.5)]]],
    8: [[_arc(0.5, 0.27, 0.25, 0.23, 90, 450, 22), _arc(0.5, 0.73, 0.3, 0.25, -90, 270, 22)],
        [[(0.7, 0.1)] + _arc(0.5, 0.25, 0.22, 0.2, -30, -270, 12) + [(0.75, 0.65)]
         + _arc(0.5, 0.75, 0.25, 0.22, 0, 180, 10) + [(0.7, 0.1)]]],
    9: [[_arc(0.5, 0.3, 0.28, 0.26, 0, 360, 24), [(0.78, 0.3), (0.75, 0.98)]],
        [_arc(0.48, 0.3, 0.27, 0.26, 10, 370, 24) + [(0.72, 0.5)]
         + _arc(0.45, 0.72, 0.27, 0.26, 0, 130, 10)]],
}


def _smooth(points: np.ndarray, n: int) -> np.ndarray:
    """Resample a polyline to n points along its length, then soften its corners a little."""
    seg = np.r_[0, np.cumsum(np.hypot(*np.diff(points, axis=0).T))]
    t = np.linspace(0, seg[-1], n)
    out = np.c_[np.interp(t, seg, points[:, 0]), np.interp(t, seg, points[:, 1])]
    k = np.ones(3) / 3
    for axis in (0, 1):
        inner = np.convolve(out[:, axis], k, mode="same")
        out[1:-1, axis] = inner[1:-1]
    return out


def draw_digit(digit: int, rng: np.random.Generator, pen_range=(0.012, 0.2),
               shift=(0.0, 0.0)) -> tuple[Image.Image, float, float, int]:
    """``digit`` in one of its forms, slanted, turned, wobbling, in a pen of a width drawn
    log-uniformly from ``pen_range`` (shares of its height), 400 px high on a square canvas
    1.8 x that, moved by ``shift`` (shares of the canvas) from the centre. Returns ('L'
    image, white ink on black, the digit's height, the pen's width, the canvas side)."""
    forms = FORMS[digit]
    strokes = forms[int(rng.integers(len(forms)))]
    height = 400.0  # drawn large, then scanned at a random resolution
    width = height * rng.uniform(0.5, 0.9)
    slant, rot = rng.uniform(-0.35, 0.3), math.radians(rng.uniform(-14, 14))
    pen = height * float(np.exp(rng.uniform(np.log(pen_range[0]), np.log(pen_range[1]))))
    wobble_f, wobble_a = rng.uniform(1, 4), rng.uniform(0, 0.025)
    canvas = int(height * 1.8)
    x0 = (canvas - width) / 2 + shift[0] * canvas
    y0 = (canvas - height) / 2 + shift[1] * canvas
    img = Image.new("L", (canvas, canvas), 0)
    draw = ImageDraw.Draw(img)
    for line in strokes:
        pts = _smooth(np.asarray(line, dtype=float), 80)
        phase = rng.uniform(0, 2 * math.pi, 2)
        s = np.linspace(0, 1, len(pts))
        pts = pts + wobble_a * np.c_[np.sin(2 * math.pi * wobble_f * s + phase[0]),
                                     np.cos(2 * math.pi * wobble_f * s + phase[1])]
        ux, uy = pts[:, 0] - 0.5 + slant * (0.5 - pts[:, 1]), pts[:, 1] - 0.5
        rx = ux * math.cos(rot) - uy * math.sin(rot)
        ry = ux * math.sin(rot) + uy * math.cos(rot)
        xs, ys = x0 + (rx + 0.5) * width, y0 + (ry + 0.5) * height
        pressure = 1 + 0.35 * np.sin(math.pi * s * rng.uniform(1, 3) + rng.uniform(0, 6))
        for x, y, p in zip(xs, ys, pressure, strict=True):
            r = max(0.5, pen * p / 2)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return img, height, pen, canvas


def scrawl_digit(digit: int, seed: int) -> Image.Image:
    """One scanned scrawl of ``digit``: 'L' image, dark ink on light paper."""
    rng = np.random.default_rng([seed, digit, 7])
    img, height, pen, canvas = draw_digit(digit, rng)
    ink = np.asarray(img, dtype=np.float32) / 255.0
    # scan: blur, resolution, paper and light, noise, JPEG
    blurred = Image.fromarray((ink * 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(height * rng.uniform(0, 0.03)))
    digit_px = float(np.exp(rng.uniform(np.log(10), np.log(300))))
    digit_px = max(digit_px, 0.8 * height / pen)  # a scan keeps strokes of 0.8 px or more
    side = max(8, int(canvas * digit_px / height))
    small = blurred.resize((side, side), Image.Resampling.BILINEAR)
    ink = np.asarray(small, dtype=np.float32) / 255.0
    paper = rng.uniform(0.7, 1.0)
    dark = rng.uniform(0.0, 0.35)
    yy, xx = np.mgrid[0:side, 0:side] / side
    light = 1 - rng.uniform(0, 0.15) * (xx * rng.uniform(-1, 1) + yy * rng.uniform(-1, 1))
    gray = (paper * (1 - ink) + dark * ink) * light
    gray = gray + rng.normal(0, rng.uniform(0, 0.04), gray.shape)
    # crop off-centre, as a phone or a scanner frames it
    cut = rng.uniform(0, 0.12, 4)
    box = (int(cut[0] * side), int(cut[1] * side), side - int(cut[2] * side),
           side - int(cut[3] * side))
    out = Image.fromarray(np.clip(gray * 255, 0, 255).astype(np.uint8)).crop(box)
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=int(rng.integers(35, 95)))
    buf.seek(0)
    return Image.open(buf).convert("L")


def write_set(out: Path, per_digit: int, first_seed: int = 0, make=None) -> int:
    """Write per_digit images of each digit as out/<digit>/<k>.png, each make(digit, seed)
    (default: :func:`scrawl_digit`); returns the count."""
    make = make or scrawl_digit
    for digit in range(10):
        folder = out / str(digit)
        folder.mkdir(parents=True, exist_ok=True)
        for k in range(per_digit):
            make(digit, first_seed + k).save(folder / f"{k:03d}.png")
    return 10 * per_digit


if __name__ == "__main__":
    write_set(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 30)
