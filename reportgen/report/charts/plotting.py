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

from ...engine.files import write_bytes
from ..assets import CHART_DENSITY, dark_name

THEMES = ("light", "dark")
#: Width in inches of a chart drawn to fill the docs column: 6.3 in at 100 CSS px an inch
#: is 630 px, Docusaurus' docs column beside its table of contents (632 px at 1280 px).
CHART_WIDTH = 6.3
#: Text sizes in points: at 100 CSS px an inch, 8 pt is 11.1 px, the smallest text a chart
#: has when shown at its width.
_TEXT = {"font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "xtick.labelsize": 8.5,
         "ytick.labelsize": 8.5, "legend.fontsize": 8.5, "legend.title_fontsize": 8.5,
         "figure.titlesize": 10, "figure.constrained_layout.use": True}
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


def write_chart(path: Path, draw: Callable, *args, **kwargs) -> list[Path]:
    """Draw ``draw(*args, **kwargs)`` (returns a Figure) once per theme and write
    ``path`` (light) and :func:`dark_name` (dark) atomically, only when changed. Returns
    both paths."""
    import seaborn  # noqa: F401  (registers "mako", the dark theme's colormap)

    plt = pyplot()
    paths = []
    for theme in THEMES:
        with plt.rc_context({**_TEXT, **_RC[theme]}):
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


def figure_png(fig, dpi: int = 100 * CHART_DENSITY) -> bytes:
    """Render ``fig`` to PNG bytes without a Software/date tag (reproducible) and close it;
    dpi: pixels an inch (an inch is shown as 100 CSS px, so the default is 2x density)."""
    plt = pyplot()
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.04,
                    metadata={"Software": None})
    finally:
        plt.close(fig)
    return buf.getvalue()
