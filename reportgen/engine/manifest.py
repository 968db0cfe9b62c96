"""The manifest: what each stage made, from which inputs, and what it owns.

Contract
--------
A manifest ``<root>/.reportgen-manifest.json`` records, for each stage run against that
root (the site dir; the export dir for the export), its key and the parts it was made of
(engine.stage.key_parts), the files it wrote (paths relative to the root, with their
sha256), its result (JSON) and its wall seconds, and a free "state" section (JSON) its
owner keeps beside the stages. It names no place outside its root: what a stage reads
from elsewhere (a model, a user's images) is in its key by content, not by path.
``run(name, key, fn)`` (engine.stage computes the key):

* **Skips** the stage when the recorded key equals ``key`` and every file it recorded
  still exists with the sha256 recorded (an owned file edited or replaced by hand is
  rewritten). The
  recorded result is returned, passed through ``parse``; nothing is written, nothing is
  imported.
* Otherwise **runs** ``fn()``, which returns a :class:`StageOutput`, and records it.
  Files the stage owned before but did not write this time are **deleted**.
* **Never touches** a file no stage recorded writing: the site's own files, files a user
  put into an owned folder, models in the store, the user's images. A
  recorded path that resolves outside the root is ignored, never deleted.
* A root may lend its stages other folders by name (``aliases``: a Docusaurus site whose
  docs lie beside it, ``path: '../docs'``): a file there is recorded as ``@docs/…``, owned
  and confined like one under the root.
* A missing or corrupt manifest counts as empty: every stage reruns and owns nothing yet.
* Before a stage runs, the manifest journals the run's token (fsutil.RUN_TOKEN) and the
  stage's output folder. If the run is killed, the next one deletes the temporary files
  ``.<name>.<that token>.tmp`` in that folder, and no other file: they are provably ours.
* ``save()`` writes the manifest atomically, and only when it changed.

Nothing outside this module writes ``Manifest.stages`` or ``Manifest.ran``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from .files import RUN_TOKEN, is_inside, remove_temp_files, sha256_file, write_text
from .roots import OwnedRoots, all_exist, relative_ok
from .typed import RecordError

MANIFEST = ".reportgen-manifest.json"


@dataclass
class StageOutput:
    """What a stage function returns. result: JSON-able value the next runs get back when
    the stage is skipped; files: files it wrote (inside the manifest's root), now owned.
    A ``str`` in files is a path already relative to the root, with "/" separators (the
    export lists 70,000 of them: no Path objects needed)."""

    result: Any
    files: list[Path | str] = field(default_factory=list)


def _load(path: Path) -> tuple[dict[str, dict], dict[str, dict], Any, set[str]]:
    """(stages, pending, state, kept) of a manifest; a missing or malformed manifest counts
    as empty, and so does each malformed part of it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        return {}, {}, None, set()
    stages, pending, kept = data.get("stages"), data.get("pending"), data.get("kept")
    pending = {k: v for k, v in pending.items() if isinstance(v, dict) and isinstance(
        v.get("token"), str) and isinstance(v.get("dir"), str)} if isinstance(pending, dict) else {}
    kept = {f for f in kept if relative_ok(f)} if isinstance(kept, list) else set()
    good = {name: e for name, e in (stages.items() if isinstance(stages, dict) else ())
            if isinstance(e, dict) and isinstance(e.get("key"), str)
            and _strings(e.get("files", []))}
    for e in good.values():  # reportgen 0.3 named outside files by their absolute paths
        e.pop("uses", None)
        e.pop("used", None)
    return good, pending, data.get("state"), kept


def _strings(v) -> bool:
    return isinstance(v, list) and all(isinstance(f, str) for f in v)


class Manifest(OwnedRoots):
    """The manifest of one owned root (see the module docstring). ``ran``: {stage: wall
    seconds} of the stages that ran (were not skipped) in this process."""

    def __init__(self, root: Path, hash_files: bool = True, name: str = MANIFEST):
        self.root = Path(root)
        #: record each file's sha256, so an edited or replaced file makes its stage stale
        #: (the export's 70,000 files are only checked for presence)
        self.hash_files = hash_files
        self.path = self.root / name
        #: kept: files a stage no longer writes but ``keep`` asked to keep (a versioned copy
        #: of the page shows them): still owned, deleted by :meth:`release_kept`
        self._stages, self._pending, self.state, self.kept = _load(self.path)
        #: rel path -> True to keep a file a stage stops writing instead of deleting it
        self.keep: Callable[[str], bool] | None = None
        self._ran: dict[str, float] = {}
        #: one line per recorded path that was ignored (outside the root)
        self.problems: list[str] = []
        #: other folders this root's stages own files in, by name: a recorded path
        #: ``@<name>/<rest>`` is ``aliases["@<name>"] / <rest>`` (a site's docs folder that
        #: lies beside the site, ``path: '../docs'``); set by the owner before a run
        self.aliases: dict[str, Path] = {}
        for name, e in self._stages.items():
            bad = [f for f in e.get("files", []) if not relative_ok(f)]
            for f in bad:
                self.problems.append(f"{self.path}: stage {name!r} lists {f!r}, outside "
                                     f"{self.root}; ignored")
            if bad:
                e["files"] = [f for f in e["files"] if f not in bad]
                e["key"] = ""  # a tampered record: rerun the stage

    @property
    def ran(self) -> dict[str, float]:
        return dict(self._ran)

    def result(self, name: str) -> Any:
        """The recorded result of a stage, or None."""
        return (self._stages.get(name) or {}).get("result")

    def seconds(self, name: str) -> float:
        """Wall seconds of the run that last produced the stage's outputs (0 if never)."""
        return float((self._stages.get(name) or {}).get("seconds", 0.0))

    def has(self, name: str) -> bool:
        """True when the stage has a record."""
        return name in self._stages

    def interrupted(self, name: str) -> bool:
        """True when a run of the stage was killed before it was recorded."""
        return name in self._pending

    def is_current(self, name: str, key: str) -> bool:
        """True when the stage's recorded key is ``key`` and its files are as it left them
        (:meth:`file_problems` finds nothing)."""
        e = self._stages.get(name)
        if not e or e.get("key") != key:
            return False
        # __init__ dropped recorded paths outside the root; _record writes only inside ones
        return not self.file_problems(name)

    def file_problems(self, name: str) -> list[tuple[str, str]]:
        """What happened to the stage's files since it ran, as (what, path) pairs: an owned
        file (path relative to the root) that is "missing", or whose sha256 differs from
        the one recorded: "changed" (edited or replaced by hand)."""
        e = self._stages.get(name) or {}
        files, hashes = e.get("files", []), e.get("hashes") or {}
        out = []
        if not all_exist(self._abs, files):
            out += [("missing", f) for f in files if not self._abs(f).is_file()]
        for f, digest in hashes.items():
            if f in files and self._abs(f).is_file() and sha256_file(self._abs(f)) != digest:
                out.append(("changed", f))
        return out

    def key(self, name: str) -> str | None:
        """The recorded key of a stage, or None."""
        return (self._stages.get(name) or {}).get("key")

    def parts(self, name: str) -> dict | None:
        """The recorded parts of a stage's key (engine.stage.key_parts), or None."""
        return (self._stages.get(name) or {}).get("parts")

    def run(self, name: str, key: str, fn: Callable[[], StageOutput], *,
            out_dir: Path, force: bool = False, parse: Callable[[Any], Any] = lambda r: r,
            parts: dict | None = None) -> Any:
        """Run stage ``name`` unless it is current (see the module docstring); returns its
        result, passed through ``parse``. out_dir: the folder the stage writes into (inside
        the root, or outside it for a stage that writes elsewhere, like the model store).
        A recorded result that ``parse`` rejects (RecordError: an edited manifest) counts
        as missing: the stage runs again. parts: what the key was made of, recorded beside
        it."""
        if not force and self.is_current(name, key):
            try:
                return parse(self._stages[name]["result"])
            except RecordError:
                pass
        try:
            rel = self._relative_folder(Path(out_dir)).as_posix()
            self._pending[name] = {"token": RUN_TOKEN, "dir": rel}
            self.save()
        except ValueError:
            pass  # writes outside this root (the model store): nothing to journal here
        t0 = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - t0
        self._record(name, key, out, seconds, parts)
        self._pending.pop(name, None)
        return parse(out.result)

    def drop(self, name: str) -> None:
        """Forget a stage, deleting the files it owned (a section that is no longer shown)."""
        if name in self._stages:
            self._record(name, "", StageOutput(None), 0.0)
            del self._stages[name]

    def _record(self, name: str, key: str, out: StageOutput, seconds: float,
                parts: dict | None = None) -> None:
        parents: dict = {}
        new = sorted({f if isinstance(f, str) and relative_ok(f)
                      else self._relative(Path(f), parents) for f in out.files})
        old = (self._stages.get(name) or {}).get("files", [])
        self.kept -= set(new)
        for f in sorted(set(old) - set(new)):
            if self.keep is not None and self.keep(f):
                self.kept.add(f)
            else:
                self._delete(f)
        record = {"key": key, "files": new, "result": out.result, "seconds": round(seconds, 3)}
        if parts is not None:
            record["parts"] = parts
        if self.hash_files:
            record["hashes"] = {f: sha256_file(self._abs(f)) for f in new
                                if self._abs(f).is_file()}
        self._stages[name] = record
        self._ran[name] = seconds

    def _delete(self, rel: str) -> None:
        p = self._inside(rel)
        if (p is not None and (p.is_file() or p.is_symlink()) and is_inside(p)
                and self._resolves_inside(p.parent)):
            p.unlink(missing_ok=True)

    def release_kept(self) -> list[str]:
        """Delete the kept files that ``keep`` no longer asks for and no stage owns again.
        Returns them."""
        owned = {f for e in self._stages.values() for f in e.get("files", [])}
        gone = sorted(f for f in self.kept if f not in owned
                      and not (self.keep is not None and self.keep(f)))
        for f in gone:
            self._delete(f)
        self.kept -= set(gone) | (self.kept & owned)
        return gone

    def sweep_temp_files(self) -> int:
        """Delete the temporary files a killed run left: ``.<name>.<token>.tmp`` under the
        output folder of each stage it journalled (see the module docstring). Returns how
        many were deleted."""
        n = 0
        for name, p in list(self._pending.items()):
            folder = self._inside(p["dir"])
            if (p["token"] != RUN_TOKEN and folder is not None and folder.is_dir()
                    and self._resolves_inside(folder)):
                n += remove_temp_files(folder, p["token"])
            del self._pending[name]
        return n

    def save(self) -> bool:
        """Write the manifest (atomically, only if changed). Returns True when written."""
        data = {"reportgen": __version__, "stages": self._stages}
        if self.state is not None:
            data["state"] = self.state
        if self.kept:
            data["kept"] = sorted(self.kept)
        if self._pending:
            data["pending"] = self._pending
        text = json.dumps(data, indent=1, sort_keys=True)
        return write_text(self.path, text + "\n")
