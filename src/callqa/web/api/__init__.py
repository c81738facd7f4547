"""REST API (JSON) under /api, one router per resource, with the pages' authorization; OpenAPI at /docs.

Authentication: the session cookie of a signed-in browser, or ``Authorization: Bearer <api token>``.
Every state-changing request needs CSRF protection (``X-CSRF-Token`` for cookie sessions; API-token
requests are exempt). Refusals become HTTP statuses in one place (callqa.web.errors). A team lead sees
only their team's calls: any other call is a 404. Numbers are masked for roles outside the workspace's
``unmasked_roles``, and a call whose call_id holds a number is named by its ``ref`` ('~<n>') instead.
"""

from fastapi import APIRouter

from callqa.web.api import accounts, audit, calls, cases, dashboard, promises, rules, search, violations

router = APIRouter(prefix="/api", tags=["api"])
for module in (calls, violations, search, cases, dashboard, promises, rules, audit, accounts):
    router.include_router(module.router)

__all__ = ["router"]
