"""The model store: ``<models>/<epochs>/<prefix>-<epochs>-<acc>.keras`` (``mnist-6-98.11.keras``
for the MLP), its metadata (``.json``) and its cache of test-split probabilities
(``.probs.npz``) beside it; finding a stored model by key, describing a model a user gives
(``--model``) and naming the model a site's page was built with.

The key of a trained model (:func:`model_key`) is what determines it: dataset digest, kind,
epochs, seed, recipe. A model whose file hash no longer matches its metadata is not reused.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np

from . import tunelog
from .dataset import Dataset
from .errors import ModelError
from .fsutil import relpath, sha256_file, write_bytes, write_text
from .manifest import Manifest
from .metrics import evaluate_probabilities
from .page import ModelMeta, from_json, to_json


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


def _infix(split: str) -> str:
    return "" if split == "test" else f".{split}"


def probs_path(path: Path, split: str = "test") -> Path:
    """``mnist-4-97.53.keras`` -> ``mnist-4-97.53.probs.npz`` (test) or
    ``mnist-4-97.53.train.probs.npz`` (train): the cache of a split's probabilities
    (float32 (n, 10)) with the digest of the dataset they belong to."""
    return Path(path).with_suffix(f"{_infix(split)}.probs.npz")


def store_dir(path: Path) -> Path:
    """The store a stored model lives in: ``<models>/<epochs>/<file>`` -> ``<models>``."""
    return Path(path).parent.parent


def foreign_cache_path(models_dir: Path, sha: str, scaling: str, split: str = "test") -> Path:
    """``<models>/cache/<sha256>-<scaling>[.train].probs.npz``: probabilities of a model
    fed with ``scaling`` that are not kept beside a stored model."""
    return Path(models_dir) / "cache" / f"{sha}-{scaling}{_infix(split)}.probs.npz"


def load_meta(path: Path) -> ModelMeta:
    """Metadata saved beside a model. Raises ModelError when missing or unreadable."""
    try:
        return from_json(ModelMeta, json.loads(meta_path(path).read_text()))
    except FileNotFoundError:
        raise ModelError(f"{meta_path(path)}: no metadata beside the model") from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise ModelError(f"{meta_path(path)}: unreadable metadata ({exc})") from None


def save(model, path: Path, meta: ModelMeta, probs: np.ndarray, ds_digest: str) -> ModelMeta:
    """Save a Keras model atomically with its metadata (sha256 filled in) and probabilities.
    A model of the same name it replaces (a retrain that scored the same) keeps its test
    probabilities in ``<models>/cache/<sha256>-<scaling>.probs.npz``, so a page that showed
    it can still say what changed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _keep_replaced_probabilities(path)
    tmp = path.with_name(f".{path.stem}.tmp.keras")
    model.save(tmp)
    tmp.replace(path)
    write_bytes(probs_path(path), _npz_bytes(probs, ds_digest), if_changed=False)
    meta.sha256 = sha256_file(path)
    write_text(meta_path(path), json.dumps(to_json(meta), indent=1), if_changed=False)
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
                and probs_path(model).is_file() and meta.get("sha256") == sha256_file(model)):
            found.append((meta.get("trained_at") or "", model))
    return max(found)[1] if found else None


def _npz_bytes(probs: np.ndarray, ds_digest: str) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, probs=probs, digest=np.array(ds_digest))
    return buf.getvalue()


def model_sha256(path: Path) -> str:
    """sha256 of a model file, or of a SavedModel folder's file names and bytes."""
    path = Path(path)
    if path.is_file():
        return sha256_file(path)
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(f.relative_to(path).as_posix().encode() + b"\0")
        h.update(sha256_file(f).encode())
    return h.hexdigest()


def cache_path(path: Path, models_dir: Path | None, sha: str, scaling: str,
               split: str = "test") -> Path:
    """Where a model's probabilities of ``split`` are cached: beside a model of the store
    (``.probs.npz`` for test, ``.train.probs.npz`` for train; inputs fed raw), else
    ``<models>/cache/<sha256>-<scaling>[.train].probs.npz``: nothing is ever written
    beside a model reportgen did not train."""
    try:
        meta = load_meta(path)
        if meta.sha256 == sha and meta.input_scaling == scaling and meta.key:
            return probs_path(path, split)
    except ModelError:
        pass
    if models_dir is None:
        raise ModelError(f"{path}: no models dir to cache its probabilities in")
    return foreign_cache_path(models_dir, sha, scaling, split)


def load_probabilities(path: Path, ds: Dataset, *, scaling: str = "raw",
                       models_dir: Path | None = None, sha: str | None = None,
                       loaded=None, split: str = "test") -> np.ndarray:
    """Probabilities (float32 (n, 10)) of the model at ``path`` fed with ``scaling``
    (model_io) on ``split`` ("test" or "train"): the cache (see :func:`cache_path`) when
    it belongs to this dataset, else computed with TensorFlow and cached. Raises
    ModelError when the model cannot be loaded or does not output 10 classes."""
    from . import model_io

    sha = sha or model_sha256(path)
    cache = cache_path(path, models_dir, sha, scaling, split)
    x, _ = ds.split(split)
    try:
        with np.load(cache, allow_pickle=False) as npz:
            if str(npz["digest"]) == ds.digest and npz["probs"].shape == (len(x), 10):
                return npz["probs"]
    except (OSError, KeyError, ValueError):
        pass
    probs = (loaded or model_io.load(path)).predict(x, scaling)
    write_bytes(cache, _npz_bytes(probs, ds.digest), if_changed=False)
    return probs


def probabilities_of(model, ds: Dataset, models_dir: Path | None,
                     split: str = "test") -> np.ndarray:
    """:func:`load_probabilities` of a page.ModelRef, fed as its metadata says."""
    return load_probabilities(Path(model.path), ds, scaling=model.meta.input_scaling,
                              models_dir=models_dir, sha=model.meta.sha256, split=split)


def epochs_from_name(name: str) -> int | None:
    """Epochs from an original-style name ``mnist-<epochs>-<acc>.keras``, else None."""
    parts = name.split("-")
    return int(parts[1]) if len(parts) >= 3 and parts[1].isdigit() else None


def model_meta_for(path: Path, ds: Dataset, models_dir: Path | None = None,
                   scaling: str = "auto") -> ModelMeta:
    """Metadata of a given model (``--model``: .keras, .h5 or a SavedModel folder): its
    saved .json when present, its hash matches and the scaling agrees, else evaluated now
    on the test split (kind "user", epochs from the file name or None). Raises ModelError
    when the model cannot be loaded."""
    from . import model_io
    from .models import model_summary

    path = Path(path)
    if not path.exists():
        raise ModelError(f"{path}: no such model file")
    sha = model_sha256(path)
    if path.is_file():
        try:
            meta = load_meta(path)
            if meta.sha256 == sha and scaling in ("auto", meta.input_scaling):
                return meta
        except ModelError:
            pass  # no or stale metadata: evaluate below
    loaded = model_io.load(path)
    resolved = loaded.resolve_scaling(scaling)
    probs = load_probabilities(path, ds, scaling=resolved, models_dir=models_dir, sha=sha,
                               loaded=loaded)
    warnings = scaling_warnings(loaded, ds, resolved, probs) if scaling == "auto" else []
    loss, acc, wrong = evaluate_probabilities(probs, ds.y_test)
    log = (tunelog.evaluating(relpath(path)) + tunelog.loss_accuracy(loss, acc)
           + tunelog.predictions(wrong, len(ds.y_test)))
    summary = (model_summary(loaded.keras_model) if loaded.keras_model is not None
               else model_io.SAVED_MODEL_NOTE)
    return ModelMeta(kind="user", epochs=epochs_from_name(path.name), seed=None,
                     test_loss=loss, test_accuracy=acc, wrong_count=wrong, sha256=sha,
                     summary=summary, log=log, input_scaling=resolved, warnings=warnings)


def scaling_warnings(loaded, ds: Dataset, chosen: str, probs: np.ndarray,
                     n: int = 2000) -> list[str]:
    """One line when another input scaling scores at least 1 point better than ``chosen``
    on the first ``n`` test images (auto cannot see how a notebook scaled its inputs; a
    normalize(x, axis=1) model fed x/255 loses only a point or two, silently). probs: the
    test probabilities already computed with ``chosen``."""
    x, y = ds.x_test[:n], ds.y_test[:n]
    scores = {s: float(((probs[:n] if s == chosen else loaded.predict(x, s)).argmax(1) == y)
                       .mean()) for s in ("raw", "unit", "keras-normalize")}
    best = max(scores, key=scores.get)
    if scores[best] - scores[chosen] >= 0.01:
        return [f"{loaded.path}: with --input-scaling {chosen} the model scores "
                f"{scores[chosen] * 100:.1f}% on {len(y):,} test images, with {best} "
                f"{scores[best] * 100:.1f}%; pass --input-scaling {best} if it was trained so"]
    return []


def history(models_dir: Path, shown) -> list:
    """The "Model history" table: every model of the store with readable metadata, oldest
    first, plus the page's model (``shown``: page.ModelRef) when it is not in the store.
    Returns page.HistoryRow list; the shown one has ``shown=True``."""
    from .page import HistoryRow

    def row(path: Path, meta: ModelMeta) -> HistoryRow:
        return HistoryRow(kind=meta.kind, epochs=meta.epochs, seed=meta.seed,
                          accuracy=meta.test_accuracy, wrong_count=meta.wrong_count,
                          trained_at=meta.trained_at, name=path.name,
                          shown=meta.sha256 == shown.meta.sha256)

    rows = []
    for mp in sorted(Path(models_dir).glob("*/*.json")):
        model = mp.with_suffix(".keras")
        try:
            if model.is_file():
                rows.append(row(model, load_meta(model)))
        except ModelError:
            continue
    rows.sort(key=lambda r: (r.trained_at or "", r.name))
    if not any(r.shown for r in rows):
        rows.append(row(Path(shown.path), shown.meta))
    return rows


def current_model(site_dir: Path, models_dir: Path) -> Path:
    """The model the site's page was built with (its manifest), else the newest .keras file
    in the store. Raises ModelError when there is none."""
    path = (Manifest(site_dir).result("train") or {}).get("path")
    if path and Path(path).is_file():
        return Path(path)
    found = sorted(Path(models_dir).glob("*/*.keras"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise ModelError(f"no model found in {Path(site_dir) / '.reportgen-manifest.json'} "
                         f"or {models_dir}; run `reportgen train` or pass --model")
    return found[-1]
