"""What the CLI shows: rich progress for the pipeline, and the tables and lines each
command prints. No logic: every figure comes from a library result."""

from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

# Piped to a file, rich would hard-wrap at 80 columns and split paths: no wrapping then.
err = Console(stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else 200)
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)


class Display:
    """rich progress for the pipeline: stage names, an export bar, an epoch bar."""

    def __init__(self, progress: Progress):
        self.p = progress
        self.tasks: dict[str, int] = {}

    def stage(self, name: str) -> None:
        if not self.p.disable:
            self.p.console.print(f"[bold]{name}[/]", highlight=False)

    def export(self, done: int, total: int) -> None:
        if "export" not in self.tasks:
            self.tasks["export"] = self.p.add_task("export PNGs", total=total)
        self.p.update(self.tasks["export"], completed=done)

    def epoch(self, epoch: int, epochs: int, logs: dict) -> None:
        if "train" not in self.tasks:
            self.tasks["train"] = self.p.add_task("train epochs", total=epochs)
        self.p.update(self.tasks["train"], completed=epoch,
                      description=f"train (loss {logs.get('loss', 0):.4f}, "
                                  f"acc {logs.get('accuracy', 0) * 100:.2f}%)")


def progress(quiet: bool = False) -> Progress:
    """A rich Progress on stderr; disabled with ``quiet`` and when stderr is not a terminal
    (a CI log gets the few lines the command prints at the end, not stage names and bars)."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, disable=quiet or not err.is_terminal,
                    transient=False)


def print_json(data) -> None:
    """JSON on stdout, indented (``--json``)."""
    print(json.dumps(data, indent=2))


def print_run(rep) -> None:
    for line in rep.warnings:
        err.print(f"[yellow]warning:[/] {line}", highlight=False)
    for line in rep.notes:
        err.print(f"[cyan]note:[/] {line}", highlight=False, soft_wrap=True)
    s = rep.summary
    out.print(f"page: {rep.page}")
    out.print(f"model: {s['model']['path']} (test accuracy "
              f"{s['model']['test_accuracy'] * 100:.2f}%), "
              f"{s['wrong_predictions']['count']:,} wrong predictions")
    ran = ", ".join(f"{k} {v:.1f}s" for k, v in rep.ran.items()) or "nothing"
    out.print(f"ran: {ran}; up to date: {', '.join(rep.skipped) or 'nothing'}")
    for c in failed_conditions(rep):
        err.print(f"failed: {c['name']} {c['bound']}: the page's figure is {c['value']} "
                  f"(page {rep.page.stem if rep.page else '?'})", highlight=False,
                  markup=False, soft_wrap=True)


def failed_conditions(rep) -> list[dict]:
    """The quality conditions the run's page fails (summary.json's ``conditions``)."""
    return [c for c in (rep.summary or {}).get("conditions") or [] if not c["passed"]]


def print_audit(rep, opts, max_lines: int) -> None:
    from rich.table import Table

    if not rep.counts:  # --page-only
        for f in rep.findings[:max_lines]:
            out.print(f.line(), highlight=False, markup=False, soft_wrap=True)
        out.print("page audit passed" if rep.ok else
                  f"page audit failed: {len(rep.findings):,} finding(s)")
        return
    table = Table(title=f"Class counts: {opts.export_dir} vs {opts.dataset}")
    for col in ("class", "train on disk", "train expected", "test on disk", "test expected"):
        table.add_column(col, justify="right")
    tr, te = rep.counts["train"], rep.counts["test"]

    def cell(a, b):
        return f"{a:,}" if a == b else f"[red]{a:,}[/]"

    for d in range(len(tr["expected"])):
        table.add_row(f'"{d}"', cell(tr["on_disk"][d], tr["expected"][d]),
                      f"{tr['expected'][d]:,}", cell(te["on_disk"][d], te["expected"][d]),
                      f"{te['expected'][d]:,}")
    table.add_row("total", f"{sum(tr['on_disk']):,}", f"{sum(tr['expected']):,}",
                  f"{sum(te['on_disk']):,}", f"{sum(te['expected']):,}", style="bold")
    out.print(table)
    for f in rep.findings[:max_lines]:
        out.print(f.line(), highlight=False, markup=False, soft_wrap=True)
    if len(rep.findings) > max_lines:
        out.print(f"... and {len(rep.findings) - max_lines:,} more (see --json)")
    out.print("audit passed" if rep.ok else f"audit failed: {len(rep.findings):,} finding(s)")


def print_predictions(res) -> None:
    """``predict``'s table: each image's label, answer (✓/✗ when labelled), probability,
    runner-up and notes (a low-confidence answer, an image far from the dataset's style)."""
    from rich.table import Table

    from .models.predict import LOW_CONFIDENCE

    table = Table(title=f"Predictions of {res.model}")
    table.add_column("file", overflow="fold")
    for col in ("label", "predicted", "probability", "runner-up"):
        table.add_column(col, no_wrap=True)
    table.add_column("notes", overflow="fold")
    for p in res.predicted:
        mark = "" if p.correct is None else (" [green]✓[/]" if p.correct else " [red]✗[/]")
        notes = (["low confidence"] if p.low_confidence else []) + p.style
        name = res.info.class_name
        table.add_row(str(p.path), "" if p.label is None else escape(name(p.label)),
                      f"{escape(name(p.predicted))}{mark}", f"{p.probability * 100:.1f}%",
                      f"{escape(name(p.runner_up))} ({p.runner_up_probability * 100:.1f}%)",
                      escape("; ".join(notes)))
    if res.predicted:
        out.print(table)
        flagged = sum(bool(p.low_confidence) for p in res.predicted)
        if flagged:
            out.print(f"{flagged} answer(s) below {LOW_CONFIDENCE:.0%} confidence: check them "
                      "by eye")
    if res.total:
        out.print(f"Accuracy: {res.correct}/{res.total} ({res.correct / res.total * 100:.1f}%)")
    if res.page:
        out.print(f"page: {res.page}")


def changes_json(ch) -> dict:
    """``compare --json``: the comparison with deltas rounded to 6 decimals and without the
    thumbnails' file names (compare writes none)."""
    return {"previous": str(ch.previous), "current": str(ch.current),
            "previous_accuracy": round(ch.previous_accuracy, 6),
            "current_accuracy": round(ch.current_accuracy, 6),
            "accuracy_delta": round(ch.accuracy_delta, 6),
            **{which: [{"index": c.index, "label": c.label, "was": c.was, "now": c.now}
                       for c in getattr(ch, which)] for which in ("fixed", "new")}}


def print_changes(ch, max_lines: int) -> None:
    """The ``compare`` table: both models' accuracy and the fixed and new mistakes (test
    indices with label and predictions, up to ``max_lines`` of each)."""
    from rich.table import Table

    t = Table(title="Test split: previous → current")
    t.add_column("")
    t.add_column("model")
    t.add_column("accuracy", justify="right")
    t.add_row("previous", str(ch.previous), f"{ch.previous_accuracy * 100:.2f}%")
    t.add_row("current", str(ch.current), f"{ch.current_accuracy * 100:.2f}%")
    t.add_row("delta", "", f"{ch.accuracy_delta * 100:+.2f} points")
    out.print(t)
    for which, what in (("fixed", "wrong before, right now"), ("new", "right before, wrong now")):
        rows = getattr(ch, which)
        t = Table(title=f"{len(rows):,} {which} mistakes ({what})")
        for col in ("index", "label", "previous", "current"):
            t.add_column(col, justify="right")
        for c in rows[:max_lines]:
            t.add_row(str(c.index), str(c.label), str(c.was), str(c.now))
        if len(rows) > max_lines:
            t.add_row("…", "", "", f"{len(rows) - max_lines:,} more")
        out.print(t)


def print_check(rep, named: bool = False) -> None:
    """``reportgen check``: what is stale and which files changed, then the command that
    refreshes the page; or one line saying it is current. ``named``: the site has several
    pages, so each line names its page."""
    if named and not rep.current:
        out.print(f"page {rep.page}: stale", highlight=False, markup=False)
    for note in rep.notes:
        err.print(f"[yellow]note:[/] {note}", highlight=False, markup=True)
    for c in rep.conditions:
        out.print(f"{'passed' if c.passed else 'failed'}: {c.line}", highlight=False,
                  markup=False, soft_wrap=True)
    if rep.current:
        out.print(f"page {rep.page}: current" if named else
                  f"{rep.site_dir}: the page is current"
                  + ("" if rep.ok else ", but its model fails a condition"), highlight=False)
        return
    for name in rep.stale:
        why = "; ".join(rep.reasons.get(name, []))
        where = f"{rep.page}: " if named else ""
        out.print(f"stale: {where}{name}" + (f": {why}" if why else ""), highlight=False,
                  markup=False, soft_wrap=True)
    for what, path, stage in rep.files:
        how = {"changed": "edited or replaced by hand", "missing": "missing",
               "outdated": "reportgen ships a newer one"}.get(what, what)
        out.print(f"{what}: {path} ({how}; stage {stage})", highlight=False, markup=False)
    out.print(f"refresh it with: {rep.command}", highlight=False, markup=False)
