"""File-system helpers: the one atomic write, temporary names and their sweeping,
confinement to the folders a run may write, hashing and PNG encoding.

Every file reportgen writes goes to a temporary name in the destination folder and is
renamed into place (os.replace is atomic on POSIX), so a killed run leaves either the old
or the new version of a file, never half of one. Temporary names carry the run's token
(:data:`RUN_TOKEN`), so a later run can prove which ones a killed run left.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import io
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..errors import SiteError

#: PNG encoder settings, fixed so the same pixels always give the same bytes.
# compress_level 1: 20% faster to encode than Pillow's default 6 for 28x28 digits, files
# about 3% larger (283 vs 276 bytes on average over MNIST).
PNG_OPTIONS = {"format": "PNG", "compress_level": 1, "optimize": False}

#: Unique to this run: every temporary file is named ``.<name>.<RUN_TOKEN>.tmp``, so a later
#: run can prove which temporary files a killed run created (the manifest journals it).
RUN_TOKEN = f"{os.getpid()}x{secrets.token_hex(4)}"


#: A temporary name: ``.<name>.<pid>x<8 hex>.tmp`` with an optional extension kept after it
#: (``.tmp.keras``: Keras saves only to a name ending in .keras).
_TEMP_RE = re.compile(r"^\..+\.((\d+)x[0-9a-f]{8})\.tmp(\.[A-Za-z0-9]+)?$")


def temp_name(path: Path, keep_suffix: bool = False) -> Path:
    """The temporary name used while writing ``path``: ``.<name>.<RUN_TOKEN>.tmp``, or
    with ``keep_suffix`` ``.<stem>.<RUN_TOKEN>.tmp<suffix>`` (a writer that insists on
    its extension, like Keras' model.save)."""
    path = Path(path)
    if keep_suffix:
        return path.with_name(f".{path.stem}.{RUN_TOKEN}.tmp{path.suffix}")
    return path.with_name(f".{path.name}.{RUN_TOKEN}.tmp")


def remove_temp_files(folder: Path, token: str = RUN_TOKEN) -> int:
    """Delete the temporary files of the run ``token`` under ``folder`` (os.walk does not
    follow symlinks), and no other file. Returns how many were deleted."""
    n = 0
    for dirpath, _, files in os.walk(folder):
        for f in files:
            m = _TEMP_RE.match(f)
            if m and m[1] == token:
                Path(dirpath, f).unlink(missing_ok=True)
                n += 1
    return n


def remove_orphaned_temp_files(folder: Path) -> int:
    """Delete the temporary files directly in ``folder`` whose run is no longer alive (the
    pid in their token has no process): what a killed run left in a folder no manifest
    journals, such as the model store. Returns how many were deleted."""
    n = 0
    with contextlib.suppress(OSError), os.scandir(folder) as it:
        for e in it:
            m = _TEMP_RE.match(e.name)
            if m and m[1] != RUN_TOKEN and not _alive(int(m[2])) and e.is_file():
                Path(e.path).unlink(missing_ok=True)
                n += 1
    return n


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_ROOTS: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar("roots", default=())


@contextlib.contextmanager
def confined(*roots: Path):
    """Within this block, write_bytes (and :func:`check_inside`) refuse a path whose
    folder resolves outside every root: a symlinked folder leading elsewhere is never
    written through."""
    token = _ROOTS.set(tuple(Path(r).resolve() for r in roots))
    try:
        yield
    finally:
        _ROOTS.reset(token)


def is_inside(path: Path) -> bool:
    """True when the deepest existing folder of ``path`` (symlinks followed) lies inside a
    root of the current :func:`confined` block, or when no block is active."""
    roots = _ROOTS.get()
    if not roots:
        return True
    folder = Path(path).absolute().parent
    tail: list[str] = []
    while not folder.exists() and not folder.is_symlink() and folder != folder.parent:
        tail.insert(0, folder.name)
        folder = folder.parent
    real = folder.resolve().joinpath(*tail)  # the tail does not exist: no symlink in it
    return any(real == r or r in real.parents for r in roots)


def check_inside(path: Path) -> None:
    """Raise SiteError (one line) when :func:`is_inside` is False for ``path``."""
    if not is_inside(path):
        raise SiteError(f"{path}: its folder leads outside the site or export dir (a "
                        "symlink?); refusing to write there")


def write_bytes(path: Path, data: bytes, *, if_changed: bool = True) -> bool:
    """Write ``data`` to ``path`` atomically (temp file in the same folder, then rename).

    With ``if_changed`` (default) an existing file with the same bytes is left alone, so
    its mtime does not change. Returns True when the file was written.
    """
    path = Path(path)
    check_inside(path)
    if if_changed:
        try:
            if (not path.is_symlink() and path.stat().st_size == len(data)
                    and path.read_bytes() == data):
                return False
        except (FileNotFoundError, NotADirectoryError):
            pass
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(str(path), data)
    return True


def replace_file(path: str, data: bytes) -> None:
    """The atomic write itself: ``data`` into ``.<name>.<RUN_TOKEN>.tmp`` beside ``path``,
    then renamed onto it; the temporary file is removed when anything fails. ``path`` is a
    plain string and its folder must exist (the export's hot loop calls this 70,000 times:
    no Path objects, no checks)."""
    folder, _, name = path.rpartition("/")
    tmp = f"{folder}/.{name}.{RUN_TOKEN}.tmp" if folder else f".{name}.{RUN_TOKEN}.tmp"
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """For writers that need a file name rather than bytes (Keras' model.save): yields a
    temporary name beside ``path`` that keeps its extension; renamed onto ``path`` when the
    block ends, removed when it fails."""
    path = Path(path)
    check_inside(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(path, keep_suffix=True)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str, *, if_changed: bool = True) -> bool:
    """Write UTF-8 text atomically; see write_bytes."""
    return write_bytes(path, text.encode("utf-8"), if_changed=if_changed)


def png_bytes(image) -> bytes:
    """Encode a 2-D uint8 array (h, w), 0 = black, or a PIL image as PNG bytes with
    PNG_OPTIONS (the same pixels always give the same bytes)."""
    from PIL import Image

    if not isinstance(image, Image.Image):
        image = Image.fromarray(np.ascontiguousarray(image))
    buf = io.BytesIO()
    image.save(buf, **PNG_OPTIONS)
    return buf.getvalue()


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes (a .keras model, an image, a template)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def relpath(path: Path, start: Path | None = None) -> str:
    """How a page or a log names ``path``: relative to ``start`` (default: the working
    directory) when inside it, else just its file name, so no absolute path of the build
    machine reaches a page, a log or summary.json."""
    path = Path(path).resolve()
    start = Path(start or Path.cwd()).resolve()
    try:
        return path.relative_to(start).as_posix()
    except ValueError:
        return path.name
