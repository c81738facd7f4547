"""`callqa users …` and `callqa audit …`, invoked on the sub-apps directly."""

from __future__ import annotations

import csv
import io
import json
import re
import stat
from pathlib import Path

import typer
from sqlalchemy import text
from typer.testing import CliRunner

from callqa.cli.admin import audit_app, users_app
from callqa.review import accounts
from callqa.store.database import open_database
from callqa.workspace import Workspace


def invoke(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def password_in(stdout: str) -> str:
    match = re.search(r"\(shown once\): (\S+)$", stdout.strip())
    assert match, stdout
    return match.group(1)


def test_users_and_audit_commands(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    code, stdout, _ = invoke(users_app, "add", "li.ming", "--role", "team_lead", "--team", "A", "-w", ws)
    assert code == 0
    first = password_in(stdout)
    code, stdout, _ = invoke(users_app, "add", "wang", "--role", "inspector", "-w", ws)
    assert code == 0

    code, _, stderr = invoke(users_app, "add", "zhao", "--role", "team_lead", "-w", ws)
    assert code == 2
    assert "催收组长必须填写团队" in stderr
    code, _, stderr = invoke(users_app, "add", "wang", "--role", "inspector", "-w", ws)
    assert code == 2
    assert "用户“wang”已存在" in stderr
    code, _, _ = invoke(users_app, "add", "x", "--role", "emperor", "-w", ws)
    assert code == 2  # typer refuses the role

    code, stdout, _ = invoke(users_app, "reset", "li.ming", "-w", ws)
    assert code == 0
    second = password_in(stdout)
    assert second != first
    code, _, stderr = invoke(users_app, "reset", "nobody", "-w", ws)
    assert code == 1
    assert "没有用户“nobody”" in stderr

    db = open_database(Workspace.open(ws))
    with db.session() as s:
        assert accounts.authenticate(s, "li.ming", first) is None
        assert accounts.authenticate(s, "li.ming", second) is not None

    code, stdout, _ = invoke(users_app, "list", "-w", ws, "--format", "json")
    users = json.loads(stdout)
    assert [(u["username"], u["role"], u["team"]) for u in users] == [
        ("li.ming", "team_lead", "A"),
        ("wang", "inspector", None),
    ]
    assert "password" not in stdout
    code, stdout, _ = invoke(users_app, "list", "-w", ws, "--format", "csv")
    assert next(csv.reader(io.StringIO(stdout)))[:3] == ["username", "role", "team"]
    code, stdout, _ = invoke(users_app, "list", "-w", ws)
    assert code == 0
    assert "li.ming" in stdout

    code, stdout, _ = invoke(users_app, "token", "wang", "--name", "crm", "-w", ws)
    assert code == 0
    token = password_in(stdout)
    with db.session() as s:
        assert accounts.authenticate_token(s, token).username == "wang"  # type: ignore[union-attr]
    code, stdout, _ = invoke(users_app, "disable", "wang", "-w", ws)
    assert (code, stdout.strip()) == (0, "wang disabled")
    with db.session() as s:
        assert accounts.authenticate_token(s, token) is None

    code, stdout, _ = invoke(audit_app, "verify", "-w", ws)
    assert code == 0
    assert stdout.startswith("OK, 5 entries")  # 2 created, 1 reset, 1 token, 1 disabled

    code, stdout, _ = invoke(audit_app, "export", "-w", ws, "--format", "json")
    rows = json.loads(stdout)
    assert [r["action"] for r in rows] == [
        "user.create",
        "user.create",
        "user.reset_password",
        "api_token.create",
        "user.disable",
    ]
    assert rows[0]["actor"].startswith("cli")
    assert rows[0]["after"]["username"] == "li.ming"
    code, stdout, _ = invoke(audit_app, "export", "-w", ws, "--format", "csv")
    exported = list(csv.DictReader(io.StringIO(stdout)))
    assert len(exported) == 5
    assert json.loads(exported[4]["after"])["active"] is False
    assert exported[1]["prev_hash"] == exported[0]["hash"]

    with db.session() as s:
        s.execute(text("UPDATE audit_log SET before = '{}' WHERE id = 3"))
    code, _, stderr = invoke(audit_app, "verify", "-w", ws)
    assert code == 1
    assert "entry 3" in stderr
    assert "edited" in stderr
    db.close()


def test_audit_key_anchor_and_truncation(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    for name in ("a", "b", "c"):
        assert invoke(users_app, "add", name, "--role", "inspector", "-w", str(ws))[0] == 0
    key_file = ws / "audit.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_bytes()
    assert len(bytes.fromhex(key.decode().strip())) == 32

    code, stdout, _ = invoke(audit_app, "anchor", "-w", str(ws))
    assert code == 0
    anchor = json.loads(stdout)
    assert anchor["entries"] == 3 and len(anchor["head"]) == 64 and anchor["at"]
    anchor_file = tmp_path / "anchor.json"
    code, stdout, _ = invoke(audit_app, "anchor", "-w", str(ws), "--output", str(anchor_file))
    assert (code, stdout.strip()) == (0, f"anchor written to {anchor_file}")
    assert json.loads(anchor_file.read_text())["head"] == anchor["head"]
    assert key_file.read_bytes() == key  # created once

    assert invoke(users_app, "add", "d", "--role", "inspector", "-w", str(ws))[0] == 0
    code, stdout, _ = invoke(audit_app, "verify", "-w", str(ws), "--anchor", str(anchor_file))
    assert code == 0, stdout
    assert stdout.startswith("OK, 4 entries") and "matches the anchor" in stdout

    db = open_database(Workspace.open(ws))
    with db.session() as s:
        s.execute(text("DELETE FROM audit_log WHERE id >= 2"))
    db.close()
    code, stdout, _ = invoke(audit_app, "verify", "-w", str(ws))
    assert (code, stdout.startswith("OK, 1 entries")) == (0, True)  # a shorter chain is still a chain
    code, _, stderr = invoke(audit_app, "verify", "-w", str(ws), "--anchor", str(anchor_file))
    assert code == 1
    assert stderr.strip() == (
        f"error: audit log does not match the anchor {anchor_file}: "
        "the log has 1 entries, fewer than the 3 anchored: entries were deleted"
    )

    (tmp_path / "junk.json").write_text("{}")
    code, _, stderr = invoke(audit_app, "verify", "-w", str(ws), "--anchor", str(tmp_path / "junk.json"))
    assert code == 2 and "not an audit anchor" in stderr

    key_file.write_text("0" * 64)  # another key: nothing matches
    code, _, stderr = invoke(audit_app, "verify", "-w", str(ws))
    assert code == 1
    assert "none of its 1 entries matches its hash: wrong audit key" in stderr
    code, _, stderr = invoke(audit_app, "anchor", "-w", str(ws))
    assert code == 1 and "does not verify" in stderr  # a broken log is not anchored


def test_tokens_sessions_signout_and_unlock_commands(tmp_path: Path) -> None:
    """Regression (#3): tokens could not be listed or revoked, nor sessions ended, from the CLI."""
    from callqa.review import signin, throttle

    ws = str(tmp_path / "ws")
    invoke(users_app, "add", "wang", "--role", "inspector", "-w", ws)
    invoke(users_app, "add", "li", "--role", "inspector", "-w", ws)
    first = password_in(invoke(users_app, "token", "wang", "--name", "crm", "-w", ws)[1])
    second = password_in(invoke(users_app, "token", "wang", "--name", "bi", "-w", ws)[1])
    invoke(users_app, "token", "li", "--name", "x", "-w", ws)
    db = open_database(Workspace.open(ws))
    with db.session() as s:
        wang = accounts.get_user(s, "wang")
        session_id = signin.open_session(s, wang, "10.0.0.1", "pytest", 12)[1]

    code, stdout, _ = invoke(users_app, "tokens", "wang", "-w", ws, "-f", "json")
    listed = json.loads(stdout)
    assert code == 0 and [(t["name"], t["revoked"]) for t in listed] == [("bi", False), ("crm", False)]
    assert (
        first not in stdout and len(json.loads(invoke(users_app, "tokens", "-w", ws, "-f", "json")[1])) == 3
    )
    code, stdout, _ = invoke(users_app, "revoke-token", str(listed[1]["id"]), "-w", ws)
    assert (code, stdout.strip()) == (0, f"token {listed[1]['id']} of wang revoked")
    assert invoke(users_app, "revoke-token", "999", "-w", ws)[2].strip().endswith("API 令牌 999 不存在")
    code, stdout, _ = invoke(users_app, "sessions", "wang", "-w", ws, "-f", "json")
    assert [s["address"] for s in json.loads(stdout)] == ["10.0.0.1"]
    with db.session() as s:
        assert accounts.authenticate_token(s, first) is None
        assert accounts.authenticate_token(s, second) is not None

    code, stdout, _ = invoke(users_app, "signout", "wang", "-w", ws)
    assert (code, stdout.strip()) == (0, "wang: 1 session(s) ended, 1 token(s) revoked")
    with db.session() as s:
        assert accounts.authenticate_token(s, second) is None
        assert signin.current(s, session_id) is None
        for _ in range(throttle.PAIR_FREE):
            signin.sign_in(s, "li", "wrong", "10.0.0.9")
        assert signin.sign_in(s, "li", "wrong", "10.0.0.9").retry_after is not None
    code, stdout, _ = invoke(users_app, "unlock", "li", "-w", ws)
    assert (code, stdout.strip()) == (0, "li unlocked")
    with db.session() as s:
        assert signin.sign_in(s, "li", "wrong", "10.0.0.9").retry_after is None
    assert invoke(users_app, "signout", "nobody", "-w", ws)[0] == 1
    db.close()
