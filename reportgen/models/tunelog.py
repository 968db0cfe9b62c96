"""The original project's log (``logs/tune.log``): its line format and its sentences,
written here once. Format: ``[YYYY-MM-DD HH:MM:SS] message``, e.g.
``[2023-01-12 10:00:00] False predictions: 283/10,000``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path


def log_line(message: str, when: datetime | None = None) -> str:
    """One line of the original's log format: ``[YYYY-MM-DD HH:MM:SS] message``."""
    return f"[{(when or datetime.now()).strftime('%Y-%m-%d %H:%M:%S')}] {message}"


def append_log(log_path: Path | None, lines: list[str]) -> None:
    """Append ``lines`` to the log file, creating its folder. None or no lines: no-op."""
    if not log_path or not lines:
        return
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def training_started(epochs: int) -> list[str]:
    return [log_line(f"Training with EPOCHS={epochs}")]


def evaluating(model: str) -> list[str]:
    return [log_line(f"Evaluating model '{model}'")]


def loss_accuracy(loss: float, accuracy: float) -> list[str]:
    """accuracy: 0-1, written in percent with 2 decimals."""
    return [log_line(f"Loss: {loss:.4f}, Accuracy: {accuracy * 100:.2f}%")]


def training_finished(epochs: int, model: str) -> list[str]:
    return [log_line(f"Finished training with EPOCHS={epochs}"),
            log_line(f"Model saved to path '{model}'")]


def predictions(wrong: int, total: int) -> list[str]:
    """The original's "False predictions: 283/10,000" and "True predictions: …" lines."""
    return [log_line(f"False predictions: {wrong:,}/{total:,}"),
            log_line(f"True predictions: {total - wrong:,}/{total:,}")]


def history(rows: list[dict], epochs: int) -> list[str]:
    """One line per epoch: epoch 0 as seed 004 printed it ("Initial cost: 2.3634, Initial
    accuracy: 7.21%"), then Keras' per-epoch figures, accuracies in percent."""
    lines = []
    for h in rows:
        if h["epoch"] == 0:
            lines.append(log_line(f"Initial cost: {h['loss']:.4f}, Initial accuracy: "
                                  f"{h['accuracy'] * 100:.2f}%"))
        else:
            lines.append(log_line(
                f"Epoch {h['epoch']}/{epochs} - loss: {h.get('loss', float('nan')):.4f} - "
                f"accuracy: {h.get('accuracy', float('nan')) * 100:.2f}% - val_loss: "
                f"{h.get('val_loss', float('nan')):.4f} - val_accuracy: "
                f"{h.get('val_accuracy', float('nan')) * 100:.2f}%"))
    return lines


def confusion_saved(path: str) -> list[str]:
    return [log_line(f"Confusion matrix saved to path '{path}'")]


def custom_test(epochs, accuracy: float, judged: list[tuple[int, int]]) -> list[str]:
    """The original's custom-test lines. judged: (predicted, label) per labelled image;
    accuracy: the model's test accuracy, 0-1."""
    lines = [log_line(f"Testing model with EPOCHS: {epochs} and "
                      f"ACCURACY: {accuracy * 100:.2f}")]
    lines += [log_line(f"predicted: {p} and it was {label}") for p, label in judged]
    total = len(judged)
    correct = sum(p == label for p, label in judged)
    if total:
        lines += [log_line(f"Accuracy: {correct / total * 100:.1f}%"),
                  log_line(f"Number of faults: {total - correct}/{total}"),
                  log_line(f"Number of correct: {correct}/{total}")]
    return lines
