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
from .dataset import DIGIT_NAMES, DIGITS, Dataset
from .fsutil import relpath
from .options import Options
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
    ``<label>-<idx:04d>-<predicted>.png``}; wrong_count; per_class: wrong predictions per
    label (10 ints); confusion: (10, 10) counts, rows label, columns predicted; metrics:
    per-digit precision/recall/F1/support (see metrics.per_class_metrics); confusion_png:
    site URL of its heatmap; log: lines appended to tune.log."""

    files: dict[str, list[str]]
    wrong_count: int
    per_class: list[int]
    confusion: list[list[int]]
    metrics: list[dict[str, float]]
    confusion_png: str
    log: list[str] = field(default_factory=list)


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


#: The sample stage's result: {split: {digit "0"-"9": file names}}.
SampleFiles = dict[str, dict[str, list[str]]]

SLUG = "/image-classification/glassy"
#: The doc's front matter id: a slug of its own, not the title (a title may hold "/",
#: which Docusaurus refuses in an id, and a sidebar that names the doc keeps working
#: when the title changes).
DOC_ID = "glassy"


def page_context(ds: Dataset, opts: Options, *, sample: SampleFiles,
                 model: ModelRef, gallery: GalleryResult,
                 custom: CustomTestResult | None = None,
                 class_counts_png: str | None = None,
                 figures: ModelFigures | None = None) -> PageContext:
    """Build the page's context. sample: {split: {digit: file names}} of the page's
    sample; class_counts_png: site URL of the chart, None to leave it out."""
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
        page=FrontMatter(sidebar_position=1, id=DOC_ID, title=opts.title,
                         description=opts.description, slug=SLUG),
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
            figures=figures, history=meta.history),
        custom=custom, log_text="\n".join(log))


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
TIMED_STAGES = ("export", "sample", "train", "gallery", "model_figures", "class_counts",
                "custom_test", "render")


def build_summary(ds: Dataset, opts: Options, model: ModelRef, gallery: GalleryResult,
                  page: Path, timings: dict[str, float]) -> dict:
    """summary.json's content (see the README). timings: {stage: wall seconds of the run
    that last produced its outputs}; train's figure is the model's own fit() time, so a
    re-run that changes nothing writes the same summary."""
    meta = model.meta
    return {
        "dataset": {"path": relpath(opts.dataset), "digest": ds.digest,
                    "train_counts": ds.class_counts("train"),
                    "test_counts": ds.class_counts("test")},
        "model": {"kind": meta.kind, "epochs": meta.epochs, "seed": meta.seed,
                  "path": relpath(Path(model.path)), "test_accuracy": meta.test_accuracy,
                  "test_loss": meta.test_loss, "input_scaling": meta.input_scaling},
        "wrong_predictions": {"count": gallery.wrong_count, "per_class": gallery.per_class},
        "page": relpath(page),
        "timings_s": {name: round(float(timings.get(name, 0.0)), 3) for name in TIMED_STAGES},
    }

