"""`make bench`: speed and memory of reportgen, as ratios against reference runs made in the
same run (so machine noise cancels). Prints one JSON object.

- export: reportgen's export of all 70,000 PNGs vs. a plain one-process loop
  (PIL.Image.fromarray(img).save(path) per image, the original project's way).
- image_folder_load: that export loaded back as an image folder (--dataset <export>) vs.
  a one-process Pillow loop into the same arrays; peak RSS; a warm load from the cache;
  the digest must be the embedded .npz's.
- many_classes: a cold page for a 100-class 32x32 RGB folder of the bench's making (MLP
  and CNN: wall seconds, peak RSS, accuracy) and its reader figures.
- train: reportgen's default training (fit, evaluate, save the model and its metadata) vs.
  the original recipe (same MLP on tf.keras.utils.normalize(x, axis=1), batch size 32,
  4 epochs; normalize, fit, predict the test split); wall seconds (best of 2 each,
  alternated) and test accuracy, with TensorFlow imported before both.
- site_assets_cold / _warm / _after_epochs_change: `reportgen site-assets` in a fresh
  folder, again with nothing changed, and with --epochs changed; wall seconds, peak RSS of
  the largest process, files written in the site, whether TensorFlow was imported.
- check_vs_warm: `reportgen check` on the warm site against a warm `site-assets` (best of
  3 each, alternated): the docs-CI gate should cost no more than 1.5x a warm run.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests.* helpers

from tests.benchmarks.reader import bench_reader  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "data" / "datasets" / "mnist.npz"

RUNNER = r"""
import json, resource, sys
from reportgen.cli import app
code = 0
try:
    app(sys.argv[2:], standalone_mode=False)
except SystemExit as exc:
    code = exc.code or 0
self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(sys.argv[1], "w") as fh:
    json.dump({"code": code, "tf": "tensorflow" in sys.modules,
               "peak_rss_mb": round(max(self_kb, child_kb) / 1024, 1)}, fh)
"""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def bench_export(tmp: Path) -> dict:
    from PIL import Image

    from reportgen.data.dataset import SPLITS, load_dataset
    from reportgen.data.export import export_all

    ds = load_dataset(DATASET)
    t0 = time.perf_counter()
    res = export_all(ds, tmp / "ours")
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    for split in SPLITS:
        x, y = ds.split(split)
        for d in range(10):
            (tmp / "ref" / split / str(d)).mkdir(parents=True, exist_ok=True)
        for i in range(len(y)):
            Image.fromarray(x[i]).save(tmp / "ref" / split / str(int(y[i])) / f"{i:05d}.png")
    ref = time.perf_counter() - t0
    return {"files": res.count, "reportgen_s": round(ours, 2), "reference_s": round(ref, 2),
            "ratio": round(ours / ref, 3), "target_ratio": 0.6}


def bench_train(tmp: Path) -> dict:
    import keras  # import TensorFlow before either timing, so neither pays for it
    import numpy as np

    from reportgen.data.dataset import load_dataset
    from reportgen.models import train as T
    from reportgen.models.kinds import get_kind, seed_everything

    ds = load_dataset(DATASET)

    def original():
        seed_everything(0)
        x_train = keras.utils.normalize(ds.x_train, axis=1)
        x_test = keras.utils.normalize(ds.x_test, axis=1)
        model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                                  keras.layers.Dense(128, activation="relu"),
                                  keras.layers.Dense(128, activation="relu"),
                                  keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer=keras.optimizers.Adam(), metrics=["accuracy"],
                      loss=keras.losses.SparseCategoricalCrossentropy())
        model.fit(x_train, ds.y_train, epochs=4, batch_size=32, verbose=0)
        return float(np.mean(model.predict(x_test, verbose=0).argmax(1) == ds.y_test))

    # best of 2 each, alternated: on a shared machine one run of either moves by up to 1.6x
    ours, ref = [], []
    for _ in range(2):
        t0 = time.perf_counter()
        res = T.train_model(ds, tmp / "models", retrain=True)  # fit, evaluate, save, summary
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ref_acc = original()
        ref.append(time.perf_counter() - t0)
    ours, ref = min(ours), min(ref)
    return {"model": str(res.model_path),
            "reportgen": {"epochs": res.meta.epochs, "recipe": get_kind("mlp").recipe.as_dict(),
                          "wall_s": round(ours, 2),
                          "test_accuracy": res.meta.test_accuracy},
            "original": {"epochs": 4, "batch_size": 32, "wall_s": round(ref, 2),
                         "test_accuracy": round(ref_acc, 4)},
            "ratio": round(ours / ref, 3), "target_ratio": 0.7, "target_accuracy": 0.98}


def bench_cnn(tmp: Path) -> dict:
    """The default CNN (reportgen train --model-kind cnn) against seed 003's own recipe:
    its exact model (about 1M parameters), x/255 with a channel axis, RMSprop(0.001),
    batch 64, 1 epoch, on the same 90% of the training split."""
    import numpy as np

    from reportgen.data.dataset import load_dataset
    from reportgen.models import train as T
    from reportgen.models.kinds import get_kind, quiet_tensorflow, seed_everything

    keras = quiet_tensorflow()
    ds = load_dataset(DATASET)
    t0 = time.perf_counter()
    res = T.train_model(ds, tmp / "models", kind="cnn", retrain=True)
    ours = time.perf_counter() - t0

    seed_everything(0)
    L = keras.layers
    t0 = time.perf_counter()
    x_train = (ds.x_train / 255.0).astype("float32")[..., None]
    x_test = (ds.x_test / 255.0).astype("float32")[..., None]
    model = keras.Sequential([keras.Input((28, 28, 1))])
    for filters, k, pool in ((64, 5, False), (64, 5, True), (64, 3, False), (64, 3, True)):
        model.add(L.Conv2D(filters, k, padding="same", activation="relu"))
        model.add(L.BatchNormalization())
        if pool:
            model.add(L.MaxPool2D(2))
            model.add(L.Dropout(0.25))
    model.add(L.Conv2D(64, 3, padding="same", activation="relu"))
    model.add(L.BatchNormalization())
    model.add(L.Dropout(0.25))
    model.add(L.Flatten())
    model.add(L.Dense(256, activation="relu"))
    model.add(L.BatchNormalization())
    model.add(L.Dropout(0.25))
    model.add(L.Dense(10, activation="softmax"))
    model.compile(optimizer=keras.optimizers.RMSprop(0.001, rho=0.9, epsilon=1e-8),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, ds.y_train, epochs=1, batch_size=64, validation_split=0.1, verbose=0)
    probs = model.predict(x_test, verbose=0)
    ref = time.perf_counter() - t0
    return {"model": str(res.model_path),
            "reportgen": {"epochs": res.meta.epochs, "recipe": get_kind("cnn").recipe.as_dict(),
                          "wall_s": round(ours, 2), "test_accuracy": res.meta.test_accuracy},
            "seed_003": {"params": model.count_params(), "epochs": 1, "batch_size": 64,
                         "wall_s": round(ref, 2),
                         "test_accuracy": round(float(np.mean(probs.argmax(1) == ds.y_test)), 4)},
            "ratio": round(ours / ref, 3), "target_ratio": 1.0, "target_accuracy": 0.993}


def bench_handwriting(tmp: Path, models: dict[str, Path]) -> dict:
    """`reportgen predict` accuracy of each model on three non-MNIST sets: 60 digits drawn
    with PIL strokes (tests/handwriting.py), 100 typeset, badly photographed digits
    (tests/typeset.py), 1,000 handwriting-like scrawls of varied pen width, blur and
    resolution (tests/scrawl.py) and 1,000 low-resolution scans scaled up (tests/lowres.py;
    none shipped nor shown), with calibrated probabilities; how many low-confidence answers
    are right."""
    from reportgen.models.calibrate import temperature_of_file
    from reportgen.models.predict import accuracy, predict_files
    from tests.handwriting import digit_set
    from tests.lowres import write_set as write_lowres
    from tests.scrawl import write_set as write_scrawls
    from tests.typeset import write_set

    strokes = tmp / "strokes"
    for k, (digit, img) in enumerate(digit_set(6)):
        (strokes / str(digit)).mkdir(parents=True, exist_ok=True)
        img.save(strokes / str(digit) / f"{k:03d}.png")
    write_set(tmp / "typeset", 10)
    write_scrawls(tmp / "scrawl", 100)
    write_lowres(tmp / "lowres", 100)
    out = {}
    for name, model in models.items():
        t = temperature_of_file(model, None, None)
        for set_name in ("strokes", "typeset", "scrawl", "lowres"):
            preds = predict_files(model, [tmp / set_name], temperature=t)[0]
            correct, total = accuracy(preds)
            low = [p for p in preds if p.low_confidence]
            out[f"{name}_{set_name}_low_confidence"] = (
                f"{sum(p.correct for p in low)}/{len(low)} right")
            out[f"{name}_{set_name}"] = f"{correct}/{total}"
            out[f"{name}_{set_name}_accuracy"] = round(correct / total, 4)
    return out


def bench_robustness(models: dict[str, Path]) -> dict:
    """Each model's accuracy on the test split under every corruption of the Robustness
    section, as the robustness stage measures it, and the seconds it took."""
    import numpy as np

    from reportgen.data.dataset import load_dataset
    from reportgen.models.io import load
    from reportgen.report.charts.robustness import measure_robustness

    ds = load_dataset(DATASET)
    out = {}
    for name, path in models.items():
        model = load(path)
        t0 = time.perf_counter()
        clean = float(np.mean(model.predict(ds.x_test, "raw").argmax(1) == ds.y_test))
        rob, _ = measure_robustness(ds.x_test, ds.y_test, clean,
                                    lambda x, m=model: m.predict(x, "raw"), model_sha256="")
        out[name] = {**{k: round(v, 4) for k, v in rob.accuracies().items()},
                     "weakest": rob.weakest.name, "seconds": round(time.perf_counter() - t0, 2)}
    return out


#: MNIST test label errors validated by people: the images where at least 3 of 5 Mechanical
#: Turk workers did not pick the given label (Northcutt, Athalye and Mueller, "Pervasive
#: Label Errors in Test Sets Destabilize Machine Learning Benchmarks", 2021;
#: labelerrors.com, cleanlab/label-errors mturk/mnist_mturk.json). Only the benchmark knows
#: it: the product must find them on its own.
VALIDATED_TEST_LABEL_ERRORS = {947, 1621, 1901, 2130, 2462, 2597, 2654, 3520, 3558, 5937,
                               6651, 6783, 8527, 9679, 9729}


def ranked_probabilities(model: Path, ds, scaling: str, temperature: float):
    """A stored model's probabilities as the label-error stage ranks by: calibrated by
    ``temperature`` and averaged over the test images and their four 1-px shifts
    (models.tta; each view cached beside the model)."""
    from reportgen.analysis.calibration import temperature_scaled
    from reportgen.models.store import load_probabilities
    from reportgen.models.tta import shift_averaged

    return shift_averaged(lambda view, images: temperature_scaled(
        load_probabilities(model, ds, scaling=scaling, view=view, images=images), temperature))


def bench_label_errors(models: dict[str, Path]) -> dict:
    """How many of the validated label errors each model's suspected_label_errors list has
    in its first 50 (targets: MLP >= 8, CNN >= 10), and how long finding them takes (the
    shifted views' probabilities included when not cached)."""
    from reportgen.analysis.label_errors import find_suspects
    from reportgen.data.dataset import load_dataset
    from reportgen.models.calibrate import temperature_of_file
    from reportgen.models.store import load_meta

    ds = load_dataset(DATASET)
    out = {}
    for name, model in models.items():
        meta = load_meta(model)
        t0 = time.perf_counter()
        t = temperature_of_file(model, ds, None, meta.input_scaling)  # fitted as the page does
        probs = ranked_probabilities(model, ds, meta.input_scaling, t)
        idx, flagged = find_suspects(ds.y_test, probs)
        out[name] = {"temperature": round(t, 4),
                     "top50_validated": len(set(idx[:50].tolist()) & VALIDATED_TEST_LABEL_ERRORS),
                     "all_validated": len(set(idx.tolist()) & VALIDATED_TEST_LABEL_ERRORS),
                     "listed": len(idx), "flagged_by_confident_learning": flagged,
                     "seconds": round(time.perf_counter() - t0, 3)}
    return out


def bench_seeds(tmp: Path, seeds=(0, 1, 2)) -> dict:
    """Both default models trained with seeds 0, 1 and 2: test accuracy, the fitted
    temperature (Brier fit; and the log-likelihood's, with its ECE after, for comparison),
    ECE (15 bins) before and after temperature scaling, the validated label
    errors among the first 50 suspects (calibrated probabilities averaged over the 1-px
    shifts, as the page ranks; also of one pass, calibrated and not), and the robustness
    stage's figures on MNIST-C's 15 corruptions: mean, weakest, each corruption, seconds
    (and their ratio to the model's training seconds)."""
    import numpy as np

    from reportgen.analysis.calibration import calibration, fit_temperature, temperature_scaled
    from reportgen.analysis.label_errors import find_suspects
    from reportgen.data.dataset import load_dataset
    from reportgen.models import train as T
    from reportgen.models.calibrate import fitted_temperature
    from reportgen.models.io import load
    from reportgen.models.store import load_probabilities
    from reportgen.models.train import validation_start
    from reportgen.records import ModelRef
    from reportgen.report.charts.robustness import measure_robustness

    ds = load_dataset(DATASET)
    out = {}
    for kind in ("mlp", "cnn"):
        for seed in seeds:
            res = T.train_model(ds, tmp / "seed-models", kind=kind, seed=seed)
            meta = res.meta
            t = fitted_temperature(ModelRef(str(res.model_path), meta), ds, tmp / "seed-models",
                                   res.model_path)
            raw = load_probabilities(res.model_path, ds, scaling=meta.input_scaling)
            cal = temperature_scaled(raw, t)
            start = validation_start(len(ds.y_train))
            val = load_probabilities(res.model_path, ds, scaling=meta.input_scaling,
                                     split="train")[start:]
            t_nll = fit_temperature(ds.y_train[start:], val, "nll")
            suspects, _ = find_suspects(ds.y_test, ranked_probabilities(
                res.model_path, ds, meta.input_scaling, t))
            one_pass, _ = find_suspects(ds.y_test, cal)
            raw_suspects, _ = find_suspects(ds.y_test, raw)
            model = load(res.model_path, ds.info)
            t0 = time.perf_counter()
            clean = float((raw.argmax(1) == ds.y_test).mean())
            rob, _ = measure_robustness(ds.x_test, ds.y_test, clean,
                                        lambda x, m=model, s=meta.input_scaling: m.predict(x, s),
                                        model_sha256="")
            seconds = time.perf_counter() - t0
            out[f"{kind}_seed{seed}"] = {
                "test_accuracy": meta.test_accuracy, "train_seconds": meta.train_seconds,
                "temperature": t, "ece_before": round(calibration(ds.y_test, raw).ece, 5),
                "ece_after": round(calibration(ds.y_test, cal).ece, 5),
                "temperature_nll": t_nll, "ece_after_nll": round(calibration(
                    ds.y_test, temperature_scaled(raw, t_nll)).ece, 5),
                "top50_validated": len(set(suspects[:50].tolist())
                                       & VALIDATED_TEST_LABEL_ERRORS),
                "top50_validated_one_pass": len(set(one_pass[:50].tolist())
                                                & VALIDATED_TEST_LABEL_ERRORS),
                "top50_validated_uncalibrated": len(set(raw_suspects[:50].tolist())
                                                    & VALIDATED_TEST_LABEL_ERRORS),
                "top50_validated_ranks": sorted(int(np.flatnonzero(suspects == i)[0]) + 1
                                                for i in VALIDATED_TEST_LABEL_ERRORS
                                                if i in suspects[:50]),
                "robustness_mean": rob.mean, "robustness_weakest": rob.weakest.name,
                "robustness": {c.name: c.accuracy for c in rob.corruptions},
                "robustness_seconds": round(seconds, 2),
                "robustness_to_train_ratio": round(seconds / max(meta.train_seconds, 1e-9), 3)}
    return out


FOLDER_RUNNER = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
how, folder = sys.argv[1], Path(sys.argv[2])
t0 = time.perf_counter()
if how == "reportgen":
    from reportgen.data.sources import DatasetSource, open_dataset
    ds = open_dataset(DatasetSource(folder, cache_dir=Path(sys.argv[4]) if len(sys.argv) > 4
                                    else None))
    digest, n = ds.digest, len(ds.y_train) + len(ds.y_test)
else:  # the reference: one process, Pillow, into the same arrays
    import numpy as np
    from PIL import Image
    from reportgen.data.dataset import digest as digest_of
    arrays = {}
    for split in ("train", "test"):
        files = sorted((p for p in (folder / split).rglob("*.png")), key=lambda p: int(p.stem))
        x = np.empty((len(files), 28, 28), np.uint8)
        y = np.empty(len(files), np.uint8)
        for i, f in enumerate(files):
            with Image.open(f) as im:
                x[i] = np.asarray(im)
            y[i] = int(f.parent.name)
        arrays[split] = (x, y)
    digest = digest_of(*arrays["train"], *arrays["test"])
    n = sum(len(v[1]) for v in arrays.values())
wall = time.perf_counter() - t0
kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
         resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"wall_s": round(wall, 2), "images": n, "digest": digest,
                  "peak_rss_mb": round(kb / 1024, 1)}))
"""


def _load_folder(how: str, folder: Path, cache: Path | None = None) -> dict:
    cmd = [sys.executable, "-c", FOLDER_RUNNER, how, str(folder), str(ROOT),
           *([str(cache)] if cache else [])]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True,
                                     cwd=ROOT).stdout)


def bench_folder_load(export: Path, tmp: Path) -> dict:
    """The full MNIST export (70,000 PNGs) loaded as an image folder by reportgen (every
    core, no cache) against a one-process Pillow loop into the same arrays, best of 2 each,
    alternated, each in a fresh process (peak RSS is the process's); then a warm load from
    reportgen's cache. Both must give the embedded dataset's digest."""
    from reportgen.data.dataset import load_dataset

    ours, ref = [], []
    for _ in range(2):
        ours.append(_load_folder("reportgen", export))
        ref.append(_load_folder("pillow", export))
    best, base = min(ours, key=lambda r: r["wall_s"]), min(ref, key=lambda r: r["wall_s"])
    _load_folder("reportgen", export, tmp / "cache")  # fill the cache
    warm = _load_folder("reportgen", export, tmp / "cache")
    want = load_dataset(DATASET).digest
    return {"images": best["images"], "reportgen_s": best["wall_s"],
            "reportgen_peak_rss_mb": best["peak_rss_mb"], "reference_s": base["wall_s"],
            "reference_peak_rss_mb": base["peak_rss_mb"],
            "ratio": round(best["wall_s"] / base["wall_s"], 3), "target_ratio": 0.6,
            "warm_cached_s": warm["wall_s"],
            "same_digest_as_npz": best["digest"] == want == base["digest"] == warm["digest"]}


def make_many_classes(root: Path, k: int = 100, n_train: int = 40, n_test: int = 10) -> Path:
    """A 32x32 RGB image folder of ``k`` classes (train/ and test/), each class a colour
    and a shape position, with noise: a dataset a model can partly learn."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    for c in range(k):
        colour = rng.integers(0, 256, 3)
        y0, x0 = divmod(c % 16, 4)
        for split, n in (("train", n_train), ("test", n_test)):
            d = root / split / f"class {c:03d}"
            d.mkdir(parents=True)
            for i in range(n):
                a = rng.integers(0, 80, (32, 32, 3)).astype(np.uint8)
                y, x = y0 * 6 + rng.integers(0, 4), x0 * 6 + rng.integers(0, 4)
                a[y:y + 10, x:x + 10] = np.clip(colour + rng.integers(-25, 25, 3), 0, 255)
                Image.fromarray(a).save(d / f"{i:03d}.png")
    return root


def bench_many_classes(tmp: Path) -> dict:
    """A cold page for a 100-class, 32x32 RGB folder (40 training and 10 test images a
    class), MLP and CNN; the reader's figures of the page, as for MNIST's."""
    folder = make_many_classes(tmp / "many")
    out = {}
    for kind in ("mlp", "cnn"):
        site = tmp / f"many-site-{kind}"
        stats = tmp / "many-stats.json"
        cmd = [sys.executable, "-c", RUNNER, str(stats), "site-assets", "--dataset", str(folder),
               "--site-dir", str(site), "--export-dir", str(tmp / "many-export"),
               "--models-dir", str(tmp / "many-models"), "--log-file", str(tmp / "many.log"),
               "--quiet", "--create", "--model-kind", kind, "--page", "many"]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        summary = json.loads((site / "static/assets/datasets/many/summary.json").read_text())
        out[kind] = {"cold_s": round(time.perf_counter() - t0, 2),
                     "peak_rss_mb": json.loads(stats.read_text())["peak_rss_mb"],
                     "test_accuracy": summary["model"]["test_accuracy"]}
    stub = tmp / "many-site-mlp" / "docs" / "image-classification" / "glassy.mdx"
    if not stub.exists():  # the e2e site's home page links to MNIST's page
        stub.write_text("---\nid: glassy\nslug: /image-classification/glassy\n---\n\n# MNIST\n")
    out["reader"] = bench_reader(tmp / "many-site-mlp", tmp, "image-classification/many/",
                                 lighthouse_too=False)["page"]
    return out


def snapshot(folder: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def run_site_assets(tmp: Path, *extra: str) -> dict:
    site = tmp / "site"
    before = snapshot(site) if site.exists() else {}
    stats = tmp / "stats.json"
    cmd = [sys.executable, "-c", RUNNER, str(stats), "site-assets", "--dataset", str(DATASET),
           "--site-dir", str(site), "--export-dir", str(tmp / "export"), "--models-dir",
           str(tmp / "models"), "--log-file", str(tmp / "tune.log"), "--quiet", "--create",
           *extra]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = snapshot(site)
    st = json.loads(stats.read_text())
    return {"wall_s": round(wall, 2), "peak_rss_mb": st["peak_rss_mb"],
            "tensorflow_imported": st["tf"],
            "site_files_written": sum(1 for p, t in after.items() if before.get(p) != t),
            "site_files_deleted": len(set(before) - set(after))}


def run_check(tmp: Path) -> dict:
    """`reportgen check` on the site: wall seconds, exit code, whether TensorFlow loaded."""
    stats = tmp / "check.json"
    cmd = [sys.executable, "-c", RUNNER, str(stats), "check", "--site-dir", str(tmp / "site")]
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    st = json.loads(stats.read_text())
    return {"wall_s": round(wall, 2), "exit_code": st["code"], "tensorflow_imported": st["tf"]}


def bench_check(tmp: Path) -> dict:
    """`check` against a warm `site-assets` on the same site, best of 3 each, alternated."""
    checks, warms = [], []
    for _ in range(3):
        checks.append(run_check(tmp))
        warms.append(run_site_assets(tmp))
    check = min(checks, key=lambda r: r["wall_s"])
    warm = min(w["wall_s"] for w in warms)
    return {"check": check, "warm_site_assets_s": warm,
            "ratio": round(check["wall_s"] / warm, 2)}


def main() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    out = {"machine": {"cores": os.cpu_count(), "cpu": cpu_model(),
                       "python": platform.python_version()}}
    with tempfile.TemporaryDirectory(dir=ROOT / "data") as t:
        tmp = Path(t)
        (tmp / "e").mkdir()
        out["export"] = bench_export(tmp / "e")
        out["image_folder_load"] = bench_folder_load(tmp / "e" / "ours", tmp)
        out["many_classes"] = bench_many_classes(tmp)
        out["site_assets_cold"] = run_site_assets(tmp)
        out["site_assets_warm"] = run_site_assets(tmp)
        out["check_vs_warm"] = bench_check(tmp)
        out["site_assets_after_epochs_change"] = run_site_assets(tmp, "--epochs", "4")
        out["train"] = bench_train(tmp)
        out["cnn"] = bench_cnn(tmp)
        models = {"mlp": Path(out["train"]["model"]), "cnn": Path(out["cnn"]["model"])}
        out["non_mnist_predict"] = bench_handwriting(tmp, models)
        out["robustness"] = bench_robustness(models)
        out["seeds"] = bench_seeds(tmp)
        out["suspected_label_errors"] = bench_label_errors(models)
        out["reader"] = bench_reader(tmp / "site", tmp)
        timings = json.loads((tmp / "site/static/assets/datasets/mnist/summary.json").read_text())
        out["stage_seconds_after_epochs_change"] = timings["timings_s"]
    cold, warm = out["site_assets_cold"], out["site_assets_warm"]
    out["targets_met"] = {
        "export_ratio_le_0.6": out["export"]["ratio"] <= 0.6,
        "image_folder_ratio_le_0.6_same_digest_warm_le_3s":
            out["image_folder_load"]["ratio"] <= 0.6
            and out["image_folder_load"]["same_digest_as_npz"]
            and out["image_folder_load"]["warm_cached_s"] <= 3,
        "many_classes_reader_le_60_requests_600kb": all(
            out["many_classes"]["reader"][k] <= limit for k, limit in (
                ("requests", 60), ("requests_dark", 60), ("bytes", 600_000),
                ("bytes_dark", 600_000))),
        "train_ratio_le_0.7": out["train"]["ratio"] <= 0.7,
        "train_accuracy_ge_0.98": out["train"]["reportgen"]["test_accuracy"] >= 0.98,
        "warm_le_3s_no_writes_no_tf": warm["wall_s"] <= 3 and warm["site_files_written"] == 0
        and not warm["tensorflow_imported"],
        "cold_peak_rss_le_2gb": cold["peak_rss_mb"] <= 2048,
        "check_le_1.5x_warm_current_no_tf": out["check_vs_warm"]["ratio"] <= 1.5
        and out["check_vs_warm"]["check"]["exit_code"] == 0
        and not out["check_vs_warm"]["check"]["tensorflow_imported"],
        "cnn_ratio_le_1.0": out["cnn"]["ratio"] <= 1.0,
        "cnn_accuracy_ge_0.993": out["cnn"]["reportgen"]["test_accuracy"] >= 0.993,
        "mlp_label_errors_top50_ge_8":
            out["suspected_label_errors"]["mlp"]["top50_validated"] >= 8,
        "cnn_label_errors_top50_ge_10":
            out["suspected_label_errors"]["cnn"]["top50_validated"] >= 10,
        "cnn_scrawl_ge_0.90": out["non_mnist_predict"]["cnn_scrawl_accuracy"] >= 0.90,
        "mlp_scrawl_ge_0.85": out["non_mnist_predict"]["mlp_scrawl_accuracy"] >= 0.85,
        "mlp_lowres_ge_0.85": out["non_mnist_predict"]["mlp_lowres_accuracy"] >= 0.85,
        "label_errors_top50_every_seed_cnn_ge_10_mlp_ge_8": all(
            v["top50_validated"] >= (10 if k.startswith("cnn") else 8)
            for k, v in out["seeds"].items()),
        "ece_after_le_half_before_or_lt_0.005_every_seed": all(
            v["ece_after"] <= 0.5 * v["ece_before"] or v["ece_after"] < 0.005
            for v in out["seeds"].values()),
        "mlp_robustness_stage_le_0.5x_training": all(
            v["robustness_to_train_ratio"] <= 0.5
            for k, v in out["seeds"].items() if k.startswith("mlp")),
        "reader_le_60_requests_600kb_no_other_theme": all(
            out["reader"]["page"][k] <= limit for k, limit in (
                ("requests", 60), ("requests_dark", 60), ("bytes", 600_000),
                ("bytes_dark", 600_000))) and not out["reader"]["page"]["other_theme_images"],
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
