"""A user's own digit images: read any common format as ink, and normalise it the way
MNIST's digits were.

MNIST normalisation (LeCun, Cortes & Burges, "THE MNIST DATABASE of handwritten digits",
yann.lecun.com/exdb/mnist): "The original black and white images were size normalized to
fit in a 20x20 pixel box while preserving their aspect ratio ... anti-aliasing ... the
images were centered in a 28x28 image by computing the center of mass of the pixels, and
translating the image so as to position this point at the center of the 28x28 field."
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np

from ..errors import ImageError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}
#: Ink below this fraction of the strongest ink is treated as paper when finding the box.
INK_THRESHOLD = 0.2


def load_ink(path: Path) -> np.ndarray:
    """Read an image as float32 (h, w) ink intensity in [0, 1]: 0 = paper, 1 = darkest ink.

    Accepts PNG/JPEG/BMP/WebP of any size, grayscale, RGB or RGBA (transparent = paper).
    Polarity is detected from the border: a light border means dark ink on light paper and
    the image is inverted. Raises ImageError (one line naming the file) for a file that is
    not an image, a truncated image, one over Pillow's decompression-bomb limit, or a blank
    image with no ink.
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if path.exists() and not path.is_dir() and not path.is_file():
        raise ImageError(f"{path}: not a regular file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                im.load()
                if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency"
                                                       in im.info):
                    rgba = im.convert("RGBA")
                    paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                    gray = Image.alpha_composite(paper, rgba).convert("L")
                    transparent = True
                else:
                    gray = im.convert("L")
                    transparent = False
    except FileNotFoundError:
        raise ImageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImageError(f"{path}: is a folder") from None
    except UnidentifiedImageError:
        raise ImageError(f"{path}: not an image Pillow can read") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"{path}: image too large (over Pillow's decompression-bomb "
                         "limit)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{path}: truncated or corrupt image ({exc})") from None
    a = np.asarray(gray, dtype=np.float32) / 255.0
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    if transparent or np.median(border) > 0.5:
        a = 1.0 - a  # dark ink on light paper -> ink is high
    background = float(np.median(np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])))
    a = np.clip(a - background, 0.0, 1.0)
    if a.max() < 0.1:
        raise ImageError(f"{path}: blank image (no ink found)")
    return a / a.max()


#: MNIST's digits fill a 20 px box; an image whose ink spans fewer pixels is upscaled into
#: it, and reads blurred or blocky (LeCun et al., the MNIST page: the 20x20 box).
MIN_INK_SIDE = 20
#: In MNIST's test split the ink (above INK_THRESHOLD) covers at least 20% of its bounding
#: box (the 0.1st percentile; median 43%); under half of that the strokes are far thinner
#: than MNIST's, or the box is mostly empty (a stray mark far from the digit).
MIN_INK_FILL = 0.10


def style_notes(ink: np.ndarray) -> list[str]:
    """How an ink image (float (h, w), 0 = paper, 1 = ink) is far from MNIST's style, one
    phrase each: its ink spans fewer than MIN_INK_SIDE px ("low resolution"), or covers
    under MIN_INK_FILL of its bounding box ("mostly empty"). [] for an MNIST-like image or
    one with no ink."""
    mask = ink > INK_THRESHOLD * float(ink.max() if ink.size else 0)
    if not mask.any():
        return []
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    crop = mask[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    notes = []
    if max(crop.shape) < MIN_INK_SIDE:
        notes.append(f"low resolution: the digit spans {max(crop.shape)} px "
                     f"(MNIST's fill a {MIN_INK_SIDE} px box)")
    if crop.mean() < MIN_INK_FILL:
        notes.append(f"mostly empty: ink covers {crop.mean() * 100:.0f}% of its box "
                     f"(MNIST's at least {MIN_INK_FILL * 200:.0f}%)")
    return notes


def mnist_normalize(ink: np.ndarray) -> np.ndarray:
    """Turn an ink image (float (h, w), 0 = paper, 1 = ink) into an MNIST-like uint8
    (28, 28) image: crop to the ink's bounding box, scale to fit 20x20 keeping the aspect
    ratio (Lanczos, anti-aliased), paste into 28x28 so the centre of mass is at the centre.
    Raises ImageError when there is no ink."""
    from PIL import Image

    mask = ink > INK_THRESHOLD * float(ink.max() if ink.size else 0)
    if not mask.any():
        raise ImageError("blank image (no ink found)")
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = 20.0 / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    img = Image.fromarray((crop * 255).astype(np.uint8))
    small = np.asarray(img.resize((nw, nh), Image.Resampling.LANCZOS), dtype=np.float32)
    small = np.clip(small, 0, 255)
    total = small.sum()
    ys, xs = np.indices(small.shape)
    cy, cx = (ys * small).sum() / total, (xs * small).sum() / total
    top = int(np.clip(round(14 - cy - 0.5), 0, 28 - nh))
    left = int(np.clip(round(14 - cx - 0.5), 0, 28 - nw))
    out = np.zeros((28, 28), dtype=np.float32)
    out[top:top + nh, left:left + nw] = small
    if out.max() > 0:
        out = out * (255.0 / out.max())
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def naive_preprocess(ink: np.ndarray) -> np.ndarray:
    """The baseline the original used: the whole image resized to 28x28, no box, no
    centring (ink already turned light-on-dark). uint8 (28, 28)."""
    from PIL import Image

    img = Image.fromarray((ink * 255).astype(np.uint8))
    return np.asarray(img.resize((28, 28), Image.Resampling.LANCZOS), dtype=np.uint8)


def label_of(path: Path) -> int | None:
    """The true digit of a file: its stem when that is one digit (``7.png``), else its
    parent folder's name when that is one digit (``7/any.png``), else None."""
    path = Path(path)
    if re.fullmatch(r"\d", path.stem):
        return int(path.stem)
    if re.fullmatch(r"\d", path.parent.name):
        return int(path.parent.name)
    return None


def collect_images(inputs: list[Path]) -> tuple[list[Path], list[str]]:
    """Expand files and folders (recursively, sorted) into image files. Returns (files,
    problems): a missing path or a folder without images is a one-line problem."""
    files, problems = [], []
    for p in map(Path, inputs):
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file()
                           and f.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                problems.append(f"{p}: folder holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
            files.extend(found)
        elif p.is_file():
            files.append(p)
        elif p.exists():  # a FIFO or device would block or never end: regular files only
            problems.append(f"{p}: not a regular file")
        else:
            problems.append(f"{p}: no such file or folder")
    return files, problems


