"""The admin 用户 page: the new-user form's safe default and kept values, and 停用/启用, 重置密码 and
解除锁定 from the page, each CSRF-checked, admin-only and audited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from callqa.review import accounts, throttle
from callqa.store.models import AuditEntry, User

from .accounts_app import ATTACKER, browser, csrf_of, make_env, password, post_login, signed_in


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    built = make_env(tmp_path / "ws")
    yield built
    built.db.close()


def selected_role(html: str) -> str:
    select = html.split('<select name="role">')[1].split("</select>")[0]
    found = re.findall(r'<option value="(\w+)" selected>', select)
    assert len(found) == 1, select
    return found[0]


def field(html: str, name: str) -> str:
    match = re.search(rf'<input name="{name}"[^>]* value="([^"]*)"', html)
    assert match, name
    return match.group(1)


def audit_actions(env: SimpleNamespace, username: str) -> list[tuple[str, str]]:
    with env.db.session() as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.action)
            .where(AuditEntry.entity == "user", AuditEntry.entity_id == username)
            .order_by(AuditEntry.id)
        )
        return [(actor, action) for actor, action in rows]


def test_form_defaults_to_the_least_privileged_role(env) -> None:  # type: ignore[no-untyped-def]
    admin, _ = signed_in(env.app, "root")
    html = admin.get("/users").text
    assert selected_role(html) == "team_lead"
    options = re.findall(
        r'<option value="(\w+)"', html.split('<select name="role">')[1].split("</select>")[0]
    )
    assert options == ["team_lead", "inspector", "supervisor", "admin"]  # least privileged first


def test_a_refused_form_keeps_its_values(env) -> None:  # type: ignore[no-untyped-def]
    admin, _ = signed_in(env.app, "root")
    csrf = csrf_of(admin.get("/users").text)
    r = admin.post("/users", data={"csrf_token": csrf, "username": "张伟", "role": "team_lead", "team": ""})
    assert r.status_code == 422 and "催收组长必须填写团队" in r.text
    assert field(r.text, "username") == "张伟" and selected_role(r.text) == "team_lead"
    r = admin.post(
        "/users", data={"csrf_token": csrf, "username": "sup", "role": "supervisor", "team": "东区"}
    )
    assert r.status_code == 422 and "用户“sup”已存在" in r.text
    assert field(r.text, "username") == "sup" and field(r.text, "team") == "东区"
    assert selected_role(r.text) == "supervisor"
    made = admin.post(
        "/users", data={"csrf_token": csrf, "username": "张伟", "role": "team_lead", "team": "东区"}
    )
    assert made.status_code == 200 and "已创建用户 张伟" in made.text
    assert field(made.text, "username") == "" and selected_role(made.text) == "team_lead"  # blank again
    with env.db.session() as session:
        user = accounts.get_user(session, "张伟")
        assert (user.role, user.team) == ("team_lead", "东区")
    assert audit_actions(env, "张伟") == [("root", "user.create")]


def test_disable_enable_reset_from_the_page(env) -> None:  # type: ignore[no-untyped-def]
    admin, _ = signed_in(env.app, "root")
    csrf = csrf_of(admin.get("/users").text)

    def act(action: str, name: str = "insp"):  # type: ignore[no-untyped-def]
        return admin.post("/users/manage", data={"csrf_token": csrf, "username": name, "action": action})

    assert "已停用 insp" in act("disable").text
    assert post_login(browser(env.app), "insp").status_code == 401  # a disabled account cannot sign in
    assert "已启用 insp" in act("enable").text
    assert post_login(browser(env.app), "insp").status_code == 303
    reset = act("reset")
    new_password = reset.text.split("重置密码：<code>")[1].split("</code>")[0]
    assert post_login(browser(env.app), "insp").status_code == 401  # the old password is gone
    assert post_login(browser(env.app), "insp", new_password).status_code == 303
    by_admin = [(actor, a) for actor, a in audit_actions(env, "insp") if a != "user.create"]
    assert [a for a in by_admin if a[1].startswith("user.")] == [
        ("root", "user.disable"),
        ("root", "user.enable"),
        ("root", "user.reset_password"),
    ]
    assert act("disable", "nobody").status_code == 404 and "没有用户“nobody”" in act("disable", "nobody").text
    refused = act("disable", "root")
    assert refused.status_code == 422 and "不能停用自己的账号" in refused.text


def test_unlock_lets_a_throttled_user_in_again(env) -> None:  # type: ignore[no-untyped-def]
    guesser = browser(env.app, ATTACKER)
    codes = [post_login(guesser, "insp", "wrong").status_code for _ in range(throttle.PAIR_FREE + 1)]
    assert codes[-1] == 429
    assert post_login(browser(env.app, ATTACKER), "insp").status_code == 429  # even the right password
    admin, _ = signed_in(env.app, "root")
    page = admin.get("/users").text
    row = page.split("<td>insp</td>")[1].split("</tr>")[0]
    assert f"{throttle.PAIR_FREE + 1} 次" in row or f"{throttle.PAIR_FREE} 次" in row  # failures shown
    r = admin.post(
        "/users/manage", data={"csrf_token": csrf_of(page), "username": "insp", "action": "unlock"}
    )
    assert "已解除 insp 的登录限制" in r.text
    assert post_login(browser(env.app, ATTACKER), "insp").status_code == 303
    assert ("root", "user.unlock") in audit_actions(env, "insp")


def test_only_admins_with_the_csrf_token_manage_users(env) -> None:  # type: ignore[no-untyped-def]
    admin, _ = signed_in(env.app, "root")
    sup, _ = signed_in(env.app, "sup")
    sup_csrf = csrf_of(sup.get("/account").text)
    for action in ("disable", "reset", "unlock", "enable"):
        form = {"csrf_token": sup_csrf, "username": "insp", "action": action}
        assert sup.post("/users/manage", data=form).status_code == 403
    new_user = {"csrf_token": sup_csrf, "username": "x", "role": "admin", "team": ""}
    assert sup.post("/users", data=new_user).status_code == 403
    assert sup.get("/users").status_code == 403
    no_token = admin.post("/users/manage", data={"username": "insp", "action": "disable"})
    wrong_token = admin.post(
        "/users/manage", data={"csrf_token": "x", "username": "insp", "action": "disable"}
    )
    assert no_token.status_code == 403 and wrong_token.status_code == 403
    with env.db.session() as session:
        assert session.scalar(select(User.active).where(User.username == "insp")) is True
        assert accounts.authenticate(session, "insp", password("insp")) is not None
    assert not [a for _, a in audit_actions(env, "insp") if a != "user.create"]
