"""`callqa learn`: retrain the text model with reviewers' verdicts, list its versions, switch back.

Runs as the local operator: audit entries name them `cli:<login name>`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from callqa.cli.admin import _operator
from callqa.cli.context import fail, open_workspace, out, progress_bar
from callqa.cli.render import WorkspaceOpt


def learn(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Train and report, save nothing.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Save even if the calibration got much worse.")
    ] = False,
    verdict_weight: Annotated[
        float | None,
        typer.Option(
            min=0.01, max=100, help="Weight of a verdict against a bank sentence (default: setting)."
        ),
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the model versions (current marked).")] = False,
    use: Annotated[
        str | None, typer.Option("--use", metavar="VERSION", help="Switch to a version, or `shipped`.")
    ] = None,
    banks: Annotated[
        Path | None, typer.Option(help="Example banks folder (default: the shipped banks).")
    ] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Retrain the text model from the example banks plus inspectors' verdicts (new version, made current)."""
    from callqa.errors import DomainError
    from callqa.review.learning import LearnOptions, switch
    from callqa.review.learning import learn as run_learn
    from callqa.rules import RulePackError
    from callqa.rules.learned.detector import DetectorError

    ws, db = open_workspace(workspace)
    if list_:
        _list(ws)
        return
    if use:
        try:
            previous = switch(ws, db, _operator(), use)
        except DomainError as exc:
            raise fail(exc.reason) from None
        out.print(f"model in use: {use} (was {previous})")
        return
    options = LearnOptions(
        verdict_weight=verdict_weight or ws.settings.learn_verdict_weight,
        banks_dir=banks,
        dry_run=dry_run,
        force=force,
    )
    with progress_bar() as bar:
        task = bar.add_task("learning", total=None)

        def step(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        try:
            result = run_learn(ws, db, _operator(), options, progress=step)
        except (RulePackError, DetectorError) as exc:
            raise fail(str(exc)) from None
    _report(result)
    if result.refused:
        raise fail(result.refused)


def _pct(value: object) -> str:
    return f"{value:.1%}" if isinstance(value, float | int) else "—"


def _report(result) -> None:  # type: ignore[no-untyped-def]
    """Per category, before → after: threshold, recall clean / garbled, benign sentences flagged."""
    table = Table(title=f"calibration (out-of-fold): {result.previous} → {result.version}")
    for name in ("category", "threshold", "recall clean", "recall garbled", "benign flagged"):
        table.add_column(name)
    keys = (("threshold", str), ("recall_clean", _pct), ("recall_garbled", _pct), ("benign_flagged", _pct))
    for cat, new in result.calibration.items():
        old = result.previous_calibration.get(cat, {})
        cells = [f"{fmt(old.get(k)) if k in old else '—'} → {fmt(new.get(k))}" for k, fmt in keys]
        table.add_row(cat + (" [red](worse)[/red]" if cat in result.worse else ""), *cells)
    out.print(table)
    v = result.verdicts
    out.print(
        f"verdicts: {v['verdicts']} read → {v['positives']} violation sentences, {v['negatives']} false "
        f"positives (skipped: {v['skipped_category']} without a bank, {v['skipped_unlocated']} not found, "
        f"{v['superseded']} superseded)",
        highlight=False,
    )
    for label, a in (("before", result.before), ("after", result.after)):
        out.print(
            f"verdicts right {label}: {a.positives_flagged}/{a.positives} violations flagged, "
            f"{a.negatives_quiet}/{a.negatives} false positives quiet",
            highlight=False,
        )
    where = f"saved {result.path.name}, now in use" if result.saved else "not saved"
    out.print(f"{result.version}: {where}; {result.embedded} texts embedded, {result.seconds:.0f} s")


def _list(ws) -> None:  # type: ignore[no-untyped-def]
    from callqa.rules.learned.versions import list_versions

    table = Table(title="text model versions")
    table.add_column("")
    table.add_column("version", no_wrap=True)
    for name in ("trained on", "verdicts", "recall clean / garbled", "written"):
        table.add_column(name)
    for v in list_versions(ws):
        recall = v.mean_recall
        table.add_row(
            "*" if v.current else "",
            v.version,
            str(v.trained_on if v.trained_on is not None else "—"),
            str(v.extra if v.extra is not None else "—"),
            f"{recall[0]:.1%} / {recall[1]:.1%}" if recall else "—",
            v.created.strftime("%Y-%m-%d %H:%M"),
        )
    out.print(table)
