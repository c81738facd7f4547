"""The 规则 page's 重新训练 button: one retraining at a time, in a background thread.

Training takes minutes, so the request only starts it; the page shows 训练中 until it ends, then the
outcome. A saved model is put to work at once: the workbench's pack (`app.state.pack`) and the
background worker's are reloaded with it. `app.state.learn_options` (LearnOptions) sets how it
trains; the default is the shipped banks with the workspace's `learn_verdict_weight`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from fastapi import FastAPI

from callqa.errors import DomainError, TransitionError
from callqa.review.learning import LearnOptions, LearnResult, learn, switch
from callqa.rules.active import workspace_pack
from callqa.store.models import User

log = logging.getLogger("callqa.learn")


@dataclass(frozen=True)
class LearnState:
    """What the page shows: a run in progress, or how the last one ended."""

    running: bool
    by: str
    started: datetime
    stage: str = ""
    result: LearnResult | None = None
    error: str | None = None


class LearnJob:
    """At most one retraining per workbench process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.state: LearnState | None = None
        self.thread: threading.Thread | None = None

    def start(self, app: FastAPI, user: User) -> None:
        """Start a retraining as `user`; TransitionError while one runs."""
        with self._lock:
            if self.state and self.state.running:
                raise TransitionError(f"{self.state.by} 发起的重新训练尚未结束，请稍后再试")
            self.state = LearnState(True, user.username, datetime.now(UTC))
            self.thread = threading.Thread(
                target=self._run, args=(app, user), name="callqa-learn", daemon=True
            )
            self.thread.start()

    def _stage(self, stage: str, done: int, total: int) -> None:
        if self.state:
            self.state = replace(self.state, stage=f"{stage} {done}/{total}")

    def _run(self, app: FastAPI, user: User) -> None:
        assert self.state
        options = getattr(app.state, "learn_options", None) or LearnOptions(
            verdict_weight=app.state.ws.settings.learn_verdict_weight
        )
        try:
            result = learn(app.state.ws, app.state.db, user, options, progress=self._stage)
            if result.saved:
                reload_pack(app)
            self.state = replace(self.state, running=False, result=result)
        except Exception as exc:  # the page says so (a refusal in its words); the workbench carries on
            log.exception("retraining failed")
            why = exc.reason if isinstance(exc, DomainError) else "训练意外中止，原因已记入服务器日志"
            self.state = replace(self.state, running=False, error=why)


def reload_pack(app: FastAPI) -> None:
    """Load the pack with the workspace's current model again, for the pages and the worker."""
    app.state.pack = workspace_pack(app.state.ws)
    worker = getattr(app.state, "worker", None)
    if worker is not None and hasattr(worker, "pack"):
        worker.pack = app.state.pack


def use_model(app: FastAPI, user: User, version: str) -> None:
    """Switch the workspace to `version` (a rollback) and reload the pack."""
    switch(app.state.ws, app.state.db, user, version)
    reload_pack(app)


def learn_job(app: FastAPI) -> LearnJob:
    return app.state.learn_job  # type: ignore[no-any-return]
