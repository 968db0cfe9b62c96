"""``reportgen site-assets``: every stage in order, skipping what is already up to date.

A manifest (``<site>/.reportgen-manifest.json``) records per stage a key of its inputs
(dataset digest, options, model hash, template hash, package version), the files it owns
(relative to the site dir) and its result. A stage whose key is unchanged and whose files
all exist is skipped; files a stage owned before but does not produce now are deleted;
files the tool did not create are never touched. The manifest is written last.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from .dataset import DIGIT_NAMES, DIGITS, SPLITS, Dataset, load_dataset
from .errors import SiteError
from .fsutil import png_bytes, relpath, sha256_file, write_bytes, write_text
from .render import install_components

MANIFEST = ".reportgen-manifest.json"
_TEMP_RE = re.compile(r"^\..+\.\d+\.tmp$")  # fsutil.write_bytes' temporary names
DEFAULT_CUSTOM = Path("data/test")
CUSTOM_DIR = "custom-test"
SUMMARY = "summary.json"


@dataclass
class Options:
    """Everything a run depends on. Paths are relative to the working directory."""

    dataset: Path = Path("data/datasets/mnist.npz")
    site_dir: Path = Path("site-assets")
    assets_url: str = "/assets/datasets/mnist"
    export_dir: Path = Path("data/export")
    models_dir: Path = Path("data/models")
    log_file: Path = Path("logs/tune.log")
    epochs: int | None = None  # None: train.DEFAULT_EPOCHS
    seed: int = 0
    sample_per_class: int = 12
    thumb_size: int = 112
    workers: int | None = None
    retrain: bool = False
    publish_all: bool = False
    model: Path | None = None  # use this model instead of training
    title: str = "Mr. Glassy the Bot"
    description: str = "NN for Handwritten digit recognition."
    custom_images: list[Path] = field(default_factory=list)

    @property
    def assets_dir(self) -> Path:
        """``<site>/static/<assets-url>``: where the page's images go."""
        return Path(self.site_dir) / "static" / self.assets_url.strip("/")

    def url(self, path: Path) -> str:
        """Site URL of a file under ``<site>/static``."""
        return "/" + Path(path).relative_to(Path(self.site_dir) / "static").as_posix()


def validate_assets_url(url: str) -> str:
    """The assets URL must be an absolute URL path of plain segments, like
    ``/assets/datasets/mnist``; raises SiteError otherwise."""
    parts = url.strip("/").split("/")
    if not url.startswith("/") or not all(p and p not in (".", "..") and p.replace(
            "-", "").replace("_", "").replace(".", "").isalnum() for p in parts):
        raise SiteError(f"--assets-url {url!r}: expected a path like /assets/datasets/mnist")
    return "/" + "/".join(parts)


def _key(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class Manifest:
    """The site's manifest: {stage: {"key", "files": [site-relative paths], "result",
    "seconds"}}. Loaded leniently (a corrupt manifest counts as empty: every stage reruns)."""

    def __init__(self, site_dir: Path):
        self.site_dir = Path(site_dir)
        self.path = self.site_dir / MANIFEST
        try:
            self.stages = json.loads(self.path.read_text())["stages"]
        except (OSError, ValueError, KeyError, TypeError):
            self.stages = {}
        self.ran: dict[str, float] = {}

    def sweep_temp_files(self) -> int:
        """Delete temporary files (``.<name>.<pid>.tmp``) that a killed run left in the
        folders of files this manifest owns. Returns how many were deleted."""
        folders = {(self.site_dir / f).parent for e in self.stages.values()
                   for f in e.get("files", [])}
        n = 0
        for folder in folders:
            for p in folder.glob(".*.tmp") if folder.is_dir() else []:
                if _TEMP_RE.match(p.name):
                    p.unlink(missing_ok=True)
                    n += 1
        return n

    def current(self, name: str, key: str) -> dict | None:
        """The stage's entry when its key matches and all its files exist, else None."""
        e = self.stages.get(name)
        if e and e.get("key") == key and all((self.site_dir / f).is_file() for f in e["files"]):
            return e
        return None

    def run(self, name: str, key: str, fn: Callable[[], tuple[object, list[Path]]],
            force: bool = False):
        """Run ``fn`` unless the stage is current; fn returns (result, files written).
        Returns the stage's result (JSON-able)."""
        if not force and (e := self.current(name, key)):
            return e["result"]
        t0 = time.perf_counter()
        result, files = fn()
        self.ran[name] = time.perf_counter() - t0
        self.record(name, key, result, files, self.ran[name])
        return result

    def record(self, name: str, key: str, result, files: list[Path], seconds: float) -> None:
        """Set the stage's entry and delete files it owned before but not now."""
        new = sorted({Path(f).resolve().relative_to(self.site_dir.resolve()).as_posix()
                      for f in files})
        old = self.stages.get(name, {}).get("files", [])
        for f in set(old) - set(new):
            (self.site_dir / f).unlink(missing_ok=True)
        self.stages[name] = {"key": key, "files": new, "result": result,
                             "seconds": round(seconds, 3)}

    def save(self) -> bool:
        """Write the manifest (atomically, only if changed)."""
        text = json.dumps({"reportgen": __version__, "stages": self.stages}, indent=1,
                          sort_keys=True)
        return write_text(self.path, text + "\n")


@dataclass
class RunReport:
    """What a run did: summary (summary.json's content), page path, stages that ran (with
    wall seconds) and stages skipped."""

    summary: dict
    page: Path
    ran: dict[str, float]
    skipped: list[str]


def _timed(timings: dict, name: str, fn):
    t0 = time.perf_counter()
    out = fn()
    timings[name] = time.perf_counter() - t0
    return out


def site_assets(opts: Options, *, progress=None) -> RunReport:
    """Run every stage: load, export, sample, train, gallery, class-count chart, custom
    test, render, summary. ``progress`` is an optional object with ``export(done, total)``,
    ``epoch(epoch, epochs, logs)`` and ``stage(name)`` methods (the CLI's rich display).
    Raises ReportgenError subclasses for bad input (nothing half-written is left)."""
    from . import export as export_mod
    from . import train as train_mod

    opts.assets_url = validate_assets_url(opts.assets_url)
    epochs = opts.epochs or train_mod.DEFAULT_EPOCHS
    _say(progress, "load")
    ds = load_dataset(opts.dataset)
    manifest = Manifest(opts.site_dir)
    manifest.sweep_temp_files()
    install_components(opts.site_dir)

    # export: the full export lives outside the site; its own stamp decides skipping
    _say(progress, "export")
    t0 = time.perf_counter()
    ex = export_mod.export_all(ds, opts.export_dir, workers=opts.workers,
                               progress=getattr(progress, "export", None))
    if not ex.skipped:
        manifest.ran["export"] = time.perf_counter() - t0
        manifest.record("export", ds.digest, {"count": ex.count}, [], manifest.ran["export"])

    _say(progress, "sample")
    sample_key = _key(ds.digest, opts.sample_per_class, opts.seed, opts.assets_url,
                      export_mod.PNG_OPTIONS, opts.publish_all)

    def run_sample():
        files = export_mod.publish_sample(ds, opts.assets_dir, opts.sample_per_class, opts.seed)
        paths = [export_mod.image_path(opts.assets_dir, s, d, int(n[:5]))
                 for s in SPLITS for d in DIGITS for n in files[s][d]]
        if opts.publish_all:
            export_mod.publish_all(opts.export_dir, opts.assets_dir)
            paths = [export_mod.image_path(opts.assets_dir, s, d, i)
                     for s in SPLITS for i, d in enumerate(ds.split(s)[1])]
        return {s: {str(d): v for d, v in files[s].items()} for s in SPLITS}, paths

    sample = manifest.run("sample", sample_key, run_sample)

    _say(progress, "train")
    if opts.model:
        model_path = Path(opts.model)
        meta = model_meta_for(model_path, ds)
    else:
        t0 = time.perf_counter()
        tr = train_mod.train_model(ds, opts.models_dir, epochs=epochs, seed=opts.seed,
                                   log_path=opts.log_file, retrain=opts.retrain,
                                   on_epoch=getattr(progress, "epoch", None))
        model_path, meta = tr.model_path, tr.meta
        if not tr.reused:
            manifest.ran["train"] = time.perf_counter() - t0
    manifest.stages["train"] = {"key": meta.get("sha256", ""), "files": [],
                                "result": {"path": relpath(model_path)},
                                "seconds": round(meta.get("train_seconds", 0.0), 3)}

    gallery = gallery_stage(ds, model_path, meta, opts, manifest, progress)

    _say(progress, "class counts")
    counts = {s: ds.class_counts(s) for s in SPLITS}
    chart_path = opts.assets_dir / "class-counts.png"

    def run_chart():
        from .plotting import class_counts_png

        write_bytes(chart_path, class_counts_png(counts["train"], counts["test"]))
        return {}, [chart_path]

    manifest.run("class_counts", _key(counts, _plot_version()), run_chart)

    inputs = opts.custom_images or ([DEFAULT_CUSTOM] if DEFAULT_CUSTOM.is_dir() else [])
    if inputs:
        custom_test_stage(model_path, meta, opts, manifest, inputs, progress)
    elif manifest.stages.get("custom_test"):
        manifest.record("custom_test", "", None, [], 0.0)  # drop the old section's files

    _say(progress, "render")
    page = _timed(manifest.ran, "render", lambda: render_stage(
        ds, opts, manifest, sample=sample, meta=meta, gallery=gallery))

    summary = build_summary(ds, opts, meta, model_path, gallery, page, manifest)
    write_text(opts.assets_dir / SUMMARY, json.dumps(summary, indent=2) + "\n")
    manifest.save()
    ran = dict(manifest.ran)
    skipped = [s for s in ("export", "sample", "train", "gallery", "class_counts",
                           "custom_test") if s not in ran and (s != "custom_test" or inputs)]
    return RunReport(summary, page, ran, skipped)


def _say(progress, name: str) -> None:
    if progress is not None and hasattr(progress, "stage"):
        progress.stage(name)


def _plot_version() -> str:
    from . import plotting

    return hashlib.sha256(inspect.getsource(plotting).encode()).hexdigest()


def model_meta_for(model_path: Path, ds: Dataset) -> dict:
    """Metadata of a given model (``--model``): its saved .json when present, else evaluated
    now on the test split. Raises ModelError when the model cannot be loaded."""
    from . import train as train_mod

    if not Path(model_path).is_file():
        from .errors import ModelError

        raise ModelError(f"{model_path}: no such model file")
    try:
        meta = train_mod.load_meta(model_path)
        if meta.get("sha256") == sha256_file(model_path):
            return meta
    except Exception:  # noqa: BLE001 - no or stale metadata: evaluate below
        pass
    probs = train_mod.load_probabilities(model_path, ds)
    loss, acc, wrong = train_mod.evaluate_probabilities(probs, ds.y_test)
    epochs = _epochs_from_name(Path(model_path).name)
    model = train_mod.load_model(model_path)
    n = len(ds.y_test)
    return {"kind": "keras", "epochs": epochs, "seed": None, "test_loss": loss,
            "test_accuracy": acc, "wrong_count": wrong, "train_seconds": 0.0,
            "summary": train_mod.model_summary(model), "sha256": sha256_file(model_path),
            "key": None,
            "log": [train_mod.log_line(f"Evaluating model '{relpath(model_path)}'"),
                    train_mod.log_line(f"Loss: {loss:.4f}, Accuracy: {acc * 100:.2f}%"),
                    train_mod.log_line(f"False predictions: {wrong:,}/{n:,}"),
                    train_mod.log_line(f"True predictions: {n - wrong:,}/{n:,}")]}


def _epochs_from_name(name: str) -> int:
    parts = name.split("-")
    return int(parts[1]) if len(parts) >= 3 and parts[1].isdigit() else 0


def gallery_stage(ds: Dataset, model_path: Path, meta: dict, opts: Options,
                  manifest: Manifest, progress=None) -> dict:
    """Wrong-prediction gallery + confusion matrix, skipped when model and dataset are
    unchanged. Returns the JSON-able gallery result."""
    from . import gallery as gallery_mod
    from . import train as train_mod

    _say(progress, "gallery")
    key = _key(ds.digest, meta["sha256"], opts.assets_url, _plot_version(), __version__)

    def run():
        probs = train_mod.load_probabilities(model_path, ds)
        _, acc, _ = train_mod.evaluate_probabilities(probs, ds.y_test)
        g = gallery_mod.write_gallery(ds.x_test, ds.y_test, probs, opts.assets_dir,
                                      epochs=meta["epochs"], accuracy=acc)
        line = train_mod.log_line(
            f"Confusion matrix saved to path '{relpath(g.confusion_png, opts.site_dir)}'")
        train_mod.append_log(opts.log_file, [line])
        result = {"files": {str(d): v for d, v in g.files.items()},
                  "wrong_count": g.wrong_count, "per_class": g.per_class,
                  "confusion": g.confusion.tolist(), "metrics": g.metrics,
                  "confusion_png": opts.url(g.confusion_png), "log": [line]}
        return result, g.written

    return manifest.run("gallery", key, run)


def _safe_name(path: Path, label_from_parent: bool) -> str:
    stem = f"{path.parent.name}-{path.stem}" if label_from_parent else path.stem
    return re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_") or "image"


def custom_test_stage(model_path: Path, meta: dict, opts: Options, manifest: Manifest,
                      inputs: list[Path], progress=None) -> dict:
    """The page's "Extra Custom Test": predict the user's images (MNIST-style preprocessing),
    copy each into ``<assets>/custom-test/`` with its 28x28 version, draw the custom-test
    confusion matrix, append the original's log lines. Skipped when the model and the
    images' bytes are unchanged. Returns the JSON-able result (None when no image could be
    read; the problems are in result["problems"])."""
    from . import predict as predict_mod

    _say(progress, "custom test")
    files, problems = predict_mod.collect_images(inputs)
    key = _key(meta["sha256"], [(str(f), sha256_file(f)) for f in files], problems,
               opts.assets_url, _plot_version(), __version__)

    def run():
        from PIL import Image

        from . import train as train_mod
        from .plotting import confusion_matrix, confusion_matrix_png

        x, preds = predict_mod.preprocess_files(files)
        if len(x):
            probs = train_mod.predict_probabilities(train_mod.load_model(model_path), x)
            predict_mod.fill_predictions(preds, probs)
        folder = opts.assets_dir / CUSTOM_DIR
        written, images, seen, used, xs = [], [], [], set(), iter(x)
        for p in preds:
            if p.error:
                continue
            name = _safe_name(p.path, p.label is not None and predict_mod.label_of(
                p.path.name) is None)
            while name in used:
                name += "_"
            used.add(name)
            with Image.open(p.path) as im:
                im = im.convert("RGBA") if "A" in im.getbands() or im.mode == "P" else im
                thumb = im.convert("RGB") if im.mode != "RGBA" else Image.alpha_composite(
                    Image.new("RGBA", im.size, "white"), im).convert("RGB")
                thumb.thumbnail((224, 224), Image.Resampling.LANCZOS)
            write_bytes(folder / f"{name}.png", png_bytes(np.asarray(thumb)))
            write_bytes(folder / f"{name}-28x28.png", png_bytes(next(xs)))
            written += [folder / f"{name}.png", folder / f"{name}-28x28.png"]
            caption = (f"{p.label} predicted {p.predicted}" if p.label is not None
                       else f"predicted {p.predicted}")
            images.append({"caption": f"{caption} ({p.probability * 100:.0f}%)",
                           "alt": f"custom image {p.path.name}",
                           "url": opts.url(folder / f"{name}.png"),
                           "correct": p.correct})
            seen.append({"caption": p.path.name, "alt": f"{p.path.name}, 28x28 as the model "
                                                        "sees it",
                         "url": opts.url(folder / f"{name}-28x28.png")})
        correct, total = predict_mod.accuracy(preds)
        log = [train_mod.log_line(f"Testing model with EPOCHS: {meta['epochs']} and "
                                  f"ACCURACY: {meta['test_accuracy'] * 100:.2f}")]
        log += [train_mod.log_line(f"predicted: {p.predicted} and it was {p.label}")
                for p in preds if p.correct is not None]
        cm_url = None
        if total:
            log += [train_mod.log_line(f"Accuracy: {correct / total * 100:.1f}%"),
                    train_mod.log_line(f"Number of faults: {total - correct}/{total}"),
                    train_mod.log_line(f"Number of correct: {correct}/{total}")]
            judged = [p for p in preds if p.correct is not None]
            cm = confusion_matrix([p.label for p in judged], [p.predicted for p in judged])
            cm_path = folder / (f"mnist-custom-{meta['epochs']}-"
                                f"{meta['test_accuracy'] * 100:.2f}.png")
            write_bytes(cm_path, confusion_matrix_png(
                cm, f"Custom test: {correct} of {total} correct"))
            written.append(cm_path)
            cm_url = opts.url(cm_path)
        train_mod.append_log(opts.log_file, log)
        result = {
            "intro": (f"{len(images)} image(s) that are not from MNIST, preprocessed like "
                      "MNIST's own digits: the ink's bounding box scaled to fit 20x20 "
                      "keeping the aspect ratio, pasted into 28x28 with its centre of mass "
                      "at the centre (LeCun et al., the MNIST page)."),
            "images": images, "preprocessed": seen,
            "wrong": [i for i in images if i["correct"] is False],
            "correct": correct, "total": total,
            "accuracy": correct / total if total else 0.0, "confusion_png": cm_url,
            "problems": problems + [p.error for p in preds if p.error], "log": log}
        return (result if images else None), written

    return manifest.run("custom_test", key, run)


MODEL_CODE = '''inputs = keras.Input(shape=(28, 28), dtype="uint8")
x = keras.layers.Rescaling(1.0 / 255)(inputs)      # scaling is part of the model
x = keras.layers.Flatten()(x)
x = keras.layers.Dense(128, activation="relu")(x)
x = keras.layers.Dense(128, activation="relu")(x)
outputs = keras.layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer=keras.optimizers.Adam(lr),
              loss=keras.losses.SparseCategoricalCrossentropy(),
              metrics=["accuracy"])
model.fit(x_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE)'''


def page_context(ds: Dataset, opts: Options, *, sample: dict, meta: dict, gallery: dict,
                 custom: dict | None = None,
                 class_counts_png: str | None = None) -> dict:
    """The template's context (see templates/glassy.mdx.j2)."""
    recipe = (meta.get("key") or {}).get("recipe") or {}
    recipe_text = (f"Adam, learning rate {recipe['learning_rate']} with "
                   f"{recipe.get('lr_decay') or 'no'} decay, batch size {recipe['batch_size']}"
                   if recipe else "as saved in the model file")
    splits = []
    for s, title in (("train", "Training"), ("test", "Test")):
        counts = ds.class_counts(s)
        width = len(str(max(counts)))
        splits.append({
            "name": s, "title": title, "counts": counts,
            "counts_text": "\n".join(f'"{d}": {c:>{width}}' for d, c in enumerate(counts)),
            "digits": [{"digit": d, "name": DIGIT_NAMES[d], "files": sample[s][str(d)]}
                       for d in DIGITS]})
    log = list(meta.get("log", [])) + list(gallery.get("log", []))
    if custom:
        log += custom.get("log", [])
    return {
        "version": __version__,
        "page": {"sidebar_position": 1, "id": opts.title, "title": opts.title,
                 "description": opts.description,
                 "slug": "/image-classification/glassy"},
        "dataset": {"digest": ds.digest, "train_total": len(ds.y_train),
                    "test_total": len(ds.y_test)},
        "sample_per_class": opts.sample_per_class, "seed": opts.seed,
        "thumb_size": opts.thumb_size, "assets_url": opts.assets_url,
        "class_counts_png": class_counts_png,
        "splits": splits,
        "wrong": {"count": gallery["wrong_count"],
                  "digits": [{"digit": d, "name": DIGIT_NAMES[d],
                              "files": gallery["files"][str(d)]} for d in DIGITS]},
        "confusion_png": gallery["confusion_png"], "metrics": gallery["metrics"],
        "model": {"epochs": meta["epochs"], "seed": meta.get("seed"),
                  "test_accuracy": meta["test_accuracy"], "test_loss": meta["test_loss"],
                  "summary": meta.get("summary", ""), "code": MODEL_CODE,
                  "recipe_text": recipe_text},
        "custom": custom,
        "log_text": "\n".join(log),
    }


def render_stage(ds: Dataset, opts: Options, manifest: Manifest, *, sample: dict,
                 meta: dict, gallery: dict) -> Path:
    """Render and write the page (only if its text changed); returns its path."""
    from .render import render_page, write_page

    chart = opts.assets_dir / "class-counts.png"
    custom = (manifest.stages.get("custom_test") or {}).get("result")
    ctx = page_context(ds, opts, sample=sample, meta=meta, gallery=gallery,
                       custom=custom or None,
                       class_counts_png=opts.url(chart) if chart.is_file() else None)
    return write_page(opts.site_dir, render_page(ctx))


def build_summary(ds: Dataset, opts: Options, meta: dict, model_path: Path, gallery: dict,
                  page: Path, manifest: Manifest) -> dict:
    """summary.json's content (DESIGN.md). timings_s holds each stage's wall seconds from
    the run that last produced its outputs (train: the run that trained the model), so a
    re-run that changes nothing writes the same summary."""
    timings = {name: (manifest.stages.get(name) or {}).get("seconds", 0.0)
               for name in ("export", "sample", "train", "gallery", "class_counts",
                            "custom_test")}
    # render runs every time (it only rewrites a changed page); keep the previous figure
    # when nothing else ran, so a re-run that changes nothing writes the same summary
    prev = ((_read_json(opts.assets_dir / SUMMARY) or {}).get("timings_s") or {}).get("render")
    ran_other = any(name != "render" for name in manifest.ran)
    timings["render"] = (round(manifest.ran.get("render", 0.0), 3)
                         if ran_other or prev is None else prev)
    return {
        "dataset": {"path": relpath(opts.dataset), "digest": ds.digest,
                    "train_counts": ds.class_counts("train"),
                    "test_counts": ds.class_counts("test")},
        "model": {"kind": meta.get("kind"), "epochs": meta.get("epochs"),
                  "seed": meta.get("seed"), "path": relpath(model_path),
                  "test_accuracy": meta["test_accuracy"], "test_loss": meta["test_loss"]},
        "wrong_predictions": {"count": gallery["wrong_count"],
                              "per_class": gallery["per_class"]},
        "page": relpath(page),
        "timings_s": timings,
    }


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None



def rerender(opts: Options) -> Path:
    """Render the page again from the manifest's recorded results (templates or title
    changed). Raises SiteError when ``site-assets`` has not run for this site yet."""
    from . import train as train_mod

    opts.assets_url = validate_assets_url(opts.assets_url)
    manifest = Manifest(opts.site_dir)
    need = [n for n in ("sample", "train", "gallery") if n not in manifest.stages]
    if need:
        raise SiteError(f"{manifest.path}: no record of stage(s) {', '.join(need)}; "
                        "run `reportgen site-assets` first")
    ds = load_dataset(opts.dataset)
    model_path = Path(manifest.stages["train"]["result"]["path"])
    meta = model_meta_for(model_path, ds) if model_path.is_file() else train_mod.load_meta(
        model_path)
    return render_stage(ds, opts, manifest, sample=manifest.stages["sample"]["result"],
                        meta=meta, gallery=manifest.stages["gallery"]["result"])


def current_model(site_dir: Path, models_dir: Path = Path("data/models")) -> Path:
    """The model the site's page was built with (its manifest), else the newest .keras file
    under ``models_dir``. Raises ModelError when there is none."""
    from .errors import ModelError

    entry = Manifest(site_dir).stages.get("train") or {}
    path = (entry.get("result") or {}).get("path")
    if path and Path(path).is_file():
        return Path(path)
    found = sorted(Path(models_dir).glob("*/mnist-*.keras"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise ModelError(f"no model found in {site_dir / MANIFEST} or {models_dir}; "
                         "run `reportgen train` or pass --model")
    return found[-1]


def predict_into_site(model_path: Path, inputs: list[Path], site_dir: Path, assets_url: str,
                      dataset: Path, log_file: Path) -> Path:
    """`reportgen predict --site-dir`: rewrite the custom-test section for these images and
    re-render the page (when site-assets has run there). Returns the page path."""
    opts = Options(site_dir=site_dir, assets_url=validate_assets_url(assets_url),
                   dataset=dataset, log_file=log_file, custom_images=list(inputs))
    manifest = Manifest(site_dir)
    ds = load_dataset(dataset)
    meta = model_meta_for(model_path, ds)
    custom_test_stage(model_path, meta, opts, manifest, list(inputs))
    manifest.save()
    return rerender(opts)
