"""The Celery application, built from the workspace's broker URL.

Why these options: a task is acknowledged only when it has finished (`acks_late`), and a task whose
worker process died is put back (`reject_on_worker_lost`), so a killed worker's call is delivered
again. Each worker process reserves one task at a time (`prefetch_multiplier` 1): a transcription
takes seconds to minutes, and a reserved task waits behind it. None of this is trusted for
exactly-once: redelivery may duplicate a task, a broker restart may lose one; callqa.pipeline.lease
and callqa.workers.dispatch make the result exact anyway.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

QUEUE = "callqa"
TASK = "callqa.process_call"
VISIBILITY_TIMEOUT_S = 3600  # Redis: an unacknowledged task is delivered again after this long


def make_app(broker_url: str) -> Celery:
    app = Celery("callqa", broker=broker_url, set_as_current=False)
    settings: dict[str, Any] = {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "task_default_queue": QUEUE,
        "task_serializer": "json",
        "accept_content": ["json"],
        "broker_transport_options": {"visibility_timeout": VISIBILITY_TIMEOUT_S},
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,  # a broker restart: wait for it, however long
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "worker_enable_remote_control": False,  # no pidbox queues: workers take calls and nothing else
    }
    app.conf.update(settings)
    return app
