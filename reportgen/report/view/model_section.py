"""The page's Model section: what the model is, how it was trained and fed, its figures and
Keras' summary as a table."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...data.card import DatasetInfo
from ...models.kinds import KINDS, Recipe
from ...records import ModelFigures, ModelMeta


@dataclass
class SummaryTable:
    """Keras' model.summary() as a table: header cells, rows of cells (a layer), notes
    (the model name and the "Total params" lines)."""

    header: list[str]
    rows: list[list[str]]
    notes: list[str]


@dataclass
class ModelSection:
    """The Model section: epochs (None = unknown), seed, test_accuracy 0-1, test_loss,
    Keras summary, code (derived from the builder), recipe_text, description, scaling_text
    (how the inputs were fed), figures, history (per epoch), summary_table (None when the
    summary is not Keras 3's box table)."""

    epochs: int | None
    seed: int | None
    test_accuracy: float
    test_loss: float
    summary: str
    code: str
    recipe_text: str
    description: str
    scaling_text: str = ""
    figures: ModelFigures | None = None
    history: list[dict[str, float]] = field(default_factory=list)
    summary_table: SummaryTable | None = None


def summary_table(text: str) -> SummaryTable | None:
    """Parse Keras 3's box-drawn summary (``┃`` header, ``│`` rows; a layer spread over
    several lines, as "Connected to" does, is joined) into a SummaryTable; None when the
    text is not such a table (a SavedModel note, Keras 2's plain text)."""
    header, rows, notes = None, [], []
    continued = False
    for line in str(text).splitlines():
        s = line.strip()
        if s.startswith("┃") and header is None:
            header = [c.strip() for c in s.strip("┃").split("┃")]
        elif s.startswith("│") and header is not None:
            cells = [c.strip() for c in s.strip("│").split("│")]
            if len(cells) != len(header):
                return None
            if continued and rows and not cells[0]:
                rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
            else:
                rows.append(cells)
            continued = True
        elif s.startswith(("├", "┡", "└", "┏", "┗")):
            continued = False
        elif s:
            notes.append(s)
    return SummaryTable(header, rows, notes) if header and rows else None


def scaling_text(scaling: str, own: bool, info: DatasetInfo) -> str:
    """The page's sentence on how the model's inputs were fed (models.io's scalings);
    own: a kind reportgen trains; info: the dataset (its image size)."""
    size = f"{info.height}x{info.width}"
    if scaling == "raw":
        return (f"Scaling to [0, 1] is the model's first layer, so it takes raw {size} uint8 "
                f"images." if own else f"The model was fed raw {size} uint8 pixels (0-255): "
                "it scales its own input (a Rescaling or Normalization layer).")
    if scaling == "unit":
        return "The model was fed x/255: pixels scaled to [0, 1], as it was trained."
    return ("The model was fed tf.keras.utils.normalize(x, axis=1), as the original "
            "notebooks trained it.")


def model_section(meta: ModelMeta, figures: ModelFigures | None, info: DatasetInfo,
                  ) -> ModelSection:
    """The Model section of a model with metadata ``meta`` (a kind of the registry, or a
    user's model) of the dataset ``info`` describes."""
    kind = KINDS.get(meta.kind)
    recipe = meta.recipe
    return ModelSection(
        epochs=meta.epochs, seed=meta.seed, test_accuracy=meta.test_accuracy,
        test_loss=meta.test_loss, summary=meta.summary,
        code=kind.code(meta.epochs, (recipe or {}).get("batch_size"), info) if kind else "",
        recipe_text=Recipe.from_dict(recipe).text() if recipe else "as saved in the model file",
        description=kind.description if kind else "A model given with --model",
        scaling_text=scaling_text(meta.input_scaling, own=kind is not None, info=info),
        figures=figures, history=meta.history, summary_table=summary_table(meta.summary))
