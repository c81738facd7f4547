"""One renderer per output format over the same rows (table for people, JSON/CSV for tools)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from callqa.exports import csv_text


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


# Options every command shares.
WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder (default: $CALLQA_HOME, else ./callqa-data).",
        show_default=False,
    ),
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]

Column = tuple[str, Callable[[dict], object]]  # header, value from a contract row
_NARROW = {"call_id", "agent", "started_at", "secs", "status", "score", "time", "speaker", "severity"}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def render(
    rows: Sequence[dict],
    columns: Sequence[Column],
    fmt: OutputFormat,
    console: Console,
    title: str | None = None,
) -> None:
    """Print `rows`: JSON is the contract rows verbatim; CSV and table use `columns`."""
    if fmt is OutputFormat.json:
        console.file.write(json.dumps(list(rows), ensure_ascii=False, indent=2) + "\n")
        return
    if fmt is OutputFormat.csv:  # spreadsheet-safe, like every CSV callqa writes
        cells = ([_cell(get(row)) for _, get in columns] for row in rows)
        console.file.write(csv_text([name for name, _ in columns], cells, bom=False))
        return
    table = Table(title=title, show_lines=False)
    columns = [c for c in columns if not rows or any(_cell(c[1](row)) for row in rows)]  # drop empty ones
    for index, (name, _) in enumerate(columns):
        last = index == len(columns) - 1
        table.add_column(name, overflow="fold", no_wrap=not last and name in _NARROW)
    for row in rows:
        table.add_row(*(_cell(get(row)) for _, get in columns))
    console.print(table)
