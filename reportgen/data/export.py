"""Export every image of the dataset as a PNG file, and publish the page's sample into the site.

Layout: ``<export>/<split>/<label>/<index:05d>.png`` where index is the image's position in
its split, so every file traces back to the dataset. The page shows a deterministic sample
as ``<assets>/<split>/<label>/<index:05d>.png``, byte-identical to the exported file (same
pixels, same encoder settings: :data:`reportgen.fsutil.PNG_OPTIONS`).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..engine.files import (
    PNG_OPTIONS,
    check_inside,
    png_bytes,
    remove_temp_files,
    replace_file,
    write_bytes,
)
from ..engine.imports import reachable
from ..engine.manifest import MANIFEST, Manifest, StageOutput
from ..engine.pool import worker_init
from ..engine.stage import stage_key
from ..errors import SiteError
from .card import label_slug
from .dataset import SPLITS, Dataset, sample_indices

FILE_RE = re.compile(r"^\d{5}\.png$")
LEGACY_STAMP = ".reportgen-export.json"  # what reportgen 0.1 wrote instead of a manifest
CHUNK = 500

# Set in the parent before forking the pool, read by the workers (no pickling of arrays).
_ARRAYS: dict[str, np.ndarray] = {}


@dataclass(frozen=True)
class ExportResult:
    """count: PNG files in the export; written: files written by this call; skipped: True
    when the export was current (same dataset and settings, every file present) and
    nothing was done; seconds: wall seconds of the run that wrote it."""

    export_dir: Path
    count: int
    written: int
    skipped: bool
    seconds: float = 0.0


def image_path(root: Path, split: str, label: int, index: int) -> Path:
    """``<root>/<split>/<label>/<index:05d>.png`` (label: data.card.label_slug)."""
    return Path(root) / split / label_slug(label) / f"{int(index):05d}.png"


def _write_chunk(task: tuple[str, str, int, list[int]]) -> int:
    # The hot loop of the export: folders exist already, so no mkdir per file; each PNG is
    # written atomically (engine.files.replace_file).
    root, split, label, indices = task
    x = _ARRAYS[f"x_{split}"]
    folder = f"{root}/{split}/{label_slug(label)}"
    for i in indices:
        replace_file(f"{folder}/{i:05d}.png", png_bytes(x[i]))
    return len(indices)


def _tasks(ds: Dataset, root: Path) -> list[tuple[str, str, int, list[int]]]:
    """Chunks of one class folder each, interleaved across folders, so the worker processes
    write into different directories at the same time (file creation in one directory
    serialises on its lock)."""
    per_folder = []
    for split in SPLITS:
        y = ds.split(split)[1]
        for d in ds.info.labels:
            idx = [int(i) for i in np.flatnonzero(y == d)]
            per_folder.append([(str(root), split, d, idx[a:a + CHUNK])
                               for a in range(0, len(idx), CHUNK)])
    tasks = []
    for k in range(max((len(c) for c in per_folder), default=0)):
        tasks.extend(c[k] for c in per_folder if k < len(c))
    return tasks


def export_all(ds: Dataset, export_dir: Path, *, workers: int | None = None,
               force: bool = False, progress: Callable[[int, int], None] | None = None,
               ) -> ExportResult:
    """Write all images of both splits as PNGs under ``export_dir`` using ``workers`` processes.

    The export is a stage of the export dir's own manifest (see manifest.py): skipped when
    the dataset and PNG settings are unchanged and every file it wrote exists, unless
    ``force``; files it wrote for an earlier dataset are deleted, no other file is.
    workers: default os.cpu_count(). progress(done, total) is called after each chunk."""
    export_dir = Path(export_dir)
    total = sum(len(ds.split(s)[1]) for s in SPLITS)
    manifest = Manifest(export_dir, hash_files=False)
    if not (manifest.has("export") or manifest.interrupted("export")) and _foreign(export_dir):
        raise SiteError(f"--export-dir {export_dir}: not empty and not an export made by "
                        f"reportgen (no {MANIFEST}); choose an empty or new folder")
    manifest.sweep_temp_files()
    written = 0

    def run() -> StageOutput:
        nonlocal written
        try:
            written = _write_all(ds, export_dir, workers, progress, total)
        except BaseException:
            remove_temp_files(export_dir)  # killed workers may have left some
            raise
        (export_dir / LEGACY_STAMP).unlink(missing_ok=True)
        return StageOutput({"count": total}, [image_path("", s, d, i).as_posix() for s in SPLITS
                                               for i, d in enumerate(ds.split(s)[1].tolist())])

    key = stage_key("export", (ds.digest,), code=reachable(__name__), constants=(PNG_OPTIONS,),
                    out_dir=export_dir, root=export_dir)
    manifest.run("export", key, run, out_dir=export_dir, force=force)
    manifest.save()
    return ExportResult(export_dir, total, written, "export" not in manifest.ran,
                        manifest.seconds("export"))


def _foreign(export_dir: Path) -> bool:
    """True when ``export_dir`` holds anything but reportgen's own bookkeeping."""
    try:
        return any(e.name not in (MANIFEST, LEGACY_STAMP) for e in os.scandir(export_dir))
    except (FileNotFoundError, NotADirectoryError):
        return False


def _write_all(ds: Dataset, export_dir: Path, workers: int | None,
               progress: Callable[[int, int], None] | None, total: int) -> int:
    for split in SPLITS:
        for d in ds.info.labels:
            check_inside(image_path(export_dir, split, d, 0))
            image_path(export_dir, split, d, 0).parent.mkdir(parents=True, exist_ok=True)
    tasks = _tasks(ds, export_dir)
    _ARRAYS.update(x_train=ds.x_train, y_train=ds.y_train, x_test=ds.x_test, y_test=ds.y_test)
    done = 0
    try:
        workers = max(1, workers or os.cpu_count() or 1)
        if workers == 1:
            results = map(_write_chunk, tasks)
            for n in results:
                done += n
                if progress:
                    progress(done, total)
        else:
            with mp.get_context("fork").Pool(workers, initializer=worker_init) as pool:
                for n in pool.imap_unordered(_write_chunk, tasks):
                    done += n
                    if progress:
                        progress(done, total)
    finally:
        _ARRAYS.clear()
    return done


def publish_sample(ds: Dataset, assets_dir: Path, per_class: int = 12, seed: int = 0,
                   ) -> dict[str, dict[int, list[str]]]:
    """Write the page's sample: ``per_class`` images per class per split into ``assets_dir``.

    Files are ``<assets>/<split>/<label>/<index:05d>.png``, byte-identical to the export.
    Unchanged files are not rewritten. Returns {split: {label: [file names, sorted]}}.
    Raises ValueError when per_class < 1.
    """
    if per_class < 1:
        raise ValueError("per_class must be at least 1")
    out: dict[str, dict[int, list[str]]] = {}
    for split in SPLITS:
        x, y = ds.split(split)
        out[split] = {}
        for d, idx in sample_indices(y, per_class, seed, ds.info.labels).items():
            for i in idx:
                write_bytes(image_path(assets_dir, split, d, i), png_bytes(x[i]))
            out[split][d] = [f"{i:05d}.png" for i in idx]
    return out


def publish_all(export_dir: Path, assets_dir: Path, labels: range) -> int:
    """Copy the full export (``--publish-all``) of the classes ``labels`` into
    ``assets_dir``; unchanged files are kept.

    Returns the number of files in the published tree.
    """
    n = 0
    for split in SPLITS:
        for d in labels:
            src = image_path(export_dir, split, d, 0).parent
            for e in sorted(os.scandir(src), key=lambda e: e.name):
                if FILE_RE.match(e.name):
                    write_bytes(image_path(assets_dir, split, d, int(e.name[:5])),
                                Path(e.path).read_bytes())
                    n += 1
    return n
