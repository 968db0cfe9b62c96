"""The page's view model: :class:`PageContext`, everything ``templates/glassy.mdx.j2``
renders, built from the stages' records alone (:func:`page_context`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..data.dataset import DIGIT_NAMES, DIGITS
from ..records import (
    Calibration,
    ClassCounts,
    CustomTestResult,
    GalleryResult,
    HistoryRow,
    ImageCell,
    ModelChanges,
    ModelRef,
    Sample,
    SuspectedLabelErrors,
)
from .assets import CHANGES_DIR, LABEL_ERRORS_DIR, WRONG_DIR, parse_thumbnail_name
from .model_section import ModelSection, model_section


@dataclass
class PairGallery:
    """One row of "Most confused pairs": ``count`` images of ``label`` predicted as
    ``predicted``; files / confidence: their thumbnails (in the label's wrong-prediction
    folder), most confident first; anchor: the HTML id of their gallery."""

    label: int
    predicted: int
    count: int
    files: list[str]
    confidence: list[float]

    @property
    def heading(self) -> str:
        return f"{self.label} predicted as {self.predicted}"

    @property
    def anchor(self) -> str:
        return f"{self.label}-predicted-as-{self.predicted}"


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
class DigitImages:
    """Thumbnails of one digit: digit 0-9, its plural name ("Threes"), file names."""

    digit: int
    name: str
    files: list[str]


@dataclass
class SplitSection:
    """One split's section: name ("train"), title ("Training"), counts per digit,
    counts_text (the original's ``"0": 5923`` lines), digits (the sample)."""

    name: str
    title: str
    counts: list[int]
    counts_text: str
    digits: list[DigitImages]


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
    wrong_digits: list[DigitImages]
    confusion_png: str
    metrics: list[dict]
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
    history: list[HistoryRow] = field(default_factory=list)
    label_error_cells: list[ImageCell] = field(default_factory=list)
    fixed_cells: list[ImageCell] = field(default_factory=list)
    new_cells: list[ImageCell] = field(default_factory=list)
    wrong_dir: str = WRONG_DIR
    #: which model and dataset the page describes, for a reader or a reviewer: the first
    #: 12 hex digits of the model file's sha256 and of the dataset digest (no timestamp)
    model_sha256: str = ""


SLUG = "/image-classification/glassy"
#: The doc's front matter id: a slug of its own, not the title (a title may hold "/",
#: which Docusaurus refuses in an id, and a sidebar that names the doc keeps working
#: when the title changes).
DOC_ID = "glassy"


def pair_galleries(gallery: GalleryResult) -> list[PairGallery]:
    """The thumbnails of each of the gallery's top confusions, in the gallery's order."""
    pairs = []
    for c in gallery.top_confusions:
        names = gallery.files.get(str(c.label), [])
        conf = gallery.confidence.get(str(c.label), [])  # empty in a 0.1 record
        keep = [i for i, n in enumerate(names)
                if (parse_thumbnail_name(n) or (0, 0, -1))[2] == c.predicted]
        pairs.append(PairGallery(c.label, c.predicted, c.count, [names[i] for i in keep],
                                 [conf[i] for i in keep] if conf else []))
    return pairs


@dataclass
class PageText:
    """The page's title and description, resolved (an option, else the site's state, else
    the default)."""

    title: str
    description: str


def page_context(results: Mapping[str, Any], text: PageText, *, assets_url: str,
                 thumb_size: int, history: list[HistoryRow]) -> PageContext:
    """Build the page's context from the stages' records, by stage name: sample (Sample),
    class_counts (ClassCounts), train (ModelRef), gallery (GalleryResult), and the
    optional calibration, label_errors, changes, model_figures and custom_test (None or
    absent: the section is left out). assets_url: site URL of the assets folder;
    thumb_size: px of one thumbnail; history: the "Model history" rows."""
    sample: Sample = results["sample"]
    counts: ClassCounts = results["class_counts"]
    model: ModelRef = results["train"]
    gallery: GalleryResult = results["gallery"]
    custom: CustomTestResult | None = results.get("custom_test")
    calibration: Calibration | None = results.get("calibration")
    label_errors: SuspectedLabelErrors | None = results.get("label_errors")
    changes: ModelChanges | None = results.get("changes")
    splits = []
    for s, title, split_counts in (("train", "Training", counts.train),
                                   ("test", "Test", counts.test)):
        width = len(str(max(split_counts)))
        splits.append(SplitSection(
            name=s, title=title, counts=split_counts,
            counts_text="\n".join(f'"{d}": {c:>{width}}' for d, c in enumerate(split_counts)),
            digits=[DigitImages(d, DIGIT_NAMES[d], sample.files[s][str(d)]) for d in DIGITS]))
    log = list(model.meta.log) + list(gallery.log) + (list(custom.log) if custom else [])
    return PageContext(
        version=__version__,
        page=FrontMatter(sidebar_position=1, id=DOC_ID, title=text.title,
                         description=text.description, slug=SLUG, custom_edit_url=None),
        dataset={"digest": counts.digest, "train_total": sum(counts.train),
                 "test_total": sum(counts.test)},
        sample_per_class=sample.per_class, seed=sample.seed, thumb_size=thumb_size,
        assets_url=assets_url, class_counts_png=counts.chart_png, splits=splits,
        wrong_count=gallery.wrong_count,
        wrong_digits=[DigitImages(d, DIGIT_NAMES[d], gallery.files[str(d)]) for d in DIGITS],
        confusion_png=gallery.confusion_png, metrics=gallery.metrics,
        model=model_section(model.meta, results.get("model_figures")),
        custom=custom, log_text="\n".join(log),
        confusion_normalized_png=gallery.confusion_normalized_png,
        train_confusion_png=gallery.train_confusion_png,
        train_confusion_normalized_png=gallery.train_confusion_normalized_png,
        wrong_confidence=gallery.confidence, pairs=pair_galleries(gallery),
        calibration=calibration, label_errors=label_errors, changes=changes,
        history=history,
        label_error_cells=_cells(assets_url, LABEL_ERRORS_DIR, label_errors.files,
                                 label_errors.captions(), "suspected label error")
        if label_errors else [],
        fixed_cells=_change_cells(assets_url, changes, "fixed"),
        new_cells=_change_cells(assets_url, changes, "new"),
        model_sha256=model.meta.sha256[:12])


def _cells(assets_url: str, folder: str, files: list[str], captions: list[str],
           what: str) -> list[ImageCell]:
    return [ImageCell(caption=c, alt=f"{what}: {c}", url=f"{assets_url}/{folder}/{f}")
            for f, c in zip(files, captions, strict=True)]


def _change_cells(assets_url: str, changes: ModelChanges | None, which: str,
                  ) -> list[ImageCell]:
    if changes is None:
        return []
    rows = [c for c in getattr(changes, which) if c.file]
    return _cells(assets_url, f"{CHANGES_DIR}/{which}", [c.file for c in rows],
                  [c.caption for c in rows], f"{which} mistake")
