"""A site's ``reportgen.toml``: the pages it holds, one table per page, with the same keys
as ``reportgen site-assets``' options (``model-kind`` or ``model_kind``), like a Docusaurus
plugin's options::

    [pages.glassy]                      # the embedded MNIST, its MLP
    [pages.glassy-cnn]
    model-kind = "cnn"
    [pages.products]
    dataset = "../data/products"        # paths are relative to this file
    classes = "../data/products/names.txt"
    card = "products.md"
    epochs = 10
    min-accuracy = 0.9

``reportgen site-assets`` without ``--page`` builds every page listed; options given on
the command line win over the file's.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from .analysis.conditions import Bounds
from .errors import OptionsError
from .options import Options

#: The file, at the site's root.
CONFIG = "reportgen.toml"
#: Keys whose values are paths (relative to the file's folder).
PATH_KEYS = ("dataset", "card", "models_dir", "export_dir", "log_file", "model")
#: Every key a page's table may hold, with its type(s): the options of site-assets.
KEYS: dict[str, tuple[type, ...]] = {
    "dataset": (str,), "classes": (str, list), "card": (str,), "test_fraction": (float, int),
    "image_size": (str,), "assets_url": (str,), "export_dir": (str,), "models_dir": (str,),
    "log_file": (str,), "epochs": (int,), "seed": (int,), "sample_per_class": (int,),
    "workers": (int,), "model": (str,), "retrain": (bool,), "train": (bool,),
    "publish_all": (bool,), "title": (str,), "description": (str,), "custom": (list, str),
    "input_scaling": (str,), "model_kind": (str,), "category_label": (str,),
    "docs_dir": (str,), "min_accuracy": (float, int), "min_class_recall": (float, int),
    "max_ece": (float, int), "max_accuracy_drop": (float, int),
    "min_robustness": (float, int)}


def config_file(site_dir: Path) -> Path:
    """``<site>/reportgen.toml``."""
    return Path(site_dir) / CONFIG


def read_config(site_dir: Path) -> dict[str, dict[str, Any]]:
    """{page name: its options, as the CLI's parameter names} of the site's reportgen.toml
    ({} when there is none), in the file's order; paths resolved against the file's folder,
    ``classes`` given as a list joined with commas. Raises OptionsError (one line naming
    the file) when it cannot be parsed, has no ``[pages.<name>]`` tables, or a key is
    unknown or of the wrong type."""
    path = config_file(site_dir)
    if not path.is_file():
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise OptionsError(f"{path}: unreadable ({exc})") from None
    pages = raw.get("pages")
    extra = sorted(set(raw) - {"pages"})
    if extra or not isinstance(pages, dict) or not pages:
        raise OptionsError(f"{path}: expected one [pages.<name>] table per page"
                           + (f" (unknown key {extra[0]!r})" if extra else ""))
    out = {}
    for name, table in pages.items():
        if not isinstance(table, dict):
            raise OptionsError(f"{path}: pages.{name} must be a table")
        out[name] = page_options(table, path, name)
    return out


def page_options(table: dict, path: Path, name: str) -> dict[str, Any]:
    """One page's table as the CLI's parameter names (see :func:`read_config`)."""
    opts: dict[str, Any] = {}
    for key, value in table.items():
        k = key.replace("-", "_")
        if k not in KEYS:
            raise OptionsError(f"{path}: pages.{name}: unknown option {key!r}")
        if not isinstance(value, KEYS[k]) or (isinstance(value, bool) and bool not in KEYS[k]):
            raise OptionsError(f"{path}: pages.{name}: {key} has the wrong type "
                               f"({type(value).__name__})")
        if k in PATH_KEYS:
            value = path.parent / value
        elif k == "custom":
            value = [path.parent / v for v in ([value] if isinstance(value, str) else value)]
        elif k == "classes" and isinstance(value, list):
            value = ",".join(str(v) for v in value)
        elif k == "classes" and (path.parent / value).is_file():
            value = str(path.parent / value)
        opts[k] = value
    return opts


#: Parameters of the CLI that are no option of a run.
NOT_OPTIONS = ("quiet", "create", "force", "no_sample")
_BOUNDS = ("min_accuracy", "min_class_recall", "max_ece", "max_accuracy_drop", "min_robustness")


def options_from(values: dict[str, Any]) -> Options:
    """An Options of the CLI's parameter values (``custom`` is the custom images, the five
    condition bounds are its ``conditions``; quiet, create … are left out)."""
    kw = {k: v for k, v in values.items() if k not in (*NOT_OPTIONS, *_BOUNDS, "custom")}
    kw["custom_images"] = list(values.get("custom") or [])
    kw["conditions"] = Bounds(*(values.get(k) for k in _BOUNDS))
    return Options(**kw)


def pages_options(site_dir: Path, values: dict[str, Any], given: set[str],
                  page: str | None = None) -> list[Options]:
    """The options of each page a ``site-assets`` call builds: without a reportgen.toml,
    the one page of ``values``; with one, every page it lists (or ``page`` alone), each
    its table's options over the defaults in ``values``, with the options ``given`` on
    the command line over both. Raises OptionsError for a bad file."""
    config = read_config(site_dir)
    if not config:
        return [options_from(values)]
    names = [page] if page else list(config)
    out = []
    for name in names:
        merged = dict(values) | config.get(name, {}) | {k: values[k] for k in given}
        merged["page"] = name
        if len(names) > 1 and "export_dir" not in config.get(name, {}) and (
                "export_dir" in given):  # one export folder holds one dataset
            merged["export_dir"] = Path(values["export_dir"]) / name
        out.append(options_from(merged))
    return out
