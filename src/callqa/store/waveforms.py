"""A call's stored waveform (table call_waveforms): written with its transcript, read by the call page."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from callqa.audio.waveform import Waveform
from callqa.store.models import CallWaveform


def save_waveform(session: Session, call_pk: int, waveform: Waveform | None) -> None:
    """Replace the call's waveform (none stored when `waveform` is None)."""
    session.execute(delete(CallWaveform).where(CallWaveform.call_pk == call_pk))
    if waveform is None:
        return
    session.add(
        CallWaveform(
            call_pk=call_pk,
            bucket_s=waveform.bucket_s,
            speakers=list(waveform.speakers),
            levels=b"".join(waveform.levels),
        )
    )


def load_waveform(session: Session, call_pk: int) -> Waveform | None:
    """The call's waveform, or None (processed before waveforms were kept, or failed)."""
    row = session.get(CallWaveform, call_pk)
    if row is None or not row.speakers:
        return None
    width = len(row.levels) // len(row.speakers)
    lanes = tuple(row.levels[i * width : (i + 1) * width] for i in range(len(row.speakers)))
    return Waveform(row.bucket_s, tuple(row.speakers), lanes)
