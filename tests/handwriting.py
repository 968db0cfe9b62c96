"""Digits drawn with PIL strokes, not from MNIST: the custom-test images.

Each digit is a few strokes (polylines and arcs in a unit box); a seed varies stroke width,
size, slant, rotation and position, so no two images are alike. Black ink on white paper,
larger than 28x28 and not centred. `python -m tests.handwriting data/test` rewrites the
shipped samples data/test/0.png ... 9.png.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw


def _arc(cx, cy, rx, ry, a0, a1, n=24):
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in np.linspace(a0, a1, n)]


# strokes in a unit box (x right, y down), about 0.6 wide and 1.0 tall
STROKES = {
    0: [_arc(0.5, 0.5, 0.28, 0.45, 0, 360, 40)],
    1: [[(0.38, 0.2), (0.52, 0.05), (0.52, 0.95)]],
    2: [_arc(0.5, 0.3, 0.27, 0.25, 200, 370, 20) + [(0.72, 0.42), (0.25, 0.95), (0.8, 0.95)]],
    3: [_arc(0.48, 0.28, 0.25, 0.22, 210, 450, 20), _arc(0.48, 0.72, 0.28, 0.24, 270, 510, 20)],
    4: [[(0.62, 0.95), (0.62, 0.05), (0.18, 0.68), (0.82, 0.68)]],
    5: [[(0.75, 0.07), (0.3, 0.07), (0.26, 0.45)] + _arc(0.48, 0.68, 0.28, 0.27, 230, 490, 24)],
    6: [[(0.68, 0.05)] + _arc(0.5, 0.68, 0.26, 0.27, 200, 200 + 360, 36)],
    7: [[(0.2, 0.07), (0.8, 0.07), (0.4, 0.95)]],
    8: [_arc(0.5, 0.27, 0.22, 0.22, 90, 450, 30), _arc(0.5, 0.72, 0.27, 0.24, -90, 270, 30)],
    9: [_arc(0.5, 0.3, 0.25, 0.25, 0, 360, 30), [(0.75, 0.3), (0.68, 0.95)]],
}


def draw_digit(digit: int, seed: int, size: tuple[int, int] | None = None) -> Image.Image:
    """An 'L' image of ``digit``: black strokes on white, random size/position/slant."""
    rng = np.random.default_rng(seed * 10 + digit)
    w, h = size or (int(rng.integers(60, 240)), int(rng.integers(60, 240)))
    height = rng.uniform(0.45, 0.8) * h
    width = height * rng.uniform(0.55, 0.85)
    x0 = rng.uniform(0.05 * w, max(0.06 * w, w - width - 0.05 * w))
    y0 = rng.uniform(0.05 * h, max(0.06 * h, h - height - 0.05 * h))
    slant = rng.uniform(-0.25, 0.25)
    rot = math.radians(rng.uniform(-10, 10))
    stroke = max(2, int(height * rng.uniform(0.06, 0.14)))
    img = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(img)
    for line in STROKES[digit]:
        pts = []
        for ux, uy in line:
            ux, uy = ux - 0.5 + slant * (0.5 - uy), uy - 0.5
            rx = ux * math.cos(rot) - uy * math.sin(rot)
            ry = ux * math.sin(rot) + uy * math.cos(rot)
            jitter = rng.normal(0, 0.01, 2)
            pts.append((x0 + (rx + 0.5 + jitter[0]) * width, y0 + (ry + 0.5 + jitter[1]) * height))
        d.line(pts, fill=0, width=stroke, joint="curve")
        r = stroke / 2
        for px, py in (pts[0], pts[-1]):
            d.ellipse((px - r, py - r, px + r, py + r), fill=0)
    return img


def digit_set(n_per_digit: int = 6, first_seed: int = 100) -> list[tuple[int, Image.Image]]:
    """(digit, image) pairs: n_per_digit of each digit, seeds apart from the samples'."""
    return [(d, draw_digit(d, first_seed + k)) for k in range(n_per_digit) for d in range(10)]


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "data/test")
    out.mkdir(parents=True, exist_ok=True)
    for d in range(10):
        draw_digit(d, seed=1).save(out / f"{d}.png", optimize=True)
