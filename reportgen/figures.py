"""The Model section's figures: training curves (from the model's recorded history) and
the architecture diagram (Keras' plot_model, when Graphviz and pydot are installed)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .fsutil import write_bytes
from .page import ModelFigures, ModelMeta

FIGURES_DIR = "model"


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

    from .fsutil import png_bytes

    with Image.open(png) as im:
        rgb = ImageOps.invert(im.convert("RGB"))
    return png_bytes(rgb.point(lambda v: 27 + v * 200 // 255))  # 0 -> 27, 255 -> 227


def write_model_figures(model_path: Path, meta: ModelMeta, assets_dir: Path,
                        url_of: Callable[[Path], str]) -> tuple[ModelFigures, list[Path]]:
    """Write ``<assets>/model/curves-<stem>.png`` (when the model has a history) and
    ``<assets>/model/diagram-<stem>.png`` (when plot_model can draw it), each with its
    ``-dark`` variant. Returns (figures,
    files written); a figure that cannot be drawn is None with a note saying why."""
    from .plotting import dark_name, training_curves_figure, write_chart

    folder = Path(assets_dir) / FIGURES_DIR
    stem = Path(model_path).name.removesuffix(".keras").removesuffix(".h5")
    written, figs = [], ModelFigures()
    if len(meta.history) > 1:
        curves = folder / f"curves-{stem}.png"
        written += write_chart(curves, training_curves_figure, meta.history)
        figs.curves_png = url_of(curves)
    if not diagram_available():
        figs.diagram_note = ("Graphviz and pydot are not installed, so there is no "
                             "architecture diagram; the summary below lists the layers.")
        return figs, written
    from . import model_io
    from .models import quiet_tensorflow

    loaded = model_io.load(model_path)
    if loaded.keras_model is None:
        figs.diagram_note = model_io.SAVED_MODEL_NOTE
        return figs, written
    keras = quiet_tensorflow()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "diagram.png"
        keras.utils.plot_model(loaded.keras_model, to_file=str(out), show_shapes=True,
                               show_layer_names=True, dpi=72, rankdir="TB")
        diagram = folder / f"diagram-{stem}.png"
        write_bytes(diagram, out.read_bytes())
        write_bytes(Path(dark_name(diagram)), dark_diagram(out))
    written += [diagram, Path(dark_name(diagram))]
    figs.diagram_png = url_of(diagram)
    return figs, written
