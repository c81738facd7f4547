"""`callqa export`: the QA report (质检报表) from the command line, the same tables as the workbench's
/reports/qa (`callqa.web.qa_report`), unmasked (the local operator sees everything) and audited."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from callqa.cli.context import fail, open_workspace, operator
from callqa.cli.render import WorkspaceOpt


class ReportFormat(StrEnum):
    xlsx = "xlsx"
    csv = "csv"


class ReportSheet(StrEnum):
    details = "details"
    agents = "agents"
    teams = "teams"


def _day(value: str | None, option: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise fail(f"{option} {value!r}: expected a date like 2026-11-20", 2) from None


def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (needed for xlsx; csv: else stdout).")
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="xlsx: all three sheets.")
    ] = ReportFormat.xlsx,
    sheet: Annotated[
        ReportSheet, typer.Option(help="csv: details (a line per hit), agents or teams (figures).")
    ] = ReportSheet.details,
    status: Annotated[str | None, typer.Option(help="pending/processing/clean/flagged/failed")] = None,
    agent: Annotated[str | None, typer.Option(help="Agent id.")] = None,
    team: Annotated[str | None, typer.Option(help="Team.")] = None,
    category: Annotated[str | None, typer.Option(help="Violation category code.")] = None,
    review_state: Annotated[str | None, typer.Option(help="Review case state, or 'none'.")] = None,
    since: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD, the call's own date).")] = None,
    until: Annotated[str | None, typer.Option(help="Last day (YYYY-MM-DD).")] = None,
    sort: Annotated[str, typer.Option(help="As for `callqa calls --sort`.")] = "-started_at",
    workspace: WorkspaceOpt = None,
) -> None:
    """Write the QA report: per call its verdict, scores and notes, per hit the decision, plus figures
    per agent and per team (Chinese headers; CSV in UTF-8 with BOM for Excel)."""
    from callqa.errors import InvalidInput
    from callqa.masking import UNMASKED
    from callqa.review import audit
    from callqa.store.queries import CallFilters
    from callqa.web.qa_report import csv_report, xlsx_report
    from callqa.workspace import private_file

    if fmt == ReportFormat.xlsx and output is None:
        raise fail("--format xlsx needs --output FILE.xlsx (or use --format csv for stdout)", 2)
    try:
        filters = CallFilters(status, agent, team, category, _day(since, "--since"), _day(until, "--until"),
                              review_state=review_state)  # fmt: skip
    except InvalidInput as exc:
        raise fail(exc.reason, 2) from None
    _ws, db = open_workspace(workspace)
    try:
        with db.session() as session:
            if fmt == ReportFormat.xlsx:
                body = xlsx_report(session, None, UNMASKED, filters, sort)
            else:
                body = "".join(csv_report(session, None, UNMASKED, filters, sort, sheet.value)).encode()
    except InvalidInput as exc:  # an unknown sort key
        raise fail(exc.reason, 2) from None
    with db.session() as session:
        after = {"filters": filters.as_query(), "sheet": "all" if fmt == ReportFormat.xlsx else sheet.value}
        audit.append(session, operator(), "export.qa_report", "qa_report", fmt.value, None, after)
    if output is None:
        typer.echo(body.decode(), nl=False)
        return
    try:
        private_file(output).write_bytes(body)  # the report holds customers' numbers: this account only
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from None
    typer.echo(f"QA report written to {output}", err=True)
