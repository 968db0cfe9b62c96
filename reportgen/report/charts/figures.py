"""The Model section's figures: training curves (from the model's recorded history) and
the architecture diagram (Keras' plot_model, when Graphviz and pydot are installed)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from ...engine.files import png_bytes, write_bytes
from ...models import io as model_io
from ...models.kinds import quiet_tensorflow
from ...records import ModelFigures, ModelMeta
from ..assets import CHART_DENSITY, FIGURES_DIR, curves_name, dark_name, diagram_name
from .plotting import CHART_WIDTH, pyplot, write_chart


def diagram_available() -> bool:
    """True when pydot imports and Graphviz's ``dot`` is on PATH (plot_model needs both)."""
    try:
        import pydot  # noqa: F401
    except ImportError:
        return False
    return shutil.which("dot") is not None


def dark_diagram(png: Path) -> bytes:
    """The dark variant of a Graphviz diagram: colours inverted, then the black background
    lifted to Docusaurus' dark page colour (#1b1b1d), with Pillow."""
    from PIL import Image, ImageOps

    with Image.open(png) as im:
        rgb = ImageOps.invert(im.convert("RGB"))
    return png_bytes(rgb.point(lambda v: 27 + v * 200 // 255))  # 0 -> 27, 255 -> 227


def write_model_figures(model_path: Path, meta: ModelMeta, assets_dir: Path,
                        url_of: Callable[[Path], str], name: str | None = None,
                        ) -> tuple[ModelFigures, list[Path]]:
    """Write ``<assets>/model/curves-<stem>.png`` (when the model has a history) and
    ``<assets>/model/diagram-<stem>.png`` (when plot_model can draw it), each with its
    ``-dark`` variant; model_path: the model's file here; name: the model's recorded name
    the stem comes from (default: model_path's). Returns (figures, files written); a figure
    that cannot be drawn is None (a SavedModel's diagram with a note saying why)."""
    stem_of = Path(name) if name else Path(model_path)
    folder = Path(assets_dir) / FIGURES_DIR
    written, figs = [], ModelFigures()
    if len(meta.history) > 1:
        curves = folder / curves_name(stem_of)
        written += write_chart(curves, training_curves_figure, meta.history)
        figs.curves_png = url_of(curves)
    if not diagram_available():
        return figs, written  # the page says nothing about the build machine
    loaded = model_io.load(model_path)
    if loaded.keras_model is None:
        figs.diagram_note = model_io.SAVED_MODEL_NOTE
        return figs, written
    keras = quiet_tensorflow()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "diagram.png"
        keras.utils.plot_model(loaded.keras_model, to_file=str(out), show_shapes=True,
                               show_layer_names=True, dpi=72 * CHART_DENSITY, rankdir="TB")
        diagram = folder / diagram_name(stem_of)
        write_bytes(diagram, out.read_bytes())
        write_bytes(Path(dark_name(diagram)), dark_diagram(out))
    written += [diagram, Path(dark_name(diagram))]
    figs.diagram_png = url_of(diagram)
    return figs, written


_COLOURS = {"training": "#4C72B0", "validation": "#DD8452"}
_MARKERS = {"training": "o", "validation": "s"}
_DASHES = {"training": "", "validation": (4, 2)}


def training_curves_figure(history: list[dict]):
    """Seed 003's two-panel figure: loss (left) and accuracy (right) by epoch, training
    (solid, circles) vs validation (dashed, squares), each panel's legend giving the values
    after the last epoch; epoch 0 is the untrained model. history: dicts with epoch, loss,
    accuracy, val_loss, val_accuracy (accuracy 0-1, drawn in percent)."""
    import pandas as pd
    import seaborn as sns

    plt = pyplot()
    rows = [{"epoch": h["epoch"], "metric": metric, "split": split,
             "value": h[key] * (100 if metric == "accuracy" else 1)}
            for h in history
            for metric in ("loss", "accuracy")
            for split, key in (("training", metric), ("validation", f"val_{metric}"))
            if key in h]
    data = pd.DataFrame(rows)
    last = max(h["epoch"] for h in history)
    fig, axes = plt.subplots(1, 2, figsize=(CHART_WIDTH, 3.4))
    for ax, metric, label in ((axes[0], "loss", "Loss (cross-entropy)"),
                              (axes[1], "accuracy", "Accuracy (%)")):
        # where the lines meet, the dashed validation line lets the solid training line
        # show through; the final values are in the legend, never drawn over a line or axis
        sns.lineplot(data=data[data.metric == metric], x="epoch", y="value", hue="split",
                     style="split", markers=_MARKERS, dashes=_DASHES, ax=ax, palette=_COLOURS,
                     markersize=5)
        ax.set_xlabel("Epoch (0 = untrained)")
        ax.set_ylabel(label)
        ax.set_xticks(sorted({h["epoch"] for h in history}))
        ax.grid(alpha=0.3)
        final = {r["split"]: r["value"] for r in rows
                 if r["metric"] == metric and r["epoch"] == last}
        handles, names = ax.get_legend_handles_labels()
        ax.legend(handles, [f"{n}: " + (f"{final[n]:.2f}%" if metric == "accuracy"
                                        else f"{final[n]:.4f}") if n in final else n
                            for n in names], title=f"after epoch {last:g}")
        if metric == "accuracy":
            ax.set_ylim(0, 102)
    axes[0].set_yscale("log")
    fig.suptitle("Training curves: training vs validation")
    return fig
