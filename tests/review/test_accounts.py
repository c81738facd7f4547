"""Accounts: argon2id hashes, no lockout, password reset, admin-only changes, hashed API tokens."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from callqa.errors import InvalidInput, NotFound, PermissionDenied
from callqa.review import accounts, audit
from callqa.store.database import Database
from callqa.store.models import ApiToken

from .conftest import People


def test_passwords_are_hashed_with_argon2id(db: Database, people: People) -> None:
    with db.session() as s:
        user, password = accounts.create_user(s, "test", "new", "inspector")
        assert user.password_hash.startswith("$argon2id$")
        assert password not in user.password_hash
        assert len(password) >= 16
    assert people.sup.password_hash.startswith("$argon2id$")


def test_authenticate(db: Database, people: People) -> None:
    with db.session() as s:
        assert accounts.authenticate(s, "insp1", "insp1-pw").username == "insp1"  # type: ignore[union-attr]
        assert accounts.authenticate(s, "insp1", "wrong") is None
        assert accounts.authenticate(s, "nobody", "insp1-pw") is None
        accounts.set_active(s, "test", "insp1", False)
        assert accounts.authenticate(s, "insp1", "insp1-pw") is None


def test_wrong_passwords_never_lock_the_account(db: Database, people: People) -> None:
    """Regression (#4): five wrong passwords used to lock the account for 15 minutes, for everyone."""
    for k in range(20):
        with db.session() as s:
            assert accounts.authenticate(s, "insp1", f"guess{k}") is None
    with db.session() as s:
        assert accounts.get_user(s, "insp1").failed_logins == 20  # shown to admins, locks nothing
        assert accounts.authenticate(s, "insp1", "insp1-pw") is not None
        assert accounts.get_user(s, "insp1").failed_logins == 0


def test_reset_password_gives_a_new_one(db: Database, people: People) -> None:
    with db.session() as s:
        new = accounts.reset_password(s, people.admin, "insp1")
        assert accounts.authenticate(s, "insp1", "insp1-pw") is None
        assert accounts.authenticate(s, "insp1", new) is not None
        with pytest.raises(NotFound):
            accounts.reset_password(s, people.admin, "nobody")


def test_only_admins_manage_accounts(db: Database, people: People) -> None:
    with db.session() as s:
        for user in (people.sup, people.insp1, people.lead_a):
            with pytest.raises(PermissionDenied):
                accounts.create_user(s, user, "x", "inspector")
            with pytest.raises(PermissionDenied):
                accounts.reset_password(s, user, "insp2")
        accounts.create_user(s, people.admin, "x", "inspector")
        assert [u.username for u in accounts.list_users(s)][:2] == ["admin", "insp1"]


@pytest.mark.parametrize(
    ("username", "role", "team"),
    [("", "inspector", None), ("z", "boss", None), ("z", "team_lead", None), ("insp1", "inspector", None)],
)
def test_bad_accounts_are_refused(
    db: Database, people: People, username: str, role: str, team: str | None
) -> None:
    with db.session() as s, pytest.raises(InvalidInput):
        accounts.create_user(s, "test", username, role, team)


def test_api_tokens_are_stored_hashed_and_authenticate(db: Database, people: People) -> None:
    with db.session() as s:
        row, token = accounts.create_api_token(s, "test", "sup", "crm sync")
        token_id = row.id
        stored = s.scalar(select(ApiToken.token_hash))
    assert token.startswith(accounts.TOKEN_PREFIX)
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored
    with db.session() as s:
        assert accounts.authenticate_token(s, token).username == "sup"  # type: ignore[union-attr]
        assert s.get_one(ApiToken, token_id).last_used_at is not None
        assert accounts.authenticate_token(s, token + "x") is None
        with pytest.raises(PermissionDenied):
            accounts.revoke_api_token(s, people.insp1, token_id)
        accounts.revoke_api_token(s, people.admin, token_id)
        assert accounts.authenticate_token(s, token) is None
        assert audit.verify(s) == []


def test_users_make_their_own_tokens_and_disabled_users_lose_them(db: Database, people: People) -> None:
    with db.session() as s:
        _row, token = accounts.create_api_token(s, people.insp1, "insp1", "script")
        with pytest.raises(PermissionDenied):
            accounts.create_api_token(s, people.insp1, "insp2", "not mine")
        with pytest.raises(PermissionDenied):  # the same answer for a name that does not exist (#16)
            accounts.create_api_token(s, people.insp1, "nobody", "not mine")
        accounts.set_active(s, "test", "insp1", False)
        assert accounts.authenticate_token(s, token) is None


def test_account_dicts_never_show_the_hash(db: Database, people: People) -> None:
    with db.session() as s:
        assert all("password_hash" not in accounts.user_dict(u) for u in accounts.list_users(s))
        entries = audit.export_rows(s)
    assert not any("argon2" in str(e) for e in entries)
