"""Every record reportgen persists: the stages' typed results kept in the site's manifest,
the site's own state, and a stored model's metadata (like model-card-toolkit's
``model_card.py``, one leaf module that every layer may import and that imports none).

Each record is a dataclass that round-trips through JSON (``engine.typed``: ``dump`` and
``parse``, pydantic's strict JSON mode), because the manifest stores it and hands it back
when a stage is skipped; a tampered record is refused, not trusted. Accuracies,
probabilities and confidences are fractions in [0, 1]; URLs are site URLs
(``/assets/…``); labels are ints 0 .. k-1 for the k classes of the dataset
(data.card.DatasetInfo); sample indices index their split.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: {split "train"/"test": {label "0", "1", …: file names ``<index:05d>.png``}}.
SampleFiles = dict[str, dict[str, list[str]]]


@dataclass
class Sample:
    """The page's sample of the dataset: ``per_class`` images per class of each split,
    chosen with ``seed`` (data.dataset.sample_indices); files: {split: {label: names}};
    sheets: {split: site URL of its sprite sheet, label 0's files first} (report.assets)."""

    per_class: int
    seed: int
    files: SampleFiles
    sheets: dict[str, str] = field(default_factory=dict)


@dataclass
class ModelMeta:
    """A model's metadata (saved beside a stored model as ``.json``). kind: registry kind
    ("mlp", "cnn") or "user" for a model reportgen did not train; epochs / seed: None when
    unknown; test_loss: mean cross-entropy on the test split; test_accuracy: 0-1;
    wrong_count: wrong test predictions; train_seconds: wall seconds of fit(); trained_at:
    ISO time; summary: Keras' summary text; sha256: of the model file; key: what determined
    the training (None for a given model); log: the original's log lines; input_scaling:
    how the images were fed (models.io: raw, unit or keras-normalize); history: one dict
    per epoch (epoch 0 = untrained) of loss, accuracy, val_loss, val_accuracy; warnings:
    one line each, e.g. another input scaling scores clearly better; temperature: the
    temperature scaling fitted on the dataset's validation part (analysis.calibration;
    None: not fitted yet), which every probability the page shows goes through;
    temperature_fit: the loss it minimised (models.calibrate.TEMPERATURE_FIT; another or
    None, as an earlier reportgen fitted it: fitted again)."""

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
    temperature: float | None = None
    temperature_fit: str | None = None

    @property
    def recipe(self) -> dict | None:
        return (self.key or {}).get("recipe")


@dataclass
class ModelRef:
    """The model a page shows, named by what it holds, not where it lies: path is a
    portable name (relative to the model store for a stored model, ``6/mnist-6-98.03.keras``;
    else the file or folder's name), meta.sha256 its content digest (models.store.
    model_sha256). Where the file is on this machine is found by the run
    (report.run.Run.model_file): the same record on every machine."""

    path: str
    meta: ModelMeta


@dataclass
class Confusion:
    """One cell off the diagonal of a confusion matrix: ``count`` test images of class
    ``label`` predicted as ``predicted``."""

    label: int
    predicted: int
    count: int


@dataclass
class GalleryResult:
    """The wrong-prediction gallery. files: {label: thumbnail names
    ``<label>-<idx:04d>-<predicted>.png``, most confident wrong answer first}; confidence:
    {label: the model's probability of its (wrong) answer, aligned with files};
    wrong_count; per_class: wrong predictions per label (one int per class); confusion: (k, k)
    counts of the test split, rows label, columns predicted; metrics: per class
    precision/recall/F1/support (analysis.metrics.per_class_metrics); confusion_png /
    confusion_normalized_png: site URLs of its heatmaps (light variant; ``-dark`` beside);
    top_confusions: the most confused (label, predicted) pairs; train_*: the same for the
    train split (None when not drawn); log: lines appended to tune.log; sheet: site URL
    of the sprite sheet of every thumbnail, label 0's first (None when none is wrong)."""

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
    sheet: str | None = None
    #: site URL of the test split's whole matrix as CSV, written beyond
    #: analysis.mistakes.MATRIX_CLASSES classes (the page's matrix is condensed then)
    confusion_csv: str | None = None
    #: wrong predictions each class's row shows (None: all; report.assets.wrong_shown)
    shown_per_class: int | None = None


@dataclass
class Calibration:
    """ece: expected calibration error 0-1; n_bins: equal-width confidence bins;
    accuracy / confidence: per non-empty bin (0-1), as scikit-learn's calibration_curve
    returns them; counts: images per non-empty bin; bins: the index (0 … n_bins-1) of each
    non-empty bin; reliability_png: site URL of the reliability diagram (None until drawn).
    All of these are of the calibrated probabilities. temperature: the temperature they
    went through (None: none fitted); ece_before, accuracy_before, confidence_before: the
    same of the model's own probabilities (None / empty: not measured)."""

    ece: float
    n_bins: int
    accuracy: list[float] = field(default_factory=list)
    confidence: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    bins: list[int] = field(default_factory=list)
    reliability_png: str | None = None
    temperature: float | None = None
    ece_before: float | None = None
    accuracy_before: list[float] = field(default_factory=list)
    confidence_before: list[float] = field(default_factory=list)


@dataclass
class SuspectedLabelErrors:
    """indices: test sample indices, most suspicious first; flagged: how many of the first
    ones cleanlab's confident learning flags (the rest have self-confidence below even
    odds); given: their labels; predicted: the model's answer; confidence: the model's
    probability of its answer; self_confidence: its probability of the given label; files:
    thumbnail names of the first ones shown (``<given>-<idx:04d>-<predicted>.png``); note:
    why the list is empty, when it is; shift_averaged: the probabilities are averaged over
    each image and its four 1-px shifts (models.tta; False: of the image as it is, when
    only those were on the machine)."""

    indices: list[int] = field(default_factory=list)
    flagged: int = 0
    given: list[int] = field(default_factory=list)
    predicted: list[int] = field(default_factory=list)
    confidence: list[float] = field(default_factory=list)
    self_confidence: list[float] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    note: str = ""
    #: site URL of the sprite sheet of the thumbnails shown (None when none is)
    sheet: str | None = None
    shift_averaged: bool = True


@dataclass
class Change:
    """One test image whose prediction changed: sample index, label, the previous model's
    answer (was), the current model's (now), and its thumbnail's name ("" when not shown)."""

    index: int
    label: int
    was: int
    now: int
    file: str = ""

    @property
    def caption(self) -> str:
        return f"label {self.label}: {self.was} → {self.now}"


@dataclass
class ModelChanges:
    """previous / current: model file paths; previous_accuracy / current_accuracy: 0-1;
    accuracy_delta: current - previous (0-1, e.g. 0.0012 = +0.12 points); fixed: images
    wrong before and right now; new: right before and wrong now (by sample index)."""

    previous: str
    current: str
    previous_accuracy: float
    current_accuracy: float
    accuracy_delta: float
    fixed: list[Change] = field(default_factory=list)
    new: list[Change] = field(default_factory=list)
    #: {"fixed" / "new": site URL of the sprite sheet of the thumbnails shown}
    sheets: dict[str, str] = field(default_factory=dict)
    #: each corruption's accuracy before and after ([]: either model has no Robustness
    #: record of the same corruptions and seed)
    robustness: list[RobustnessChange] = field(default_factory=list)


@dataclass
class CorruptionAccuracy:
    """The page's model under one corruption (analysis.corruptions): name ("glass_blur"),
    label ("glass blur"), what it does (one phrase), accuracy on the test split (0-1), and
    the sample thumbnail's file name in the robustness folder ("" when none)."""

    name: str
    label: str
    what: str
    accuracy: float
    file: str = ""


@dataclass
class Robustness:
    """Accuracy of the page's model on the test split, clean (0-1) and under each
    corruption at its fixed severity drawn with ``seed``; model_sha256: the model's; chart_png
    and sheet: site URLs of the chart and of the sample thumbnails' sprite sheet (None: not
    drawn); sample_index: the test image the thumbnails show."""

    model_sha256: str
    seed: int
    clean: float
    corruptions: list[CorruptionAccuracy]
    sample_index: int = 0
    chart_png: str | None = None
    sheet: str | None = None

    def accuracies(self) -> dict[str, float]:
        """{"clean": accuracy, "mean": the mean over the corruptions, name: accuracy, ...},
        as summary.json has it."""
        return {"clean": self.clean, "mean": self.mean,
                **{c.name: c.accuracy for c in self.corruptions}}

    @property
    def mean(self) -> float:
        """The mean accuracy over the corruptions (0-1; MNIST-C's headline figure), rounded
        to 6 places; 0.0 without corruptions."""
        accs = [c.accuracy for c in self.corruptions]
        return round(sum(accs) / len(accs), 6) if accs else 0.0

    @property
    def weakest(self) -> CorruptionAccuracy | None:
        """The corruption with the lowest accuracy (the first of equals), or None."""
        return min(self.corruptions, key=lambda c: c.accuracy, default=None)


@dataclass
class RobustnessChange:
    """One corruption's accuracy (0-1) under the previous model and the current one."""

    name: str
    label: str
    before: float
    after: float


@dataclass
class ModelFigures:
    """The Model section's figures: site URLs of the training curves and the architecture
    diagram (None when not drawn), and a note saying why a diagram is missing."""

    curves_png: str | None = None
    diagram_png: str | None = None
    diagram_note: str | None = None


@dataclass
class ClassCounts:
    """The dataset as the page describes it: its digest (sha256 of the four arrays), images
    per class of each split (one int per class each) and the site URL of the class-count chart."""

    digest: str
    train: list[int]
    test: list[int]
    chart_png: str


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
    URL or None), problems (one line per unreadable input), log lines, intro paragraph,
    confusion: its (k, k) counts, rows label, columns predicted (empty: no labels)."""

    intro: str
    images: list[ImageCell]
    preprocessed: list[ImageCell]
    correct: int
    total: int
    accuracy: float
    confusion_png: str | None = None
    problems: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    confusion: list[list[int]] = field(default_factory=list)
