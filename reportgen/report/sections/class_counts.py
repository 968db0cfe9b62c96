"""The class counts: images per class in each split, as a chart and a table. Shown in the
dataset section's block (no block of its own)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...engine.manifest import StageOutput
from ...engine.stage import Stage
from ...engine.typed import dump
from ...records import ClassCounts
from .. import assets
from ..charts.class_counts import write_class_counts
from ..section import PageEnv, Section
from ..view import accessible
from ._common import RUN, assets_dir

if TYPE_CHECKING:
    from ..run import Run


def _class_counts(r: Run) -> StageOutput:
    chart = r.opts.assets_dir / assets.CLASS_COUNTS
    counts = ClassCounts(r.ds.digest, r.ds.class_counts("train"), r.ds.class_counts("test"),
                         r.opts.url(chart))
    return StageOutput(dump(counts), write_class_counts(counts.train, counts.test, chart,
                                                        r.ds.info))


CLASS_COUNTS = Stage("class_counts", ClassCounts, inputs=lambda r: {
    "dataset": r.ds.digest, "dataset card": r.ds.info.key()},
    run=_class_counts, out_dir=assets_dir, label="class counts", uses=RUN, order=90)


def _context(results: Mapping[str, Any], env: PageEnv) -> dict:
    counts: ClassCounts = results["class_counts"]
    return {"class_counts_png": counts.chart_png,
            "alt": {"class_counts": accessible.class_counts_alt(counts.train, counts.test,
                                                                env.info)},
            "tables": {"class_counts": accessible.class_counts_table(counts.train,
                                                                     counts.test, env.info)}}


SECTION = Section("class_counts", order=11, stages=(CLASS_COUNTS,), context=_context,
                  charts=lambda res: [res["class_counts"].chart_png], template=False)
