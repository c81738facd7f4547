"""Spreadsheet-safe exports: CSV (UTF-8 with BOM, for Excel on Chinese Windows) and XLSX.

A cell that begins with '=', '+', '-', '@', a tab or a carriage return would be run as a formula by
Excel or LibreOffice (an agent id of `=HYPERLINK(…)` becomes a live link). Such text cells get a
leading apostrophe in CSV; XLSX cells are written as strings, never formulas or links.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

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


def xlsx_bytes(sheet: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A one-sheet workbook; text is stored as text (no formulas, links or numbers guessed from it)."""
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
    ws = book.add_worksheet(sheet)
    for c, name in enumerate(header):
        ws.write_string(0, c, name)
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                ws.write_string(r, c, str(value))
            else:
                ws.write_number(r, c, value)
    book.close()
    return buf.getvalue()
