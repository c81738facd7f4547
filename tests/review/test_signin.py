"""Sign-in throttling without lockout, server-side sessions and what revokes them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from callqa.digest import secret_digest
from callqa.errors import InvalidInput, NotFound, PermissionDenied
from callqa.review import accounts, audit, signin, throttle, websessions
from callqa.store.database import Database
from callqa.store.models import AuditEntry, LoginThrottle, db_now
from tests.conftest import migrate_to

from .conftest import People

A, B = "10.0.0.1", "10.0.0.2"


def attempt(db: Database, name: str, password: str, address: str, now=None) -> signin.Attempt:  # type: ignore[no-untyped-def]
    with db.session() as s:  # each attempt its own request: the failure count is committed
        return signin.sign_in(s, name, password, address, now=now)


def fail(db: Database, name: str, address: str, times: int, now=None) -> None:  # type: ignore[no-untyped-def]
    for _ in range(times):
        assert attempt(db, name, "wrong", address, now).user is None


def test_guessing_from_one_address_does_not_keep_the_user_out(db: Database, people: People) -> None:
    now = db_now()
    fail(db, "insp1", A, throttle.PAIR_FREE, now)
    refused = attempt(
        db, "insp1", "insp1-pw", A, now
    )  # the guesser's address now waits, right password or not
    assert refused.user is None and refused.retry_after == timedelta(seconds=2)
    assert attempt(db, "insp1", "insp1-pw", B, now).user is not None  # the real user elsewhere is not held up


def test_delays_grow_exponentially_and_are_capped(db: Database, people: People) -> None:
    assert [throttle.PAIR.delay(n) for n in range(throttle.PAIR_FREE)] == [None] * throttle.PAIR_FREE
    delays = [throttle.PAIR.delay(throttle.PAIR_FREE + k) for k in (0, 1, 2, 7, 8, 50)]
    assert [d.total_seconds() for d in delays if d] == [2, 4, 8, 256, 300, 300]
    start = db_now()
    fail(db, "insp1", A, throttle.PAIR_FREE, now=start)
    assert attempt(db, "insp1", "wrong", A, now=start + timedelta(seconds=1)).retry_after == timedelta(
        seconds=1
    )
    # a refused attempt is not counted: waiting out the delay is enough, retrying does not extend it
    assert attempt(db, "insp1", "insp1-pw", A, now=start + timedelta(seconds=2)).user is not None


def test_failures_are_forgotten_after_an_hour(db: Database, people: People) -> None:
    start = db_now()
    fail(db, "insp1", A, throttle.PAIR_FREE + 3, now=start)
    later = start + throttle.FORGET_AFTER + timedelta(minutes=10)
    fail(db, "insp2", B, 1, now=later)  # any failure prunes stale rows
    with db.session() as s:
        assert s.scalar(select(LoginThrottle).where(LoginThrottle.username == "insp1")) is None


def test_unknown_names_are_throttled_exactly_like_real_ones(db: Database, people: People) -> None:
    start = db_now()
    fail(db, "insp1", A, throttle.PAIR_FREE + 2, now=start)
    fail(db, "ghost", A, throttle.PAIR_FREE + 2, now=start)
    real = attempt(db, "insp1", "x", A, now=start)
    ghost = attempt(db, "ghost", "x", A, now=start)
    assert real == ghost == signin.Attempt(None, timedelta(seconds=2))


def test_one_address_is_delayed_only_after_many_failures_over_all_names(db: Database, people: People) -> None:
    """Regression (#4): five failures on unknown names from one address blocked everyone behind it."""
    for k in range(throttle.ADDRESS_FREE - 1):
        assert attempt(db, f"typo{k}", "wrong", A).user is None
    assert attempt(db, "insp1", "insp1-pw", A).user is not None  # an office's typos hold nobody up
    fail(db, "typo-last", A, 2)
    refused = attempt(db, "insp2", "insp2-pw", A)
    assert refused.user is None and refused.retry_after <= throttle.ADDRESS_MAX_DELAY  # type: ignore[operator]
    assert attempt(db, "insp2", "insp2-pw", B).user is not None  # only that address waits


def test_unlock_and_reset_clear_the_delay_from_every_address(db: Database, people: People) -> None:
    fail(db, "insp1", A, throttle.PAIR_FREE + 1)
    fail(db, "insp1", B, throttle.PAIR_FREE + 1)
    with db.session() as s:
        assert accounts.get_user(s, "insp1").locked_until is not None  # shown to admins
        with pytest.raises(PermissionDenied):
            accounts.unlock(s, people.sup, "insp1")
        user = accounts.unlock(s, people.admin, "insp1")
        assert (user.failed_logins, user.locked_until) == (0, None)
    assert attempt(db, "insp1", "insp1-pw", A).user is not None
    assert attempt(db, "insp1", "insp1-pw", B).user is not None
    fail(db, "insp2", A, throttle.PAIR_FREE + 1)
    with db.session() as s:
        password = accounts.reset_password(s, "cli:test", "insp2")
    assert attempt(db, "insp2", password, A).user is not None


def test_sign_ins_are_audited(db: Database, people: People) -> None:
    long_name = "x" * 150
    fail(db, long_name, A, 1)
    fail(db, long_name, A, throttle.PAIR_FREE + 3)  # attempts refused while delayed are not audited
    with db.session() as s:
        user = signin.sign_in(s, "insp1", "insp1-pw", A).user
        assert user is not None
        row, session_id = signin.open_session(s, user, A, "pytest", 12)
        signin.sign_out(s, session_id)
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        failed = [e for e in entries if e.action == "auth.login_failed"]
        assert len(failed) == throttle.PAIR_FREE
        assert {e.actor for e in failed} == {"x" * 100} and failed[0].actor_id is None
        assert [e.action for e in entries[-2:]] == ["auth.login", "auth.logout"]
        assert entries[-1].actor == "insp1" and entries[-1].entity_id == str(row.id)
        assert audit.verify(s) == []


def test_a_session_lives_until_signed_out_or_expired(db: Database, people: People) -> None:
    with db.session() as s:
        user = accounts.get_user(s, "insp1")
        row, session_id = signin.open_session(s, user, A, "pytest", 12)
        assert row.expires_at - row.created_at == timedelta(hours=12)
        assert row.session_hash == secret_digest(session_id) != session_id  # only the hash is stored
        _other, other_id = signin.open_session(s, user, B, "pytest", 12)
    with db.session() as s:
        assert signin.current(s, session_id) is not None
        assert websessions.live(s, session_id, row.expires_at) is None  # expired
        signin.sign_out(s, session_id)
    with db.session() as s:
        assert signin.current(s, session_id) is None  # a replayed cookie finds a revoked row
        assert signin.current(s, other_id) is not None  # signing out ends only this session
        assert signin.current(s, "forged") is None


def _sessions_and_token(db: Database, name: str) -> tuple[list[str], str]:
    with db.session() as s:
        user = accounts.get_user(s, name)
        ids = [signin.open_session(s, user, addr, "pytest", 12)[1] for addr in (A, B)]
        return ids, accounts.create_api_token(s, "test", name, "script")[1]


def _alive(db: Database, ids: list[str], token: str) -> list[bool]:
    with db.session() as s:
        return [signin.current(s, i) is not None for i in ids] + [
            accounts.authenticate_token(s, token) is not None
        ]


@pytest.mark.parametrize("how", ["reset", "disable", "signout-everywhere", "own-signout-everywhere"])
def test_reset_disable_and_signout_everywhere_end_every_session_and_token(
    db: Database, people: People, how: str
) -> None:
    ids, token = _sessions_and_token(db, "insp1")
    _, bystander = _sessions_and_token(db, "insp2")
    assert _alive(db, ids, token) == [True, True, True]
    with db.session() as s:
        if how == "reset":
            accounts.reset_password(s, people.admin, "insp1")
        elif how == "disable":
            accounts.set_active(s, people.admin, "insp1", False)
            accounts.set_active(s, people.admin, "insp1", True)  # enabling again revives nothing
        elif how == "signout-everywhere":
            assert accounts.sign_out_everywhere(s, people.admin, "insp1") == {
                "ended_sessions": 2,
                "revoked_tokens": 1,
            }
        else:
            accounts.sign_out_everywhere(s, accounts.get_user(s, "insp1"), "insp1")
        actions = {"reset": "user.reset_password", "disable": "user.disable"}
        entry = s.scalar(
            select(AuditEntry).where(AuditEntry.action == actions.get(how, "user.signout_everywhere"))
        )
        after = json.loads(entry.after or "{}") if entry else {}
        assert (after["ended_sessions"], after["revoked_tokens"]) == (2, 1)
    assert _alive(db, ids, token) == [False, False, False]
    assert _alive(db, [], bystander) == [True]


def test_non_admins_are_refused_before_any_lookup(db: Database, people: People) -> None:
    """Regression (#16): asking for another user's token said 404 for unknown names, 403 for real ones."""
    _sessions_and_token(db, "insp2")
    with db.session() as s:
        insp1 = accounts.get_user(s, "insp1")
        token_id = accounts.list_tokens(s, "test", "insp2")[0].id
        for name in ("insp2", "nobody"):
            for refused in (accounts.list_tokens, accounts.list_sessions, accounts.sign_out_everywhere):
                with pytest.raises(PermissionDenied):
                    refused(s, insp1, name)
            with pytest.raises(PermissionDenied):
                accounts.create_api_token(s, insp1, name, "x")
        for token_ref in (token_id, 999):
            with pytest.raises(PermissionDenied):
                accounts.revoke_api_token(s, insp1, token_ref)
        session_ref = accounts.list_sessions(s, "test", "insp2")[0].id
        for ref in (session_ref, 999):
            with pytest.raises(PermissionDenied):
                accounts.revoke_session(s, insp1, ref)
        with pytest.raises(NotFound):  # an admin may learn that it does not exist
            accounts.revoke_session(s, people.admin, 999)
        assert [t.user.username for t in accounts.list_tokens(s, insp1)] == []  # one's own: none yet
        assert len(accounts.list_tokens(s, people.admin)) == 1  # an admin: everyone's
        accounts.revoke_session(s, people.admin, session_ref)
    with db.session() as s:
        assert len(accounts.list_sessions(s, "test", "insp2")) == 1


def test_an_admin_cannot_disable_themselves(db: Database, people: People) -> None:
    with db.session() as s, pytest.raises(InvalidInput):
        accounts.set_active(s, accounts.get_user(s, "admin"), "admin", False)


def test_migration_0004_creates_the_tables_as_modelled_and_lifts_old_locks(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import text

    from callqa.store.database import make_engine, migrate
    from callqa.store.models import Base

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with engine.begin() as conn:
        migrate_to(conn, "0003")
        conn.execute(
            text(
                "INSERT INTO users (username, password_hash, role, active, created_at, failed_logins,"
                " locked_until) VALUES ('old', 'x', 'inspector', 1, '2026-01-01', 4, '2999-01-01')"
            )
        )
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT failed_logins, locked_until FROM users")).one() == (0, None)
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if any(t in str(d) for t in ("web_sessions", "login_throttle"))] == []
    engine.dispose()
