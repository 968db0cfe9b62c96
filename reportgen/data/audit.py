"""Audit the export against the dataset's labels.

The original project printed ``"0": 5923`` per folder with a shell loop; this is the check a
docs CI can gate on: every finding is one line naming a path, and the audit passes only
when every file is where the labels say (report.view.render.audit_page adds the page's images).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .dataset import SPLITS, Dataset
from .export import FILE_RE, image_path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class Finding:
    """One problem: kind (missing, extra, wrong-class, bad-image, not-a-class-folder,
    missing-reference), the path, and a human-readable detail."""

    kind: str
    path: str
    detail: str

    def line(self) -> str:
        return f"{self.kind}: {self.path}: {self.detail}"


@dataclass
class AuditReport:
    """counts[split]: {"on_disk": [k ints], "expected": [k ints]} for the k classes;
    findings: every
    problem; ok: no findings."""

    counts: dict[str, dict[str, list[int]]]
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_json(self) -> dict:
        return {"ok": self.ok, "counts": self.counts,
                "findings": [vars(f) for f in self.findings]}


def png_header_problem(path: Path, height: int, width: int, channels: int = 1) -> str | None:
    """None when ``path`` starts like an 8-bit PNG of ``width`` x ``height`` px, grayscale
    (``channels`` 1, colour type 0) or RGB (3, colour type 2) (signature + IHDR: width,
    height, bit depth, colour type), else what is wrong. Reads 29 bytes only."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(29)
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    if len(head) < 29 or not head.startswith(PNG_SIGNATURE) or head[12:16] != b"IHDR":
        return "not a PNG file"
    want_w, want_h = width, height
    width, height, depth, colour = struct.unpack(">IIBB", head[16:26])
    if (width, height) != (want_w, want_h):
        return f"PNG is {width}x{height}, expected {want_w}x{want_h}"
    if depth != 8 or colour != (0 if channels == 1 else 2):
        kind = "grayscale" if channels == 1 else "RGB"
        return f"PNG is not 8-bit {kind} (bit depth {depth}, colour type {colour})"
    return None


def audit_export(ds: Dataset, export_dir: Path, *, verify_pixels: bool = False) -> AuditReport:
    """Compare ``<export>/<split>/<label>/<index:05d>.png`` with the labels of ``ds``.

    Finds: missing files, extra files (not ``NNNNN.png`` or an index outside the split),
    files in the wrong class folder (the index's label differs), files that are not 8-bit
    PNGs of the dataset's image size and colour (with ``verify_pixels``: whose pixels
    differ from the dataset), folders that are not a class. On-disk counts count
    ``NNNNN.png`` files per class folder."""
    info = ds.info
    folders = {info.slug_of(d): d for d in info.labels}
    export_dir = Path(export_dir)
    report = AuditReport(counts={})
    add = report.findings.append
    for split in SPLITS:
        x, y = ds.split(split)
        expected = ds.class_counts(split)
        on_disk = [0] * info.n_classes
        split_dir = export_dir / split
        if not split_dir.is_dir():
            add(Finding("missing", str(split_dir), "split folder does not exist"))
            report.counts[split] = {"on_disk": on_disk, "expected": expected}
            continue
        seen: set[int] = set()
        for entry in sorted(os.scandir(split_dir), key=lambda e: e.name):
            if not (entry.is_dir() and entry.name in folders):
                add(Finding("not-a-class-folder", entry.path,
                            f"expected only folders 0-{info.n_classes - 1} here"))
                continue
            d = folders[entry.name]
            for f in sorted(os.scandir(entry.path), key=lambda e: e.name):
                if not FILE_RE.match(f.name) or not f.is_file():
                    add(Finding("extra", f.path, "not an export file (<index:05d>.png)"))
                    continue
                on_disk[d] += 1
                i = int(f.name[:5])
                if i >= len(y):
                    add(Finding("extra", f.path, f"index {i} is outside the {split} split "
                                                 f"({len(y)} images)"))
                    continue
                if int(y[i]) != d:
                    add(Finding("wrong-class", f.path,
                                f"{split} image {i} is labelled {int(y[i])}, not {d}"))
                else:
                    seen.add(i)
                problem = png_header_problem(Path(f.path), info.height, info.width,
                                             info.channels)
                if problem is None and verify_pixels:
                    problem = _pixel_problem(Path(f.path), x[i])
                if problem:
                    add(Finding("bad-image", f.path, problem))
        for i in sorted(set(range(len(y))) - seen):
            path = image_path(export_dir, split, y[i], i)
            add(Finding("missing", str(path), f"{split} image {i} ({info.noun} "
                                              f"{info.class_name(y[i])})"))
        report.counts[split] = {"on_disk": on_disk, "expected": expected}
    return report


def _pixel_problem(path: Path, expected) -> str | None:
    from PIL import Image

    try:
        with Image.open(path) as im:
            arr = np.asarray(im)
    except (OSError, ValueError) as exc:
        return f"unreadable PNG ({exc})"
    return None if np.array_equal(arr, expected) else "pixels differ from the dataset"
