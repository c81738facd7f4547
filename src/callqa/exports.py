"""Spreadsheet-safe exports: CSV (UTF-8 with BOM, for Excel on Chinese Windows) and XLSX.

A cell that begins with '=', '+', '-', '@', a tab or a carriage return would be run as a formula by
Excel or LibreOffice (an agent id of `=HYPERLINK(…)` becomes a live link). Such text cells get a
leading apostrophe in CSV; XLSX cells are written as strings, never formulas or links.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def safe_cell(value: object) -> object:
    """The value as a spreadsheet may show it without running it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = True) -> Iterator[str]:
    """The CSV text a line at a time (streams exports of any size)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    yield (BOM if bom else "") + buf.getvalue()
    for row in rows:
        buf.seek(0)
        buf.truncate()
        writer.writerow([safe_cell(v) for v in row])
        yield buf.getvalue()


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = True) -> str:
    return "".join(csv_lines(header, rows, bom=bom))


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its tab name, header and rows (any iterable: rows are written as they come), and
    optional column widths in characters."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[object]]
    widths: Sequence[float] = ()


def xlsx_book(sheets: Iterable[Sheet]) -> bytes:
    """A workbook of the sheets in order, header row frozen; text is stored as text (no formulas,
    links or numbers guessed from it), numbers as numbers."""
    import xlsxwriter

    buf = io.BytesIO()
    options = {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "constant_memory": True,
    }
    book = xlsxwriter.Workbook(buf, options)
    bold = book.add_format({"bold": True})
    for sheet in sheets:
        ws = book.add_worksheet(sheet.name)
        for c, width in enumerate(sheet.widths):
            ws.set_column(c, c, width)
        ws.freeze_panes(1, 0)
        for c, name in enumerate(sheet.header):
            ws.write_string(0, c, name, bold)
        for r, row in enumerate(sheet.rows, 1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, bool) or not isinstance(value, int | float):
                    ws.write_string(r, c, str(value))
                else:
                    ws.write_number(r, c, value)
    book.close()
    return buf.getvalue()


def xlsx_bytes(sheet: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A one-sheet workbook (see `xlsx_book`)."""
    return xlsx_book([Sheet(sheet, header, rows)])
