"""The robustness section: the page's model on the test split under each corruption, a
chart and one test image under each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...analysis.corruptions import REFERENCE, SEED, SOURCE, severities
from ...engine.manifest import StageOutput
from ...engine.stage import Stage
from ...engine.typed import dump
from ...errors import ModelError
from ...models.io import load as load_model
from ...records import Robustness
from ..assets import ROBUSTNESS_CLEAN, ROBUSTNESS_DIR
from ..charts.robustness import measure_robustness, write_robustness
from ..section import PageEnv, Section
from ..view import accessible
from ..view.page import thumb_grid
from ._common import RUN, model_key, under_assets

if TYPE_CHECKING:
    from ..run import Run


def _robustness(r: Run) -> StageOutput:
    ds, m = r.ds, r.model
    clean = float((r.probabilities(m).argmax(axis=1) == ds.y_test).mean())
    try:
        model = load_model(r.model_file(m), ds.info)
    except ModelError as exc:  # e.g. only its probabilities are on this machine
        r.site.problems.append(f"Robustness section left out: {exc}")
        return StageOutput(None)
    rob, samples = measure_robustness(ds.x_test, ds.y_test, clean, lambda x: model.predict(
        x, m.meta.input_scaling), model_sha256=m.meta.sha256, seed=SEED)
    rob, written = write_robustness(rob, ds.x_test[rob.sample_index], samples, m.meta,
                                    r.opts.assets_dir / ROBUSTNESS_DIR, r.opts.url, ds.info)
    return StageOutput(dump(rob), written)


ROBUSTNESS = Stage("robustness", Robustness | None, inputs=lambda r: {
    **model_key(r), "severities": severities(), "seed": SEED}, run=_robustness,
    out_dir=under_assets(ROBUSTNESS_DIR), reads=("train",), uses=RUN, order=60)


def _context(results: Mapping[str, Any], env: PageEnv) -> dict | None:
    rob: Robustness | None = results.get("robustness")
    if rob is None:
        return None
    thumbs = {}
    if rob.corruptions and rob.corruptions[0].file:
        names = [ROBUSTNESS_CLEAN, *(c.file for c in rob.corruptions)]
        thumbs["robustness"] = thumb_grid(accessible.robustness_items(rob), rob.sheet,
                                          [f"{env.assets_url}/{ROBUSTNESS_DIR}/{f}"
                                           for f in names])
    return {"robustness": rob, "robustness_reference": REFERENCE,
            "robustness_source": SOURCE, "thumbs": thumbs,
            "alt": {"robustness": accessible.robustness_alt(rob)},
            "tables": {"robustness": accessible.robustness_table(rob)}}


SECTION = Section("robustness", order=50, stages=(ROBUSTNESS,), context=_context,
                  charts=lambda res: [res["robustness"].chart_png]
                  if res.get("robustness") else [])
