"""A declarative stage: what it is called, what it returns, what its key is made of, and
how it runs; and the engine that runs a list of them against a manifest.

A stage's **key** is the sha256 of its name, the package version, its key inputs (values
computed from the run's options, the dataset and earlier stages' results), its constants,
a hash of the source of the modules that make its output (sphinx-gallery's rule: a change
in code reruns exactly what it affects) and its output folder. Computing a key runs
nothing and imports nothing heavy (module sources are read as files), so every key of a
site can be recomputed cheaply to tell what is stale.

The engine knows nothing of MNIST: a run context ``C`` is whatever the stages' functions
take (the report layer's ``Run``).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from .. import __version__
from .manifest import Manifest, StageOutput
from .typed import parse

C = TypeVar("C")


@dataclass(frozen=True)
class Stage(Generic[C]):
    """One stage. name: its manifest name; label: how progress shows it; result: the type
    hint of its result (parsed with engine.typed when read back); inputs(ctx): its key
    inputs (JSON-able: str, numbers, lists, dicts, Paths); run(ctx): does the work and
    returns a StageOutput; out_dir(ctx): the folder it writes into; code: modules (dotted
    names) whose source goes into the key; constants: values that go into the key;
    applies(ctx): False drops the stage (its record and files go, its result is None);
    force(ctx): True runs it even when current (``--retrain``); timed: summary.json reports
    its seconds; reads: the stages whose results its key inputs use (when one of them is
    stale, so is this one, whatever its key says now)."""

    name: str
    result: Any
    inputs: Callable[[C], tuple]
    run: Callable[[C], StageOutput]
    out_dir: Callable[[C], Path]
    code: tuple[str, ...] = ()
    constants: tuple = ()
    applies: Callable[[C], bool] | None = None
    force: Callable[[C], bool] | None = None
    label: str = ""
    timed: bool = True
    reads: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")


@functools.cache
def code_hash(modules: tuple[str, ...]) -> str:
    """sha256 of the source files of ``modules`` (dotted names, e.g.
    "reportgen.report.gallery"), in order; read as files, not imported. Computed once a
    process per tuple. Raises ModuleNotFoundError for an unknown module."""
    h = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            raise ModuleNotFoundError(name)
        h.update(name.encode() + b"\0" + Path(spec.origin).read_bytes() + b"\0")
    return h.hexdigest()


def _norm(v):
    if isinstance(v, Path):
        return str(v.resolve())
    if isinstance(v, (list, tuple)):
        return [_norm(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _norm(x) for k, x in v.items()}
    return v


def stage_key(name: str, inputs: tuple, *, code: tuple[str, ...] = (), constants: tuple = (),
              out_dir: Path | None = None, root: Path | None = None) -> str:
    """sha256 (hex) of the stage name, the package version, its inputs and constants (as
    JSON, Paths resolved), the source hash of ``code`` and the output folder: relative to
    ``root`` (the manifest's) when inside it, so a site checked out elsewhere (a docs CI)
    has the same keys; a folder outside the root (the model store) is not part of it."""
    where = None
    if out_dir is not None:
        where = _norm(out_dir)
        if root is not None:
            try:
                where = Path(out_dir).resolve().relative_to(Path(root).resolve()).as_posix()
            except ValueError:
                where = "<outside>"
    blob = json.dumps([name, __version__, _norm(list(inputs)), _norm(list(constants)),
                       code_hash(tuple(code)), where], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def key_of(stage: Stage[C], ctx: C, root: Path | None = None) -> str:
    """The stage's key in context ``ctx`` (see the module docstring), its output folder
    taken relative to ``root``; runs nothing."""
    return stage_key(stage.name, stage.inputs(ctx), code=stage.code,
                     constants=stage.constants, out_dir=stage.out_dir(ctx), root=root)


def run_stage(stage: Stage[C], ctx: C, manifest: Manifest) -> Any:
    """Run ``stage`` through ``manifest`` unless it is current; returns its typed result
    (None when it does not apply: its record and files are dropped)."""
    if stage.applies is not None and not stage.applies(ctx):
        manifest.drop(stage.name)
        return None
    return manifest.run(stage.name, key_of(stage, ctx, manifest.root), lambda: stage.run(ctx),
                        out_dir=stage.out_dir(ctx),
                        force=bool(stage.force and stage.force(ctx)),
                        parse=functools.partial(parse, stage.result))


def is_current(stage: Stage[C], ctx: C, manifest: Manifest) -> bool:
    """True when ``stage`` would be skipped now (or does not apply and has no record)."""
    if stage.applies is not None and not stage.applies(ctx):
        return not manifest.has(stage.name)
    return manifest.is_current(stage.name, key_of(stage, ctx, manifest.root))
