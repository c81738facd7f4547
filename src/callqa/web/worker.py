"""The server's background worker: processes pending calls (e.g. uploads) one batch at a time."""

from __future__ import annotations

import logging
import threading

from callqa.asr.engine import DecodeSettings
from callqa.pipeline.process import Transcriber, process_pending
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
    ):
        self.ws, self.db, self.pack, self.model_dir, self.interval_s = ws, db, pack, model_dir, interval_s
        self.transcriber = transcriber  # a fake speech engine in tests
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="callqa-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                settings = self.ws.settings
                summary = process_pending(self.ws, self.db, self.pack, self.model_dir,
                                          workers=settings.workers or default_workers(),
                                          settings=DecodeSettings(beam_size=settings.beam_size),
                                          transcriber=self.transcriber)  # fmt: skip
                if summary.done:
                    log.info("processed %d calls (%d failed)", summary.done, len(summary.failed))
            except Exception:  # the worker must outlive any one bad batch
                log.exception("background processing failed")
            self._wake.wait(self.interval_s)
            self._wake.clear()
