"""The dataset section: the dataset's words (its card), the page's sample of each split (one
row of thumbnails per class); the class counts it shows are the class_counts section's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...data.dataset import SPLITS
from ...data.export import image_path, publish_all, publish_sample
from ...engine.files import PNG_OPTIONS
from ...engine.manifest import StageOutput
from ...engine.stage import Stage
from ...engine.typed import dump
from ...records import Sample
from .. import assets
from ..section import PageEnv, Section
from ..view.page import class_images
from ._common import RUN, assets_dir

if TYPE_CHECKING:
    from ..run import Run


def _sample(r: Run) -> StageOutput:
    o, info = r.opts, r.ds.info
    per_class = assets.sample_per_class(o.sample_per_class, info.n_classes)
    files = publish_sample(r.ds, o.assets_dir, per_class, o.seed)
    paths = [image_path(o.assets_dir, s, d, int(n[:5]))
             for s in SPLITS for d, names in files[s].items() for n in names]
    if o.publish_all:
        publish_all(o.export_dir, o.assets_dir, info.labels)
        paths = [image_path(o.assets_dir, s, d, i)
                 for s in SPLITS for i, d in enumerate(r.ds.split(s)[1])]
    sample = Sample(per_class, o.seed,
                    {s: {info.slug_of(d): v for d, v in files[s].items()} for s in SPLITS})
    for s in SPLITS:  # label 0's images first, as the page's rows
        indices = [int(n[:5]) for d in sorted(files[s]) for n in files[s][d]]
        paths.append(assets.write_sheet(r.ds.split(s)[0], indices, o.assets_dir / s))
        sample.sheets[s] = o.url(paths[-1])
    return StageOutput(dump(sample), paths)


SAMPLE = Stage("sample", Sample, inputs=lambda r: {
    "dataset": r.ds.digest, "dataset card": r.ds.info.key(),
    "--sample-per-class": r.opts.sample_per_class, "--seed": r.opts.seed,
    "--publish-all": r.opts.publish_all},
    run=_sample, out_dir=assets_dir, constants=(PNG_OPTIONS,), uses=RUN, order=10)


def _context(results: Mapping[str, Any], env: PageEnv) -> dict:
    sample: Sample = results["sample"]
    splits = [{"name": s, "title": title,
               "classes": class_images(env.info, sample.files[s], sample.sheets.get(s))}
              for s, title in (("train", "Training"), ("test", "Test"))]
    return {"sample_per_class": sample.per_class, "seed": sample.seed, "splits": splits}


SECTION = Section("dataset", order=10, stages=(SAMPLE,), context=_context)
