"""The model store: ``<models>/<epochs>/<prefix>-<epochs>-<acc>.keras`` (``mnist-6-98.03.keras``
for the MLP), its metadata (``.json``) and its caches of probabilities (``.probs.npz``,
``.train.probs.npz``) beside it; finding a stored model by key or by content digest, and
the probabilities of any model (cached). Describing a model a user gives is
models.given.

The key of a trained model (:func:`model_key`) is what determines it: dataset digest, kind,
epochs, seed, recipe. A model whose file hash no longer matches its metadata is not reused.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..analysis.calibration import temperature_scaled
from ..data.dataset import Dataset
from ..engine.files import (
    atomic_path,
    remove_orphaned_temp_files,
    sha256_file,
    write_bytes,
    write_text,
)
from ..engine.typed import RecordError, dump, parse
from ..errors import ModelError
from ..records import ModelMeta, ModelRef
from .io import load


def model_key(ds_digest: str, kind: str, epochs: int, seed: int, recipe: dict) -> dict:
    """What determines a trained model: dataset digest, kind, epochs, seed, recipe."""
    return {"dataset_digest": ds_digest, "kind": kind, "epochs": int(epochs),
            "seed": int(seed), "recipe": dict(recipe)}


def model_path(models_dir: Path, prefix: str, epochs: int, accuracy: float) -> Path:
    """``<models>/<epochs>/<prefix>-<epochs>-<acc>.keras``, acc = accuracy (0-1) in percent
    with 2 decimals, as the original named its models."""
    return Path(models_dir) / str(epochs) / f"{prefix}-{epochs}-{accuracy * 100:.2f}.keras"


def meta_path(path: Path) -> Path:
    """``mnist-4-97.53.keras`` -> ``mnist-4-97.53.json`` (metadata beside the model)."""
    return Path(path).with_suffix(".json")


def _infix(split: str, view: str = "") -> str:
    return ("" if split == "test" else f".{split}") + (f".{view}" if view else "")


def probs_path(path: Path, split: str = "test", view: str = "") -> Path:
    """``mnist-4-97.53.keras`` -> ``mnist-4-97.53.probs.npz`` (test) or
    ``mnist-4-97.53.train.probs.npz`` (train): the cache of a split's probabilities
    (float32 (n, n_classes)) with the digest of the dataset they belong to. ``view``: of
    the split's images changed as it names (``shifted-right``: models.tta), ``mnist-4-97.53.
    shifted-right.probs.npz``."""
    return Path(path).with_suffix(f"{_infix(split, view)}.probs.npz")


def store_dir(path: Path) -> Path:
    """The store a stored model lives in: ``<models>/<epochs>/<file>`` -> ``<models>``."""
    return Path(path).parent.parent


def foreign_cache_path(models_dir: Path, sha: str, scaling: str, split: str = "test",
                       view: str = "") -> Path:
    """``<models>/cache/<sha256>-<scaling>[.train][.<view>].probs.npz``: probabilities of a
    model fed with ``scaling`` that are not kept beside a stored model."""
    return Path(models_dir) / "cache" / f"{sha}-{scaling}{_infix(split, view)}.probs.npz"


def load_meta(path: Path) -> ModelMeta:
    """Metadata saved beside a model. Raises ModelError when missing or unreadable."""
    try:
        return parse(ModelMeta, json.loads(meta_path(path).read_text()))
    except FileNotFoundError:
        raise ModelError(f"{meta_path(path)}: no metadata beside the model") from None
    except (OSError, ValueError, RecordError) as exc:
        raise ModelError(f"{meta_path(path)}: unreadable metadata ({exc})") from None


def save(model, path: Path, meta: ModelMeta, probs: np.ndarray, ds_digest: str) -> ModelMeta:
    """Save a Keras model atomically with its metadata (sha256 filled in) and test
    probabilities (float32 (n, n_classes)). The model goes to a temporary name carrying the run's
    token (engine.files.atomic_path), and temporary files that killed runs left in the
    folder are removed first. A model of the same name it replaces (a retrain that scored
    the same) keeps its test probabilities in ``<models>/cache/<sha256>-<scaling>.probs.npz``,
    so a page that showed it can still say what changed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_orphaned_temp_files(path.parent)
    _keep_replaced_probabilities(path)
    with atomic_path(path) as tmp:
        model.save(tmp)
    write_bytes(probs_path(path), _npz_bytes(probs, ds_digest), if_changed=False)
    meta.sha256 = model_sha256(path)
    write_text(meta_path(path), json.dumps(dump(meta), indent=1), if_changed=False)
    return meta


def _keep_replaced_probabilities(path: Path) -> None:
    try:
        old = load_meta(path)
        data = probs_path(path).read_bytes()
    except (ModelError, OSError):
        return
    keep = foreign_cache_path(store_dir(path), old.sha256, old.input_scaling)
    if old.sha256 and not keep.exists():
        write_bytes(keep, data, if_changed=False)


def find_model(models_dir: Path, key: dict) -> Path | None:
    """The newest stored model whose metadata has ``key``, whose probabilities are cached
    and whose file hash still matches, or None."""
    folder = Path(models_dir) / str(key["epochs"])
    found = []
    for mp in sorted(folder.glob("*.json")):
        try:
            meta = json.loads(mp.read_text())
        except (OSError, ValueError):
            continue
        model = mp.with_suffix(".keras")
        if (isinstance(meta, dict) and meta.get("key") == key and model.is_file()
                and probs_path(model).is_file() and meta.get("sha256") == model_sha256(model)):
            found.append((meta.get("trained_at") or "", model))
    return max(found)[1] if found else None


def _npz_bytes(probs: np.ndarray, ds_digest: str) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, probs=probs, digest=np.array(ds_digest))
    return buf.getvalue()


def model_sha256(path: Path) -> str:
    """sha256 (hex) of what a model computes, so the same model has the same digest on every
    machine, whenever and wherever it was saved: for a Keras 3 ``.keras`` archive, its
    architecture (``config.json`` without ``compile_config`` and Keras' per-process
    ``shared_object_id``s, as canonical JSON) and its
    weights (every HDF5 dataset of ``model.weights.h5`` outside the optimizer's group: name,
    dtype, shape, bytes); for a legacy ``.h5`` file, its ``model_config`` attribute and the
    datasets of ``model_weights``. The save date (``metadata.json``), the optimizer's state
    and HDF5's own timestamps are left out. Any other file (or one these readers cannot
    parse) is hashed as bytes; a SavedModel folder by its file names and bytes. Reads with
    zipfile and h5py, never TensorFlow."""
    path = Path(path)
    if path.is_file():
        try:
            return _content_digest(path)
        except Exception:  # not a Keras archive or HDF5 file we can read: its bytes
            return sha256_file(path)
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(f.relative_to(path).as_posix().encode() + b"\0")
        h.update(sha256_file(f).encode())
    return h.hexdigest()


def _content_digest(path: Path) -> str:
    """:func:`model_sha256` of a ``.keras`` or ``.h5`` file; raises on anything else."""
    import zipfile

    import h5py  # Keras' own dependency; imported here, so `reportgen --help` stays fast

    h = hashlib.sha256(b"reportgen model digest 1\0")

    def add_config(config) -> None:
        if isinstance(config, bytes):
            config = config.decode()
        config = json.loads(config) if isinstance(config, str) else config
        if isinstance(config, dict):
            config = {k: v for k, v in config.items() if k != "compile_config"}
        h.update(json.dumps(_without_ids(config), sort_keys=True).encode() + b"\0")

    def add_weights(group) -> None:
        items = []
        group.visititems(lambda name, obj: items.append((name, obj))
                         if isinstance(obj, h5py.Dataset) else None)
        for name, ds in sorted(items, key=lambda item: item[0]):
            if name.split("/")[0] in ("optimizer", "optimizer_weights"):
                continue
            arr = np.ascontiguousarray(ds[()])
            h.update(f"{name}\0{arr.dtype.str}\0{arr.shape}\0".encode() + arr.tobytes())

    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            add_config(z.read("config.json"))
            with h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
                add_weights(f)
        return h.hexdigest()
    with h5py.File(path, "r") as f:
        add_config(f.attrs["model_config"])
        add_weights(f["model_weights"] if "model_weights" in f else f)
    return h.hexdigest()


def _without_ids(value):
    """A Keras config without ``shared_object_id`` (a Python ``id()`` Keras writes when
    layers share a dtype policy: different in every process)."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "shared_object_id"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def find_model_file(name: str, sha: str, stores: list[Path], given: Path | None = None,
                    ) -> Path | None:
    """The file of the model whose content digest is ``sha`` on this machine: ``given``
    when it holds it, else ``<store>/<name>`` of the first of ``stores`` that holds it
    (name: the record's portable name, ``6/mnist-6-98.03.keras``; an absolute name, as
    reportgen 0.3 recorded it, is tried as it is), else any model of ``stores`` with that
    digest (:func:`locate`); None when there is none."""
    candidates = [given] if given is not None else []
    candidates += [Path(name)] if Path(name).is_absolute() else [Path(s) / name for s in stores]
    for c in candidates:
        if c.exists() and model_sha256(c) == sha:
            return c
    return next((f for f in (locate(s, sha) for s in stores) if f is not None), None)


def locate(models_dir: Path | None, sha: str) -> Path | None:
    """The stored model whose metadata names ``sha`` (:func:`model_sha256`) and whose file
    is there, in the store ``models_dir``; None when this machine's store has none."""
    if models_dir is None:
        return None
    for mp in sorted(Path(models_dir).glob("*/*.json")):
        model = mp.with_suffix(".keras")
        try:
            if model.is_file() and json.loads(mp.read_text()).get("sha256") == sha:
                return model
        except (OSError, ValueError, AttributeError):
            continue
    return None


def cache_paths(path: Path, models_dir: Path | None, sha: str, scaling: str,
                split: str = "test", view: str = "") -> tuple[list[Path], Path]:
    """(where a model's probabilities of ``split`` may be read, where they are written).
    Read: beside a stored model (``.probs.npz`` for test, ``.train.probs.npz`` for train;
    inputs fed raw) when its metadata matches, then ``<models>/cache/<sha256>-<scaling>
    [.train].probs.npz``. Written: beside the model only when it lives in ``models_dir``
    (the run's own store), else in that cache, so a model from another store or a
    read-only folder (a CI artefact) is never written beside. Raises ModelError without a
    models dir for a model that is not in a store."""
    own = models_dir is not None and Path(path).resolve().parent.parent == Path(
        models_dir).resolve()
    read = []
    try:
        meta = load_meta(path)
        if meta.sha256 == sha and meta.input_scaling == scaling and meta.key:
            read.append(probs_path(path, split, view))
    except ModelError:
        pass
    if models_dir is None:
        if not read:
            raise ModelError(f"{path}: no models dir to cache its probabilities in")
        return read, read[0]
    cache = foreign_cache_path(models_dir, sha, scaling, split, view)
    return read + [cache], (read[0] if read and own else cache)


def load_probabilities(path: Path, ds: Dataset, *, scaling: str = "raw",
                       models_dir: Path | None = None, sha: str | None = None,
                       loaded=None, split: str = "test", view: str = "",
                       images: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """Probabilities (float32 (n, n_classes)) of the model at ``path`` fed with ``scaling``
    (models.io) on ``split`` ("test" or "train"): a cache (see :func:`cache_paths`) that
    belongs to this dataset, else computed with TensorFlow and cached. ``view`` and
    ``images``: of ``images(x)`` (uint8, the split's shape) instead of the split's images
    ``x``, cached under the name ``view`` (models.tta). Raises ModelError when the model
    cannot be loaded or does not output one probability per class."""
    sha = sha or model_sha256(path)
    read, write = cache_paths(path, models_dir, sha, scaling, split, view)
    x, _ = ds.split(split)
    for cache in read:
        try:
            with np.load(cache, allow_pickle=False) as npz:
                if str(npz["digest"]) == ds.digest and npz["probs"].shape == (len(x), ds.info.n_classes):
                    return npz["probs"]
        except (OSError, KeyError, ValueError):
            continue
    probs = (loaded or load(path, ds.info)).predict(images(x) if images else x, scaling)
    write_bytes(write, _npz_bytes(probs, ds.digest), if_changed=False)
    return probs


def probabilities_of(model: ModelRef, ds: Dataset, models_dir: Path | None,
                     split: str = "test", *, path: Path | None = None,
                     calibrated: bool = True, view: str = "",
                     images: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """:func:`load_probabilities` of a model, fed as its metadata says, float32 (n,
    n_classes); ``path``: its file on this machine (default: the record's path as it is).
    calibrated: through the temperature in its metadata (analysis.calibration.
    temperature_scaled; none fitted: as they are); False: as the model outputs them.
    view, images: of the split's images changed (see :func:`load_probabilities`)."""
    probs = load_probabilities(Path(path or model.path), ds, scaling=model.meta.input_scaling,
                               models_dir=models_dir, sha=model.meta.sha256, split=split,
                               view=view, images=images)
    t = model.meta.temperature
    return temperature_scaled(probs, t) if calibrated and t else probs


def write_meta(path: Path, meta: ModelMeta) -> None:
    """Rewrite the metadata beside the stored model at ``path`` (atomically)."""
    write_text(meta_path(path), json.dumps(dump(meta), indent=1), if_changed=True)
