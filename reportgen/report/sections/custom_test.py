"""The custom test: the user's own images (the dataset card's by default), preprocessed as
the card says, read by the page's model, with their confusion matrix."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...engine.files import sha256_file
from ...engine.manifest import StageOutput
from ...engine.stage import Stage
from ...engine.typed import dump
from ...records import CustomTestResult
from ..assets import CUSTOM_DIR
from ..charts.custom_images import run_custom_test
from ..section import PageEnv, Section
from ..view.page import matrix_props
from ._common import RUN, under_assets

if TYPE_CHECKING:
    from ..run import Run


def _inputs(r: Run) -> dict:
    """Each image by its path inside the input it came from (``7.png``, ``7/a.png``) and its
    sha256: the same key from any working directory or machine."""
    files, problems = r.custom_files
    roots = [Path(p).resolve() for p in r.opts.custom_inputs()]

    def name(f: Path) -> str:
        f = f.resolve()
        root = next((x for x in roots if x == f or x in f.parents), f.parent)
        return f.name if root == f else f.relative_to(root).as_posix()

    return {"model": r.model.meta.sha256, "input scaling": r.model.meta.input_scaling,
            "dataset card": r.ds.info.key(),
            "custom images": [(name(f), sha256_file(f)) for f in files],
            "unreadable images": len(problems)}


def _custom_test(r: Run) -> StageOutput:
    files, problems = r.custom_files
    res, written = run_custom_test(r.model_file(r.model), r.model.meta, files, problems,
                                   r.opts.assets_dir, r.opts.url, r.opts.log_file, r.ds.info)
    return StageOutput(dump(res) if res else None, written)


CUSTOM_TEST = Stage("custom_test", CustomTestResult | None,
                    applies=lambda r: bool(r.opts.custom_images) or (
                        r.ds.info.custom_images is not None and bool(r.opts.custom_inputs())),
                    inputs=_inputs,
                    run=_custom_test, out_dir=under_assets(CUSTOM_DIR), label="custom test",
                    reads=("train",), uses=RUN, order=100)


def _context(results: Mapping[str, Any], env: PageEnv) -> dict | None:
    custom: CustomTestResult | None = results.get("custom_test")
    return None if custom is None else {
        "custom": custom, "custom_confusion": matrix_props(custom.confusion, env.info)}


SECTION = Section("custom_test", order=80, stages=(CUSTOM_TEST,), context=_context,
                  charts=lambda res: [res["custom_test"].confusion_png]
                  if res.get("custom_test") else [])
