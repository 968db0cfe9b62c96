"""The model store (models.store) on small fake files, without TensorFlow: names, saving
(atomic, temporary files of killed runs swept), finding by key and by content digest, the
content digest itself, probability caches and tampered metadata."""

import dataclasses
import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

from reportgen.data.dataset import load_dataset
from reportgen.engine.files import RUN_TOKEN
from reportgen.errors import ModelError
from reportgen.models import store
from tests.helpers import fake_meta, fake_probs


class FakeKeras:
    """Stands in for a Keras model: save() writes ``data`` to the name it is given."""

    def __init__(self, data: bytes = b"weights"):
        self.data, self.saved_to = data, None

    def save(self, path):
        self.saved_to = Path(path)
        assert self.saved_to.name.endswith(".tmp.keras") and RUN_TOKEN in self.saved_to.name
        self.saved_to.write_bytes(self.data)


def _meta(key=None, **kw):
    return dataclasses.replace(fake_meta(), key=key, **kw)


def test_names():
    assert store.model_path(Path("m"), "mnist", 6, 0.98031) == Path("m/6/mnist-6-98.03.keras")
    p = Path("m/6/mnist-6-98.03.keras")
    assert store.meta_path(p) == Path("m/6/mnist-6-98.03.json")
    assert store.probs_path(p) == Path("m/6/mnist-6-98.03.probs.npz")
    assert store.probs_path(p, "train") == Path("m/6/mnist-6-98.03.train.probs.npz")
    assert store.store_dir(p) == Path("m")
    assert store.foreign_cache_path(Path("m"), "ab", "unit", "train") == Path(
        "m/cache/ab-unit.train.probs.npz")


def test_save_is_atomic_and_sweeps_what_killed_runs_left(tmp_path, npz_path):
    ds = load_dataset(npz_path)
    path = store.model_path(tmp_path, "mnist", 1, 0.9)
    path.parent.mkdir(parents=True)
    orphan = path.parent / ".mnist-1-90.00.999999x0123abcd.tmp.keras"  # pid 999999: gone
    orphan.write_bytes(b"half")
    users = path.parent / ".notes.tmp.keras"  # no run token: not ours
    users.write_bytes(b"mine")
    meta = store.save(FakeKeras(), path, _meta(key={"k": 1}), fake_probs(ds.y_test, {}), ds.digest)
    assert path.read_bytes() == b"weights" and not orphan.exists() and users.exists()
    assert sorted(p.name for p in path.parent.iterdir()) == [
        ".notes.tmp.keras", "mnist-1-90.00.json", "mnist-1-90.00.keras",
        "mnist-1-90.00.probs.npz"]
    assert store.load_meta(path) == meta and len(meta.sha256) == 64


def test_a_replaced_model_keeps_its_test_probabilities(tmp_path, npz_path):
    ds = load_dataset(npz_path)
    path = store.model_path(tmp_path, "mnist", 1, 0.9)
    old = store.save(FakeKeras(b"old"), path, _meta(key={"k": 1}), fake_probs(ds.y_test, {0: 1}),
                     ds.digest)
    store.save(FakeKeras(b"new"), path, _meta(key={"k": 1}), fake_probs(ds.y_test, {}), ds.digest)
    kept = store.foreign_cache_path(tmp_path, old.sha256, old.input_scaling)
    with np.load(kept) as npz:
        assert npz["probs"].argmax(1)[0] == 1 and str(npz["digest"]) == ds.digest


def test_find_model_by_key_newest_first_and_only_when_its_hash_matches(tmp_path, npz_path):
    ds = load_dataset(npz_path)
    key = {"epochs": 1, "seed": 0}
    a = store.model_path(tmp_path, "mnist", 1, 0.9)
    b = store.model_path(tmp_path, "mnist", 1, 0.95)
    store.save(FakeKeras(b"a"), a, _meta(key=key, trained_at="2026-01-01"),
               fake_probs(ds.y_test, {}), ds.digest)
    store.save(FakeKeras(b"b"), b, _meta(key=key, trained_at="2026-02-01"),
               fake_probs(ds.y_test, {}), ds.digest)
    assert store.find_model(tmp_path, key) == b
    assert store.find_model(tmp_path, {"epochs": 1, "seed": 1}) is None
    b.write_bytes(b"edited")  # no longer what its metadata describes
    assert store.find_model(tmp_path, key) == a
    store.probs_path(a).unlink()  # no cached probabilities: not reused either
    assert store.find_model(tmp_path, key) is None


class FakeLoaded:
    def __init__(self, probs):
        self.probs, self.calls = probs, 0

    def predict(self, x, scaling):
        self.calls += 1
        return self.probs[: len(x)]


def test_probabilities_cached_per_dataset(tmp_path, npz_path):
    ds = load_dataset(npz_path)
    model = tmp_path / "given.keras"
    model.write_bytes(b"x")
    loaded = FakeLoaded(fake_probs(ds.y_test, {2: 0}))
    probs = store.load_probabilities(model, ds, models_dir=tmp_path / "models", loaded=loaded)
    cache = store.foreign_cache_path(tmp_path / "models", store.model_sha256(model), "raw")
    assert cache.is_file() and loaded.calls == 1 and probs.argmax(1)[2] == 0
    again = store.load_probabilities(model, ds, models_dir=tmp_path / "models", loaded=loaded)
    assert loaded.calls == 1 and np.array_equal(again, probs)  # from the cache
    buf = io.BytesIO()
    np.savez(buf, probs=probs, digest=np.array("another dataset"))
    cache.write_bytes(buf.getvalue())
    store.load_probabilities(model, ds, models_dir=tmp_path / "models", loaded=loaded)
    assert loaded.calls == 2  # the cache belongs to another dataset: computed again
    assert not (tmp_path / "given.probs.npz").exists()  # never beside a model not ours


def test_locate_finds_a_stored_model_by_its_digest(tmp_path, npz_path):
    ds = load_dataset(npz_path)
    a = store.model_path(tmp_path, "mnist", 1, 0.9)
    ma = store.save(FakeKeras(b"a"), a, _meta(key={"k": 1}), fake_probs(ds.y_test, {}), ds.digest)
    (tmp_path / "1" / "broken.json").write_text("{")  # unreadable metadata: passed over
    (tmp_path / "1" / "broken.keras").write_bytes(b"")
    assert store.locate(tmp_path, ma.sha256) == a
    assert store.locate(tmp_path, "9" * 64) is None and store.locate(None, ma.sha256) is None
    a.unlink()
    assert store.locate(tmp_path, ma.sha256) is None  # its metadata alone is not the model


def _keras_archive(path, *, weights, optimizer, date, object_id):
    """A Keras 3 ``.keras`` archive as Keras writes one: metadata.json (the save date),
    config.json (with a per-process shared_object_id), model.weights.h5."""
    import zipfile

    import h5py

    config = {"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense",
              "config": {"units": 2, "dtype": {"shared_object_id": object_id}}}]},
              "compile_config": {"optimizer": "adam"}}
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f["layers/dense/vars/0"] = np.asarray(weights, dtype=np.float32)
        f["optimizer/vars/0"] = np.asarray(optimizer, dtype=np.float32)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3", "date_saved": date}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", buf.getvalue())
    return path


def test_a_models_digest_is_what_it_computes(tmp_path):
    """The same weights and architecture have the same digest whenever and wherever they
    were saved (save date, optimizer state, Keras' object ids left out); other weights or
    another file have another."""
    a = _keras_archive(tmp_path / "a.keras", weights=[1, 2], optimizer=[0], date="2026-01-01",
                       object_id=1)
    b = _keras_archive(tmp_path / "b.keras", weights=[1, 2], optimizer=[5], date="2026-12-03",
                       object_id=99)
    c = _keras_archive(tmp_path / "c.keras", weights=[1, 3], optimizer=[0], date="2026-01-01",
                       object_id=1)
    assert a.read_bytes() != b.read_bytes()
    assert store.model_sha256(a) == store.model_sha256(b) != store.model_sha256(c)
    other = tmp_path / "other.keras"
    other.write_bytes(b"not a Keras archive")  # hashed as bytes
    assert store.model_sha256(other) == hashlib.sha256(b"not a Keras archive").hexdigest()


@pytest.mark.parametrize("text", ["{", "[]", json.dumps({"kind": "mlp"}),
                                  json.dumps({"kind": 5, "epochs": 1, "seed": 0, "test_loss": 0.1,
                                              "test_accuracy": 0.9, "wrong_count": 1,
                                              "sha256": "a"})])
def test_tampered_metadata_is_a_model_error(tmp_path, text):
    path = tmp_path / "1" / "mnist-1-90.00.keras"
    path.parent.mkdir()
    store.meta_path(path).write_text(text)
    with pytest.raises(ModelError, match="unreadable metadata"):
        store.load_meta(path)


def test_a_model_of_another_store_is_read_never_written_beside(tmp_path, npz_path):
    """A model trained into another models dir (a CI artefact, maybe read-only): its cached
    probabilities are read where they are, missing ones go to the run's own store."""
    ds = load_dataset(npz_path)
    other = store.model_path(tmp_path / "artefact", "mnist", 1, 0.9)
    meta = store.save(FakeKeras(), other, _meta(key={"k": 1}), fake_probs(ds.y_test, {3: 1}),
                      ds.digest)
    before = sorted(p.name for p in other.parent.iterdir())
    mine = tmp_path / "models"
    test = store.load_probabilities(other, ds, models_dir=mine, sha=meta.sha256,
                                    loaded=FakeLoaded(None))  # read beside it: not computed
    assert test.argmax(1)[3] == 1
    loaded = FakeLoaded(fake_probs(ds.y_train, {}))
    store.load_probabilities(other, ds, models_dir=mine, sha=meta.sha256, loaded=loaded,
                             split="train")
    assert loaded.calls == 1 and sorted(p.name for p in other.parent.iterdir()) == before
    assert store.foreign_cache_path(mine, meta.sha256, "raw", "train").is_file()
    again = FakeLoaded(None)
    store.load_probabilities(other, ds, models_dir=mine, sha=meta.sha256, loaded=again,
                             split="train")
    assert again.calls == 0  # from the run's own cache now
