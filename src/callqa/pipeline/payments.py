"""Import payments from the collections system (CSV: phone, date, amount) and judge every promise.

A bad row is reported with its line and skipped; the rest are imported. Importing the same file
again adds nothing: each payment is keyed by its number, day, sum and `reference` (a transaction
id, optional). Without a reference, identical rows in one file count as that many payments, and a
row already imported from another file is taken for the same payment. After the payments are
stored, every promise is judged (`callqa.ptp.settle`) as of the import's day, and the run is
audited (`payments.import`) with its counts.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from callqa.ptp.numbers import parse_number
from callqa.ptp.settle import phone_key
from callqa.review import audit
from callqa.store.database import Database
from callqa.store.models import Payment, PaymentImport, User, db_now
from callqa.store.promises import SettleCounts, settle

COLUMNS = {  # column → the headers it may have (English as documented, Chinese as exported)
    "phone": ("phone", "customer_phone", "电话", "手机", "手机号", "客户电话", "手机号码"),
    "date": ("date", "paid_on", "日期", "还款日期", "付款日期", "到账日期"),
    "amount": ("amount", "amount_yuan", "金额", "还款金额", "付款金额", "到账金额"),
    "reference": ("reference", "ref", "流水号", "交易号", "交易流水号"),
}
CHUNK = 500
_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{4})(\d{2})(\d{2})")


class PaymentsFileError(Exception):
    """The file cannot be imported at all (unreadable, or without the needed columns)."""


@dataclass(frozen=True)
class PaymentRow:
    line: int
    phone: str
    paid_on: date
    amount: float
    reference: str | None


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def parse_day(text: str) -> date | None:
    m = _DAY.fullmatch(text.strip().split(" ")[0].split("T")[0]) if text.strip() else None
    if not m:
        return None
    year, month, day = (int(g) for g in (m.groups()[:3] if m.group(1) else m.groups()[3:]))
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_amount(text: str) -> float | None:
    cleaned = re.sub(r"[¥￥,，\s]|元$|块$|RMB|CNY", "", text.strip(), flags=re.I)
    value = parse_number(cleaned) if cleaned else None
    return value if value is not None and value > 0 else None


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030: what Excel on Chinese Windows saves."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_payments(path: Path) -> tuple[list[PaymentRow], list[RowError]]:
    """The file's payments and the lines that are not one (PaymentsFileError for the whole file)."""
    try:
        text = _decode(path.read_bytes())
    except (OSError, UnicodeDecodeError) as exc:
        raise PaymentsFileError(f"cannot read {path}: {exc}") from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    where = {
        col: next((header.index(n) for n in names if n in header), None) for col, names in COLUMNS.items()
    }
    missing = [col for col in ("phone", "date", "amount") if where[col] is None]
    if missing:
        raise PaymentsFileError(
            f"{path.name}: no column {', '.join(missing)} (the header needs phone, date, amount)"
        )
    rows: list[PaymentRow] = []
    errors: list[RowError] = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue

        def cell(col: str, row: list[str] = values) -> str:
            k = where[col]
            return row[k].strip() if k is not None and k < len(row) else ""

        phone, day, amount = phone_key(cell("phone")), parse_day(cell("date")), parse_amount(cell("amount"))
        if phone is None:
            errors.append(RowError(line, f"no phone number in {cell('phone')!r}"))
        elif day is None:
            errors.append(RowError(line, f"date {cell('date')!r} is not a day (YYYY-MM-DD)"))
        elif amount is None:
            errors.append(RowError(line, f"amount {cell('amount')!r} is not a sum of money above 0"))
        else:
            rows.append(PaymentRow(line, phone, day, amount, cell("reference")[:100] or None))
    return rows, errors


def row_keys(rows: list[PaymentRow]) -> list[str]:
    """Each payment's identity (see the module's docstring)."""
    seen: Counter[tuple[str, str, float]] = Counter()
    keys = []
    for r in rows:
        if r.reference:
            identity = f"ref|{r.phone}|{r.reference}"
        else:
            n = seen[r.phone, r.paid_on.isoformat(), r.amount]
            seen[r.phone, r.paid_on.isoformat(), r.amount] += 1
            identity = f"row|{r.phone}|{r.paid_on.isoformat()}|{r.amount:.2f}|{n}"
        keys.append(hashlib.sha256(identity.encode()).hexdigest())
    return keys


@dataclass
class ImportReport:
    """What an import did."""

    file: str
    as_of: str
    grace_days: int
    rows: int = 0
    added: int = 0
    already: int = 0  # imported before
    errors: list[RowError] = field(default_factory=list)
    promises: SettleCounts = field(default_factory=SettleCounts)

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["errors"] = len(self.errors)  # rows may hold customer numbers: the log keeps the count
        return data


def import_payments(
    db: Database, path: Path, actor: audit.Actor, today: date, grace_days: int = 0
) -> ImportReport:
    """Store the file's payments (those not imported before), judge every promise as of `today`
    with `grace_days`, and audit the run."""
    rows, errors = read_payments(path)
    report = ImportReport(
        path.name, today.isoformat(), grace_days, rows=len(rows) + len(errors), errors=errors
    )
    keys = row_keys(rows)
    with db.session() as session:
        run = PaymentImport(
            at=db_now(),
            as_of=today.isoformat(),
            grace_days=grace_days,
            file_name=path.name[:500],
            actor=actor.username if isinstance(actor, User) else actor,
            rows=report.rows,
            added=0,
            errors=len(errors),
        )
        session.add(run)
        session.flush()
        known: set[str] = set()
        for k in range(0, len(keys), CHUNK):
            known |= set(
                session.scalars(select(Payment.row_key).where(Payment.row_key.in_(keys[k : k + CHUNK])))
            )
        for row, key in zip(rows, keys, strict=True):
            if key in known:
                report.already += 1
                continue
            known.add(key)
            payment = Payment(phone=row.phone, paid_on=row.paid_on.isoformat(), amount_yuan=row.amount)
            session.add(payment)
            payment.reference, payment.row_key, payment.import_id = row.reference, key, run.id
            report.added += 1
        run.added = report.added
        session.flush()
        report.promises = settle(session, today, grace_days)
        audit.append(session, actor, "payments.import", "payments", path.name, None, report.to_json())
    return report
