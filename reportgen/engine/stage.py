"""A declarative stage: what it is called, what it returns, what its key is made of, and
how it runs; and the engine that runs a list of them against a manifest.

A stage's **key** is the sha256 of its name, the package version, its key inputs (values
computed from the run's options, the dataset and earlier stages' results), its constants,
a hash of the source of each module that makes its output and its output folder. Those
modules are found, not listed: every package module the module of its run function
reaches by imports (engine.imports.reachable), and those its ``uses`` modules reach
(sphinx-gallery's rule: a change in code reruns exactly what it affects). Each part is digested on its
own and recorded beside the key, so a stale stage can say which part changed. Computing a key runs
nothing and imports nothing heavy (module sources are read as files), so every key of a
site can be recomputed cheaply to tell what is stale.

The engine knows nothing of any dataset: a run context ``C`` is whatever the stages' functions
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
from .imports import reachable
from .manifest import Manifest, StageOutput
from .typed import parse

C = TypeVar("C")


@dataclass(frozen=True)
class Stage(Generic[C]):
    """One stage. name: its manifest name; label: how progress shows it; result: the type
    hint of its result (parsed with engine.typed when read back); inputs(ctx): its key
    inputs (JSON-able: str, numbers, lists, dicts, Paths); run(ctx): does the work and
    returns a StageOutput; out_dir(ctx): the folder it writes into; uses: modules (dotted
    names) the run function works through without importing them (the run context's),
    whose reach goes into the key beside its own module's (:attr:`code`); constants:
    values that go into the key;
    applies(ctx): False drops the stage (its record and files go, its result is None);
    force(ctx): True runs it even when current (``--retrain``); timed: summary.json reports
    its seconds; reads: the stages whose results its key inputs use (when one of them is
    stale, so is this one, whatever its key says now); order: its place in a run."""

    name: str
    result: Any
    inputs: Callable[[C], tuple | dict]
    run: Callable[[C], StageOutput]
    out_dir: Callable[[C], Path]
    uses: tuple[str, ...] = ()
    constants: tuple = ()
    applies: Callable[[C], bool] | None = None
    force: Callable[[C], bool] | None = None
    label: str = ""
    timed: bool = True
    reads: tuple[str, ...] = ()
    order: int = 0

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")

    @property
    def code(self) -> tuple[str, ...]:
        """The modules whose source goes into the key: every package module that the
        module defining ``run``, or one of ``uses``, reaches by imports (sorted)."""
        roots = (self.run.__module__, *self.uses)
        return tuple(sorted({m for root in roots for m in reachable(root)}))


@functools.cache
def module_hash(name: str) -> str:
    """sha256 (hex) of the source file of module ``name`` (dotted, e.g.
    "reportgen.report.charts.gallery"), read as a file, not imported; computed once a process.
    Raises ModuleNotFoundError for an unknown module."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin:
        raise ModuleNotFoundError(name)
    return hashlib.sha256(Path(spec.origin).read_bytes()).hexdigest()


def _norm(v):
    if isinstance(v, Path):
        return str(v.resolve())
    if isinstance(v, (list, tuple)):
        return [_norm(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _norm(x) for k, x in v.items()}
    return v


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(_norm(value), sort_keys=True, default=str).encode()
                          ).hexdigest()[:16]


def key_parts(name: str, inputs: tuple | dict, *, code: tuple[str, ...] = (),
              constants: tuple = (), out_dir: Path | None = None,
              root: Path | None = None) -> dict:
    """What a stage's key is made of, each part by its own digest, so a changed key can say
    which part changed (:func:`explain`): the stage name, the package version, each key
    input (by name when ``inputs`` is a dict, else "input 1", "input 2", …; as JSON,
    Paths resolved), the constants, each module of ``code`` (its source) and the output
    folder: relative to ``root`` (the manifest's) when inside it, so a site checked out
    elsewhere (a docs CI) has the same keys; a folder outside the root (the model store)
    is "<outside>"."""
    where = None
    if out_dir is not None:
        where = _norm(out_dir)
        if root is not None:
            try:
                where = Path(out_dir).resolve().relative_to(Path(root).resolve()).as_posix()
            except ValueError:
                where = "<outside>"
    items = inputs.items() if isinstance(inputs, dict) else (
        (f"input {i + 1}", v) for i, v in enumerate(inputs))
    return {"stage": name, "version": __version__,
            "inputs": {str(k): _digest(v) for k, v in items},
            "constants": _digest(list(constants)),
            "code": {m: module_hash(m)[:16] for m in code}, "out_dir": where}


def stage_key(name: str, inputs: tuple | dict, *, code: tuple[str, ...] = (),
              constants: tuple = (), out_dir: Path | None = None,
              root: Path | None = None) -> str:
    """sha256 (hex) of the stage's :func:`key_parts`."""
    return key_from_parts(key_parts(name, inputs, code=code, constants=constants,
                                    out_dir=out_dir, root=root))


def key_from_parts(parts: dict) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def parts_of(stage: Stage[C], ctx: C, root: Path | None = None) -> dict:
    """The stage's :func:`key_parts` in context ``ctx``; runs nothing."""
    return key_parts(stage.name, stage.inputs(ctx), code=stage.code,
                     constants=stage.constants, out_dir=stage.out_dir(ctx), root=root)


def key_of(stage: Stage[C], ctx: C, root: Path | None = None) -> str:
    """The stage's key in context ``ctx`` (see the module docstring), its output folder
    taken relative to ``root``; runs nothing."""
    return key_from_parts(parts_of(stage, ctx, root))


def explain(recorded: dict | None, now: dict) -> list[str]:
    """What differs between a stage's recorded key parts and its parts now, one clause each
    ("reportgen's version changed (0.3.0 → 0.4.0)", "its input 'model' changed", "the code
    of reportgen.report.charts.gallery changed"); a clause saying the key was recorded without its
    parts when ``recorded`` is None."""
    if not isinstance(recorded, dict):
        return ["its key changed (recorded by an older reportgen, which kept no parts)"]
    out = []
    if recorded.get("version") != now["version"]:
        out.append(f"reportgen's version changed ({recorded.get('version')} → {now['version']})")
    old_inputs = recorded.get("inputs") or {}
    out += [f"its input {k!r} changed" for k, v in now["inputs"].items()
            if old_inputs.get(k) != v]
    out += [f"its input {k!r} is no longer used" for k in old_inputs if k not in now["inputs"]]
    if recorded.get("constants") != now["constants"]:
        out.append("its constants changed")
    old_code = recorded.get("code") or {}
    out += [f"the code of {m} changed" for m, v in now["code"].items() if old_code.get(m) != v]
    if recorded.get("out_dir") != now["out_dir"]:
        out.append(f"its output folder changed ({recorded.get('out_dir')} → {now['out_dir']})")
    return out


def run_stage(stage: Stage[C], ctx: C, manifest: Manifest) -> Any:
    """Run ``stage`` through ``manifest`` unless it is current; returns its typed result
    (None when it does not apply: its record and files are dropped)."""
    if stage.applies is not None and not stage.applies(ctx):
        manifest.drop(stage.name)
        return None
    parts = parts_of(stage, ctx, manifest.root)
    return manifest.run(stage.name, key_from_parts(parts), lambda: stage.run(ctx),
                        out_dir=stage.out_dir(ctx), parts=parts,
                        force=bool(stage.force and stage.force(ctx)),
                        parse=functools.partial(parse, stage.result))


def is_current(stage: Stage[C], ctx: C, manifest: Manifest) -> bool:
    """True when ``stage`` would be skipped now (or does not apply and has no record)."""
    if stage.applies is not None and not stage.applies(ctx):
        return not manifest.has(stage.name)
    return manifest.is_current(stage.name, key_of(stage, ctx, manifest.root))
