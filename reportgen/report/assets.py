"""Every folder and file name reportgen writes into a site, and the one thumbnail writer.

Under ``<assets>`` (``<site>/static/<assets-url>``)::

    <split>/<label>/<index:05d>.png                       the page's sample (data.export)
    wrong-predictions/<label>/<label>-<index:04d>-<predicted>.png
    confusion-matrices/<slug>-<split>-<epochs>-<acc>[-normalized].png
    calibration/<slug>-test-<epochs>-<acc>-reliability.png
    suspected-label-errors/<given>-<index:04d>-<predicted>.png
    changes/fixed/<label>-<index:04d>-<now>.png, changes/new/…
    model/curves-<model>.png, model/diagram-<model>.png
    class-counts.png
    custom-test/<name>.png, <name>-<h>x<w>.png, <slug>-custom-<epochs>-<acc>.png
    summary.json
    <split>/sheet-<hash>.png, wrong-predictions/sheet-<hash>.png,
    suspected-label-errors/sheet-<hash>.png, changes/{fixed,new}/sheet-<hash>.png
                                                          sprite sheets (:func:`write_sheet`)

Every chart also has a ``-dark`` variant beside it (:func:`dark_name`). Outside
``<assets>``: the page (:data:`PAGE_PATH`), its sidebar category file and the components.
``<acc>`` is the test accuracy in percent with 2 decimals; ``<epochs>`` is "unknown" when
not known; ``<slug>`` is the dataset's (data.card.DatasetInfo.slug); ``<label>`` a class's
label (DatasetInfo.slug_of).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..engine.files import png_bytes, write_bytes
from ..options import DEFAULT_PAGE, PAGE_NAME_RE

WRONG_DIR = "wrong-predictions"
CM_DIR = "confusion-matrices"
CALIBRATION_DIR = "calibration"
LABEL_ERRORS_DIR = "suspected-label-errors"
CHANGES_DIR = "changes"
FIGURES_DIR = "model"
CUSTOM_DIR = "custom-test"
ROBUSTNESS_DIR = "robustness"
#: The sample test image as it is, beside ``<corruption>.png`` in ROBUSTNESS_DIR.
ROBUSTNESS_CLEAN = "clean.png"
CLASS_COUNTS = "class-counts.png"
SUMMARY = "summary.json"

#: The folder of every page reportgen writes, in the docs folder.
PAGES_FOLDER = "image-classification"
#: The default page, relative to the docs folder (``docs`` unless the site's docs plugin
#: reads another: ``--docs-dir``).
PAGE_IN_DOCS = Path(PAGES_FOLDER) / f"{DEFAULT_PAGE}.mdx"
#: The default page's Docusaurus doc id (its folder and front matter ``id``).
PAGE_DOC_ID = f"{PAGES_FOLDER}/{DEFAULT_PAGE}"
#: The default page, relative to a site whose docs are in ``docs`` (Docusaurus' default).
PAGE_PATH = Path("docs") / PAGE_IN_DOCS


def page_in_docs(page: str = DEFAULT_PAGE) -> Path:
    """``image-classification/<page>.mdx``: the page relative to the docs folder."""
    return Path(PAGES_FOLDER) / f"{page}.mdx"


def page_doc_id(page: str = DEFAULT_PAGE) -> str:
    """The page's doc id, as a sidebar lists it: ``image-classification/<page>``."""
    return f"{PAGES_FOLDER}/{page}"


def manifest_name(page: str = DEFAULT_PAGE) -> str:
    """The file in the site's root that holds ``page``'s stages and state: the default
    page's is ``.reportgen-manifest.json`` (as before there were pages), another's
    ``.reportgen-manifest.<page>.json``."""
    from ..engine.manifest import MANIFEST

    return MANIFEST if page == DEFAULT_PAGE else MANIFEST.replace(".json", f".{page}.json")


def site_pages(site_dir: Path) -> list[str]:
    """The pages reportgen built in ``site_dir`` (those with a manifest there), sorted."""
    from ..engine.manifest import MANIFEST

    found = []
    stem = MANIFEST.removesuffix(".json")
    for p in Path(site_dir).glob(f"{stem}*.json"):
        middle = p.name[len(stem):-len(".json")]
        if middle == "":
            found.append(DEFAULT_PAGE)
        elif middle.startswith(".") and PAGE_NAME_RE.fullmatch(middle[1:]):
            found.append(middle[1:])
    return sorted(found)


def page_file(site_dir: Path, docs_dir: str | None = None, page: str = DEFAULT_PAGE) -> Path:
    """``<site>/<docs_dir>/image-classification/<page>.mdx`` (docs_dir relative to the
    site, default ``docs``; ``..`` resolved lexically: ``website/../docs/…`` is
    ``docs/…``): where the page is."""
    return Path(os.path.normpath(Path(site_dir) / (docs_dir or "docs") / page_in_docs(page)))
#: Sidebar category files Docusaurus reads in the page's folder; reportgen writes the first.
CATEGORY_FILES = ("_category_.json", "_category_.yml", "_category_.yaml")
#: The React components the page imports, copied into ``<site>/src/components/``.
COMPONENTS = ("ImagesTable.jsx", "CustomImagesTable.jsx", "Reportgen.jsx", "reportgen.css")

#: A gallery's sprite sheet, in its own folder, ``sheet-<12 hex digits of its sha256>.png``:
#: every thumbnail of the gallery in one PNG, so a reader's browser makes one request for
#: the gallery instead of one per thumbnail. Named by its content, so a versioned or
#: translated copy of the page keeps the sheet it was rendered with.
SHEET_PREFIX = "sheet-"
#: Thumbnails per row of a sprite sheet (one image's width each); the page's components place the
#: n-th thumbnail of a sheet at column n % SHEET_COLUMNS, row n // SHEET_COLUMNS.
SHEET_COLUMNS = 16

#: The most sample images a split's grid shows: ``--sample-per-class`` per class up to
#: this many in all (12 a class for 10 classes; fewer beyond), so a page of 100 classes
#: keeps the reader's budget (60 requests, 600 KB at load).
SAMPLE_BUDGET = 120
#: The most wrong predictions the gallery's rows show in all; beyond, each class shows its
#: WRONG_SHOWN // n_classes most confident (at least 1). Every one keeps its PNG, which the
#: confusion matrix's cells show.
WRONG_SHOWN = 300


def sample_per_class(asked: int, n_classes: int) -> int:
    """Images per class a split's grid shows: ``asked``, at most SAMPLE_BUDGET in all
    (at least 1 a class)."""
    return max(1, min(asked, SAMPLE_BUDGET // n_classes))


def wrong_shown(total: int, n_classes: int) -> int | None:
    """Wrong predictions each class's row shows: None (all) when ``total`` fits in
    WRONG_SHOWN, else WRONG_SHOWN // n_classes (at least 1)."""
    return None if total <= WRONG_SHOWN else max(1, WRONG_SHOWN // n_classes)


#: Thumbnails written and shown of a long list (suspected label errors, fixed and new
#: mistakes); the lists themselves stay complete in the records and summary.json.
SHOWN = 100

_THUMB_RE = re.compile(r"^(\d+)-(\d{4,})-(\d+)\.png$")


def thumbnail_name(label: int, index: int, predicted: int) -> str:
    """A test image's thumbnail: ``<label>-<index:04d>-<predicted>.png``, e.g. (3, 18, 8)
    -> ``3-0018-8.png`` (wrong predictions, suspected label errors, changes)."""
    return f"{int(label)}-{int(index):04d}-{int(predicted)}.png"


def parse_thumbnail_name(name: str) -> tuple[int, int, int] | None:
    """Inverse of :func:`thumbnail_name`: (label, index, predicted), or None."""
    m = _THUMB_RE.match(name)
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def _model_part(epochs: int | None, accuracy: float) -> str:
    return f"{epochs if epochs is not None else 'unknown'}-{accuracy * 100:.2f}"


def confusion_matrix_name(slug: str, split: str, epochs: int | None, accuracy: float,
                          normalized: bool = False) -> str:
    """``<slug>-<split>-<epochs>-<acc>[-normalized].png``; accuracy 0-1."""
    return f"{slug}-{split}-{_model_part(epochs, accuracy)}{'-normalized' if normalized else ''}.png"


def reliability_name(slug: str, epochs: int | None, accuracy: float) -> str:
    """``<slug>-test-<epochs>-<acc>-reliability.png`` (in CALIBRATION_DIR)."""
    return f"{slug}-test-{_model_part(epochs, accuracy)}-reliability.png"


def robustness_name(slug: str, epochs: int | None, accuracy: float) -> str:
    """``<slug>-test-<epochs>-<acc>-robustness.png`` (in ROBUSTNESS_DIR)."""
    return f"{slug}-test-{_model_part(epochs, accuracy)}-robustness.png"


def custom_confusion_name(slug: str, epochs: int | None, accuracy: float) -> str:
    """``<slug>-custom-<epochs>-<acc>.png`` (in CUSTOM_DIR); accuracy: the model's test
    accuracy, 0-1."""
    return f"{slug}-custom-{_model_part(epochs, accuracy)}.png"


def dark_name(name: str) -> str:
    """The dark variant's name or URL: ``a/cm.png`` -> ``a/cm-dark.png``."""
    stem, dot, ext = str(name).rpartition(".")
    return f"{stem}-dark.{ext}" if dot else f"{name}-dark"


def model_stem(model_path: Path) -> str:
    """The model file's name without .keras/.h5: names its curves and diagram."""
    return Path(model_path).name.removesuffix(".keras").removesuffix(".h5")


def curves_name(model_path: Path) -> str:
    return f"curves-{model_stem(model_path)}.png"


def diagram_name(model_path: Path) -> str:
    return f"diagram-{model_stem(model_path)}.png"


def custom_image_names(safe_stem: str, height: int, width: int) -> tuple[str, str]:
    """(the user's image as shown, its model-size version): ``<name>.png``,
    ``<name>-<height>x<width>.png``."""
    return f"{safe_stem}.png", f"{safe_stem}-{height}x{width}.png"


#: Charts are drawn at twice the size they are shown (sharp on a high-density screen).
CHART_DENSITY = 2


def chart_size(path: Path) -> tuple[int, int]:
    """(width, height) in CSS px that the chart PNG at ``path`` is shown at: its pixels
    divided by :data:`CHART_DENSITY`, read from the PNG's header (Pillow). Raises OSError
    when the file is unreadable."""
    from PIL import Image

    with Image.open(path) as im:
        w, h = im.size
    return max(1, round(w / CHART_DENSITY)), max(1, round(h / CHART_DENSITY))


def write_sheet(x: np.ndarray, indices: Iterable[int], folder: Path) -> Path | None:
    """Write the sprite sheet of ``x[indices]`` (uint8 (n, h, w) or (n, h, w, 3)) into
    ``folder`` as ``sheet-<hash>.png`` (:data:`SHEET_PREFIX`): :data:`SHEET_COLUMNS`
    thumbnails a row, in order, unused cells 0; atomically, only when changed. Returns the
    path, or None (nothing written) when ``indices`` is empty. A sheet of n thumbnails is
    h * ceil(n / 16) px high and w * 16 px wide."""
    indices = [int(i) for i in indices]
    if not indices:
        return None
    rows, (h, w), rest = -(-len(indices) // SHEET_COLUMNS), x.shape[1:3], x.shape[3:]
    sheet = np.zeros((rows, SHEET_COLUMNS, h, w, *rest), dtype=np.uint8)
    sheet.reshape(-1, h, w, *rest)[:len(indices)] = x[indices]
    data = png_bytes(sheet.swapaxes(1, 2).reshape(rows * h, SHEET_COLUMNS * w, *rest))
    path = Path(folder) / f"{SHEET_PREFIX}{hashlib.sha256(data).hexdigest()[:12]}.png"
    write_bytes(path, data)
    return path


def write_thumbnails(x: np.ndarray, items: Iterable[tuple[int, str]], folder: Path,
                     ) -> list[Path]:
    """Write ``x[index]`` (uint8 (n, h, w) or (n, h, w, 3)) as ``<folder>/<name>`` for each (index, name)
    of ``items``, atomically and only when changed. Returns the paths, in order."""
    written = []
    for index, name in items:
        path = Path(folder) / name
        write_bytes(path, png_bytes(x[index]))
        written.append(path)
    return written


def write_thumbnail_grid(x: np.ndarray, items: list[tuple[int, str]], folder: Path,
                         ) -> tuple[list[Path], Path | None]:
    """:func:`write_thumbnails` of ``items`` ((index, name) pairs) into ``folder`` and their
    sprite sheet in ``folder`` (:func:`write_sheet`). Returns (every file written,
    the sheet or None when items is empty)."""
    written = write_thumbnails(x, items, folder)
    sheet = write_sheet(x, [i for i, _ in items], folder)
    return written + ([sheet] if sheet else []), sheet
