"""The page model: typed results the stages hand each other, the template's context
(:class:`PageContext`, rendered by ``templates/glassy.mdx.j2``) and summary.json.

Every result is a dataclass that round-trips through JSON (:func:`to_json` /
:func:`from_json`), because the manifest stores it and returns it when a stage is skipped.
Accuracies and probabilities are fractions in [0, 1]; URLs are site URLs (``/assets/…``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .calibration import Calibration
from .changes import CHANGES_DIR, ModelChanges
from .dataset import DIGIT_NAMES, DIGITS, Dataset
from .fsutil import relpath
from .label_errors import LABEL_ERRORS_DIR, SuspectedLabelErrors
from .mistakes import Confusion
from .options import DEFAULT_DESCRIPTION, DEFAULT_TITLE, Options
from .serde import _convert, from_json, to_json  # noqa: F401  (results round-trip through JSON)


@dataclass
class ModelMeta:
    """A model's metadata (saved beside it as ``.json``). kind: registry kind ("mlp") or
    "user" for a model reportgen did not train; epochs: None when unknown; seed: None when
    unknown; test_loss: mean cross-entropy on the test split; test_accuracy: 0-1;
    wrong_count: wrong test predictions; train_seconds: wall seconds of fit(); trained_at:
    ISO time; summary: Keras' summary text; sha256: of the model file; key: what determined
    the training (None for a given model); log: the original's log lines; input_scaling:
    how the test images were fed (model_io: raw, unit or keras-normalize); history: one
    dict per epoch (epoch 0 = untrained) of loss, accuracy, val_loss, val_accuracy;
    warnings: one line each, e.g. another input scaling scores clearly better."""

    kind: str
    epochs: int | None
    seed: int | None
    test_loss: float
    test_accuracy: float
    wrong_count: int
    sha256: str
    summary: str = ""
    train_seconds: float = 0.0
    trained_at: str | None = None
    key: dict | None = None
    log: list[str] = field(default_factory=list)
    input_scaling: str = "raw"
    history: list[dict[str, float]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def recipe(self) -> dict | None:
        return (self.key or {}).get("recipe")


@dataclass
class ModelRef:
    """The model the page shows: path of its file and its metadata."""

    path: str
    meta: ModelMeta


@dataclass
class GalleryResult:
    """The wrong-prediction gallery. files: {digit "0"-"9": file names
    ``<label>-<idx:04d>-<predicted>.png``, most confident wrong answer first}; confidence:
    {digit: the model's probability of its (wrong) digit, 0-1, aligned with files};
    wrong_count; per_class: wrong predictions per label (10 ints); confusion: (10, 10)
    counts of the test split, rows label, columns predicted; metrics: per-digit
    precision/recall/F1/support (see metrics.per_class_metrics); confusion_png /
    confusion_normalized_png: site URLs of its heatmaps (light variant; ``-dark`` beside);
    top_confusions: the most confused (label, predicted) pairs; train_*: the same for the
    train split (None when not drawn); log: lines appended to tune.log."""

    files: dict[str, list[str]]
    wrong_count: int
    per_class: list[int]
    confusion: list[list[int]]
    metrics: list[dict[str, float]]
    confusion_png: str
    log: list[str] = field(default_factory=list)
    confidence: dict[str, list[float]] = field(default_factory=dict)
    confusion_normalized_png: str | None = None
    top_confusions: list[Confusion] = field(default_factory=list)
    train_confusion: list[list[int]] | None = None
    train_confusion_png: str | None = None
    train_confusion_normalized_png: str | None = None


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
class HistoryRow:
    """One model of the store in the "Model history" table; accuracy 0-1; shown: the model
    the page shows."""

    kind: str
    epochs: int | None
    seed: int | None
    accuracy: float
    wrong_count: int
    trained_at: str | None
    name: str
    shown: bool = False


@dataclass
class ModelFigures:
    """The Model section's figures: site URLs of the training curves and the architecture
    diagram (None when not drawn), and a note saying why a diagram is missing."""

    curves_png: str | None = None
    diagram_png: str | None = None
    diagram_note: str | None = None


@dataclass
class ImageCell:
    """One captioned image of a markdown image table: caption, alt text, site URL, and
    whether the prediction was right (None: no label known)."""

    caption: str
    alt: str
    url: str
    correct: bool | None = None


@dataclass
class CustomTestResult:
    """The "Extra Custom Test": images (the user's, as shown), preprocessed (28x28 as the
    model sees them), correct/total over labelled images, accuracy 0-1, confusion_png (site
    URL or None), problems (one line per unreadable input), log lines, intro paragraph."""

    intro: str
    images: list[ImageCell]
    preprocessed: list[ImageCell]
    correct: int
    total: int
    accuracy: float
    confusion_png: str | None = None
    problems: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    @property
    def wrong(self) -> list[ImageCell]:
        return [i for i in self.images if i.correct is False]


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
class SummaryTable:
    """Keras' model.summary() as a table: header cells, rows of cells (a layer), notes
    (the model name and the "Total params" lines)."""

    header: list[str]
    rows: list[list[str]]
    notes: list[str]


def summary_table(text: str) -> SummaryTable | None:
    """Parse Keras 3's box-drawn summary (``┃`` header, ``│`` rows; a layer spread over
    several lines, as "Connected to" does, is joined) into a SummaryTable; None when the
    text is not such a table (a SavedModel note, Keras 2's plain text)."""
    header, rows, notes = None, [], []
    continued = False
    for line in str(text).splitlines():
        s = line.strip()
        if s.startswith("┃") and header is None:
            header = [c.strip() for c in s.strip("┃").split("┃")]
        elif s.startswith("│") and header is not None:
            cells = [c.strip() for c in s.strip("│").split("│")]
            if len(cells) != len(header):
                return None
            if continued and rows and not cells[0]:
                rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
            else:
                rows.append(cells)
            continued = True
        elif s.startswith(("├", "┡", "└", "┏", "┗")):
            continued = False
        elif s:
            notes.append(s)
    return SummaryTable(header, rows, notes) if header and rows else None


@dataclass
class ModelSection:
    """The Model section: epochs (None = unknown), seed, test_accuracy 0-1, test_loss,
    Keras summary, code (derived from the builder), recipe_text, description, scaling_text
    (how the inputs were fed)."""

    epochs: int | None
    seed: int | None
    test_accuracy: float
    test_loss: float
    summary: str
    code: str
    recipe_text: str
    description: str
    scaling_text: str = ""
    figures: ModelFigures | None = None
    history: list[dict[str, float]] = field(default_factory=list)
    summary_table: SummaryTable | None = None


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


#: The sample stage's result: {split: {digit "0"-"9": file names}}.
SampleFiles = dict[str, dict[str, list[str]]]

SLUG = "/image-classification/glassy"
#: The doc's front matter id: a slug of its own, not the title (a title may hold "/",
#: which Docusaurus refuses in an id, and a sidebar that names the doc keeps working
#: when the title changes).
DOC_ID = "glassy"


def pair_galleries(gallery: GalleryResult) -> list[PairGallery]:
    """The thumbnails of each of the gallery's top confusions, in the gallery's order."""
    from .gallery import parse_wrong_prediction_name

    pairs = []
    for c in gallery.top_confusions:
        names = gallery.files.get(str(c.label), [])
        conf = gallery.confidence.get(str(c.label), [])  # empty in a 0.1 record
        keep = [i for i, n in enumerate(names)
                if (parse_wrong_prediction_name(n) or (0, 0, -1))[2] == c.predicted]
        pairs.append(PairGallery(c.label, c.predicted, c.count, [names[i] for i in keep],
                                 [conf[i] for i in keep] if conf else []))
    return pairs


def page_context(ds: Dataset, opts: Options, *, sample: SampleFiles,
                 model: ModelRef, gallery: GalleryResult,
                 custom: CustomTestResult | None = None,
                 class_counts_png: str | None = None,
                 figures: ModelFigures | None = None,
                 calibration: Calibration | None = None,
                 label_errors: SuspectedLabelErrors | None = None,
                 changes: ModelChanges | None = None,
                 history: list[HistoryRow] | None = None) -> PageContext:
    """Build the page's context. sample: {split: {digit: file names}} of the page's
    sample; class_counts_png: site URL of the chart, None to leave it out; the other
    sections are left out when None."""
    from .models import KINDS, Recipe

    meta = model.meta
    kind = KINDS.get(meta.kind)
    recipe = meta.recipe
    recipe_text = Recipe.from_dict(recipe).text() if recipe else "as saved in the model file"
    splits = []
    for s, title in (("train", "Training"), ("test", "Test")):
        counts = ds.class_counts(s)
        width = len(str(max(counts)))
        splits.append(SplitSection(
            name=s, title=title, counts=counts,
            counts_text="\n".join(f'"{d}": {c:>{width}}' for d, c in enumerate(counts)),
            digits=[DigitImages(d, DIGIT_NAMES[d], sample[s][str(d)]) for d in DIGITS]))
    log = list(meta.log) + list(gallery.log) + (list(custom.log) if custom else [])
    return PageContext(
        version=__version__,
        page=FrontMatter(sidebar_position=1, id=DOC_ID,
                         title=DEFAULT_TITLE if opts.title is None else opts.title,
                         description=(DEFAULT_DESCRIPTION if opts.description is None
                                      else opts.description),
                         slug=SLUG, custom_edit_url=None),
        dataset={"digest": ds.digest, "train_total": len(ds.y_train),
                 "test_total": len(ds.y_test)},
        sample_per_class=opts.sample_per_class, seed=opts.seed, thumb_size=opts.thumb_size,
        assets_url=opts.assets_url, class_counts_png=class_counts_png, splits=splits,
        wrong_count=gallery.wrong_count,
        wrong_digits=[DigitImages(d, DIGIT_NAMES[d], gallery.files[str(d)]) for d in DIGITS],
        confusion_png=gallery.confusion_png, metrics=gallery.metrics,
        model=ModelSection(
            epochs=meta.epochs, seed=meta.seed, test_accuracy=meta.test_accuracy,
            test_loss=meta.test_loss, summary=meta.summary,
            code=kind.code(meta.epochs, (recipe or {}).get("batch_size")) if kind else "",
            recipe_text=recipe_text,
            description=kind.description if kind else "A model given with --model",
            scaling_text=scaling_text(meta.input_scaling, own=kind is not None),
            figures=figures, history=meta.history, summary_table=summary_table(meta.summary)),
        custom=custom, log_text="\n".join(log),
        confusion_normalized_png=gallery.confusion_normalized_png,
        train_confusion_png=gallery.train_confusion_png,
        train_confusion_normalized_png=gallery.train_confusion_normalized_png,
        wrong_confidence=gallery.confidence, pairs=pair_galleries(gallery),
        calibration=calibration, label_errors=label_errors, changes=changes,
        history=history or [],
        label_error_cells=_cells(opts, LABEL_ERRORS_DIR, label_errors.files,
                                 label_errors.captions(), "suspected label error")
        if label_errors else [],
        fixed_cells=_change_cells(opts, changes, "fixed"),
        new_cells=_change_cells(opts, changes, "new"))


def _cells(opts: Options, folder: str, files: list[str], captions: list[str],
           what: str) -> list[ImageCell]:
    return [ImageCell(caption=c, alt=f"{what}: {c}", url=f"{opts.assets_url}/{folder}/{f}")
            for f, c in zip(files, captions, strict=True)]


def _change_cells(opts: Options, changes: ModelChanges | None, which: str) -> list[ImageCell]:
    if changes is None:
        return []
    rows = [c for c in getattr(changes, which) if c.file]
    return _cells(opts, f"{CHANGES_DIR}/{which}", [c.file for c in rows],
                  [c.caption for c in rows], f"{which} mistake")


def scaling_text(scaling: str, own: bool) -> str:
    """The page's sentence on how the model's inputs were fed (model_io's scalings)."""
    if scaling == "raw":
        return ("Scaling to [0, 1] is the model's first layer, so it takes raw 28x28 uint8 "
                "images." if own else "The model was fed raw 28x28 uint8 pixels (0-255): it "
                "scales its own input (a Rescaling or Normalization layer).")
    if scaling == "unit":
        return "The model was fed x/255: pixels scaled to [0, 1], as it was trained."
    return ("The model was fed tf.keras.utils.normalize(x, axis=1), as the original "
            "notebooks trained it.")


#: The stages whose wall seconds summary.json reports, in run order.
TIMED_STAGES = ("export", "sample", "train", "gallery", "calibration", "label_errors",
                "changes", "model_figures", "class_counts", "custom_test", "render")


def build_summary(ds: Dataset, opts: Options, model: ModelRef, gallery: GalleryResult,
                  page: Path, timings: dict[str, float], *,
                  calibration: Calibration | None = None,
                  label_errors: SuspectedLabelErrors | None = None,
                  changes: ModelChanges | None = None) -> dict:
    """summary.json's content (see the README). timings: {stage: wall seconds of the run
    that last produced its outputs}; train's figure is the model's own fit() time, so a
    re-run that changes nothing writes the same summary. ``changes`` is written only when
    the page's model changed."""
    meta = model.meta
    out = {
        "dataset": {"path": relpath(opts.dataset), "digest": ds.digest,
                    "train_counts": ds.class_counts("train"),
                    "test_counts": ds.class_counts("test")},
        "model": {"kind": meta.kind, "epochs": meta.epochs, "seed": meta.seed,
                  "path": relpath(Path(model.path)), "test_accuracy": meta.test_accuracy,
                  "test_loss": meta.test_loss, "input_scaling": meta.input_scaling},
        "wrong_predictions": {"count": gallery.wrong_count, "per_class": gallery.per_class},
        "top_confusions": [to_json(c) for c in gallery.top_confusions],
        "ece": round(calibration.ece, 6) if calibration else None,
        "suspected_label_errors": list(label_errors.indices) if label_errors else [],
        "page": relpath(page),
        "timings_s": {name: round(float(timings.get(name, 0.0)), 3) for name in TIMED_STAGES},
    }
    if changes is not None:
        out["changes"] = {"previous_model": relpath(Path(changes.previous)),
                          "accuracy_delta": round(changes.accuracy_delta, 6),
                          "fixed": [c.index for c in changes.fixed],
                          "new": [c.index for c in changes.new]}
    return out

