"""`callqa payments import`: payments keep or break promises; bad rows are skipped with their line;
importing again adds nothing; every run is audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from callqa.review import audit
from callqa.store.database import open_database
from callqa.store.models import AuditEntry, Payment
from callqa.workspace import Workspace
from tests.conftest import run_cli
from tests.fakes import add_scripted_call

FRIDAY = "2026-11-20T10:00:00+08:00"
PROMISES = {  # call → (number as the call system wrote it, what the customer said)
    "late": ("139 0000 2222", "明天我还一千。"),  # due 11-21
    "paid": ("13900001111", "下周五我还三千。"),  # due 11-27
    "any": ("13900003333", "月底之前我肯定还。"),  # due 11-30, no sum said
    "later": ("13900004444", "下个月十号还两千。"),  # due 12-10
    "early": ("13900005555", "后天还五百。"),  # due 11-22, paid the day before the call
}
PAYMENTS = """phone,date,amount,reference
+86 139-0000-1111,2026-11-25,2000,
13900001111,2026/11/26,"1,000",
13900002222,2026-11-24,1000,T-1
13900003333,2026-11-30,¥50.00,
13900005555,2026-11-19,500,
"""


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace.open(tmp_path / "ws")
    db = open_database(workspace)
    for call_id, (phone, said) in PROMISES.items():
        add_scripted_call(
            workspace, db, call_id, [("customer", said)], customer_phone=phone, started_at=FRIDAY
        )
    db.close()
    return workspace


def statuses(ws: Workspace) -> dict[str, tuple[str, object]]:
    code, out, _ = run_cli("calls", "--workspace", str(ws.root), "--format", "json")
    assert code == 0
    return {c["call_id"]: (c["ptp"]["status"], c["ptp"]["paid_yuan"]) for c in json.loads(out) if c["ptp"]}


def import_file(ws: Workspace, path: Path, as_of: str) -> tuple[int, str, str]:
    return run_cli("payments", "import", str(path), "--as-of", as_of, "--workspace", str(ws.root))


def test_payments_keep_and_break_promises_as_of_the_import_day(ws: Workspace, tmp_path: Path) -> None:
    assert set(statuses(ws).values()) == {("pending", None)}  # no payments known yet
    csv_file = tmp_path / "payments.csv"
    csv_file.write_text(PAYMENTS, encoding="utf-8")
    code, out, err = import_file(ws, csv_file, "2026-12-01")
    assert code == 0, err
    assert "5 rows: 5 payments added, 0 already imported, 0 skipped" in out
    assert statuses(ws) == {
        "paid": ("kept", 3000),  # two payments to the same number, written two ways, add up
        "late": ("broken", None),  # paid three days after the promised day
        "any": ("kept", 50),  # no sum promised: any payment keeps it
        "later": ("pending", None),  # its day has not come
        "early": ("broken", None),  # a payment before the call keeps no promise made in it
    }
    code, out, _ = import_file(ws, csv_file, "2026-12-11")  # the same file, ten days on
    assert code == 0 and "0 payments added, 5 already imported" in out
    assert statuses(ws)["later"] == ("broken", None)
    db = open_database(ws)
    with db.session() as session:
        assert len(session.scalars(select(Payment)).all()) == 5
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "payments.import")).all()
        assert len(entries) == 2 and json.loads(entries[-1].after or "{}")["already"] == 5
        assert audit.verify(session) == []
    db.close()


def test_grace_days_let_a_late_payment_keep_the_promise(ws: Workspace, tmp_path: Path) -> None:
    (ws.root / "config.toml").write_text("ptp_grace_days = 3\n", encoding="utf-8")
    csv_file = tmp_path / "payments.csv"
    csv_file.write_text(PAYMENTS, encoding="utf-8")
    assert import_file(ws, csv_file, "2026-12-01")[0] == 0
    assert statuses(ws)["late"] == ("kept", 1000)


def test_bad_rows_are_skipped_with_their_line_and_the_rest_imported(ws: Workspace, tmp_path: Path) -> None:
    csv_file = tmp_path / "payments.csv"
    csv_file.write_text(
        "phone,date,amount\n,2026-11-25,100\n13900001111,2026-13-01,100\n13900001111,2026-11-25,abc\n"
        "13900001111,2026-11-25,-5\n\n13900001111,2026-11-25,3000\n",
        encoding="utf-8",
    )
    code, out, err = import_file(ws, csv_file, "2026-12-01")
    assert code == 1
    assert "line 2: no phone number in ''" in err
    assert "line 3: date '2026-13-01' is not a day (YYYY-MM-DD)" in err
    assert "line 4: amount 'abc' is not a sum of money above 0" in err and "line 5: amount '-5'" in err
    assert "5 rows: 1 payments added, 0 already imported, 4 skipped" in out
    assert statuses(ws)["paid"] == ("kept", 3000)


def test_identical_rows_in_one_file_are_separate_payments(ws: Workspace, tmp_path: Path) -> None:
    csv_file = tmp_path / "payments.csv"
    csv_file.write_text("phone,date,amount\n13900001111,2026-11-25,1500\n13900001111,2026-11-25,1500\n")
    assert import_file(ws, csv_file, "2026-12-01")[0] == 0
    assert statuses(ws)["paid"] == ("kept", 3000)
    assert "0 payments added, 2 already imported" in import_file(ws, csv_file, "2026-12-01")[1]


def test_an_excel_export_in_gb18030_with_chinese_headers(ws: Workspace, tmp_path: Path) -> None:
    csv_file = tmp_path / "还款.csv"
    csv_file.write_bytes("手机号,还款日期,还款金额\n13900001111,2026年11月26日,3000元\n".encode("gb18030"))
    assert import_file(ws, csv_file, "2026-12-01")[0] == 0
    assert statuses(ws)["paid"] == ("kept", 3000)


def test_a_file_without_the_columns_is_refused_in_one_line(ws: Workspace, tmp_path: Path) -> None:
    csv_file = tmp_path / "wrong.csv"
    csv_file.write_text("name,when\nx,y\n", encoding="utf-8")
    code, _, err = import_file(ws, csv_file, "2026-12-01")
    assert code == 1 and "no column phone, date, amount" in err and len(err.strip().splitlines()) == 1
    assert (
        run_cli("payments", "import", str(csv_file), "--as-of", "soon", "--workspace", str(ws.root))[0] == 2
    )


def test_a_call_processed_after_an_import_is_judged_as_that_import_judged(
    ws: Workspace, tmp_path: Path
) -> None:
    csv_file = tmp_path / "payments.csv"
    csv_file.write_text(PAYMENTS, encoding="utf-8")
    assert import_file(ws, csv_file, "2026-12-01")[0] == 0
    db = open_database(ws)
    add_scripted_call(
        ws, db, "new", [("customer", "明天还八百。")], customer_phone="13900006666", started_at=FRIDAY
    )
    add_scripted_call(ws, db, "new2", [("customer", "下周二前还一千。")], customer_phone="13900002222",
                      started_at=FRIDAY)  # fmt: skip
    db.close()
    assert statuses(ws)["new"] == ("broken", None)  # due 11-21, nothing paid by 12-01
    assert statuses(ws)["new2"] == ("kept", 1000)  # due 11-24, paid that day (imported before the call)
