"""A second non-MNIST digit set, unlike the PIL strokes of tests/handwriting.py: digits
typeset in the DejaVu fonts that matplotlib ships (sans, serif, mono; book, bold, oblique),
then photographed badly: random size, rotation and position on grey-ish paper, uneven
light, blur, sensor noise, and JPEG compression. Labels are the folder names.

`python -m tests.typeset OUT 10` writes 10 images per digit into OUT/<digit>/.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont


def fonts() -> list[Path]:
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return sorted(p for p in folder.glob("DejaVu*.ttf") if "Display" not in p.name)


def typeset_digit(digit: int, seed: int) -> Image.Image:
    """One photographed typeset digit: RGB, 64-256 px, dark ink on light paper."""
    rng = np.random.default_rng(seed)
    font_path = fonts()[rng.integers(len(fonts()))]
    size = int(rng.integers(64, 257))
    glyph_px = int(size * rng.uniform(0.45, 0.8))
    font = ImageFont.truetype(str(font_path), glyph_px)
    paper = int(rng.integers(170, 250))
    ink = int(rng.integers(0, 90))
    canvas = Image.new("L", (size * 2, size * 2), paper)
    draw = ImageDraw.Draw(canvas)
    box = draw.textbbox((0, 0), str(digit), font=font)
    w, h = box[2] - box[0], box[3] - box[1]
    x = size - w // 2 + int(rng.integers(-size // 8, size // 8 + 1)) - box[0]
    y = size - h // 2 + int(rng.integers(-size // 8, size // 8 + 1)) - box[1]
    draw.text((x, y), str(digit), fill=ink, font=font)
    canvas = canvas.rotate(float(rng.uniform(-15, 15)), resample=Image.Resampling.BICUBIC,
                           fillcolor=paper)
    img = canvas.crop((size // 2, size // 2, size // 2 + size, size // 2 + size))
    img = img.filter(ImageFilter.GaussianBlur(float(rng.uniform(0, 1.5))))
    a = np.asarray(img, dtype=np.float32)
    yy, xx = np.mgrid[0:size, 0:size] / size
    a = a * (1 - 0.25 * rng.uniform() * (xx + yy) / 2)  # uneven light
    a = a + rng.normal(0, rng.uniform(2, 10), a.shape)  # sensor noise
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=int(rng.integers(40, 90)))
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def write_set(out: Path, per_digit: int, seed: int = 1000) -> list[Path]:
    """Write OUT/<digit>/<k>.jpg; returns the files."""
    files = []
    for d in range(10):
        (Path(out) / str(d)).mkdir(parents=True, exist_ok=True)
        for k in range(per_digit):
            path = Path(out) / str(d) / f"{k:03d}.jpg"
            typeset_digit(d, seed + 100 * d + k).save(path, quality=95)
            files.append(path)
    return files


if __name__ == "__main__":
    write_set(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 10)
