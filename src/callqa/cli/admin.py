"""`callqa users …` and `callqa audit …`: accounts and the audit log from the command line.

Commands run as the local operator: audit entries name them ``cli:<login name>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from callqa.store.database import Database

from callqa.cli.context import fail, open_workspace, operator, out
from callqa.cli.render import Column, FormatOpt, OutputFormat, WorkspaceOpt, render

users_app = typer.Typer(help="User accounts, their sessions and API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


class Role(StrEnum):
    admin = "admin"
    supervisor = "supervisor"
    inspector = "inspector"
    team_lead = "team_lead"


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


_operator = operator


def _database(workspace: Path | None) -> Database:
    return open_workspace(workspace)[1]


@contextmanager
def _transaction(workspace: Path | None, code: int = 1) -> Iterator[Session]:
    """One committed transaction on the workspace's database; a refusal exits with its reason."""
    from callqa.errors import DomainError

    db = _database(workspace)
    try:
        with db.session() as session:
            yield session
    except DomainError as exc:
        raise fail(exc.reason, code) from None


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[Role, typer.Option(help="What the user may do.")],
    team: Annotated[str | None, typer.Option(help="The team a team_lead leads (required for them).")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Create an account and print its generated password (shown only this once)."""
    from callqa.review.accounts import create_user

    with _transaction(workspace, 2) as session:
        user, password = create_user(session, _operator(), username, role.value, team)
        name = user.username
    typer.echo(f"created {name} ({role.value}); password (shown once): {password}")


@users_app.command("reset")
def users_reset(username: str, workspace: WorkspaceOpt = None) -> None:
    """Give a user a new generated password (shown once), end all their sessions and API tokens, and
    forget their failed sign-ins."""
    from callqa.review.accounts import reset_password

    with _transaction(workspace) as session:
        password = reset_password(session, _operator(), username)
    typer.echo(f"new password for {username} (shown once): {password}")


def _set_active(username: str, active: bool, workspace: Path | None) -> None:
    from callqa.review.accounts import set_active

    with _transaction(workspace) as session:
        set_active(session, _operator(), username, active)
    typer.echo(f"{username} {'enabled' if active else 'disabled'}")


@users_app.command("disable")
def users_disable(username: str, workspace: WorkspaceOpt = None) -> None:
    """Stop a user signing in or receiving new cases; ends all their sessions and API tokens."""
    _set_active(username, False, workspace)


@users_app.command("enable")
def users_enable(username: str, workspace: WorkspaceOpt = None) -> None:
    """Let a disabled user back in (their old sessions and tokens stay revoked)."""
    _set_active(username, True, workspace)


@users_app.command("unlock")
def users_unlock(username: str, workspace: WorkspaceOpt = None) -> None:
    """Forget a user's failed sign-ins from every address, lifting any sign-in delay (解除锁定)."""
    from callqa.review.accounts import unlock

    with _transaction(workspace) as session:
        unlock(session, _operator(), username)
    typer.echo(f"{username} unlocked")


@users_app.command("signout")
def users_signout(username: str, workspace: WorkspaceOpt = None) -> None:
    """End every workbench session and revoke every API token of a user (sign out everywhere)."""
    from callqa.review.accounts import sign_out_everywhere

    with _transaction(workspace) as session:
        ended = sign_out_everywhere(session, _operator(), username)
    typer.echo(
        f"{username}: {ended['ended_sessions']} session(s) ended, {ended['revoked_tokens']} token(s) revoked"
    )


@users_app.command("list")
def users_list(workspace: WorkspaceOpt = None, fmt: FormatOpt = OutputFormat.table) -> None:
    """Every account (never the password hashes)."""
    from callqa.review.accounts import list_users, user_dict

    db = _database(workspace)
    with db.session() as session:
        rows = [user_dict(u) for u in list_users(session)]
    keys = ("username", "role", "team", "active", "failed_logins", "locked_until", "created_at")
    render(rows, _columns(*keys), fmt, out, title="users")


def _columns(*keys: str) -> list[Column]:
    return [(k, (lambda key: lambda r: r[key])(k)) for k in keys]


@users_app.command("token")
def users_token(
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for, e.g. the integration's name.")],
    workspace: WorkspaceOpt = None,
) -> None:
    """Create an API token acting as USERNAME and print it (shown only this once; stored hashed)."""
    from callqa.review.accounts import create_api_token

    with _transaction(workspace) as session:
        row, token = create_api_token(session, _operator(), username, name)
        token_id = row.id
    typer.echo(f"token {token_id} for {username} (shown once): {token}")


@users_app.command("tokens")
def users_tokens(
    username: Annotated[str | None, typer.Argument(help="Whose tokens (default: everyone's).")] = None,
    workspace: WorkspaceOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """List API tokens, revoked ones included (never the tokens themselves)."""
    from callqa.review.accounts import list_tokens, token_dict

    with _transaction(workspace) as session:
        rows = [token_dict(t) for t in list_tokens(session, _operator(), username)]
    render(rows, _columns("id", "user", "name", "created_at", "last_used_at", "revoked"), fmt, out,
           title="API tokens")  # fmt: skip


@users_app.command("revoke-token")
def users_revoke_token(token_id: int, workspace: WorkspaceOpt = None) -> None:
    """Revoke an API token by its id (see `callqa users tokens`); it stops working at once."""
    from callqa.review.accounts import revoke_api_token

    with _transaction(workspace) as session:
        row = revoke_api_token(session, _operator(), token_id)
        owner = row.user.username
    typer.echo(f"token {token_id} of {owner} revoked")


@users_app.command("sessions")
def users_sessions(
    username: str, workspace: WorkspaceOpt = None, fmt: FormatOpt = OutputFormat.table
) -> None:
    """A user's live workbench sessions (`callqa users signout` ends them all)."""
    from callqa.review.accounts import list_sessions
    from callqa.review.websessions import session_dict

    with _transaction(workspace) as session:
        rows = [session_dict(s) for s in list_sessions(session, _operator(), username)]
    keys = ("id", "created_at", "last_seen_at", "expires_at", "address", "user_agent")
    render(rows, _columns(*keys), fmt, out, title=f"sessions of {username}")


@audit_app.command("verify")
def audit_verify(
    workspace: WorkspaceOpt = None,
    anchor: Annotated[
        Path | None, typer.Option(help="A `callqa audit anchor` file: also catch deleted newest entries.")
    ] = None,
) -> None:
    """Check the keyed hash chain: exit 1 naming the first entry edited, deleted or out of order."""
    from callqa.review import audit

    anchored = None
    if anchor is not None:
        try:
            anchored = audit.parse_anchor(anchor.read_text(encoding="utf-8"))
        except (OSError, UnicodeError) as exc:
            raise fail(f"cannot read anchor {anchor}: {getattr(exc, 'strerror', None) or exc}", 2) from None
        except audit.AnchorError as exc:
            raise fail(f"{anchor}: {exc}", 2) from None
    db = _database(workspace)
    with db.session() as session:
        problems = audit.verify(session)
        n, head = audit.count(session)
        truncated = audit.check_anchor(session, *anchored) if anchored else None
    if problems and len(problems) == n and all(p.reason == audit.EDITED for p in problems):
        raise fail(f"audit log: none of its {n} entries matches its hash: wrong audit key, or all rewritten")
    if problems:
        first = problems[0]
        more = f" ({len(problems) - 1} more problems after it)" if len(problems) > 1 else ""
        raise fail(f"audit log broken at entry {first.entry_id}: {first.reason}{more}")
    if truncated:
        raise fail(f"audit log does not match the anchor {anchor}: {truncated}")
    typer.echo(f"OK, {n} entries; head {head}" + (f"; matches the anchor {anchor}" if anchored else ""))


@audit_app.command("anchor")
def audit_anchor(
    workspace: WorkspaceOpt = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write it here, not stdout.")] = None,
) -> None:
    """Print the log's entry count and head hash as JSON: keep it away from the database, and
    `audit verify --anchor` later fails if entries up to it were deleted or rewritten."""
    import json

    from callqa.review import audit

    db = _database(workspace)
    with db.session() as session:
        if audit.verify(session):
            raise fail("the audit log does not verify: fix that (`callqa audit verify`) before anchoring it")
        text = json.dumps(audit.anchor(session)) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from None
    typer.echo(f"anchor written to {output}")


@audit_app.command("export")
def audit_export(
    workspace: WorkspaceOpt = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.json,
) -> None:
    """Print the whole log, oldest first, with hashes (JSON: before/after as objects)."""
    from callqa.review import audit

    db = _database(workspace)
    with db.session() as session:
        rows = audit.export_rows(session)

    def as_text(key: str):  # type: ignore[no-untyped-def]
        return lambda r: None if r[key] is None else audit.canonical_json(r[key])

    columns: list[Column] = [
        (k, as_text(k) if k in ("before", "after") else (lambda key: lambda r: r[key])(k))
        for k in ("id", "at", "actor_id", "actor", "action", "entity", "entity_id", "before", "after")
    ]
    columns += [("prev_hash", lambda r: r["prev_hash"]), ("hash", lambda r: r["hash"])]
    render(rows, columns, OutputFormat(fmt.value), out)
