"""How every chart of the page is written (seaborn on matplotlib's Agg backend); the
charts themselves are drawn in the module of the stage that shows them.

Every chart is drawn twice, for Docusaurus' light and dark colour modes
(:func:`write_chart`: ``<name>.png`` and ``<name>-dark.png``, shown with
``@theme/ThemedImage``), rendered to PNG bytes and closed (:func:`figure_png`), so no
figure leaks. A draw function returns a matplotlib Figure and takes its colours from the
theme's rcParams (``image.cmap`` for heatmaps).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from ..engine.files import write_bytes

THEMES = ("light", "dark")
#: Docusaurus' (Infima's) page background and text colours of each colour mode.
_RC = {
    "light": {"image.cmap": "Blues"},
    "dark": {"figure.facecolor": "#1b1b1d", "axes.facecolor": "#1b1b1d",
             "savefig.facecolor": "#1b1b1d", "text.color": "#e3e3e3",
             "axes.labelcolor": "#e3e3e3", "axes.edgecolor": "#8d8d8d",
             "xtick.color": "#e3e3e3", "ytick.color": "#e3e3e3", "grid.color": "#606770",
             "legend.facecolor": "#242526", "legend.edgecolor": "#606770",
             "image.cmap": "mako"},
}


def dark_name(name: str) -> str:
    """The dark variant's name or URL: ``a/cm.png`` -> ``a/cm-dark.png``."""
    stem, dot, ext = str(name).rpartition(".")
    return f"{stem}-dark.{ext}" if dot else f"{name}-dark"


def write_chart(path: Path, draw: Callable, *args, **kwargs) -> list[Path]:
    """Draw ``draw(*args, **kwargs)`` (returns a Figure) once per theme and write
    ``path`` (light) and :func:`dark_name` (dark) atomically, only when changed. Returns
    both paths."""
    import seaborn  # noqa: F401  (registers "mako", the dark theme's colormap)

    plt = pyplot()
    paths = []
    for theme in THEMES:
        with plt.rc_context(_RC[theme]):
            data = figure_png(draw(*args, **kwargs))
        out = Path(path) if theme == "light" else Path(dark_name(path))
        write_bytes(out, data)
        paths.append(out)
    return paths


def pyplot():
    """matplotlib.pyplot with the non-interactive Agg backend forced (no display needed)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def figure_png(fig, dpi: int = 100) -> bytes:
    """Render ``fig`` to PNG bytes without a Software/date tag (reproducible) and close it."""
    plt = pyplot()
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight",
                    metadata={"Software": None})
    finally:
        plt.close(fig)
    return buf.getvalue()
