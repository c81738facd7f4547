"""Fixtures for review tests: a migrated SQLite database, people in every role, flagged calls."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher

from callqa.review import accounts, workflow
from callqa.store.database import Database
from callqa.store.models import Call, User, Violation
from tests.conftest import TEST_AUDIT_KEY, new_call


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2id parameters: the tests check behaviour, not hashing cost."""
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url, audit_key=TEST_AUDIT_KEY)
    yield database
    database.close()


@pytest.fixture
def run(db: Database) -> Callable[..., object]:
    """run(fn, *args) calls fn(session, *args) in its own committed transaction, like a web request."""

    def _run(fn: Callable[..., object], *args: object, **kwargs: object) -> object:
        with db.session() as session:
            return fn(session, *args, **kwargs)

    return _run


@dataclass
class People:
    admin: User
    sup: User
    insp1: User
    insp2: User
    lead_a: User
    lead_b: User


@pytest.fixture
def people(db: Database) -> People:
    def make(session, name: str, role: str, team: str | None = None) -> User:  # type: ignore[no-untyped-def]
        return accounts.create_user(session, "test", name, role, team, password=f"{name}-pw")[0]

    with db.session() as s:
        return People(
            admin=make(s, "admin", "admin"),
            sup=make(s, "sup", "supervisor"),
            insp1=make(s, "insp1", "inspector"),
            insp2=make(s, "insp2", "inspector"),
            lead_a=make(s, "lead_a", "team_lead", "A"),
            lead_b=make(s, "lead_b", "team_lead", "B"),
        )


AddCall = Callable[..., Call]


@pytest.fixture
def add_call(db: Database) -> AddCall:
    """add_call(call_id, team="A", rules=("R1", "R2"), status="flagged") -> Call, passed through the
    pipeline hook `on_call_processed` as save_result will."""

    def _add(
        call_id: str, team: str | None = "A", rules: tuple[str, ...] = ("R1", "R2"), status: str = "flagged"
    ) -> Call:
        with db.session() as s:
            call = new_call(call_id, status=status, team=team)
            call.violations = [
                Violation(
                    rule_id=rule,
                    rule_name=rule,
                    category="abuse",
                    severity="major",
                    deduction=10,
                    speaker="agent",
                    start_s=float(k),
                    end_s=k + 1.0,
                    text="x",
                    explanation="x",
                )
                for k, rule in enumerate(rules)
            ]
            s.add(call)
            s.flush()
            workflow.on_call_processed(s, call)
            return call

    return _add


def violation_ids(db: Database, call_id: str) -> list[int]:
    from sqlalchemy import select

    with db.session() as s:
        return list(
            s.scalars(select(Violation.id).join(Call).where(Call.call_id == call_id).order_by(Violation.id))
        )
