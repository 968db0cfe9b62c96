"""Load a folder of images with one sub-folder per class, as Keras'
``image_dataset_from_directory`` and torchvision's ``ImageFolder`` read it:

    PATH/train/<class>/…  and  PATH/test/<class>/…     the two splits, as given
    PATH/<class>/…                                      split here (--test-fraction)

Files are found recursively under each class folder, in sorted order; PNG, JPEG, BMP, GIF
and WebP are read (by suffix, any case), everything else (``.DS_Store``, ``notes.txt``,
hidden files) is ignored. Class folders are sorted by name, as Keras and torchvision do,
except that folders named by numbers only (``0`` … ``99``, as ``reportgen export`` writes
them) are sorted by number. Images named by their sample index only (``00042.png``, as
the export writes them) keep that order within their split, so an export loads back into
the very arrays it came from; other files are ordered by class, then path.

Decoding runs in worker processes; the result is cached, keyed by every file's path, size
and mtime, so a warm re-run decodes nothing.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..engine.files import write_bytes
from ..engine.pool import worker_init
from ..errors import DatasetError
from .images import on_white

#: Image files read from a class folder (by suffix, any case); anything else is ignored.
IMAGE_FILE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
#: The smallest image side a dataset may have, px.
MIN_SIDE = 8
#: The default share of each class held out as the test split when the folder has no
#: train/ and test/ folders.
DEFAULT_TEST_FRACTION = 0.2
#: Files per worker task.
CHUNK = 2048
#: The cache's format; part of its key.
CACHE_VERSION = 1


@dataclass(frozen=True)
class FolderNotes:
    """What loading an image folder did, for the CLI's warnings and the page's dataset
    section. size: (height, width) every image has now; resized: how many images had
    another size and were resized to it; left_out: "path: reason" of each unreadable image;
    empty: class folders without images (left out); test_fraction: the share held out as
    the test split (None: the folder had train/ and test/); cached: loaded from the cache;
    folders: every class folder's name in label order, empty ones included (the order a
    classes.txt follows)."""

    size: tuple[int, int]
    resized: int = 0
    left_out: tuple[str, ...] = ()
    empty: tuple[str, ...] = ()
    test_fraction: float | None = None
    cached: bool = False
    folders: tuple[str, ...] = ()

    def warnings(self) -> list[str]:
        """One line per image or class folder that was left out."""
        return ([f"{p}; left out" for p in self.left_out]
                + [f"{p}: class folder holds no images, left out" for p in self.empty])

    def to_json(self) -> dict:
        return {"size": list(self.size), "resized": self.resized,
                "left_out": list(self.left_out), "empty": list(self.empty),
                "test_fraction": self.test_fraction, "folders": list(self.folders)}


@dataclass
class _Listing:
    """The image files of a folder: files[i] (relative to the folder), their class
    folder's index and split ("train", "test" or "" when the folder is to be split)."""

    root: Path
    classes: list[str]
    folders: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    splits: list[str] = field(default_factory=list)
    stats: list[tuple[int, int]] = field(default_factory=list)  # (size, mtime_ns)
    empty: list[str] = field(default_factory=list)


def is_image_folder(path: Path) -> bool:
    """True when ``path`` is a folder of class folders (or train/ and test/ of them)."""
    path = Path(path)
    return path.is_dir() and any(p.is_dir() and not p.name.startswith(".")
                                 for p in path.iterdir())


def _class_dirs(folder: Path) -> list[Path]:
    dirs = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
    if all(p.name.isdecimal() for p in dirs):
        return sorted(dirs, key=lambda p: (int(p.name), p.name))
    return sorted(dirs, key=lambda p: p.name)


def _images_under(folder: Path) -> list[tuple[str, os.stat_result]]:
    found = []
    for top, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith(".") or not name.lower().endswith(IMAGE_FILE_SUFFIXES):
                continue
            p = os.path.join(top, name)
            try:
                st = os.stat(p)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                found.append((p, st))
    return found


def _plan(folder: Path) -> tuple[list[str], list[tuple[str, str, Path]], bool]:
    """(class folder names in label order, (split, class, folder) of every class folder to
    list, whether the folder has train/ and test/). Raises DatasetError when it holds no
    class folder, or train/ without test/ (or the reverse)."""
    split_dirs = {s: folder / s for s in ("train", "test") if (folder / s).is_dir()}
    if len(split_dirs) == 1:
        have, miss = (("train", "test") if "train" in split_dirs else ("test", "train"))
        raise DatasetError(f"{folder}: has a {have}/ folder but no {miss}/ folder")
    roots = {s: folder / s for s in split_dirs} if split_dirs else {"": folder}
    names: list[str] = []
    per_split: dict[str, dict[str, Path]] = {}
    for split, root in roots.items():
        per_split[split] = {p.name: p for p in _class_dirs(root)}
        names += [n for n in per_split[split] if n not in names]
    if not names:
        raise DatasetError(f"{folder}: no class folders (expected {folder}/<class>/<image> "
                           f"or {folder}/train/<class>/… and {folder}/test/<class>/…)")
    numeric = all(n.isdecimal() for n in names)
    names.sort(key=(lambda n: (int(n), n)) if numeric else None)
    jobs = [(split, name, dirs[name]) for split, dirs in per_split.items() for name in names
            if name in dirs]
    return names, jobs, bool(split_dirs)


def _assemble(folder: Path, names: list[str], jobs: list[tuple[str, str, Path]],
              has_splits: bool, listed: list[list[tuple[str, os.stat_result]]]) -> _Listing:
    """The listing of ``folder`` from each job's files (:func:`_images_under`). Raises
    DatasetError for a class with test images but no training images."""
    listing = _Listing(folder, [], folders=names)
    counts: dict[str, Counter] = {n: Counter() for n in names}
    for (split, name, path), files in zip(jobs, listed, strict=True):
        counts[name][split] += len(files)
        if not files:
            listing.empty.append(os.path.relpath(path, folder))
    listing.classes = [n for n in names if sum(counts[n].values())]
    if has_splits:
        orphans = [n for n in listing.classes if counts[n]["test"] and not counts[n]["train"]]
        if orphans:
            raise DatasetError(f"{folder}: class {orphans[0]!r} has test images but no "
                               f"training images" + (f" (and {len(orphans) - 1} more classes)"
                                                     if len(orphans) > 1 else ""))
    index = {n: i for i, n in enumerate(listing.classes)}
    cut = len(os.path.join(folder, ""))  # every path starts with the folder's (os.walk)
    for (split, name, _), files in zip(jobs, listed, strict=True):
        for p, st in files:
            listing.files.append(p[cut:])
            listing.labels.append(index[name])
            listing.splits.append(split)
            listing.stats.append((st.st_size, st.st_mtime_ns))
    return listing


def list_folder(folder: Path) -> _Listing:
    """The image files of ``folder`` in either layout (see the module's docstring). Raises
    DatasetError when it holds no class folder, or train/ without test/ (or the reverse),
    or a class has test images but no training images."""
    folder = Path(folder)
    names, jobs, has_splits = _plan(folder)
    return _assemble(folder, names, jobs, has_splits, [_images_under(p) for _, _, p in jobs])


def _listed_and_decoded(folder: Path, workers: int | None) -> tuple[_Listing, list]:
    """:func:`list_folder` and :func:`decode_chunks` of its files at once: the pool
    decodes a class folder's files while the next one is listed. Returns (listing,
    chunks)."""
    names, jobs, has_splits = _plan(folder)
    listed: list = []

    def tasks():
        for _, _, path in jobs:
            listed.append(_images_under(path))
            files = [p for p, _ in listed[-1]]
            for i in range(0, len(files), CHUNK):
                yield files[i:i + CHUNK], None

    chunks = _run_chunks(tasks(), workers)
    return _assemble(folder, names, jobs, has_splits, listed), chunks


def decode(path: str, size: tuple[int, int] | None = None) -> np.ndarray | str:
    """One image file as uint8 (h, w) when it is grey, else (h, w, 3); resized to
    ``size`` = (height, width) when given and different (Pillow, Lanczos). Transparent
    pixels are composited onto white; a palette image is read as its colours. Returns the
    reason as a string when the file is no readable image (never raises)."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            if im.width * im.height > (Image.MAX_IMAGE_PIXELS or 1 << 62):
                return "image too large (over Pillow's decompression-bomb limit)"
            if im.mode == "L" and (size is None or (im.height, im.width) == tuple(size)):
                return np.asarray(im)  # the common case (an export): no conversion
            im.load()
            flat = on_white(im)
            if flat is not None:
                im2 = flat
            elif im.mode in ("L", "1", "I", "I;16", "I;16B", "I;16L", "F"):
                im2 = im.convert("L") if im.mode in ("L", "1") else Image.fromarray(
                    _to_uint8(np.asarray(im)))
            else:
                im2 = im.convert("RGB")
            if size is not None and (im2.height, im2.width) != tuple(size):
                im2 = im2.resize((size[1], size[0]), Image.Resampling.LANCZOS)
            a = np.asarray(im2, dtype=np.uint8)
    except Exception as exc:  # noqa: BLE001 - any decoder failure is a bad file
        text = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        return f"unreadable image ({text})"
    if a.ndim == 3 and (a[..., 0] == a[..., 1]).all() and (a[..., 1] == a[..., 2]).all():
        a = a[..., 0]  # an RGB file of greys is a grey image
    return np.ascontiguousarray(a)


def _to_uint8(a: np.ndarray) -> np.ndarray:
    a = a.astype(np.float64)
    top = a.max(initial=0)
    return (a * (255.0 / top) if top > 255 else a).clip(0, 255).astype(np.uint8)


def _decode_chunk(task: tuple[list[str], tuple[int, int] | None]):
    """A chunk's images: one stacked array when they all decoded to one shape (one object
    to send back to the parent, not thousands), else the list."""
    paths, size = task
    out = [decode(p, size) for p in paths]
    if out and all(isinstance(a, np.ndarray) and a.shape == out[0].shape for a in out):
        return np.stack(out)
    return out


def decode_chunks(paths: list[str], workers: int | None = None,
                  size: tuple[int, int] | None = None) -> list:
    """:func:`decode` of every path, in order, CHUNK files a task in ``workers`` processes
    (default: CPU count; 1: in this process): one entry per chunk, a stacked array when
    its images share one shape, else the list of arrays and reasons."""
    return _run_chunks([(paths[i:i + CHUNK], size) for i in range(0, len(paths), CHUNK)],
                       workers, len(paths) > CHUNK)


def _run_chunks(tasks, workers: int | None, parallel: bool = True) -> list:
    """:func:`_decode_chunk` of every task (an iterable, consumed as the pool goes), in
    order, in ``workers`` processes (1, or not ``parallel``: in this process)."""
    workers = max(1, workers or os.cpu_count() or 1)
    if workers == 1 or not parallel:
        return [_decode_chunk(t) for t in tasks]
    with mp.get_context("fork").Pool(workers, initializer=worker_init) as pool:
        return list(pool.imap(_decode_chunk, tasks))


def decode_all(paths: list[str], size: tuple[int, int] | None = None,
               workers: int | None = None) -> list[np.ndarray | str]:
    """:func:`decode` of every path, in order (see :func:`decode_chunks`): one array or
    reason per path."""
    return [r for chunk in decode_chunks(paths, workers, size) for r in chunk]


def parse_size(text: str) -> tuple[int, int]:
    """``"HxW"`` (e.g. "32x32") as (height, width); raises DatasetError otherwise."""
    parts = text.lower().replace(" ", "").split("x")
    if len(parts) != 2 or not all(p.isdecimal() for p in parts) or not all(
            0 < int(p) <= 4096 for p in parts):
        raise DatasetError(f"--image-size {text!r}: expected HxW, such as 32x32")
    return int(parts[0]), int(parts[1])


def load_image_folder(folder: Path, *, test_fraction: float | None = None,
                      image_size: tuple[int, int] | None = None, seed: int = 0,
                      workers: int | None = None, cache_dir: Path | None = None,
                      ) -> tuple[dict[str, np.ndarray], list[str], FolderNotes]:
    """Read ``folder`` (see the module's docstring) into Keras-layout arrays.

    test_fraction: share of each class held out as the test split when the folder has no
    train/ and test/ (default :data:`DEFAULT_TEST_FRACTION`; scikit-learn's stratified
    ``train_test_split`` seeded with ``seed``); refused when it has them. image_size:
    (height, width) every image is resized to (default: the most common size; ties go to
    the larger). Grey images stay (n, h, w); when any image has colour every image is RGB
    (n, h, w, 3). Returns ({x_train, y_train, x_test, y_test}, class folder names in label
    order, notes). Unreadable images are left out (notes.left_out); class folders without
    images too (notes.empty). Raises DatasetError for no class folders, fewer than 2
    classes with images, a class with test images but no training images, images smaller
    than :data:`MIN_SIDE` px, a bad test fraction, or too few images of a class to split.
    """
    folder = Path(folder)
    warm = cache_dir is not None and _cache_file(cache_dir, folder).is_file()
    if warm:  # list first: the cache may answer
        listing, chunks = list_folder(folder), None
    else:
        listing, chunks = _listed_and_decoded(folder, workers)
    has_splits = bool(listing.splits) and listing.splits[0] != ""
    if has_splits and test_fraction is not None:
        raise DatasetError(f"{folder}: has train/ and test/ folders; --test-fraction applies "
                           "only to a folder of class folders alone")
    if not has_splits:
        test_fraction = DEFAULT_TEST_FRACTION if test_fraction is None else test_fraction
        if not 0.0 < test_fraction < 1.0:
            raise DatasetError(f"--test-fraction {test_fraction}: expected a fraction between "
                               "0 and 1, such as 0.2")
    if len(listing.classes) < 2:
        raise DatasetError(f"{folder}: {len(listing.classes)} class folder(s) with images; "
                           "a classifier needs 2 or more")
    key = _cache_key(listing, test_fraction, image_size, seed)
    cached = _read_cache(cache_dir, folder, key)
    if cached is not None:
        return cached
    x, ok, left_out, resized = _decode_images(folder, listing.files, image_size, workers,
                                              chunks)
    size = x.shape[1:3]
    labels = np.asarray([listing.labels[i] for i in ok], dtype=np.int64)
    present = set(labels.tolist())
    dropped = [n for k, n in enumerate(listing.classes) if k not in present]
    if dropped:  # every image of the class was unreadable: renumber the rest
        keep = sorted(present)
        remap = np.full(len(listing.classes), -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        labels = remap[labels]
        listing.classes = [listing.classes[k] for k in keep]
        listing.empty += dropped
        if len(keep) < 2:
            raise DatasetError(f"{folder}: {len(keep)} class(es) with readable images; a "
                               "classifier needs 2 or more")
    files = [listing.files[i] for i in ok]
    if has_splits:
        train = np.asarray([listing.splits[i] == "train" for i in ok])
        tr, te = np.flatnonzero(train), np.flatnonzero(~train)
        tr, te = _ordered(tr, files, labels), _ordered(te, files, labels)
    else:
        tr, te = _split(labels, test_fraction, seed, folder, listing.classes)
    dtype = np.uint8 if len(listing.classes) <= 256 else np.int64
    arrays = {"x_train": x[tr], "y_train": labels[tr].astype(dtype),
              "x_test": x[te], "y_test": labels[te].astype(dtype)}
    notes = FolderNotes(size=(int(size[0]), int(size[1])), resized=resized, left_out=left_out,
                        empty=tuple(listing.empty),
                        test_fraction=None if has_splits else test_fraction,
                        folders=tuple(listing.folders))
    _write_cache(cache_dir, folder, key, arrays, notes, listing.classes)
    return arrays, listing.classes, notes


def _decode_images(folder: Path, files: list[str], image_size: tuple[int, int] | None,
                   workers: int | None, chunks: list | None = None,
                   ) -> tuple[np.ndarray, list[int], tuple[str, ...], int]:
    """Decode ``files`` (relative to ``folder``) into one uint8 array (n, h, w) or (n, h,
    w, 3) of one size (``image_size``, else the most common; ties to the larger). Returns
    (images, the indices into ``files`` that were read, "file: reason" of the others,
    how many were resized). Raises DatasetError when none is readable or the size is
    below MIN_SIDE. ``chunks``: :func:`decode_chunks` of them, when already done."""
    paths = [os.path.join(folder, f) for f in files]
    chunks = decode_chunks(paths, workers) if chunks is None else chunks
    shapes = {c.shape[1:] for c in chunks if isinstance(c, np.ndarray)}
    if chunks and len(shapes) == 1 and all(isinstance(c, np.ndarray) for c in chunks) and (
            image_size is None or next(iter(shapes))[:2] == tuple(image_size)):
        x = np.concatenate(chunks)  # every file read, one size, one colour: no copy per image
        images, ok, left_out, resized = None, list(range(len(paths))), (), 0
        size = x.shape[1:3]
    else:
        images = [r for c in chunks for r in c]
        ok = [i for i, a in enumerate(images) if not isinstance(a, str)]
        left_out = tuple(f"{files[i]}: {images[i]}" for i, a in enumerate(images)
                         if isinstance(a, str))
        if not ok:
            raise DatasetError(f"{folder}: no readable image")
        sizes = Counter(images[i].shape[:2] for i in ok)
        size = tuple(image_size) if image_size else max(sizes, key=lambda s: (sizes[s], s))
    if min(size) < MIN_SIDE:
        raise DatasetError(f"{folder}: images of {size[0]}x{size[1]} px; the smallest "
                           f"supported side is {MIN_SIDE} px (--image-size to scale them up)")
    if images is None:
        return x, ok, left_out, resized
    odd = [i for i in ok if images[i].shape[:2] != size]
    for i, a in zip(odd, decode_all([paths[i] for i in odd], size, workers), strict=True):
        images[i] = a
    rgb = any(images[i].ndim == 3 for i in ok)
    x = np.empty((len(ok), *size, 3) if rgb else (len(ok), *size), dtype=np.uint8)
    for j, i in enumerate(ok):
        x[j] = images[i][..., None] if rgb and images[i].ndim == 2 else images[i]
    return x, ok, left_out, len(odd)


def _ordered(idx: np.ndarray, files: list[str], labels: np.ndarray) -> np.ndarray:
    """``idx`` in sample-index order when every file of the split is named by a distinct
    number only (an export), else by class, then path (their listing order)."""
    stems = [os.path.splitext(os.path.basename(files[i]))[0] for i in idx]
    if stems and all(s.isdecimal() for s in stems) and len(set(map(int, stems))) == len(stems):
        return idx[np.argsort([int(s) for s in stems], kind="stable")]
    return idx[np.argsort(labels[idx], kind="stable")]


def _split(labels: np.ndarray, fraction: float, seed: int, folder: Path,
           classes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split

    counts = np.bincount(labels, minlength=len(classes))
    few = [classes[k] for k, n in enumerate(counts) if n < 2]
    if few:
        raise DatasetError(f"{folder}: class {few[0]!r} has {int(counts[classes.index(few[0])])} "
                           "image(s); splitting it into train and test needs 2 or more")
    idx = np.arange(len(labels))
    try:
        tr, te = train_test_split(idx, test_size=fraction, random_state=seed, stratify=labels)
    except ValueError as exc:
        raise DatasetError(f"{folder}: cannot split with --test-fraction {fraction} "
                           f"({exc})") from None
    return np.sort(tr), np.sort(te)


def _cache_key(listing: _Listing, fraction, size, seed) -> str:
    h = hashlib.sha256(json.dumps([CACHE_VERSION, str(listing.root.resolve()), listing.classes,
                                   fraction, size, seed]).encode())
    for f, lab, s, st in zip(listing.files, listing.labels, listing.splits, listing.stats,
                             strict=True):
        h.update(f"{f}\0{lab}\0{s}\0{st[0]}\0{st[1]}\n".encode())
    return h.hexdigest()


def _cache_file(cache_dir: Path, folder: Path) -> Path:
    name = hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:16]
    return Path(cache_dir) / "image-folders" / f"{name}.npz"


def _read_cache(cache_dir, folder, key):
    if cache_dir is None:
        return None
    path = _cache_file(cache_dir, folder)
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.get("key") != key:
                return None
            arrays = {k: z[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    except (OSError, ValueError, KeyError, EOFError, json.JSONDecodeError):
        return None
    n = meta["notes"]
    return arrays, meta["classes"], FolderNotes(size=tuple(n["size"]), resized=n["resized"],
                               left_out=tuple(n["left_out"]), empty=tuple(n["empty"]),
                               test_fraction=n["test_fraction"], cached=True,
                               folders=tuple(n["folders"]))


def _write_cache(cache_dir, folder, key, arrays, notes, classes) -> None:
    if cache_dir is None:
        return
    import io

    buf = io.BytesIO()
    meta = json.dumps({"key": key, "notes": notes.to_json(), "classes": classes})
    np.savez(buf, meta=np.array(meta), **arrays)
    try:
        write_bytes(_cache_file(cache_dir, folder), buf.getvalue(), if_changed=False)
    except OSError:
        pass  # a cache that cannot be written is only slower next time
