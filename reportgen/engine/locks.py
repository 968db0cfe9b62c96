"""One run at a time per site dir and per export dir (filelock).

The lock files live in the system's temporary folder, named by a hash of the folder's
resolved path, so nothing is added to a user's site (which may be read-only). Beside each
lock a small JSON file names the run holding it (pid, command, start time), so a second
run can say which run is in its way.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import SiteError
from .files import confined


def _lock_dir() -> Path:
    folder = Path(tempfile.gettempdir()) / f"reportgen-locks-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def lock_path(folder: Path) -> Path:
    """The lock file of ``folder`` (by the sha256 of its resolved path)."""
    key = hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:20]
    return _lock_dir() / f"{key}.lock"


@contextlib.contextmanager
def locked(*folders: Path, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the lock of every folder (in a fixed order, so two runs cannot deadlock).
    Raises SiteError naming the other run when a folder is locked for longer than
    ``wait_s`` seconds."""
    unique = sorted({Path(f).resolve() for f in folders})
    with contextlib.ExitStack() as stack:
        for folder in unique:
            path = lock_path(folder)
            lock = FileLock(str(path))
            try:
                stack.enter_context(lock.acquire(timeout=wait_s))
            except Timeout:
                raise SiteError(f"{folder} is in use by another reportgen run "
                                f"({_holder(path)}); wait for it to finish") from None
            info = path.with_suffix(".json")
            info.write_text(json.dumps({"pid": os.getpid(), "folder": str(folder),
                                        "command": "reportgen " + (sys.argv[1] if len(sys.argv) > 1 else ""),
                                        "since": time.strftime("%Y-%m-%d %H:%M:%S")}))
            stack.callback(info.unlink, missing_ok=True)
        yield


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.with_suffix(".json").read_text())
        return f"pid {info['pid']}, {info['command']}, since {info['since']}"
    except (OSError, ValueError, KeyError):
        return "pid unknown"


@contextlib.contextmanager
def guarded_run(*, locks: tuple[Path, ...], writes: tuple[Path, ...]) -> Iterator[None]:
    """Hold the lock of every folder of ``locks`` and, within the block, refuse writes whose
    folder leads outside every folder of ``writes`` (engine.files.confined)."""
    with locked(*locks), confined(*writes):
        yield
