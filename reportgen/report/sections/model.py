"""The model section: the page's model (trained, reused, or given with --model), its code
and layers, and the models the page has shown; its training curves and diagram are the
model_figures section's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...engine.manifest import StageOutput
from ...engine.stage import Stage
from ...engine.typed import dump
from ...errors import ModelError
from ...models.calibrate import calibrate
from ...models.given import model_meta_for
from ...models.kinds import get_kind
from ...models.store import model_sha256, write_meta
from ...models.train import train_model
from ...records import ModelRef
from ..section import PageEnv, Section
from ..view import accessible
from ..view.model_section import model_section
from ._common import RUN

if TYPE_CHECKING:
    from ..run import Run


def _train_inputs(r: Run) -> dict:
    o = r.opts
    if o.model is not None:
        if not o.model.exists():
            kept = " (the page's model; pass --model, or --train to train one)" if (
                r.state.model == str(o.model)) else ""
            raise ModelError(f"{o.model}: no such model file{kept}")
        return {"source": "given", "dataset": r.ds.digest, "model": model_sha256(o.model),
                "input scaling": o.input_scaling}
    return {"source": "trained", "dataset": r.ds.digest, "dataset card": r.ds.info.key(),
            "model kind": o.model_kind, "recipe": get_kind(o.model_kind).recipe.as_dict(),
            "epochs": o.train_epochs, "seed": o.seed}


def _train(r: Run) -> StageOutput:
    o = r.opts
    if o.model is not None:
        meta = model_meta_for(o.model, r.ds, o.models_dir, o.input_scaling)
        ref = r.model_ref(o.model, meta)
        calibrate(meta, ref, r.ds, o.models_dir, o.model)
        return StageOutput(dump(ref))
    res = train_model(r.ds, o.models_dir, kind=o.model_kind, epochs=o.train_epochs,
                      seed=o.seed, log_path=o.log_file, retrain=o.retrain,
                      on_epoch=getattr(r.progress, "epoch", None))
    ref = r.model_ref(res.model_path, res.meta)
    if calibrate(res.meta, ref, r.ds, o.models_dir, res.model_path):
        write_meta(res.model_path, res.meta)  # kept with the stored model's metadata
    return StageOutput(dump(ref))


def _model_gone(r: Run) -> bool:
    """True when the page's recorded model was trained here and its file is gone from this
    machine's store (a site-assets run trains it again; ``check`` only notes it)."""
    return r.opts.model is None and r.before is not None and not r.has_model_file(r.before)


TRAIN = Stage("train", ModelRef, inputs=_train_inputs, run=_train,
              out_dir=lambda r: r.opts.model.parent if r.opts.model else r.opts.models_dir,
              force=lambda r: r.opts.retrain or _model_gone(r), uses=RUN, order=20)


def _context(results: Mapping[str, Any], env: PageEnv) -> dict:
    model: ModelRef = results["train"]
    history = model.meta.history
    out = {"model": model_section(model.meta, results.get("model_figures"), env.info),
           "history": env.history, "alt": {}, "tables": {}}
    if len(history) > 1:
        out["alt"]["curves"] = accessible.curves_alt(history)
        out["tables"]["curves"] = accessible.curves_table(history)
    return out


SECTION = Section("model", order=60, stages=(TRAIN,), context=_context)
