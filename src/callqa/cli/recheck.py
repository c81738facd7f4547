"""`callqa recheck`: re-evaluate stored transcripts with the current rule pack and text model."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from callqa.cli.context import (
    cannot_write,
    disk_full,
    err,
    fail,
    open_workspace,
    operator,
    out,
    progress_bar,
    rule_pack,
)
from callqa.cli.render import WorkspaceOpt


def _day(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise fail(f"--since {value!r}: expected a date like 2026-11-20", 2) from None


def recheck(
    since: Annotated[
        str | None,
        typer.Option(
            help="Only calls started on or after this day (YYYY-MM-DD, the call's own local date; "
            "calls without a start time: processed on or after it)."
        ),
    ] = None,
    call: Annotated[list[str] | None, typer.Option("--call", help="Only this call (repeatable).")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; change nothing.")
    ] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Re-check stored transcripts with the current rule pack and text model (no transcription)."""
    from callqa.pipeline.recheck import Selection
    from callqa.pipeline.recheck import recheck as run
    from callqa.store.database import is_disk_full

    day = _day(since)
    ws, db = open_workspace(workspace)
    pack = rule_pack(ws)
    selection = Selection(day.date() if day else None, tuple(call or ()))
    with progress_bar() as progress:
        task = progress.add_task("rechecking", total=None)
        try:
            summary = run(
                db,
                pack,
                operator(),
                selection,
                dry_run=dry_run,
                on_start=lambda total: progress.update(task, total=total),
                on_done=lambda call_id, _: progress.update(task, advance=1),
            )
        except KeyboardInterrupt:
            progress.stop()
            err.print("interrupted: the calls rechecked so far are stored; run again to finish")
            raise typer.Exit(130) from None
        except Exception as exc:
            if not is_disk_full(exc):
                raise
            progress.stop()
            raise disk_full(cannot_write(db.url), "the calls rechecked so far are stored") from None
    for call_id, ch in summary.changes:
        case = f", case {ch.case_action}" if ch.case_action else ""
        status = (
            ch.status_after
            if ch.status_before == ch.status_after
            else f"{ch.status_before} → {ch.status_after}"
        )
        out.print(
            f"{call_id}: {status}; {ch.new} new, {ch.vanished} vanished (kept: decided), "
            f"{ch.removed} removed, {ch.returned} found again{case}",
            highlight=False,
            markup=False,
        )
    verb = "would change" if dry_run else "changed"
    err.print(
        f"{summary.calls} calls rechecked, {summary.changed_calls} {verb} (pack {summary.pack_version}, "
        f"model {summary.model_version}): {summary.new} new hits, {summary.unchanged} unchanged, "
        f"{summary.vanished} vanished, {summary.removed} removed, {summary.returned} found again; "
        f"cases {summary.cases_opened} opened, {summary.cases_reopened} reopened, "
        f"{summary.cases_withdrawn} withdrawn; {summary.rate:.1f} calls/s"
        + (" (dry run: nothing stored)" if dry_run else ""),
        highlight=False,
    )
    if summary.missing:
        raise fail(f"unknown or not yet processed call(s): {', '.join(summary.missing)}")
