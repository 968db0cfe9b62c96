"""Where a dataset comes from (``--dataset``, ``--classes``, ``--card``, ``--test-fraction``,
``--image-size``): a Keras-layout ``.npz``, a folder of the four IDX files, or a folder of
images with one sub-folder per class (data.folder); its class names and its card. One
function, :func:`open_dataset`, turns a :class:`DatasetSource` into a
:class:`~reportgen.data.dataset.Dataset` described by its record.

Class names come from, in order: ``--classes`` (a file with one name per line, or
``a,b,c``), a ``classes.txt`` beside the data (in the folder, or beside the ``.npz``), the
card's ``classes``, the class folders' names, else the label numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from .card import BUILTIN_INFO, DatasetInfo, check_keys, checked, read_card
from .dataset import KEYS, Dataset, digest, infer_info, load_dataset, validate
from .folder import FolderNotes, is_image_folder, load_image_folder, parse_size

#: The class-names file looked for beside the data.
CLASSES_FILE = "classes.txt"


@dataclass(frozen=True)
class DatasetSource:
    """A dataset and how to read it. path: ``.npz``, IDX folder or image folder; classes:
    ``--classes`` (a file's path, or names separated by commas; None: see the module's
    docstring); card: a dataset card (Markdown with YAML front matter); test_fraction,
    image_size ("HxW"): for an image folder only (data.folder.load_image_folder); seed: the
    split's; workers: decoding processes; cache_dir: where decoded image folders are cached
    (None: not cached)."""

    path: Path
    classes: str | None = None
    card: Path | None = None
    test_fraction: float | None = None
    image_size: str | None = None
    seed: int = 0
    workers: int | None = None
    cache_dir: Path | None = None


def open_dataset(src: DatasetSource) -> Dataset:
    """The dataset ``src`` names, with its record (classes, shape, words) and, for an
    image folder, what loading it did (``Dataset.notes``). Raises DatasetError (one line)
    for anything the loaders refuse, --test-fraction or --image-size with arrays, class
    names that are too few for the labels or not as many as the class folders, and a card
    that contradicts the data."""
    path = Path(src.path)
    if not path.exists():
        raise DatasetError(f"{path}: no such file or folder")
    size = parse_size(src.image_size) if src.image_size else None
    names = given_names(src.classes, path)
    card = read_card(src.card) if src.card is not None else {}
    check_keys(card, src.card)
    if path.is_dir() and not _is_idx_folder(path) and is_image_folder(path):
        arrays, folders, notes = load_image_folder(
            path, test_fraction=src.test_fraction, image_size=size, seed=src.seed,
            workers=src.workers, cache_dir=src.cache_dir)
        if names is not None:
            if len(names) != len(notes.folders):
                raise DatasetError(f"{_names_source(src, path)}: {len(names)} class names for "
                                   f"{len(notes.folders)} class folders in {path}")
            names = [names[notes.folders.index(f)] for f in folders]
        from_folders = names is None
        names = names if names is not None else list(folders)
    else:
        for flag, value in (("--test-fraction", src.test_fraction),
                            ("--image-size", src.image_size)):
            if value is not None:
                raise DatasetError(f"{flag} applies to a folder of images; {path} holds "
                                   "arrays")
        if not path.is_dir() and not path.is_file():
            raise DatasetError(f"{path}: not a regular file (a FIFO or device is not read)")
        ds = load_dataset(path)
        arrays = {k: getattr(ds, k) for k in KEYS}
        notes, from_folders = None, False
    if names is None and "classes" in card:
        names = list(card["classes"])
    info = describe(arrays, path, names, card, notes,
                    numbered=names is None or (from_folders and _numbered(names)))
    validate(arrays, path, info)
    return Dataset(**arrays, path=path, digest=digest(*(arrays[k] for k in KEYS)), info=info,
                   notes=notes)


def _is_idx_folder(path: Path) -> bool:
    return any(p.name.endswith(("idx3-ubyte", "idx3-ubyte.gz", "idx1-ubyte", "idx1-ubyte.gz"))
               for p in path.iterdir())


def _numbered(names: list[str]) -> bool:
    """Folders named 0 .. n-1: the labels themselves, no names."""
    return names == [str(i) for i in range(len(names))]


def _names_source(src: DatasetSource, path: Path) -> str:
    if src.classes is not None:
        return f"--classes {src.classes}" if not Path(src.classes).is_file() else src.classes
    return str(_beside(path))


def _beside(path: Path) -> Path:
    return (path if path.is_dir() else path.parent) / CLASSES_FILE


def given_names(classes: str | None, path: Path) -> list[str] | None:
    """The class names of ``--classes`` (a file, or "a,b,c"), else of a classes.txt beside
    ``path``, else None. Blank lines and surrounding spaces are dropped; a name may hold
    spaces, accents, slashes or other scripts. Raises DatasetError for an unreadable file,
    a duplicate name, or fewer than 2 names."""
    if classes is not None:
        f = Path(classes)
        if f.is_file() or (("/" in classes or classes.endswith(".txt")) and "," not in classes):
            where, text = str(f), _read(f)
            names = text.splitlines()
        else:
            where, names = f"--classes {classes!r}", classes.split(",")
    elif _beside(path).is_file():
        where = str(_beside(path))
        names = _read(_beside(path)).splitlines()
    else:
        return None
    names = [" ".join(n.split()) for n in names]
    names = [n for n in names if n]
    if len(names) < 2:
        raise DatasetError(f"{where}: {len(names)} class name(s); a classifier needs 2 or more")
    dup = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if dup is not None:
        raise DatasetError(f"{where}: class name {dup!r} is given twice")
    return names


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file (--classes takes a file or a,b,c)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: unreadable class names ({exc})") from None


def slugify(name: str) -> str:
    """A file-safe slug of ``name`` (a-z, 0-9, '-', '.', '_'); "dataset" when none is left."""
    import unicodedata

    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9_.]+", "-", ascii_.lower()).strip("-._") or "dataset"


def describe(arrays: dict[str, np.ndarray], path: Path, names: list[str] | None,
             card: dict, notes: FolderNotes | None, numbered: bool) -> DatasetInfo:
    """The record of ``arrays``: the embedded dataset's when they look like it and nothing
    names them otherwise (data.dataset.infer_info), else one built from the data, the class
    names and the card's words. Raises DatasetError when there are fewer names than labels."""
    x = arrays["x_train"]
    top = max(int(arrays["y_train"].max(initial=0)), int(arrays["y_test"].max(initial=0)))
    n = len(names) if names is not None else top + 1
    if names is not None and top >= len(names):
        raise DatasetError(f"{path}: labels go up to {top}, outside the {len(names)} class "
                           f"names (0-{len(names) - 1})")
    stem = (path.name if path.is_dir() else path.stem) or "dataset"
    if not card and numbered and infer_info(x.shape[1:], n, stem) is BUILTIN_INFO:
        return BUILTIN_INFO  # the embedded dataset, a subset of it or its export
    h, w = int(x.shape[1]), int(x.shape[2])
    channels = 3 if x.ndim == 4 else 1
    classes = tuple(names) if names is not None else tuple(str(i) for i in range(max(n, 2)))
    name = str(card.get("name") or stem)
    fields = {"name": name, "slug": slugify(name), "classes": classes, "height": h,
              "width": w, "channels": channels}
    fields |= {k: v for k, v in card.items() if k not in ("classes", "data")}
    for k in ("height", "width", "channels"):
        if fields[k] != {"height": h, "width": w, "channels": channels}[k]:
            raise DatasetError(f"{path}: the card says {k} {fields[k]}, the images have "
                               f"{ {'height': h, 'width': w, 'channels': channels}[k]}")
    if notes is not None:
        fields["source_note"] = source_note(notes)
    try:
        info = DatasetInfo(**fields)
    except TypeError as exc:
        raise DatasetError(f"{path}: dataset card: {exc}") from None
    return checked(info, path)


def source_note(notes: FolderNotes) -> str:
    """One sentence on what loading an image folder changed: resized images, images and
    class folders left out, the held-out test share ("" when nothing)."""
    parts = []
    if notes.test_fraction is not None:
        parts.append(f"The test split is {notes.test_fraction:.0%} of each class, held out "
                     "at random (stratified)")
    if notes.resized:
        parts.append(f"{notes.resized:,} image{'s' if notes.resized != 1 else ''} of another "
                     f"size {'were' if notes.resized != 1 else 'was'} resized to "
                     f"{notes.size[0]}x{notes.size[1]} px")
    if notes.left_out:
        k = len(notes.left_out)
        parts.append(f"{k:,} unreadable file{'s' if k != 1 else ''} "
                     f"{'were' if k != 1 else 'was'} left out")
    if notes.empty:
        k = len(notes.empty)
        parts.append(f"{k:,} class folder{'s' if k != 1 else ''} without images "
                     f"{'were' if k != 1 else 'was'} left out")
    return "; ".join(parts) + ("." if parts else "")
