"""The stage registry: every section's stages (report.section.sections(), each declared
in its section's module) and the page stages that make the page from their records
(category, render, summary), in run order, and the groups the CLI commands run. README's
Architecture section lists stage → module → key → outputs.

The page stages' key inputs hold the whole page context (render) and summary.json's
content (summary), so their code keys need only the code that writes them: the sections
that build those values are in the inputs' values, not in the code key.
"""

from __future__ import annotations

import json

from ..data.card import BUILTIN_INFO
from ..engine.files import write_text
from ..engine.manifest import StageOutput
from ..engine.stage import Stage
from ..engine.typed import dump
from ..options import DEFAULT_DESCRIPTION, DEFAULT_TITLE
from . import assets
from .run import Run
from .section import PageEnv, section_stages
from .site import DEFAULT_CATEGORY_LABEL, category_folder, site_has_own_category, write_category
from .view.page import PageContext, PageText, page_context
from .view.render import render_page, template_source, write_page
from .view.summary import build_summary


def _category_label(r: Run) -> str:
    return r.state.category_label or DEFAULT_CATEGORY_LABEL


def context(r: Run) -> PageContext:
    """The page's context from the run's records (report.view.page.page_context)."""
    s, info = r.state, r.ds.info
    described = info.page_description or (
        DEFAULT_DESCRIPTION if info == BUILTIN_INFO
        else f"A neural network that reads {info.name} images.")
    title = DEFAULT_TITLE if info == BUILTIN_INFO else f"{info.name} image classifier"
    text = PageText(s.title if s.title is not None else title,
                    s.description if s.description is not None else described)
    env = PageEnv(r.ds.info, r.opts.assets_url, r.opts.thumb_size, r.history_rows(),
                  r.opts.site_dir / "static", r.opts.conditions, r.opts.page)
    return page_context(r.results, text, env)


def _render(r: Run) -> StageOutput:
    return StageOutput(None, [write_page(r.opts.site_dir, render_page(context(r)),
                                         r.opts.docs_dir, r.opts.page)])


def _summary_content(r: Run, timings: dict[str, float]) -> dict:
    return build_summary(r.results, dataset_path=r.opts.dataset, page=r.page, timings=timings,
                         conditions=r.opts.conditions, classes=list(r.ds.info.classes))


def _summary_key(r: Run) -> dict:
    """summary.json's content without the timings and the paths (named relative to the
    working directory, which differs between a maintainer's machine and a docs CI)."""
    content = _summary_content(r, {})
    for section, field in (("dataset", "path"), ("model", "path"), ("changes", "previous_model")):
        content.get(section, {}).pop(field, None)
    content.pop("page")
    return content


def _summary(r: Run) -> StageOutput:
    timings = {name: r.site.seconds(name) for name in TIMED_STAGES}
    timings |= {"train": r.model.meta.train_seconds, "export": r.export_seconds}
    path = r.opts.assets_dir / assets.SUMMARY
    write_text(path, json.dumps(_summary_content(r, timings), indent=2) + "\n")
    return StageOutput(None, [path])


#: The stages of the page's sections, in run order: the records the page is made of.
SECTION_STAGES: tuple[Stage, ...] = section_stages()
PAGE_RECORDS = tuple(s.name for s in SECTION_STAGES)

CATEGORY = Stage("category", str,
                 applies=lambda r: not site_has_own_category(r.opts.site_dir,
                                                             r.site.has("category"),
                                                             r.opts.docs_dir),
                 inputs=lambda r: {"--category-label": _category_label(r),
                                   "--docs-dir": r.opts.docs_dir},
                 run=lambda r: StageOutput(_category_label(r), [write_category(
                     r.opts.site_dir, _category_label(r), r.opts.docs_dir)]),
                 out_dir=lambda r: category_folder(r.opts.site_dir, r.opts.docs_dir),
                 timed=False, order=1000)
RENDER = Stage("render", None, inputs=lambda r: {
    **{f"page {k.replace('_', ' ')}": v for k, v in dump(context(r)).items()},
    "templates": template_source(), "--docs-dir": r.opts.docs_dir},
    run=_render, out_dir=lambda r: r.page.parent, reads=PAGE_RECORDS,
    order=1010)
SUMMARY = Stage("summary", None, inputs=lambda r: {
    f"summary {k}": v for k, v in _summary_key(r).items()}, run=_summary,
                out_dir=lambda r: r.opts.assets_dir, timed=False,
                reads=PAGE_RECORDS, order=1020)

#: Every stage, in run order.
STAGES: tuple[Stage, ...] = (*SECTION_STAGES, CATEGORY, RENDER, SUMMARY)
STAGE = {s.name: s for s in STAGES}
#: The page's model and the stages describing it (`reportgen gallery`): train and every
#: stage that reads its record.
MODEL_STAGES = tuple(s for s in SECTION_STAGES if s.name == "train" or "train" in s.reads)
#: What makes the page from the records (`reportgen render`).
PAGE_STAGES = (CATEGORY, RENDER, SUMMARY)
#: summary.json's timings: the export, then every timed stage, in run order.
TIMED_STAGES = ("export", *(s.name for s in STAGES if s.timed))
