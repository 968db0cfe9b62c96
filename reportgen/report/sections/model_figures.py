"""The model's figures: its training curves and its architecture diagram, shown in the
model section's block (no block of its own)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...engine.manifest import StageOutput
from ...engine.stage import Stage
from ...engine.typed import dump
from ...records import ModelFigures
from ..assets import FIGURES_DIR
from ..charts.figures import diagram_available, write_model_figures
from ..section import Section
from ._common import RUN, under_assets

if TYPE_CHECKING:
    from ..run import Run


def _model_figures(r: Run) -> StageOutput:
    figs, written = write_model_figures(r.model_file(r.model), r.model.meta, r.opts.assets_dir,
                                        r.opts.url, name=r.model.path)
    return StageOutput(dump(figs), written)


MODEL_FIGURES = Stage("model_figures", ModelFigures, inputs=lambda r: {
    "model": r.model.meta.sha256, "model name": r.model.path,
    "training history": r.model.meta.history, "Graphviz": diagram_available()},
    run=_model_figures, out_dir=under_assets(FIGURES_DIR), label="model figures",
    reads=("train",), uses=RUN, order=80)


def _charts(results: Mapping[str, Any]) -> list[str | None]:
    figs: ModelFigures | None = results.get("model_figures")
    return [figs.curves_png, figs.diagram_png] if figs else []


SECTION = Section("model_figures", order=61, stages=(MODEL_FIGURES,), charts=_charts,
                  template=False)
