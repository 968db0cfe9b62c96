"""The calibration section: the reliability diagram of the test split and its ECE."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...analysis.calibration import N_BINS, calibration
from ...engine.manifest import StageOutput
from ...engine.stage import Stage
from ...engine.typed import dump
from ...models.train import VALIDATION_SPLIT
from ...records import Calibration
from ..assets import CALIBRATION_DIR
from ..charts.reliability import write_reliability
from ..section import PageEnv, Section
from ..view import accessible
from ._common import RUN, model_key, under_assets

if TYPE_CHECKING:
    from ..run import Run


def _calibration(r: Run) -> StageOutput:
    cal = calibration(r.ds.y_test, r.probabilities(r.model))
    if r.model.meta.temperature:
        before = calibration(r.ds.y_test, r.probabilities(r.model, calibrated=False))
        cal.temperature, cal.ece_before = r.model.meta.temperature, before.ece
        cal.accuracy_before, cal.confidence_before = before.accuracy, before.confidence
    cal, written = write_reliability(cal, r.model.meta, r.opts.assets_dir / CALIBRATION_DIR,
                                     r.opts.url, r.ds.info)
    return StageOutput(dump(cal), written)


CALIBRATION = Stage("calibration", Calibration, inputs=model_key, run=_calibration,
                    out_dir=under_assets(CALIBRATION_DIR), constants=(N_BINS,),
                    reads=("train",), uses=RUN, order=40)


def _context(results: Mapping[str, Any], env: PageEnv) -> dict | None:
    cal: Calibration | None = results.get("calibration")
    if cal is None:
        return None
    model = results.get("train")
    return {"calibration": cal, "validation_share": VALIDATION_SPLIT,
            "given_model": model is not None and model.meta.kind == "user",
            "alt": {"reliability": accessible.reliability_alt(cal)},
            "tables": {"reliability": accessible.reliability_table(cal)}}


SECTION = Section("calibration", order=30, stages=(CALIBRATION,), context=_context,
                  charts=lambda res: [res["calibration"].reliability_png]
                  if res.get("calibration") else [])
