"""Text equivalents of the page's charts (WCAG 2.1, 1.1.1 non-text content): an alt text
that says what each chart shows, and its numbers as a table (class counts, reliability
bins, training curves, robustness); and the accessible names of thumbnails, which never hold a file
name. The confusion matrices need none: the page shows them as HTML tables."""

from __future__ import annotations

from dataclasses import dataclass

from ...analysis.metrics import metric_label
from ...data.card import DatasetInfo
from ...records import (
    Calibration,
    Change,
    Robustness,
    RobustnessChange,
    SuspectedLabelErrors,
)
from ..state import HistoryRow


@dataclass
class Table:
    """A table of the page: header cells, rows of cells (text), the columns' alignment
    (markdown: ":--", "--:", ":--:")."""

    header: list[str]
    rows: list[list[str]]
    align: list[str]


def percent(p: float) -> str:
    """0.964 -> "96%"; a probability at or above 0.995 -> "over 99%" (never "100%" sure)."""
    return "over 99%" if p >= 0.995 else f"{round(p * 100)}%"


def read_as(index: int, label: int | str, predicted: int | str,
            probability: float | None = None) -> str:
    """The accessible name of a test image the model read, e.g. "test image 8325: labelled
    0, the model read 6 with 96% confidence" (label, predicted: class names; the page's
    components build the same)."""
    sure = "" if probability is None else f" with {percent(probability)} confidence"
    return f"test image {index}: labelled {label}, the model read {predicted}{sure}"


def class_counts_alt(train: list[int], test: list[int], info: DatasetInfo) -> str:
    """E.g. "Bar chart of images per digit: training split, largest 6,742 ones, smallest
    5,421 fives; test split, largest 1,135 ones, smallest 892 fives." (one count per class
    of ``info`` each; its noun and plurals)."""
    parts = []
    for name, counts in (("training", train), ("test", test)):
        hi = max(range(len(counts)), key=lambda d: counts[d])
        lo = min(range(len(counts)), key=lambda d: counts[d])
        parts.append(f"{name} split, largest {counts[hi]:,} {info.plural(hi)}, "
                     f"smallest {counts[lo]:,} {info.plural(lo)}")
    return f"Bar chart of images per {info.noun}: {'; '.join(parts)}."


def class_counts_table(train: list[int], test: list[int], info: DatasetInfo) -> Table:
    """Images per class of each split: a row per class (its name), then the totals."""
    rows = [[info.class_name(d), f"{a:,}", f"{b:,}"]
            for d, (a, b) in enumerate(zip(train, test, strict=True))]
    return Table([info.noun.capitalize(), "Training images", "Test images"],
                 rows + [["Total", f"{sum(train):,}", f"{sum(test):,}"]], [":--:", "--:", "--:"])


def reliability_alt(cal: Calibration) -> str:
    """What the reliability diagram shows: the ECE and the fullest bin's accuracy against
    its confidence."""
    text = (f"Reliability diagram: accuracy against mean confidence in {cal.n_bins} "
            f"confidence bins; expected calibration error {cal.ece * 100:.2f}%")
    if cal.temperature and cal.ece_before is not None:
        text += (f" after temperature scaling (T = {cal.temperature:.2f}), "
                 f"{cal.ece_before * 100:.2f}% before")
    if cal.counts:
        i = max(range(len(cal.counts)), key=lambda k: cal.counts[k])
        text += (f"; the fullest bin holds {cal.counts[i]:,} images at "
                 f"{cal.confidence[i] * 100:.1f}% mean confidence, {cal.accuracy[i] * 100:.1f}% "
                 "of them read correctly")
    return text + ". The bins are in the table below."


def reliability_table(cal: Calibration) -> Table:
    """One row per non-empty bin: confidence range, images, mean confidence, accuracy."""
    width = 100 / cal.n_bins
    bins = cal.bins if len(cal.bins) == len(cal.counts) else [None] * len(cal.counts)
    rows = [[f"{b * width:.0f}–{(b + 1) * width:.0f}%" if b is not None else "–", f"{n:,}",
             f"{c * 100:.1f}%", f"{a * 100:.1f}%"]
            for b, n, c, a in zip(bins, cal.counts, cal.confidence, cal.accuracy, strict=True)]
    return Table(["Confidence bin", "Images", "Mean confidence", "Accuracy"], rows,
                 [":--", "--:", "--:", "--:"])


def curves_alt(history: list[dict]) -> str:
    """What the training curves show: epochs and the validation (else training) accuracy
    and loss from the untrained model to the last epoch."""
    first, last = history[0], history[-1]
    split = "validation" if "val_accuracy" in last else "training"
    key = "val_" if split == "validation" else ""
    return (f"Training curves over {int(last['epoch'])} epochs: {split} accuracy from "
            f"{first.get(key + 'accuracy', 0) * 100:.2f}% to {last[key + 'accuracy'] * 100:.2f}%, "
            f"{split} loss from {first.get(key + 'loss', 0):.4f} to {last[key + 'loss']:.4f}. "
            "Every epoch is in the table below.")


def curves_table(history: list[dict]) -> Table:
    """One row per epoch (0 = untrained): loss and accuracy, training and validation."""
    cols = [("loss", "Training loss", "{:.4f}"), ("accuracy", "Training accuracy", "{:.2%}"),
            ("val_loss", "Validation loss", "{:.4f}"),
            ("val_accuracy", "Validation accuracy", "{:.2%}")]
    cols = [c for c in cols if any(c[0] in h for h in history)]
    rows = [[str(int(h["epoch"])), *(f.format(h[k]) if k in h else "–" for k, _, f in cols)]
            for h in history]
    return Table(["Epoch", *(name for _, name, _ in cols)], rows, [":--"] + ["--:"] * len(cols))


def label_error_items(le: SuspectedLabelErrors, info: DatasetInfo) -> list[dict]:
    """{alt, caption} of each suspected label error shown, most suspicious first (classes
    by their names in ``info``)."""
    n, name = len(le.files), info.class_name
    return [{"alt": f"suspected label error, {read_as(i, name(g), name(p), c)}",
             "caption": f"#{i}\n{name(g)} → {name(p)} {percent(c).replace('over ', '>')}"}
            for i, g, p, c in zip(le.indices[:n], le.given[:n], le.predicted[:n],
                                  le.confidence[:n], strict=True)]


def change_items(changes: list[Change], info: DatasetInfo) -> list[dict]:
    """{alt, caption} of each changed prediction shown (those with a thumbnail; classes by
    their names in ``info``)."""
    name = info.class_name
    return [{"alt": f"test image {c.index}: labelled {name(c.label)}; the previous model "
                    f"read {name(c.was)}, this one reads {name(c.now)}",
             "caption": f"#{c.index}\n{name(c.label)}: {name(c.was)} → {name(c.now)}"}
            for c in changes if c.file]


def metrics_table(metrics: list[dict], info: DatasetInfo) -> Table:
    """Precision, recall, F1 and support per class (analysis.metrics.per_class_metrics),
    a row per class of ``info`` (its name)."""
    return Table([info.noun.capitalize(), "Precision", "Recall", "F1", "Support"],
                 [[info.class_name(metric_label(r)), f"{r['precision']:.4f}",
                   f"{r['recall']:.4f}", f"{r['f1']:.4f}", f"{int(r['support']):,}"]
                  for r in metrics],
                 [":--:", "--:", "--:", "--:", "--:"])


def history_table(history: list[HistoryRow]) -> Table:
    """The models the page has shown, oldest first; the "Shown" column marks its model now.
    The file name comes right after it (what a reader looks for), the training time last
    (it wraps at its space on a narrow screen)."""
    def unknown(v):
        return "unknown" if v is None else str(v)

    return Table(["Shown", "File", "Kind", "Epochs", "Seed", "Accuracy", "Wrong", "Trained at"],
                 [["▶ shown" if h.shown else "", h.name, h.kind, unknown(h.epochs),
                   unknown(h.seed), f"{h.accuracy * 100:.2f}%", f"{h.wrong_count:,}",
                   (h.trained_at or "unknown")[:16].replace("T", " ")] for h in history],
                 [":--", ":--", ":--", "--:", "--:", "--:", "--:", ":--"])


def layers_table(header: list[str], rows: list[list[str]]) -> Table:
    """Keras' summary as a table (model_section.SummaryTable), the last column right-aligned."""
    return Table(list(header), [list(r) for r in rows],
                 [":--"] * (len(header) - 1) + ["--:"])


def _pct(p: float) -> str:
    return f"{p * 100:.1f}%"


def robustness_alt(rob: Robustness) -> str:
    """E.g. "Bar chart of test accuracy under 13 corruptions against 98.2% clean: lowest
    edges 41.0%, highest shot noise 98.1%."."""
    ranked = sorted(rob.corruptions, key=lambda c: c.accuracy)
    text = (f"Bar chart of test accuracy under {len(ranked)} corruptions against "
            f"{_pct(rob.clean)} clean")
    if ranked:
        text += (f": lowest {ranked[0].label} {_pct(ranked[0].accuracy)}, highest "
                 f"{ranked[-1].label} {_pct(ranked[-1].accuracy)}")
    return text + "."


def _points(delta: float) -> str:
    """A change of accuracy (a fraction) in points with its sign, one decimal: "+1.2",
    "-30.1"; one that rounds to nothing is "0.0", not "-0.0"."""
    text = f"{delta * 100:+.1f}"
    return "0.0" if float(text) == 0 else text


def robustness_table(rob: Robustness) -> Table:
    """A row per corruption, in the page's order: accuracy, its change from the clean
    accuracy in points, and what it does (last: on a phone the numbers come first); the
    clean accuracy first."""
    rows = [["clean", _pct(rob.clean), "", "the test images as they are"]]
    rows += [[c.label, _pct(c.accuracy), _points(c.accuracy - rob.clean), c.what]
             for c in rob.corruptions]
    return Table(["Corruption", "Accuracy", "Change (points)", "What it does"], rows,
                 [":--", "--:", "--:", ":--"])


def robustness_items(rob: Robustness) -> list[dict]:
    """{alt, caption} of the sample thumbnails: the test image clean, then under each
    corruption."""
    head = f"test image {rob.sample_index}"
    return [{"alt": f"{head}, clean", "caption": f"clean\n{_pct(rob.clean)}"}] + [
        {"alt": f"{head} under {c.label}", "caption": f"{c.label}\n{_pct(c.accuracy)}"}
        for c in rob.corruptions]


def robustness_change_table(changes: list[RobustnessChange]) -> Table:
    """Each corruption's accuracy under the previous and the current model, and the change
    in points."""
    return Table(["Corruption", "Previous model", "This model", "Change (points)"],
                 [[c.label, _pct(c.before), _pct(c.after), _points(c.after - c.before)]
                  for c in changes], [":--", "--:", "--:", "--:"])
