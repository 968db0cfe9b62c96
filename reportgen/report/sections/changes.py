"""Changes since the previous model: accuracy delta, fixed and new mistakes, and the
robustness changes, when the page's model changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...analysis.changes import compare, robustness_changes
from ...engine.manifest import StageOutput
from ...engine.stage import Stage
from ...engine.typed import dump
from ...errors import ReportgenError
from ...records import ModelChanges
from .. import assets
from ..section import PageEnv, Section
from ..view import accessible
from ..view.page import thumb_grid
from ._common import RUN, model_key, under_assets

if TYPE_CHECKING:
    from ..run import Run


def _changes(r: Run) -> StageOutput:
    previous = r.previous
    try:
        before = r.probabilities(previous)
    except ReportgenError:
        return StageOutput(None)  # its file is gone: nothing to compare with
    ch = compare(r.ds.y_test, before, r.probabilities(r.model), previous=previous.path,
                 current=r.model.path)
    ch.robustness = robustness_changes(r.previous_robustness, r.results.get("robustness"))
    written = []
    for which in ("fixed", "new"):
        shown = getattr(ch, which)[:assets.SHOWN]
        for c in shown:
            c.file = assets.thumbnail_name(c.label, c.index, c.now)
        files, sheet = assets.write_thumbnail_grid(
            r.ds.x_test, [(c.index, c.file) for c in shown],
            r.opts.assets_dir / assets.CHANGES_DIR / which)
        written += files
        if sheet:
            ch.sheets[which] = r.opts.url(sheet)
    return StageOutput(dump(ch), written)


CHANGES = Stage("changes", ModelChanges | None, applies=lambda r: r.previous is not None,
                inputs=lambda r: {
                    **model_key(r), "previous model": r.previous.path,
                    "previous model's digest": r.previous.meta.sha256,
                    "previous model's input scaling": r.previous.meta.input_scaling,
                    "previous robustness": dump(r.previous_robustness),
                    "robustness": dump(r.results.get("robustness"))},
                run=_changes, out_dir=under_assets(assets.CHANGES_DIR),
                constants=(assets.SHOWN,), reads=("train", "robustness"), uses=RUN, order=70)


def _context(results: Mapping[str, Any], env: PageEnv) -> dict | None:
    ch: ModelChanges | None = results.get("changes")
    if ch is None:
        return None
    out: dict[str, Any] = {"changes": ch, "thumbs": {}, "tables": {}}
    for which in ("fixed", "new"):
        shown = [c for c in getattr(ch, which) if c.file]
        if shown:
            out["thumbs"][which] = thumb_grid(
                accessible.change_items(shown, env.info), ch.sheets.get(which),
                [f"{env.assets_url}/{assets.CHANGES_DIR}/{which}/{c.file}" for c in shown])
    if ch.robustness:
        out["tables"]["robustness_changes"] = accessible.robustness_change_table(ch.robustness)
    return out


SECTION = Section("changes", order=70, stages=(CHANGES,), context=_context)
