"""/api/search: transcript segments matching a query, on the calls a viewer may see."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from callqa.store.search import SearchFilters, search
from callqa.web.schemas import SearchOut
from callqa.web.viewer import CurrentViewer

router = APIRouter()


@router.get("/search", response_model=SearchOut)
def search_segments(  # type: ignore[no-untyped-def]
    request: Request,
    viewer: CurrentViewer,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    fuzzy: bool = False,
    speaker: Literal["agent", "customer"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
):
    """Transcript segments matching `q` exactly (or by pinyin with `fuzzy`), best first."""
    with request.app.state.db.session() as session:
        hits = search(
            session,
            q,
            fuzzy=fuzzy,
            filters=SearchFilters(speaker=speaker),
            limit=limit,
            viewer=viewer.user,
            mask=viewer.mask,
        )
    return {"q": q, "fuzzy": fuzzy, "hits": [h.to_json() for h in hits]}
