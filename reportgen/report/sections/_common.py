"""What several sections' stages share: the key of a stage describing the page's model,
and their output folders. Each stage's run context is report.run.Run (imported for type
hints only; its module is in every section stage's code key through ``uses``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..run import Run

#: The module of the run context every section stage works through (Stage.uses).
RUN = ("reportgen.report.run",)


def model_key(r: Run) -> dict:
    """Key inputs of a stage describing the page's model: the dataset (digest and record),
    the model's content digest and how it is fed."""
    return {"dataset": r.ds.digest, "dataset card": r.ds.info.key(),
            "model": r.model.meta.sha256, "input scaling": r.model.meta.input_scaling}


def assets_dir(r: Run) -> Path:
    return r.opts.assets_dir


def under_assets(folder: str):
    """out_dir of a stage writing into ``<assets>/<folder>``."""
    return lambda r: r.opts.assets_dir / folder
