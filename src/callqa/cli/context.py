"""What every command shares: the consoles, the one-line failure, opening the workspace and its rule pack."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:  # imported when a command runs, so that `callqa --help` stays instant
    from callqa.rules import RulePack
    from callqa.store.database import Database
    from callqa.workspace import Workspace

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def progress_bar() -> Progress:
    """The progress bar of long commands (on stderr, so stdout stays the command's output)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def operator() -> str:
    """Who runs a command, as audit entries name them: ``cli:<login name>``."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def disk_full(reason: str, done: str = "nothing is lost") -> typer.Exit:
    """The one line for a write refused for lack of space; the transaction rolled back, so what was
    stored before it is whole and a re-run carries on."""
    return fail(f"disk full: {reason}; {done}: free space, then run the same command again")


def cannot_write(url: str) -> str:
    from sqlalchemy import make_url

    return f"cannot write the database {make_url(url).render_as_string(hide_password=True)}"


def open_workspace(workspace: Path | None) -> tuple[Workspace, Database]:
    from sqlalchemy.exc import SQLAlchemyError

    from callqa.store.database import is_disk_full, open_database
    from callqa.workspace import Workspace, WorkspaceError

    try:
        ws = Workspace.open(workspace)
    except WorkspaceError as exc:
        raise fail(f"disk full: {exc}" if is_disk_full(exc) else str(exc)) from None
    try:
        return ws, open_database(ws)
    except (WorkspaceError, OSError, SQLAlchemyError) as exc:
        if is_disk_full(exc):
            what = f"cannot create {ws.audit_key_path}" if isinstance(exc, OSError) else None
            raise disk_full(what or cannot_write(ws.database_url)) from None
        if isinstance(exc, SQLAlchemyError):
            raise
        raise fail(str(exc)) from None


def rule_pack(ws: Workspace, path: Path | None = None) -> RulePack:
    from callqa.rules import RulePackError
    from callqa.rules.active import workspace_pack
    from callqa.rules.learned.detector import DetectorError

    try:
        return workspace_pack(ws, path)
    except RulePackError as exc:
        raise fail(f"rule pack has errors:\n{exc}") from None
    except DetectorError as exc:
        raise fail(f"text model cannot be used: {exc}") from None
