"""Distributed processing on Celery: `callqa worker`s on any number of machines take calls from a
broker; `process` and `serve` enqueue them. Exactly-once rests on the database (callqa.pipeline.lease),
the processing itself is the one pipeline (callqa.pipeline.process, transcribe_worker)."""
