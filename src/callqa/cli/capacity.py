"""`callqa bench` (measure this machine's whole-call throughput) and `callqa plan` (size a deployment
and write the cost memo from it)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

import callqa
from callqa.cli.context import err, fail, open_workspace, out, progress_bar, rule_pack
from callqa.cli.render import WorkspaceOpt

EXAMPLES = Path(callqa.__file__).resolve().parents[2] / "examples"  # the bundled calls, in a checkout


def bench(
    files: Annotated[
        list[Path] | None,
        typer.Option(
            "--files", help="Recordings or folders to measure on (repeatable; default: the example calls)."
        ),
    ] = None,
    manifest: Annotated[
        Path | None, typer.Option(help="Manifest CSV of those files (channels, ids).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Transcription processes (default: the `workers` setting).")
    ] = None,
    model: Annotated[Path | None, typer.Option(help="CTranslate2 Whisper model directory.")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Measure whole-call throughput on this machine (real pipeline, throw-away database) and record it
    in the workspace with the machine's facts, for `callqa plan`."""
    from callqa.asr.engine import DecodeSettings
    from callqa.asr.model_files import ModelError, resolve_model_dir
    from callqa.capacity import bench as benchmark
    from callqa.settings import default_workers

    if not files:
        if not (EXAMPLES / "calls").is_dir():
            raise fail("no bundled example calls here: give recordings with --files", 2)
        files, manifest = [EXAMPLES / "calls"], manifest or EXAMPLES / "manifest.csv"
    ws, db = open_workspace(workspace)
    db.close()  # the measurement has its own database
    pack = rule_pack(ws)
    try:
        model_dir = str(resolve_model_dir(model or ws.model_path))
    except ModelError as exc:
        raise fail(str(exc)) from None
    n_workers = workers or ws.settings.workers or default_workers()
    with progress_bar() as progress:
        task = progress.add_task("bench: ingesting", total=None)

        def started(total: int) -> None:
            progress.update(task, total=total, description="bench: processing")

        def finished(call) -> None:  # type: ignore[no-untyped-def]
            progress.update(task, advance=1, description=f"bench: {call.call_id} {call.status}")

        try:
            record = benchmark.measure(ws, pack, model_dir, files, manifest, workers=n_workers,
                                       settings=DecodeSettings(beam_size=ws.settings.beam_size),
                                       on_start=started, on_done=finished)  # fmt: skip
        except benchmark.BenchError as exc:
            progress.stop()
            raise fail(str(exc)) from None
    path = benchmark.save(ws, record)
    m = record.machine
    out.print(
        f"{record.audio_s / 60:.1f} min of audio in {record.wall_s:.1f} s: "
        f"[bold]{record.audio_h_per_wall_h:.1f} audio hours per hour[/bold] "
        f"({record.per_core:.2f} per core; "
        f"{record.workers} worker(s) x {record.threads_per_worker} thread(s))\n"
        f"peak memory per worker {record.peak_worker_mib:.0f} MiB; storage per audio hour: recordings "
        f"{record.recordings_bytes_per_audio_h / 1e6:.1f} MB + database "
        f"{record.database_bytes_per_audio_h / 1e6:.2f} MB\n"
        f"machine: {m.cpu_model}, {m.cores} cores, {m.ram_gib:g} GiB RAM; recorded in {path}",
        highlight=False,
    )
    if record.failed:
        err.print(f"{record.failed} recording(s) failed and were left out of the figures")


def plan(
    calls_per_day: Annotated[int, typer.Option(help="Calls recorded per day.")],
    avg_minutes: Annotated[float, typer.Option(help="Average call length in minutes.")],
    retention_days: Annotated[int, typer.Option(help="Days recordings and transcripts are kept.")] = 365,
    headroom: Annotated[float, typer.Option(help="Spare capacity on top of the load (0.3 = 30%).")] = 0.3,
    window_hours: Annotated[
        float, typer.Option(help="Hours a day may take to process that day's calls.")
    ] = 20.0,
    prices: Annotated[
        Path | None,
        typer.Option(help="Prices TOML (see deploy/prices.example.toml) for the cost comparison."),
    ] = None,
    out_path: Annotated[Path, typer.Option("--out", help="Where to write the memo (Markdown).")] = Path(
        "callqa-plan.md"
    ),
    workspace: WorkspaceOpt = None,
) -> None:
    """Machines, cores, memory and storage for a call volume, from the throughput `callqa bench`
    measured, and a memo (Simplified Chinese) comparing private deployment with cloud speech-to-text."""
    from callqa.capacity import bench as benchmark
    from callqa.capacity.costs import cloud_costs, private_cost
    from callqa.capacity.memo import render_memo
    from callqa.capacity.prices import PricesError, load_prices
    from callqa.capacity.sizing import Load, MachineSpec, PlanError, size
    from callqa.workspace import Workspace, WorkspaceError

    try:
        load = Load(calls_per_day, avg_minutes, retention_days, headroom, window_hours)
    except PlanError as exc:
        raise fail(str(exc), 2) from None
    try:
        ws = Workspace.open(workspace)  # no database: planning reads the measurement only
        record = benchmark.load(ws)
        price_list = load_prices(prices) if prices else None
    except (WorkspaceError, benchmark.BenchError, PricesError) as exc:
        raise fail(str(exc)) from None
    if price_list:
        server = price_list.server
        machine = MachineSpec(server.cores, server.ram_gib, "价格文件中的服务器")
    else:
        machine = MachineSpec(record.machine.cores, record.machine.ram_gib or 1.0, "与测试机相同的机器")
    sizing = size(load, record, machine)
    table = Table(title=f"plan: {load.audio_hours_per_day:,.0f} audio hours a day", title_justify="left")
    for column in ("resource", "needed", "basis"):
        table.add_column(column)
    margin = f"{load.window_hours:g} h window + {load.headroom:.0%} headroom"
    table.add_row("processing rate", f"{sizing.required_rate:,.1f} audio h per hour", margin)
    table.add_row("cores", f"{sizing.cores_needed}", f"{record.per_core:.2f} audio h/h per core (bench)")
    table.add_row("worker machines", f"{sizing.worker_machines} x {machine.cores} cores",
                  f"busy {sizing.busy_hours_per_day:.1f} h/day without headroom")  # fmt: skip
    table.add_row("memory per machine", f"{sizing.memory_per_machine_gib:,.1f} GiB"
                  + ("" if sizing.memory_fits else f" (over its {machine.ram_gib:g} GiB!)"),
                  f"{sizing.workers_per_machine} workers x {record.peak_worker_mib:,.0f} MiB"
                  " + headroom")  # fmt: skip
    table.add_row("server", "1", "callqa serve, PostgreSQL, Redis")
    table.add_row(
        "storage", f"{sizing.storage_tb:,.2f} TB", f"{load.retention_days} days + headroom; backups extra"
    )
    out.print(table)
    if price_list:
        costs = Table(title="monthly cost (CNY)", title_justify="left")
        costs.add_column("option")
        costs.add_column("CNY per month", justify="right")
        for cost in [private_cost(sizing, price_list), *cloud_costs(sizing, price_list)]:
            costs.add_row(
                cost.option, f"{cost.total:,.0f}" + ("" if cost.verified else " (prices to verify)")
            )
        out.print(costs)
    try:
        out_path.write_text(render_memo(sizing, price_list, date.today()), encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {out_path}: {exc.strerror or exc}") from None
    out.print(f"memo written to {out_path}", highlight=False)
