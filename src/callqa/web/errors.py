"""The one place where failures become HTTP responses.

Routes raise domain refusals (`callqa.errors`) and never build error responses themselves. API paths
(/api/…) answer `{"detail": reason}`; pages answer an HTML page in Chinese, except that a refused
review action on a call page (a form post) comes back as that call page with the reason shown.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from callqa.errors import DomainError, InvalidInput, NotFound, PermissionDenied, TransitionError
from callqa.web.auth import LoginRequired
from callqa.web.render import templates

STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    PermissionDenied: 403,
    TransitionError: 409,
    InvalidInput: 422,
}
TITLES = {
    400: "请求有误",
    401: "请先登录",
    403: "无权访问",
    404: "未找到",
    405: "不支持的操作",
    409: "无法执行",
    413: "内容过大",
    415: "不支持的文件类型",
    422: "输入有误",
    429: "请求过于频繁",
}


def status_of(exc: DomainError) -> int:
    return next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_page(request: Request, status: int, reason: str) -> Response:
    context = {"status": status, "title": TITLES.get(status, "出错了"), "reason": reason, "user": None}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status = status_of(exc)
    if is_api(request):
        return JSONResponse({"detail": exc.reason}, status_code=status)
    ref = request.path_params.get("call_id")
    if request.method == "POST" and ref and status in (409, 422):
        from callqa.web.pages import render_call  # the page module imports this one's callers

        return render_call(request, ref, review_error=exc.reason, status_code=status)
    return error_page(request, status, exc.reason)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if is_api(request):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    return error_page(request, exc.status_code, str(exc.detail))


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if is_api(request):
        return JSONResponse({"detail": jsonable_errors(exc)}, status_code=422)
    fields = "、".join(sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")}))
    return error_page(request, 422, f"参数不正确：{fields}" if fields else "参数不正确")


def jsonable_errors(exc: RequestValidationError) -> list[dict[str, object]]:
    """Pydantic's error list without the raw input (which may be huge or not JSON-able)."""
    return [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]


async def _login_required(request: Request, _exc: Exception) -> Response:
    if is_api(request):
        return JSONResponse({"detail": "not authenticated"}, status_code=401)
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(LoginRequired, _login_required)
