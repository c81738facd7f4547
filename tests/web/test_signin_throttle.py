"""Sign-in throttling over HTTP: guessing slows the guesser, never locks the user out; the answers
(and their timing) say nothing about which names exist; `callqa users unlock` clears it."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from callqa.cli.admin import users_app
from callqa.review import accounts, throttle
from callqa.store.models import AuditEntry, LoginThrottle, db_now
from tests.review.test_cli_admin import invoke

from .accounts_app import ATTACKER, HOME, OFFICE, browser, csrf_of, make_env, post_login


@pytest.fixture
def env(tmp_path: Path) -> Iterator[SimpleNamespace]:
    built = make_env(tmp_path / "ws")
    yield built
    built.db.close()


@pytest.fixture
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def guesses(env: SimpleNamespace, name: str, address: str, n: int) -> list[int]:
    client = browser(env.app, address)
    return [post_login(client, name, "wrong").status_code for _ in range(n)]


def test_guessing_delays_the_guesser_not_the_user(cheap_hashing, env) -> None:  # type: ignore[no-untyped-def]
    """Regression (#4): five wrong passwords from anywhere locked the account for everyone."""
    codes = guesses(env, "insp", ATTACKER, throttle.PAIR_FREE + 1)
    assert codes == [401] * throttle.PAIR_FREE + [429]
    attacker = browser(env.app, ATTACKER)
    refused = post_login(attacker, "insp")  # even the right password waits, from that address
    assert refused.status_code == 429 and refused.headers["retry-after"] == "2"
    assert "请 2 秒后再试" in refused.text
    assert post_login(browser(env.app, OFFICE), "insp").status_code == 303  # the user is not held up
    assert post_login(browser(env.app, ATTACKER), "root").status_code == 303  # nor other names there


def test_typos_behind_one_address_block_nobody(cheap_hashing, env) -> None:  # type: ignore[no-untyped-def]
    """Regression (#4): five failures on unknown names from one address blocked everyone behind it."""
    office = browser(env.app, OFFICE)
    assert [post_login(office, f"typo{k}", "wrong").status_code for k in range(10)] == [401] * 10
    assert post_login(browser(env.app, OFFICE), "insp").status_code == 303


def test_cli_unlock_and_reset_clear_the_delay(cheap_hashing, env) -> None:  # type: ignore[no-untyped-def]
    """Regression (#4): the delay lived in the server's memory; `callqa users reset` could not lift it."""
    ws = str(env.ws.root)
    guesses(env, "insp", OFFICE, throttle.PAIR_FREE)
    assert post_login(browser(env.app, OFFICE), "insp").status_code == 429
    assert invoke(users_app, "list", "-w", ws, "-f", "json")[1].count('"failed_logins": 5') == 1
    code, stdout, _ = invoke(users_app, "unlock", "insp", "-w", ws)
    assert (code, stdout.strip()) == (0, "insp unlocked")
    assert post_login(browser(env.app, OFFICE), "insp").status_code == 303
    guesses(env, "insp2", OFFICE, throttle.PAIR_FREE)
    code, stdout, _ = invoke(users_app, "reset", "insp2", "-w", ws)
    new_password = stdout.strip().rsplit(" ", 1)[1]
    assert post_login(browser(env.app, OFFICE), "insp2", new_password).status_code == 303
    assert invoke(users_app, "unlock", "nobody", "-w", ws)[0] == 1


def test_throttled_answer_is_the_same_for_real_and_unknown_names(cheap_hashing, env) -> None:  # type: ignore[no-untyped-def]
    answers = []
    for name in ("insp", "no-such-user"):
        guesses(env, name, HOME, throttle.PAIR_FREE)
        r = post_login(browser(env.app, HOME), name, "wrong")
        answers.append((r.status_code, r.headers.get("retry-after"), r.text.replace(csrf_of(r.text), "")))
    assert answers[0] == answers[1] and answers[0][0] == 429


def test_every_refusal_costs_the_same_hashing_work(env) -> None:  # type: ignore[no-untyped-def]
    """Regression (#16): a throttled name answered in 3 ms, any other failure in 110 ms (argon2)."""
    guesses(env, "insp", ATTACKER, throttle.PAIR_FREE)  # real argon2 cost from here on
    with env.db.session() as session:  # keep it throttled while we measure (the first delay is 2 s)
        session.execute(update(LoginThrottle).values(blocked_until=db_now() + timedelta(hours=1)))
    client = browser(env.app, ATTACKER)

    def median_ms(name: str, address: str) -> float:
        client = browser(env.app, address)
        token = csrf_of(client.get("/login").text)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            client.post("/login", data={"csrf_token": token, "username": name, "password": "wrong"})
            times.append(time.perf_counter() - start)
        return 1000 * statistics.median(times)

    throttled = median_ms("insp", ATTACKER)
    wrong_password = median_ms("insp2", OFFICE)
    unknown_name = median_ms("nobody", HOME)
    assert post_login(client, "insp", "wrong").status_code == 429  # it was throttled all along
    assert throttled > 0.5 * wrong_password and unknown_name > 0.5 * wrong_password, (
        throttled, wrong_password, unknown_name)  # fmt: skip


def test_sign_in_out_and_failures_are_audited(cheap_hashing, env) -> None:  # type: ignore[no-untyped-def]
    """Regression (#18): sign-ins, failed sign-ins and sign-outs left no audit trace."""
    guesses(env, "insp", ATTACKER, 1)
    client = browser(env.app, OFFICE)
    assert post_login(client, "insp").status_code == 303
    csrf = client.get("/api/csrf").json()["csrf_token"]
    assert client.post("/logout", headers={"X-CSRF-Token": csrf}).status_code == 303
    with env.db.session() as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.after).where(
                AuditEntry.action.like("auth.%")
            )
        ).all()
    assert [(actor, action) for actor, action, _ in rows] == [
        ("insp", "auth.login_failed"),
        ("insp", "auth.login"),
        ("insp", "auth.logout"),
    ]
    assert ATTACKER in rows[0][2] and OFFICE in rows[1][2]
