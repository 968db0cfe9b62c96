"""The page's view model: :class:`PageContext`, everything ``templates/glassy.mdx.j2``
renders, built from the stages' records alone (:func:`page_context`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..analysis.corruptions import REFERENCE as CORRUPTIONS_REFERENCE
from ..data.card import DatasetInfo
from ..records import (
    Calibration,
    ClassCounts,
    CustomTestResult,
    GalleryResult,
    HistoryRow,
    ModelChanges,
    ModelRef,
    Robustness,
    Sample,
    SuspectedLabelErrors,
)
from . import accessible
from .accessible import Table
from .assets import (
    CHANGES_DIR,
    LABEL_ERRORS_DIR,
    ROBUSTNESS_CLEAN,
    ROBUSTNESS_DIR,
    SHEET_COLUMNS,
    WRONG_DIR,
    chart_size,
)
from .model_section import ModelSection, model_section


@dataclass
class PairGallery:
    """One row of "Most confused pairs": ``count`` test images of ``label`` predicted as
    ``predicted`` (their images open from the matrix cell ``#confusion-test-<label>-
    <predicted>``)."""

    label: int
    predicted: int
    count: int


@dataclass
class FrontMatter:
    """The MDX front matter (Docusaurus doc metadata)."""

    sidebar_position: int
    id: str
    title: str
    description: str
    slug: str
    #: null: the page is generated, so Docusaurus offers no "Edit this page" link
    custom_edit_url: str | None = None


@dataclass
class ClassImages:
    """Thumbnails of one class: label (its folder, data.card.label_slug), name (the
    class's name), file names, and where they are in their gallery's sprite sheet
    (:func:`sheet_props`; None: no sheet)."""

    label: str
    name: str
    files: list[str]
    sheet: dict | None = None


def sheet_props(url: str | None, groups: list[list[str]]) -> list[dict | None]:
    """The ``sheet`` prop of each group of thumbnails laid out one group after another in
    the sprite sheet at ``url`` (report.assets.write_sheet): {url, columns, rows, first}."""
    total = sum(len(g) for g in groups)
    rows, first, out = -(-total // SHEET_COLUMNS), 0, []
    for g in groups:
        out.append({"url": url, "columns": SHEET_COLUMNS, "rows": rows, "first": first}
                   if url else None)
        first += len(g)
    return out


@dataclass
class SplitSection:
    """One split's section: name ("train"), title ("Training"), classes (the sample)."""

    name: str
    title: str
    classes: list[ClassImages]


@dataclass
class PageContext:
    """Everything ``templates/glassy.mdx.j2`` renders; thumb_size in px, URLs are site URLs."""

    version: str
    page: FrontMatter
    dataset: dict[str, Any]
    sample_per_class: int
    seed: int
    thumb_size: int
    assets_url: str
    class_counts_png: str | None
    splits: list[SplitSection]
    wrong_count: int
    wrong_classes: list[ClassImages]
    confusion_png: str
    model: ModelSection
    custom: CustomTestResult | None
    log_text: str
    confusion_normalized_png: str | None = None
    train_confusion_png: str | None = None
    train_confusion_normalized_png: str | None = None
    wrong_confidence: dict[str, list[float]] = field(default_factory=dict)
    pairs: list[PairGallery] = field(default_factory=list)
    calibration: Calibration | None = None
    label_errors: SuspectedLabelErrors | None = None
    changes: ModelChanges | None = None
    robustness: Robustness | None = None
    history: list[HistoryRow] = field(default_factory=list)
    #: the corruptions' source, as the Robustness section cites it (markdown)
    robustness_reference: str = CORRUPTIONS_REFERENCE
    wrong_dir: str = WRONG_DIR
    #: the test split's confusion matrix (k, k), rows true, columns predicted; the train
    #: split's (None when not computed); the gallery's files {label: names}
    confusion: list[list[int]] = field(default_factory=list)
    train_confusion: list[list[int]] | None = None
    wrong_files: dict[str, list[str]] = field(default_factory=dict)
    #: which model and dataset the page describes, for a reader or a reviewer: the first
    #: 12 hex digits of the model file's sha256 and of the dataset digest (no timestamp)
    model_sha256: str = ""
    #: {chart URL: [width, height]}: CSS px the chart is shown at (its PNG is drawn at 2x)
    chart_sizes: dict[str, list[int]] = field(default_factory=dict)
    #: {"class_counts" / "reliability" / "curves": the chart's alt text}
    alt: dict[str, str] = field(default_factory=dict)
    #: {"class_counts" / "reliability" / "curves": the chart's numbers as a table}
    tables: dict[str, Table] = field(default_factory=dict)
    #: {"label_errors" / "fixed" / "new": {"sheet": sprite sheet props, "items": [{alt,
    #: caption}]}}: the thumbnail grids of those sections
    thumbs: dict[str, dict] = field(default_factory=dict)


SLUG = "/image-classification/glassy"
#: The doc's front matter id: a slug of its own, not the title (a title may hold "/",
#: which Docusaurus refuses in an id, and a sidebar that names the doc keeps working
#: when the title changes).
DOC_ID = "glassy"


def pair_galleries(gallery: GalleryResult) -> list[PairGallery]:
    """The gallery's top confusions, most frequent first."""
    return [PairGallery(c.label, c.predicted, c.count) for c in gallery.top_confusions]


@dataclass
class PageText:
    """The page's title and description, resolved (an option, else the site's state, else
    the default)."""

    title: str
    description: str


def _classes(info: DatasetInfo, files: Mapping[str, list[str]], sheet: str | None,
             ) -> list[ClassImages]:
    """One ClassImages per class of ``info``, in label order, from {label: file names} and
    the gallery's sprite sheet URL (None: no sheet)."""
    groups = [files[info.slug_of(d)] for d in info.labels]
    return [ClassImages(info.slug_of(d), info.class_name(d), g, sh) for d, g, sh in
            zip(info.labels, groups, sheet_props(sheet, groups), strict=True)]


def dataset_text(info: DatasetInfo, train_total: int, test_total: int) -> dict[str, Any]:
    """The page's words for the dataset, from its record: heading, description (split
    sizes written in), noun, references, label_errors_note, classes."""
    return {"name": info.name, "heading": info.heading or f"{info.name} dataset",
            "description": info.description.format(train_total=f"{train_total:,}",
                                                   test_total=f"{test_total:,}"),
            "noun": info.noun, "references": list(info.references),
            "label_errors_note": info.label_errors_note, "classes": list(info.classes),
            "size": f"{info.height}x{info.width}"}


def page_context(results: Mapping[str, Any], text: PageText, *, info: DatasetInfo,
                 assets_url: str, thumb_size: int, history: list[HistoryRow],
                 static_dir: Path | None = None) -> PageContext:
    """Build the page's context from the stages' records, by stage name: sample (Sample),
    class_counts (ClassCounts), train (ModelRef), gallery (GalleryResult), and the
    optional calibration, label_errors, robustness, changes, model_figures and custom_test (None or
    absent: the section is left out). assets_url: site URL of the assets folder;
    thumb_size: px of one thumbnail; history: the "Model history" rows; static_dir: the
    site's ``static`` folder, where the charts' sizes are read (None: no sizes); info: the
    dataset's record (classes, wording)."""
    sample: Sample = results["sample"]
    counts: ClassCounts = results["class_counts"]
    model: ModelRef = results["train"]
    gallery: GalleryResult = results["gallery"]
    custom: CustomTestResult | None = results.get("custom_test")
    calibration: Calibration | None = results.get("calibration")
    label_errors: SuspectedLabelErrors | None = results.get("label_errors")
    changes: ModelChanges | None = results.get("changes")
    splits = [SplitSection(name=s, title=title,
                           classes=_classes(info, sample.files[s], sample.sheets.get(s)))
              for s, title in (("train", "Training"), ("test", "Test"))]
    log = list(model.meta.log) + list(gallery.log) + (list(custom.log) if custom else [])
    return PageContext(
        version=__version__,
        page=FrontMatter(sidebar_position=1, id=DOC_ID, title=text.title,
                         description=text.description, slug=SLUG, custom_edit_url=None),
        dataset={"digest": counts.digest, "train_total": sum(counts.train),
                 "test_total": sum(counts.test),
                 **dataset_text(info, sum(counts.train), sum(counts.test))},
        sample_per_class=sample.per_class, seed=sample.seed, thumb_size=thumb_size,
        assets_url=assets_url, class_counts_png=counts.chart_png, splits=splits,
        wrong_count=gallery.wrong_count,
        wrong_classes=_classes(info, gallery.files, gallery.sheet),
        confusion_png=gallery.confusion_png,
        model=model_section(model.meta, results.get("model_figures"), info),
        custom=custom, log_text="\n".join(log),
        confusion_normalized_png=gallery.confusion_normalized_png,
        train_confusion_png=gallery.train_confusion_png,
        train_confusion_normalized_png=gallery.train_confusion_normalized_png,
        wrong_confidence=gallery.confidence, pairs=pair_galleries(gallery),
        calibration=calibration, label_errors=label_errors, changes=changes,
        robustness=results.get("robustness"), history=history, model_sha256=model.meta.sha256[:12],
        chart_sizes=_chart_sizes(static_dir, results),
        **_text_equivalents(results, gallery, info), thumbs=_thumbs(label_errors, changes, assets_url,
                                                            results.get("robustness")),
        confusion=gallery.confusion, train_confusion=gallery.train_confusion,
        wrong_files=gallery.files)


def _chart_sizes(static_dir: Path | None, results: Mapping[str, Any]) -> dict[str, list[int]]:
    """{URL: [w, h]} of every chart in the records whose PNG is in ``static_dir``."""
    if static_dir is None:
        return {}
    g, cal, figs, custom, rob = (results.get(k) for k in (
        "gallery", "calibration", "model_figures", "custom_test", "robustness"))
    urls = [results["class_counts"].chart_png]
    urls += [g.confusion_png, g.confusion_normalized_png, g.train_confusion_png,
             g.train_confusion_normalized_png] if g else []
    urls += [cal.reliability_png] if cal else []
    urls += [figs.curves_png, figs.diagram_png] if figs else []
    urls += [custom.confusion_png] if custom else []
    urls += [rob.chart_png] if rob else []
    found = {u: Path(static_dir) / u.lstrip("/") for u in urls if u}
    return {u: list(chart_size(p)) for u, p in found.items() if p.is_file()}


def _text_equivalents(results: Mapping[str, Any], gallery: GalleryResult, info: DatasetInfo,
                      ) -> dict[str, dict]:
    counts: ClassCounts = results["class_counts"]
    alt = {"class_counts": accessible.class_counts_alt(counts.train, counts.test, info)}
    tables = {"class_counts": accessible.class_counts_table(counts.train, counts.test, info),
              "metrics": accessible.metrics_table(gallery.metrics, info)}
    cal: Calibration | None = results.get("calibration")
    if cal is not None:
        alt["reliability"] = accessible.reliability_alt(cal)
        tables["reliability"] = accessible.reliability_table(cal)
    rob: Robustness | None = results.get("robustness")
    if rob is not None:
        alt["robustness"] = accessible.robustness_alt(rob)
        tables["robustness"] = accessible.robustness_table(rob)
    changes: ModelChanges | None = results.get("changes")
    if changes is not None and changes.robustness:
        tables["robustness_changes"] = accessible.robustness_change_table(changes.robustness)
    history = results["train"].meta.history
    if len(history) > 1:
        alt["curves"] = accessible.curves_alt(history)
        tables["curves"] = accessible.curves_table(history)
    return {"alt": alt, "tables": tables}


def _thumbs(label_errors: SuspectedLabelErrors | None, changes: ModelChanges | None,
            assets_url: str, rob: Robustness | None = None) -> dict[str, dict]:
    """The grids of the suspected label errors, the fixed and new mistakes and the
    robustness samples: {"sheet": sprite sheet props (None: a record without one),
    "items": [{alt, caption, src}]}."""
    out = {}
    if rob is not None and rob.corruptions and rob.corruptions[0].file:
        items = accessible.robustness_items(rob)
        names = [ROBUSTNESS_CLEAN, *(c.file for c in rob.corruptions)]
        for it, f in zip(items, names, strict=True):
            it["src"] = f"{assets_url}/{ROBUSTNESS_DIR}/{f}"
        out["robustness"] = {"sheet": sheet_props(rob.sheet, [items])[0], "items": items}
    if label_errors is not None and label_errors.files:
        items = accessible.label_error_items(label_errors)
        for it, f in zip(items, label_errors.files, strict=True):
            it["src"] = f"{assets_url}/{LABEL_ERRORS_DIR}/{f}"
        out["label_errors"] = {"sheet": sheet_props(label_errors.sheet, [items])[0],
                               "items": items}
    for which in ("fixed", "new"):
        shown = [c for c in getattr(changes, which) if c.file] if changes is not None else []
        if shown:
            items = accessible.change_items(shown)
            for it, c in zip(items, shown, strict=True):
                it["src"] = f"{assets_url}/{CHANGES_DIR}/{which}/{c.file}"
            out[which] = {"sheet": sheet_props(changes.sheets.get(which), [items])[0],
                          "items": items}
    return out
