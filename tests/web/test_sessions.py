"""Server-side sessions over HTTP: sign-out, password reset, disabling and "sign out everywhere" end
cookies and tokens for good; tokens and sessions listed and revoked through the API and the pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from callqa.review import accounts
from callqa.store.models import AuditEntry, WebSession

from .accounts_app import HOME, csrf_of, make_env, signed_in


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    built = make_env(tmp_path / "ws", "session_hours = 2\n")
    yield built
    built.db.close()


def replay(client: TestClient) -> TestClient:
    """Another browser holding a copy of `client`'s cookie (what a thief of the cookie would have)."""
    copy = TestClient(client.app, follow_redirects=False)
    copy.cookies.set("callqa_session", client.cookies["callqa_session"])
    return copy


def token_for(env: SimpleNamespace, name: str) -> dict[str, str]:
    with env.db.session() as session:
        return {"Authorization": f"Bearer {accounts.create_api_token(session, 'test', name, 'script')[1]}"}


def works(client: TestClient, headers: dict[str, str] | None = None) -> bool:
    return client.get("/api/me", headers=headers or {}).status_code == 200


def test_logout_ends_the_session_on_the_server(env) -> None:  # type: ignore[no-untyped-def]
    """Regression (#3): a copy of the cookie taken before sign-out kept working afterwards."""
    client, csrf = signed_in(env.app, "insp")
    stolen = replay(client)
    assert works(stolen)
    assert client.post("/logout", headers={"X-CSRF-Token": csrf}).status_code == 303
    assert not works(client)
    assert not works(stolen)
    assert stolen.get("/calls").headers["location"].startswith("/login")


@pytest.mark.parametrize("how", ["reset", "disable", "signout"])
def test_admin_actions_end_every_session_and_token(env, how: str) -> None:  # type: ignore[no-untyped-def]
    """Regression (#3): a password reset left the old session cookie and API tokens working."""
    victim, _ = signed_in(env.app, "insp")
    elsewhere, _ = signed_in(env.app, "insp", HOME)
    bystander, _ = signed_in(env.app, "insp2")
    token = token_for(env, "insp")
    admin, csrf = signed_in(env.app, "root")
    headers = {"X-CSRF-Token": csrf}
    if how == "reset":
        assert admin.post("/api/users/insp/reset", headers=headers).status_code == 200
    elif how == "disable":
        assert admin.post("/api/users/insp/disable", headers=headers).json()["active"] is False
        assert admin.post("/api/users/insp/enable", headers=headers).json()["active"] is True
    else:
        assert admin.post("/api/users/insp/signout-everywhere", headers=headers).status_code == 200
    assert [works(victim), works(elsewhere), works(TestClient(env.app), token)] == [False, False, False]
    assert works(bystander) and works(admin)


def test_sign_out_everywhere_from_the_api(env) -> None:  # type: ignore[no-untyped-def]
    client, csrf = signed_in(env.app, "insp")
    other, _ = signed_in(env.app, "insp", HOME)
    token = token_for(env, "insp")
    r = client.post("/api/me/signout-everywhere", headers={"X-CSRF-Token": csrf})
    assert r.json() == {"ended_sessions": 2, "revoked_tokens": 1}
    assert not any([works(client), works(other), works(TestClient(env.app), token)])
    with env.db.session() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert "user.signout_everywhere" in actions


def test_tokens_are_listed_and_revoked(env) -> None:  # type: ignore[no-untyped-def]
    """Regression (#3): tokens could not be listed or revoked through the API."""
    mine = token_for(env, "insp")
    theirs = token_for(env, "insp2")
    insp = TestClient(env.app, headers=mine)
    listed = insp.get("/api/tokens").json()
    assert [(t["user"], t["name"], t["revoked"]) for t in listed] == [("insp", "script", False)]
    assert "token" not in listed[0] and "token_hash" not in listed[0]
    theirs_id = TestClient(env.app, headers=theirs).get("/api/tokens").json()[0]["id"]
    assert insp.get("/api/tokens", params={"username": "insp2"}).status_code == 403
    assert insp.get("/api/tokens", params={"username": "nobody"}).status_code == 403
    assert insp.delete(f"/api/tokens/{theirs_id}").status_code == 403
    assert insp.delete("/api/tokens/9999").status_code == 403  # the same answer when it does not exist
    assert works(TestClient(env.app), theirs)
    admin, csrf = signed_in(env.app, "root")
    assert {t["user"] for t in admin.get("/api/tokens").json()} == {"insp", "insp2"}
    assert admin.delete(f"/api/tokens/{theirs_id}", headers={"X-CSRF-Token": csrf}).json()["revoked"] is True
    assert not works(TestClient(env.app), theirs)
    assert insp.delete(f"/api/tokens/{listed[0]['id']}").json()["revoked"] is True  # one's own
    assert not works(insp)


def test_token_creation_checks_permission_before_existence(env) -> None:  # type: ignore[no-untyped-def]
    """Regression (#16): POST /api/tokens answered 404 for unknown names and 403 for real ones."""
    insp, csrf = signed_in(env.app, "insp")
    headers = {"X-CSRF-Token": csrf}
    codes = [insp.post("/api/tokens", json={"username": n, "name": "x"}, headers=headers).status_code
             for n in ("insp2", "nobody")]  # fmt: skip
    assert codes == [403, 403]


def test_sessions_are_listed_and_one_can_be_ended(env) -> None:  # type: ignore[no-untyped-def]
    client, csrf = signed_in(env.app, "insp")
    other, _ = signed_in(env.app, "insp", HOME)
    rows = client.get("/api/sessions").json()
    assert [(r["address"], r["current"]) for r in rows] == [(HOME, False), ("10.0.0.10", True)]
    assert client.get("/api/sessions", params={"username": "root"}).status_code == 403
    r = client.delete(f"/api/sessions/{rows[0]['id']}", headers={"X-CSRF-Token": csrf})
    assert r.json()["revoked"] is True
    assert not works(other) and works(client)


def test_a_session_lasts_session_hours(env) -> None:  # type: ignore[no-untyped-def]
    client, _ = signed_in(env.app, "insp")
    with env.db.session() as session:
        row = session.scalars(select(WebSession)).one()
        assert row.expires_at - row.created_at == timedelta(hours=2)  # session_hours = 2
        session.execute(update(WebSession).values(expires_at=row.created_at))
    assert not works(client)


def test_account_page_lists_and_revokes(env) -> None:  # type: ignore[no-untyped-def]
    client, _ = signed_in(env.app, "insp")
    other, _ = signed_in(env.app, "insp", HOME)
    page = client.get("/account")
    assert (
        page.status_code == 200 and "我的账号" in page.text and "（当前）" in page.text and HOME in page.text
    )
    assert 'href="/account"' in page.text  # reachable from the header
    csrf = csrf_of(page.text)
    made = client.post("/account/tokens", data={"csrf_token": csrf, "name": "CRM 同步"})
    token = made.text.split("<code>")[1].split("</code>")[0]
    assert made.status_code == 200 and token.startswith("cqa_") and works(TestClient(env.app), _bearer(token))
    with env.db.session() as session:
        token_id = accounts.list_tokens(session, "test", "insp")[0].id
        other_id = max(s.id for s in accounts.list_sessions(session, "test", "insp"))
    assert client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf}).status_code == 303
    assert not works(TestClient(env.app), _bearer(token))
    assert "已撤销" in client.get("/account").text
    assert client.post(f"/account/sessions/{other_id}/revoke", data={"csrf_token": csrf}).status_code == 303
    assert not works(other) and works(client)
    r = client.post("/account/signout-everywhere", data={"csrf_token": csrf})
    assert r.headers["location"] == "/login" and not works(client)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_admin_user_page_buttons(env) -> None:  # type: ignore[no-untyped-def]
    victim, _ = signed_in(env.app, "insp")
    admin, _ = signed_in(env.app, "root")
    page = admin.get("/users")
    for label in ("停用", "重置密码", "解除锁定", "全部退出"):
        assert label in page.text
    csrf = csrf_of(page.text)

    def act(name: str, action: str):  # type: ignore[no-untyped-def]
        return admin.post("/users/manage", data={"csrf_token": csrf, "username": name, "action": action})

    r = act("insp", "reset")
    assert r.status_code == 200 and "已为 insp 重置密码" in r.text and not works(victim)
    new_password = r.text.split("重置密码：<code>")[1].split("</code>")[0]
    with env.db.session() as session:
        assert accounts.authenticate(session, "insp", new_password) is not None
    assert "已停用 insp" in act("insp", "disable").text
    assert ">启用</button>" in admin.get("/users").text
    assert act("insp", "enable").status_code == 200
    assert "已解除 insp 的登录限制" in act("insp", "unlock").text
    assert act("root", "disable").status_code == 422  # not oneself
    assert act("nobody", "disable").status_code == 404
    insp, _ = signed_in(env.app, "insp2")
    refused = insp.post("/users/manage", data={"csrf_token": csrf_of(insp.get("/account").text),
                                               "username": "insp", "action": "disable"})  # fmt: skip
    assert refused.status_code == 403
