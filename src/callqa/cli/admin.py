"""`callqa users …` and `callqa audit …`: accounts and the audit log from the command line.

Commands run as the local operator: audit entries name them ``cli:<login name>``.
"""

from __future__ import annotations

import getpass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from callqa.cli.render import Column, FormatOpt, OutputFormat, WorkspaceOpt, render

users_app = typer.Typer(help="User accounts and API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)

out = Console(soft_wrap=True)


class Role(StrEnum):
    admin = "admin"
    supervisor = "supervisor"
    inspector = "inspector"
    team_lead = "team_lead"


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


def _database(workspace: Path | None):  # type: ignore[no-untyped-def]
    from callqa.cli.main import _open  # here, not at the top: main imports this module

    return _open(workspace)[1]


def _fail(message: str, code: int = 1) -> typer.Exit:
    from callqa.cli.main import fail

    return fail(message, code)


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[Role, typer.Option(help="What the user may do.")],
    team: Annotated[str | None, typer.Option(help="The team a team_lead leads (required for them).")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Create an account and print its generated password (shown only this once)."""
    from callqa.errors import DomainError
    from callqa.review.accounts import create_user

    db = _database(workspace)
    try:
        with db.session() as session:
            user, password = create_user(session, _operator(), username, role.value, team)
            name = user.username
    except DomainError as exc:
        raise _fail(exc.reason, 2) from None
    typer.echo(f"created {name} ({role.value}); password (shown once): {password}")


@users_app.command("reset")
def users_reset(username: str, workspace: WorkspaceOpt = None) -> None:
    """Give a user a new generated password (shown once) and lift any lockout."""
    from callqa.errors import DomainError
    from callqa.review.accounts import reset_password

    db = _database(workspace)
    try:
        with db.session() as session:
            password = reset_password(session, _operator(), username)
    except DomainError as exc:
        raise _fail(exc.reason) from None
    typer.echo(f"new password for {username} (shown once): {password}")


def _set_active(username: str, active: bool, workspace: Path | None) -> None:
    from callqa.errors import DomainError
    from callqa.review.accounts import set_active

    db = _database(workspace)
    try:
        with db.session() as session:
            set_active(session, _operator(), username, active)
    except DomainError as exc:
        raise _fail(exc.reason) from None
    typer.echo(f"{username} {'enabled' if active else 'disabled'}")


@users_app.command("disable")
def users_disable(username: str, workspace: WorkspaceOpt = None) -> None:
    """Stop a user signing in or receiving new cases."""
    _set_active(username, False, workspace)


@users_app.command("enable")
def users_enable(username: str, workspace: WorkspaceOpt = None) -> None:
    """Let a disabled user back in."""
    _set_active(username, True, workspace)


@users_app.command("list")
def users_list(workspace: WorkspaceOpt = None, fmt: FormatOpt = OutputFormat.table) -> None:
    """Every account (never the password hashes)."""
    from callqa.review.accounts import list_users, user_dict

    db = _database(workspace)
    with db.session() as session:
        rows = [user_dict(u) for u in list_users(session)]
    columns: list[Column] = [
        (k, (lambda key: lambda r: r[key])(k))
        for k in ("username", "role", "team", "active", "failed_logins", "locked_until", "created_at")
    ]
    render(rows, columns, fmt, out, title="users")


@users_app.command("token")
def users_token(
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for, e.g. the integration's name.")],
    workspace: WorkspaceOpt = None,
) -> None:
    """Create an API token acting as USERNAME and print it (shown only this once; stored hashed)."""
    from callqa.errors import DomainError
    from callqa.review.accounts import create_api_token

    db = _database(workspace)
    try:
        with db.session() as session:
            row, token = create_api_token(session, _operator(), username, name)
            token_id = row.id
    except DomainError as exc:
        raise _fail(exc.reason) from None
    typer.echo(f"token {token_id} for {username} (shown once): {token}")


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
            raise _fail(f"cannot read anchor {anchor}: {getattr(exc, 'strerror', None) or exc}", 2) from None
        except audit.AnchorError as exc:
            raise _fail(f"{anchor}: {exc}", 2) from None
    db = _database(workspace)
    with db.session() as session:
        problems = audit.verify(session)
        n, head = audit.count(session)
        truncated = audit.check_anchor(session, *anchored) if anchored else None
    if problems and len(problems) == n and all("edited" in p.reason for p in problems):
        raise _fail(f"audit log: none of its {n} entries matches its hash: wrong audit key, or all rewritten")
    if problems:
        first = problems[0]
        more = f" ({len(problems) - 1} more problems after it)" if len(problems) > 1 else ""
        raise _fail(f"audit log broken at entry {first.entry_id}: {first.reason}{more}")
    if truncated:
        raise _fail(f"audit log does not match the anchor {anchor}: {truncated}")
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
            raise _fail("the audit log does not verify: fix that (`callqa audit verify`) before anchoring it")
        text = json.dumps(audit.anchor(session)) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _fail(f"cannot write {output}: {exc.strerror or exc}") from None
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
