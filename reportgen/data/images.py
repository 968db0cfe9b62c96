"""A user's own images for the custom test: read any common format as ink, and normalise
it as the dataset's card says (its ``preprocessing``): the way MNIST's digits were
("mnist-box", below), or resized to the dataset's image size ("resize").

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
from .card import BUILTIN_INFO, DatasetInfo

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}
#: Ink below this fraction of the strongest ink is treated as paper when finding the box.
INK_THRESHOLD = 0.2


def on_white(im):
    """A Pillow image with transparency (RGBA, LA, PA, or a palette with a transparent
    colour) composited onto white paper, as RGB; None when it has no transparency."""
    from PIL import Image

    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("RGB")
    return None


def load_ink(path: Path) -> np.ndarray:
    """Read an image as float32 (h, w) ink intensity in [0, 1]: 0 = paper, 1 = darkest ink.

    Accepts PNG/JPEG/BMP/WebP of any size, grayscale, RGB or RGBA (transparent = paper).
    Polarity is detected from the border: a light border means dark ink on light paper and
    the image is inverted. The paper (paper_level: the border's median, or a surface fit
    to the border when a shadow shades it) and one robust standard deviation of its grain
    are subtracted. Raises ImageError (one line naming the file) for a file that is
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
                flat = on_white(im)
                transparent = flat is not None
                gray = (flat if transparent else im).convert("L")
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
    paper, noise = paper_level(a)
    # paper grain, sensor noise and JPEG ringing: up to one robust standard deviation of
    # the border above the paper is not ink
    a = np.clip(a - paper - noise, 0.0, 1.0)
    if a.max() < 0.1:
        raise ImageError(f"{path}: blank image (no ink found)")
    return a / a.max()


#: A paper whose fitted level varies by more than this (a fraction of full ink) across the
#: image, and by more than twice its grain, is shaded: its level is taken pixel by pixel.
SHADE = 0.05
#: Images narrower than this (px) are too small for a shade to be told from the digit.
MIN_SHADED_SIDE = 16


def _mad_sigma(v: np.ndarray) -> float:
    """A robust standard deviation: 1.4826 x the median absolute deviation."""
    return 1.4826 * float(np.median(np.abs(v - np.median(v))))


def paper_level(ink: np.ndarray) -> tuple[float | np.ndarray, float]:
    """The paper's level under an ink image (float32 (h, w), ink high, paper low) and its
    grain (a robust standard deviation), both from the image's border pixels.

    The level is the border's median, unless the paper is shaded (a phone photo's shadow,
    uneven light): then it is a quadratic surface in x and y fit to the border by least
    squares, three times, each time without the pixels more than 3 robust standard
    deviations off (ink that touches the border), and is returned as a float (h, w) array.
    Shaded means the surface spans more than SHADE and more than twice the grain; an image
    under MIN_SHADED_SIDE px on a side is never shaded."""
    h, w = ink.shape
    rows, cols = np.arange(h), np.arange(w)
    # the border's pixels: top row, bottom row, left column, right column
    ys = np.concatenate([np.zeros_like(cols), np.full_like(cols, h - 1), rows, rows])
    xs = np.concatenate([cols, cols, np.zeros_like(rows), np.full_like(rows, w - 1)])
    values = ink[ys, xs].astype(np.float64)
    level, grain = float(np.median(values)), _mad_sigma(values)
    if min(h, w) < MIN_SHADED_SIDE:
        return level, grain
    ys, xs = ys / (h - 1), xs / (w - 1)
    design = np.stack([np.ones_like(xs), xs, ys, xs * ys, xs * xs, ys * ys], axis=1)
    keep = np.ones(len(values), dtype=bool)
    for _ in range(3):
        coef = np.linalg.lstsq(design[keep], values[keep], rcond=None)[0]
        residual = values - design @ coef
        keep = np.abs(residual - np.median(residual[keep])) <= 3 * _mad_sigma(
            residual[keep]) + 1e-6
    y = (rows / (h - 1)).astype(np.float32)[:, None]
    x = (cols / (w - 1)).astype(np.float32)[None, :]
    c = coef.astype(np.float32)
    surface = c[0] + c[1] * x + c[2] * y + c[3] * x * y + c[4] * x * x + c[5] * y * y
    if float(surface.max() - surface.min()) <= max(SHADE, 2 * grain):
        return level, grain
    return surface, _mad_sigma(residual[keep])


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


#: MNIST's stroke width in its 20 px box, as 2 x ink area / ink perimeter of the pixels at
#: half the strongest ink or more: median 1.84 px, 25th percentile 1.57 px (measured on the
#: first 2,000 test images). Thinner strokes (a fine pen scanned large) are thickened to
#: MIN_STROKE, as MNIST's own were written with similar, thicker pens.
MIN_STROKE = 1.57
#: The digit is worked on at this multiple of the 20 px box before its final reduction.
_WORK = 4


def stroke_width(ink: np.ndarray) -> float:
    """Mean stroke width in px of an ink image (float or uint8 (h, w), 0 = paper): 2 x area /
    perimeter of the pixels at half the strongest ink or more (for a long stroke of width
    w, area = length x w and perimeter ~ 2 x length). 0.0 for an image without ink."""
    m = ink > 0.5 * float(ink.max() if ink.size else 0)
    if not m.any():
        return 0.0
    pad = np.pad(m, 1)
    edges = (pad[1:, :] != pad[:-1, :]).sum() + (pad[:, 1:] != pad[:, :-1]).sum()
    return float(2 * m.sum() / edges)


def _fit(img, side: int):
    """Pillow image resized (Lanczos, anti-aliased) so its longer side is ``side`` px."""
    from PIL import Image

    scale = side / max(img.size)
    return img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))),
                      Image.Resampling.LANCZOS)


def _crop(ink: np.ndarray) -> np.ndarray:
    """The bounding box of the ink above INK_THRESHOLD of its strongest; raises ImageError
    when there is none."""
    mask = ink > INK_THRESHOLD * float(ink.max() if ink.size else 0)
    if not mask.any():
        raise ImageError("blank image (no ink found)")
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def mnist_normalize(ink: np.ndarray) -> np.ndarray:
    """Turn an ink image (float (h, w), 0 = paper, 1 = ink) into an MNIST-like uint8
    (28, 28) image: crop to the ink's bounding box, scale to fit 20x20 keeping the aspect
    ratio (Lanczos, anti-aliased), paste into 28x28 so the centre of mass is at the centre
    (LeCun et al., the MNIST page). Strokes thinner than MNIST's (MIN_STROKE at 20 px) are
    first thickened by grey-scale dilation (3x3 max filter) at 4x that size.
    Raises ImageError when there is no ink."""
    from PIL import Image, ImageFilter

    work = _fit(Image.fromarray((_crop(ink) * 255).astype(np.uint8)), 20 * _WORK)
    for _ in range(8):
        if stroke_width(np.asarray(work)) >= MIN_STROKE * _WORK:
            break
        work = work.filter(ImageFilter.MaxFilter(3))
    work = Image.fromarray(_crop(np.asarray(work, dtype=np.float32) / 255.0) * 255)
    small = np.clip(np.asarray(_fit(work, 20), dtype=np.float32), 0, 255)
    nh, nw = small.shape
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


def naive_preprocess(ink: np.ndarray, shape: tuple[int, ...] = (28, 28)) -> np.ndarray:
    """The baseline the original used: the whole image resized to ``shape`` ((h, w), or
    (h, w, 3): the grey ink repeated), no box, no centring (ink already turned
    light-on-dark). uint8 array of ``shape``."""
    from PIL import Image

    img = Image.fromarray((ink * 255).astype(np.uint8))
    small = np.asarray(img.resize((shape[1], shape[0]), Image.Resampling.LANCZOS),
                       dtype=np.uint8)
    return np.repeat(small[:, :, None], shape[2], axis=2) if len(shape) == 3 else small


#: The custom test's preprocessings (a dataset card's ``preprocessing``), and what the page
#: says of each ({n}: the number of images; {name}, {h}, {w}: the dataset's name and size).
PREPROCESSINGS = {
    "mnist-box": "{n} image(s) that are not from MNIST, preprocessed like MNIST's own digits: "
                 "the ink's bounding box scaled to fit 20x20 keeping the aspect ratio, pasted "
                 "into 28x28 with its centre of mass at the centre (LeCun et al., the MNIST "
                 "page).",
    "resize": "{n} image(s) that are not from {name}, each resized to {h}x{w} px.",
}


def preprocess(ink: np.ndarray, info: DatasetInfo, naive: bool = False) -> np.ndarray:
    """``ink`` (float (h, w), 0 = paper, 1 = ink) as the model of a dataset described by
    ``info`` takes it: :func:`mnist_normalize` for its "mnist-box" preprocessing (unless
    ``naive``), else :func:`naive_preprocess` to its image shape. Raises ImageError when
    there is no ink."""
    if info.preprocessing == "mnist-box" and not naive:
        return mnist_normalize(ink)
    return naive_preprocess(ink, info.image_shape)


def label_of(path: Path, info: DatasetInfo = BUILTIN_INFO) -> int | None:
    """The true class of a file: its parent folder's name when that is a class name of
    ``info`` or a label (``7/any.png``, ``7/000.png``), else its stem when that is one
    (``7.png``), else None. A label is written without leading zeros: ``000.png`` is a
    file's number, not class 0."""
    path = Path(path)
    for name in (path.parent.name, path.stem):
        if name in info.classes:
            return info.classes.index(name)
        if re.fullmatch(r"0|[1-9]\d*", name) and int(name) < info.n_classes:
            return int(name)
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


