"""The folders a manifest owns files in: its root, and other folders lent to it by name
(aliases: a Docusaurus site's docs folder beside the site, ``@docs/…``). How a recorded
path maps to a place and back, confined to those folders (engine.manifest)."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path


class OwnedRoots:
    """root: the owned folder; aliases: {"@<name>": folder} other folders owned by name."""

    root: Path
    aliases: dict[str, Path]

    def _abs(self, rel: str) -> Path:
        """Where the recorded path ``rel`` (a file or a folder) is: under its alias's folder
        (``@docs/…``, ``@docs``) or the root."""
        head, _, rest = rel.partition("/")
        if head in self.aliases:
            return self.aliases[head] / rest
        return self.root / rel

    def shown(self, rel: str) -> str:
        """A recorded path as a user reads it: relative to the root, ``..`` and all for a
        file under an alias's folder (``@docs/x`` -> ``../docs/x``)."""
        head = rel.partition("/")[0]
        if head in self.aliases:
            return Path(os.path.relpath(self._abs(rel), self.root)).as_posix()
        return rel

    def _roots(self) -> list[Path]:
        return [self.root.resolve(), *(Path(a).resolve() for a in self.aliases.values())]

    def _inside(self, rel: str) -> Path | None:
        """Where ``rel`` is when it stays inside the root or an alias (no '..', not
        absolute), else None."""
        return self._abs(rel) if relative_ok(rel) else None

    def _resolves_inside(self, folder: Path) -> bool:
        """True when ``folder``, symlinks followed, is the root or an alias's folder, or
        lies below one."""
        real = Path(folder).resolve()
        return any(real == root or root in real.parents for root in self._roots())

    def _relative(self, path: Path, _parents: dict | None = None) -> str:
        """``path`` relative to the root (its folder resolved, not a final symlink), or
        ``@<alias>/…`` under an alias's folder; raises ValueError when it lies outside
        them all. _parents memoises resolved folders."""
        p = Path(path)
        cache = _parents if _parents is not None else {}
        if p.parent not in cache:
            cache[p.parent] = self._relative_folder(p.parent)
        return (cache[p.parent] / p.name).as_posix()

    def _relative_folder(self, folder: Path) -> Path:
        """``folder`` (resolved) relative to the root, or ``@<alias>/…`` under an alias's
        folder; raises ValueError when it lies outside them all."""
        real = Path(folder).resolve()
        for name, root in [("", self.root), *self.aliases.items()]:
            try:
                rel = real.relative_to(Path(root).resolve())
            except ValueError:
                continue
            return Path(name) / rel if name else rel
        raise ValueError(f"{folder} is outside {self.root}")


def relative_ok(rel) -> bool:
    """A recorded path stays inside its root: relative, non-empty, no '..' component."""
    return (isinstance(rel, str) and bool(rel) and not rel.startswith("/")
            and ".." not in rel.split("/"))


def all_exist(where: Callable[[str], Path], rel_paths: list[str]) -> bool:
    """True when every recorded path (``where(rel)`` says where it is) is a regular file;
    one directory listing per folder, so 70,000 exported files are checked in
    milliseconds."""
    by_dir: dict[str, set[str]] = defaultdict(set)
    for rel in rel_paths:
        folder, _, name = rel.rpartition("/")
        by_dir[folder].add(name)
    for folder, names in by_dir.items():
        try:
            with os.scandir(where(folder or ".")) as it:
                present = {e.name for e in it if e.is_file()}
        except OSError:
            return False
        if not names <= present:
            return False
    return True
