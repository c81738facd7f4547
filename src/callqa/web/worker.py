"""The server's background worker: processes pending calls (e.g. uploads) one batch at a time, or, with
a broker, sends them to the `callqa worker`s (callqa.workers.dispatch); and runs the rechecks the
workbench hands it (too many calls to make someone wait for an HTTP answer)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from callqa.asr.engine import DecodeSettings
from callqa.pipeline.process import Transcriber, process_pending
from callqa.pipeline.recheck import Selection, recheck
from callqa.review.audit import Actor
from callqa.rules import RulePack
from callqa.settings import default_workers
from callqa.store.database import Database
from callqa.workspace import Workspace

log = logging.getLogger("callqa.worker")


class BackgroundWorker:
    """A daemon thread that runs `process_pending` whenever woken (and every `interval_s`)."""

    def __init__(
        self,
        ws: Workspace,
        db: Database,
        pack: RulePack,
        model_dir: str,
        interval_s: float = 10.0,
        transcriber: Transcriber | None = None,
        dispatcher: Callable[[], object] | None = None,
    ):
        self.ws, self.db, self.pack, self.model_dir, self.interval_s = ws, db, pack, model_dir, interval_s
        self.transcriber = transcriber  # a fake speech engine in tests
        self.dispatcher = dispatcher  # with a broker: send pending calls to the workers instead
        self._wake, self._stop = threading.Event(), threading.Event()
        self._rechecks: list[tuple[RulePack, Actor, Selection]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="callqa-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def queue_recheck(self, pack: RulePack, actor: Actor, selection: Selection) -> None:
        """Recheck `selection` with `pack` in the background, as `actor` (who the audit entry names)."""
        with self._lock:
            self._rechecks.append((pack, actor, selection))
        self.wake()

    def run_rechecks(self) -> int:
        """Run the queued rechecks now (the worker thread does; tests call it); returns how many ran."""
        done = 0
        while True:
            with self._lock:
                if not self._rechecks:
                    return done
                pack, actor, selection = self._rechecks.pop(0)
            try:
                summary = recheck(self.db, pack, actor, selection)
                log.info("rechecked %d calls (%d changed)", summary.calls, summary.changed_calls)
            except Exception:
                log.exception("recheck failed")
            done += 1

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _process(self) -> None:
        settings = self.ws.settings
        summary = process_pending(self.ws, self.db, self.pack, self.model_dir,
                                  workers=settings.workers or default_workers(),
                                  settings=DecodeSettings(beam_size=settings.beam_size),
                                  transcriber=self.transcriber)  # fmt: skip
        if summary.done:
            log.info("processed %d calls (%d failed)", summary.done, len(summary.failed))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_rechecks()
            try:
                if self.dispatcher is not None:
                    self.dispatcher()
                else:
                    self._process()
            except Exception:  # the worker must outlive any one bad batch
                log.exception("background processing failed")
            self._wake.wait(self.interval_s)
            self._wake.clear()
