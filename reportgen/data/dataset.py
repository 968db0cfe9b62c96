"""Load and validate an image-classification dataset in Keras' ``.npz`` layout (x_train,
y_train, x_test, y_test) or as four IDX files, and describe it by its record
(data.card.DatasetInfo: classes, image shape, wording).

Source of the IDX format: LeCun, Cortes & Burges, the MNIST page (yann.lecun.com/exdb/mnist):
IDX files are big-endian, magic 0x00000803 for images (count, rows, cols) and 0x00000801
for labels (count).
"""

from __future__ import annotations

import gzip
import hashlib
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DatasetError
from .card import BUILTIN_INFO, DatasetInfo, checked

SPLITS = ("train", "test")
KEYS = ("x_train", "y_train", "x_test", "y_test")

#: file stems of the four IDX files, per array key (the t10k-* files are the test split)
IDX_STEMS = {
    "x_train": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "y_train": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "x_test": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "y_test": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}
IDX_MAGIC_IMAGES = 0x00000803
IDX_MAGIC_LABELS = 0x00000801
#: The most images a split may declare: EMNIST ByClass's 697,932 training images with
#: headroom. Sizes are checked against it and MAX_BYTES before anything is allocated, so a
#: 3 MB file claiming 10^9 images fails in one line, not in swap.
MAX_IMAGES = 1_000_000
#: The most bytes one array may declare (4 GiB).
MAX_BYTES = 4 << 30


@dataclass(frozen=True)
class Dataset:
    """A dataset in memory.

    x_train: uint8 array (n_train, h, w) or (n_train, h, w, 3), as ``info.pixels`` says.
    y_train: uint8 or int64 array (n_train,), labels 0 .. info.n_classes - 1.
    x_test, y_test: the same for the test split.
    path: where it was loaded from. digest: see :func:`digest`. info: its record
    (classes, image shape, wording); None: inferred from the arrays and the file's name
    (:func:`infer_info`). notes: what loading an image folder did
    (data.folder.FolderNotes), None for arrays.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    path: Path
    digest: str = field(default="")
    info: DatasetInfo = field(default=None)  # type: ignore[assignment]
    notes: Any = field(default=None, compare=False)

    def __post_init__(self):
        if self.info is None:
            labels = max(int(self.y_train.max(initial=0)), int(self.y_test.max(initial=0)))
            object.__setattr__(self, "info", infer_info(self.x_train.shape[1:], labels + 1,
                                                        Path(self.path).stem or "dataset"))

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of split ``name`` ('train' or 'test'); raises ValueError otherwise."""
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}; expected one of {SPLITS}")
        return (self.x_train, self.y_train) if name == "train" else (self.x_test, self.y_test)

    def class_counts(self, split: str) -> list[int]:
        """Number of images of each class in ``split``: n_classes ints, in label order."""
        return class_counts(self.split(split)[1], self.info.n_classes)


def class_counts(y: np.ndarray, n_classes: int) -> list[int]:
    """Counts of labels 0 .. n_classes - 1 in ``y`` (int array (n,)): n_classes ints."""
    counts = np.bincount(np.asarray(y, dtype=np.int64), minlength=n_classes)
    return [int(c) for c in counts[:n_classes]]


def infer_info(image_shape: tuple[int, ...], n_labels: int, name: str = "dataset",
               ) -> DatasetInfo:
    """The record of arrays loaded without a card: the embedded dataset's when they have
    its image shape and at most its classes, else a generic one named ``name`` (the file's
    stem; classes named by their labels, "class" as the noun, shape from the arrays)."""
    if tuple(image_shape) == BUILTIN_INFO.image_shape and n_labels <= BUILTIN_INFO.n_classes:
        return BUILTIN_INFO
    h, w = int(image_shape[0]), int(image_shape[1])
    slug = re.sub(r"[^a-z0-9_.-]+", "-", name.lower()).strip("-.") or "dataset"
    return checked(DatasetInfo(
        name=name, slug=slug, classes=tuple(str(i) for i in range(max(n_labels, 2))),
        height=h, width=w, channels=3 if len(image_shape) == 3 else 1), name)


def digest(x_train, y_train, x_test, y_test) -> str:
    """sha256 (hex) of the four arrays' C-order bytes in the order x_train, y_train, x_test, y_test.

    For the embedded dataset this is
    06b0d1f124c4e5fa796686ade41a9b778edacc8622f2195a352ef479ad44fc16.
    """
    h = hashlib.sha256()
    for arr in (x_train, y_train, x_test, y_test):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def load_dataset(path: Path | str, info: DatasetInfo | None = None) -> Dataset:
    """Load a dataset from a Keras-layout ``.npz`` file or a folder of the four IDX files,
    described by ``info`` (None: :func:`infer_info`).

    The folder may hold raw or gzip-compressed IDX files (``train-images-idx3-ubyte[.gz]`` …).
    Raises DatasetError (one line naming the file and the problem) when the path is missing,
    the file is not a zip/npz, a key is missing, a dtype or shape is wrong (or not the
    card's), labels lie outside the classes, image and label counts differ, or an IDX magic
    number or size is wrong.
    """
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"{path}: no such file or folder")
    if not path.is_dir() and not path.is_file():
        raise DatasetError(f"{path}: not a regular file (a FIFO or device is not read)")
    arrays = _load_idx_folder(path) if path.is_dir() else _load_npz(path)
    validate(arrays, path, info)
    return Dataset(**arrays, path=path, digest=digest(*(arrays[k] for k in KEYS)), info=info)


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
            if info.file_size > MAX_BYTES + 65536:
                raise DatasetError(f"{path}: {key} is {info.file_size:,} bytes uncompressed, "
                                   f"more than {MAX_BYTES:,} allowed")
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
            if shape[0] > MAX_IMAGES or int(np.prod(shape, dtype=object)) > MAX_BYTES:
                raise DatasetError(f"{path}: IDX header declares shape {shape}; expected at "
                                   f"most {MAX_IMAGES:,} {'images' if images else 'labels'} "
                                   f"and {MAX_BYTES:,} bytes")
            expected = int(np.prod(shape))
            data = fh.read(expected)
            extra = len(fh.read(1))
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetError(f"{path}: unreadable IDX file ({exc})") from None
    if len(data) != expected or extra:
        raise DatasetError(f"{path}: header says {expected} bytes of data, file holds "
                           f"{len(data) if not extra else 'more'}")
    return np.frombuffer(data, dtype=np.uint8).reshape(shape).copy()


def validate(arrays: dict[str, np.ndarray], path: Path, info: DatasetInfo | None = None) -> None:
    """Check dtypes (uint8 images, integer labels), shapes ((n, h, w) or (n, h, w, 3) the
    same in both splits, and the card's when ``info`` is given; (n,) labels) and labels
    0 .. n_classes - 1 (without ``info``: 0 .. 255, 2 classes or more).

    Integer labels of another dtype are accepted only when their values fit; they are
    converted to uint8 (int64 beyond 256 classes) in place in ``arrays``. Raises
    DatasetError naming ``path`` otherwise.
    """
    shape = info.image_shape if info is not None else arrays["x_train"].shape[1:]
    top = (info.n_classes if info is not None else 256) - 1
    want = "(n, " + ", ".join(map(str, shape)) + ")"
    for split in SPLITS:
        xk, yk = f"x_{split}", f"y_{split}"
        x, y = arrays[xk], arrays[yk]
        if x.dtype != np.uint8:
            raise DatasetError(f"{path}: {xk} has dtype {x.dtype}, expected uint8")
        if x.ndim not in (3, 4) or (x.ndim == 4 and x.shape[3] != 3) or x.shape[0] == 0:
            raise DatasetError(f"{path}: {xk} has shape {x.shape}, expected (n, h, w) or "
                               "(n, h, w, 3)")
        if x.shape[1:] != tuple(shape):
            raise DatasetError(f"{path}: {xk} has shape {x.shape}, expected {want}")
        if not np.issubdtype(y.dtype, np.integer):
            raise DatasetError(f"{path}: {yk} has dtype {y.dtype}, expected uint8")
        if y.shape != (x.shape[0],):
            raise DatasetError(
                f"{path}: {yk} has shape {y.shape}, expected ({x.shape[0]},) to match {xk}")
        if y.size and (int(y.min()) < 0 or int(y.max()) > top):
            bad = y[(y < 0) | (y > top)]
            raise DatasetError(f"{path}: {yk} holds labels outside 0-{top} ({bad.size} of "
                               f"them, e.g. {int(bad[0])})")
        arrays[yk] = y.astype(np.uint8 if top < 256 else np.int64, copy=False)


def sample_indices(y: np.ndarray, per_class: int, seed: int = 0,
                   labels: range | None = None) -> dict[int, list[int]]:
    """Deterministic sample of up to ``per_class`` sample indices of each class.

    y: int array (n,) of labels; labels: the classes (default 0 .. max(y)). The choice
    depends only on ``y``, ``per_class``, ``seed`` and the classes (NumPy's PCG64
    generator), so the page shows the same images on every run.
    Returns {label: sorted list of indices into y}.
    """
    rng = np.random.default_rng(seed)
    out = {}
    for d in labels if labels is not None else range(int(y.max(initial=0)) + 1):
        idx = np.flatnonzero(y == d)
        if len(idx) > per_class:
            idx = np.sort(rng.choice(idx, size=per_class, replace=False))
        out[d] = [int(i) for i in idx]
    return out
