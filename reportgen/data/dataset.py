"""Load and validate MNIST in Keras' ``mnist.npz`` layout or as the four original IDX files.

Source of the format: LeCun, Cortes & Burges, "THE MNIST DATABASE of handwritten digits"
(yann.lecun.com/exdb/mnist): IDX files are big-endian, magic 0x00000803 for images
(count, rows, cols) and 0x00000801 for labels (count); pixel 0 is background, 255 is ink.
"""

from __future__ import annotations

import gzip
import hashlib
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DatasetError

SPLITS = ("train", "test")
KEYS = ("x_train", "y_train", "x_test", "y_test")
DIGITS = tuple(range(10))
DIGIT_NAMES = ("Zeros", "Ones", "Twos", "Threes", "Fours", "Fives", "Sixes", "Sevens",
               "Eights", "Nines")

#: file stems of the four IDX files, per array key (the t10k-* files are the test split)
IDX_STEMS = {
    "x_train": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "y_train": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "x_test": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "y_test": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}
IDX_MAGIC_IMAGES = 0x00000803
IDX_MAGIC_LABELS = 0x00000801
#: The most images a split may declare: the MNIST family's largest (EMNIST ByClass, 697,932
#: training images) with headroom. Sizes are checked against it before anything is
#: allocated, so a 3 MB file claiming 10^9 images fails in one line, not in swap.
MAX_IMAGES = 1_000_000


@dataclass(frozen=True)
class Dataset:
    """MNIST in memory.

    x_train: uint8 array (n_train, 28, 28), 0 = background, 255 = ink.
    y_train: uint8 array (n_train,), digits 0-9.
    x_test, y_test: the same for the test split.
    path: where it was loaded from. digest: see :func:`digest`.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    path: Path
    digest: str = field(default="")

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of split ``name`` ('train' or 'test'); raises ValueError otherwise."""
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}; expected one of {SPLITS}")
        return (self.x_train, self.y_train) if name == "train" else (self.x_test, self.y_test)

    def class_counts(self, split: str) -> list[int]:
        """Number of images of each digit 0-9 in ``split``, as a list of 10 ints."""
        return class_counts(self.split(split)[1])


def class_counts(y: np.ndarray) -> list[int]:
    """Counts of labels 0-9 in ``y`` (int array (n,)) as a list of 10 ints."""
    return [int(c) for c in np.bincount(np.asarray(y, dtype=np.int64), minlength=10)[:10]]


def digest(x_train, y_train, x_test, y_test) -> str:
    """sha256 (hex) of the four arrays' C-order bytes in the order x_train, y_train, x_test, y_test.

    For the real MNIST this is 06b0d1f124c4e5fa796686ade41a9b778edacc8622f2195a352ef479ad44fc16.
    """
    h = hashlib.sha256()
    for arr in (x_train, y_train, x_test, y_test):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def load_dataset(path: Path | str) -> Dataset:
    """Load MNIST from a Keras-layout ``.npz`` file or a folder of the four IDX files.

    The folder may hold raw or gzip-compressed IDX files (``train-images-idx3-ubyte[.gz]`` …).
    Raises DatasetError (one line naming the file and the problem) when the path is missing,
    the file is not a zip/npz, a key is missing, a dtype or shape is wrong, labels lie outside
    0-9, image and label counts differ, or an IDX magic number or size is wrong.
    """
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"{path}: no such file or folder")
    if not path.is_dir() and not path.is_file():
        raise DatasetError(f"{path}: not a regular file (a FIFO or device is not read)")
    arrays = _load_idx_folder(path) if path.is_dir() else _load_npz(path)
    validate(arrays, path)
    return Dataset(**arrays, path=path, digest=digest(*(arrays[k] for k in KEYS)))


def _load_npz(path: Path) -> dict[str, np.ndarray]:
    if not zipfile.is_zipfile(path):
        raise DatasetError(f"{path}: not an .npz file (not a zip archive)")
    try:
        _check_npz_sizes(path)
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in KEYS if k not in npz.files]
            if missing:
                raise DatasetError(
                    f"{path}: missing key(s) {', '.join(missing)} "
                    f"(found: {', '.join(sorted(npz.files)) or 'none'})")
            return {k: npz[k] for k in KEYS}
    except DatasetError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise DatasetError(f"{path}: unreadable .npz ({exc})") from None


def _check_npz_sizes(path: Path) -> None:
    """Refuse, before allocating, an array whose declared shape or uncompressed size is
    larger than MAX_IMAGES images (or labels) allow."""
    with zipfile.ZipFile(path) as zf:
        for key in KEYS:
            try:
                info = zf.getinfo(f"{key}.npy")
            except KeyError:
                continue  # reported as a missing key
            per_item = 28 * 28 if key.startswith("x") else 8
            if info.file_size > MAX_IMAGES * per_item + 65536:
                raise DatasetError(f"{path}: {key} is {info.file_size:,} bytes uncompressed, "
                                   f"more than {MAX_IMAGES:,} images allow")
            with zf.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                        else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read(fh)
            if dtype.hasobject or (shape and shape[0] > MAX_IMAGES) or (
                    int(np.prod(shape, dtype=object)) * dtype.itemsize > info.file_size):
                raise DatasetError(f"{path}: {key} declares shape {shape} of {dtype}, more "
                                   f"than the file holds or {MAX_IMAGES:,} images allow")


def _find_idx(folder: Path, key: str) -> Path:
    for stem in IDX_STEMS[key]:
        for name in (stem, stem + ".gz"):
            if (folder / name).is_file():
                return folder / name
    raise DatasetError(f"{folder}: missing IDX file {IDX_STEMS[key][0]} (or .gz)")


def _load_idx_folder(folder: Path) -> dict[str, np.ndarray]:
    return {key: read_idx(_find_idx(folder, key), images=key.startswith("x"))
            for key in KEYS}


def read_idx(path: Path, *, images: bool) -> np.ndarray:
    """Read one IDX file (raw or .gz): uint8 (n, rows, cols) for images, uint8 (n,) for labels.

    Raises DatasetError when the magic number is not 0x00000803 (images) / 0x00000801
    (labels), the header is short or the data size disagrees with the header.
    """
    path = Path(path)
    want = IDX_MAGIC_IMAGES if images else IDX_MAGIC_LABELS
    header = 16 if images else 8
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as fh:
            head = fh.read(header)
            if len(head) < header:
                raise DatasetError(f"{path}: too short for an IDX header ({len(head)} bytes)")
            magic = struct.unpack(">I", head[:4])[0]
            if magic != want:
                raise DatasetError(
                    f"{path}: wrong IDX magic number 0x{magic:08x}, expected 0x{want:08x} "
                    f"({'images' if images else 'labels'})")
            shape = struct.unpack(">III", head[4:16]) if images else struct.unpack(
                ">I", head[4:8])
            if shape[0] > MAX_IMAGES or (images and shape[1:] != (28, 28)):
                raise DatasetError(f"{path}: IDX header declares shape {shape}; expected at "
                                   f"most {MAX_IMAGES:,} {'28x28 images' if images else 'labels'}")
            expected = int(np.prod(shape))
            data = fh.read(expected)
            extra = len(fh.read(1))
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetError(f"{path}: unreadable IDX file ({exc})") from None
    if len(data) != expected or extra:
        raise DatasetError(f"{path}: header says {expected} bytes of data, file holds "
                           f"{len(data) if not extra else 'more'}")
    return np.frombuffer(data, dtype=np.uint8).reshape(shape).copy()


def validate(arrays: dict[str, np.ndarray], path: Path) -> None:
    """Check dtypes (uint8 images, integer labels), shapes ((n,28,28), (n,)) and labels 0-9.

    Integer labels of another dtype are accepted only when their values fit 0-9; they are
    converted to uint8 in place in ``arrays``. Raises DatasetError naming ``path`` otherwise.
    """
    for split in SPLITS:
        xk, yk = f"x_{split}", f"y_{split}"
        x, y = arrays[xk], arrays[yk]
        if x.dtype != np.uint8:
            raise DatasetError(f"{path}: {xk} has dtype {x.dtype}, expected uint8")
        if x.ndim != 3 or x.shape[1:] != (28, 28) or x.shape[0] == 0:
            raise DatasetError(f"{path}: {xk} has shape {x.shape}, expected (n, 28, 28)")
        if not np.issubdtype(y.dtype, np.integer):
            raise DatasetError(f"{path}: {yk} has dtype {y.dtype}, expected uint8")
        if y.shape != (x.shape[0],):
            raise DatasetError(
                f"{path}: {yk} has shape {y.shape}, expected ({x.shape[0]},) to match {xk}")
        if y.size and (int(y.min()) < 0 or int(y.max()) > 9):
            bad = y[(y < 0) | (y > 9)]
            raise DatasetError(
                f"{path}: {yk} holds labels outside 0-9 ({bad.size} of them, e.g. {int(bad[0])})")
        arrays[yk] = y.astype(np.uint8, copy=False)


def sample_indices(y: np.ndarray, per_class: int, seed: int = 0) -> dict[int, list[int]]:
    """Deterministic sample of up to ``per_class`` sample indices of each digit.

    y: int array (n,) of labels. The choice depends only on ``y``, ``per_class`` and ``seed``
    (NumPy's PCG64 generator), so the page shows the same images on every run.
    Returns {digit: sorted list of indices into y}.
    """
    rng = np.random.default_rng(seed)
    out = {}
    for d in DIGITS:
        idx = np.flatnonzero(y == d)
        if len(idx) > per_class:
            idx = np.sort(rng.choice(idx, size=per_class, replace=False))
        out[d] = [int(i) for i in idx]
    return out
