"""CSV and XLSX files of the tables on screen, safe to open in Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from flask import Response

from learnapp.models.base import VIETNAM_OFFSET

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # Stored in UTC; people read Vietnam time, and the column's header says so.
        return (value + VIETNAM_OFFSET).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value)


def csv_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> Response:
    """UTF-8 with a BOM, so Excel shows Vietnamese letters correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    data = "\ufeff" + buffer.getvalue()
    return Response(
        data.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


def xlsx_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> Response:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def xlsx_cell(value: object) -> object:
        # Forms refuse control characters now; rows written before must not break the file.
        value = _cell(value)
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=filename[:31])
    sheet.append([xlsx_cell(neutralise(h)) for h in headers])
    for row in rows:
        sheet.append([xlsx_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(
        buffer.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'},
    )


def respond(fmt: str, filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> Response:
    return (xlsx_response if fmt == "xlsx" else csv_response)(filename, headers, rows)
