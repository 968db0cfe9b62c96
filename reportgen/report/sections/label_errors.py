"""The suspected label errors of the test split (cleanlab's confident learning, then every
image whose label the model gives less than even odds), most suspicious first, from the
model's calibrated probabilities averaged over each image and its four 1-px shifts
(models.tta)."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

from ...analysis.label_errors import EVEN_ODDS, suspected_label_errors
from ...engine.manifest import StageOutput
from ...engine.stage import Stage
from ...engine.typed import dump
from ...errors import ModelError
from ...models.tta import SHIFTS, shift_averaged
from ...records import SuspectedLabelErrors
from .. import assets
from ..section import PageEnv, Section
from ..view import accessible
from ..view.page import thumb_grid
from ._common import RUN, model_key, under_assets

if TYPE_CHECKING:
    from ..run import Run


def _label_errors(r: Run) -> StageOutput:
    try:
        probs = shift_averaged(lambda view, images: r.probabilities(r.model, view=view,
                                                                    images=images))
        averaged = True
    except ModelError as exc:  # e.g. only its test probabilities are on this machine
        r.site.problems.append(f"Suspected label errors ranked by one pass, not averaged "
                               f"over 1-px shifts: {exc}")
        probs, averaged = r.probabilities(r.model), False
    res = suspected_label_errors(r.ds.y_test, probs)
    res.shift_averaged = averaged
    shown = list(zip(res.indices, res.given, res.predicted, strict=True))[:assets.SHOWN]
    items = [(i, assets.thumbnail_name(g, i, p)) for i, g, p in shown]
    res.files = [name for _, name in items]
    written, sheet = assets.write_thumbnail_grid(r.ds.x_test, items,
                                                 r.opts.assets_dir / assets.LABEL_ERRORS_DIR)
    res.sheet = r.opts.url(sheet) if sheet else None
    return StageOutput(dump(res), written)


LABEL_ERRORS = Stage("label_errors", SuspectedLabelErrors,
                     inputs=lambda r: {**model_key(r), "cleanlab": version("cleanlab")},
                     run=_label_errors, out_dir=under_assets(assets.LABEL_ERRORS_DIR),
                     constants=(EVEN_ODDS, assets.SHOWN, SHIFTS), label="label errors",
                     reads=("train",), uses=RUN, order=50)


def _context(results: Mapping[str, Any], env: PageEnv) -> dict | None:
    le: SuspectedLabelErrors | None = results.get("label_errors")
    if le is None:
        return None
    thumbs = {}
    if le.files:
        thumbs["label_errors"] = thumb_grid(
            accessible.label_error_items(le, env.info), le.sheet,
            [f"{env.assets_url}/{assets.LABEL_ERRORS_DIR}/{f}" for f in le.files])
    return {"label_errors": le, "thumbs": thumbs}


SECTION = Section("label_errors", order=40, stages=(LABEL_ERRORS,), context=_context)
