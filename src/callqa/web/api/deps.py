"""What every API router shares: the CSRF dependencies of state-changing routes."""

from __future__ import annotations

from fastapi import Depends

from callqa.web.auth import current_user, require_csrf

CSRF = [Depends(current_user), Depends(require_csrf)]  # 401 before 403 for anonymous callers
