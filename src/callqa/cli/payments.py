"""`callqa payments import FILE`: payments from the collections system, and the promises they keep."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from callqa.cli.context import err, fail, open_workspace, operator, out
from callqa.cli.render import WorkspaceOpt

payments_app = typer.Typer(
    help="Payments from the collections system (promises to pay).", no_args_is_help=True
)


@payments_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV with columns phone, date, amount (optional: reference).")],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Payments are known up to this day (YYYY-MM-DD; default: today)."),
    ] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Import payments and mark each promise to pay kept, broken or pending (re-importing adds nothing)."""
    from callqa.pipeline.payments import PaymentsFileError, import_payments

    try:
        today = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        raise fail(f"--as-of: {as_of!r} is not a day (YYYY-MM-DD)", 2) from None
    ws, db = open_workspace(workspace)
    try:
        report = import_payments(db, file, operator(), today, ws.settings.ptp_grace_days)
    except PaymentsFileError as exc:
        raise fail(str(exc)) from None
    for problem in report.errors:
        err.print(f"skipped {problem}", highlight=False, markup=False)
    p = report.promises
    out.print(
        f"{report.rows} rows: {report.added} payments added, {report.already} already imported, "
        f"{len(report.errors)} skipped; promises as of {report.as_of} (grace {report.grace_days} days): "
        f"{p.kept} kept, {p.broken} broken, {p.pending} pending, {p.changed} changed",
        highlight=False,
    )
    raise typer.Exit(1 if report.errors else 0)
