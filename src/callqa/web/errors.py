"""The one place where failures become HTTP responses.

Routes raise domain refusals (`callqa.errors`) and never build error responses themselves. API paths
(/api/…) answer `{"detail": reason}`; pages answer an HTML page in Chinese, except that a refused
review action on a call page (a form post) comes back as that call page with the reason shown.
"""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from callqa.errors import DomainError, InvalidInput, NotFound, PermissionDenied, TransitionError
from callqa.masking import masker_for
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
# The reason behind a framework's own refusal (an unknown path, a method the route lacks), which
# carries only the English status phrase.
REASONS = {
    404: "没有这个页面或对象，或你无权查看",
    405: "这个地址不支持此操作",
    413: "提交的内容超过大小上限",
    415: "不支持的内容类型",
}
# The parameters of pages and forms as their labels name them, for "参数不正确：开始日期".
FIELD_NAMES = {
    "q": "关键词", "speaker": "说话人", "fuzzy": "拼音模糊", "since": "开始日期", "until": "结束日期",
    "status": "状态", "review_state": "复核状态", "category": "违规类别", "agent": "坐席", "team": "团队",
    "min_score": "最低分", "max_score": "最高分", "sort": "排序", "page": "页码", "export": "导出格式",
    "format": "导出格式", "sheet": "报表内容", "t": "播放位置", "origin": "来源", "queued": "重新检查数",
    "actor": "操作人", "action": "操作", "call": "通话", "day": "日期", "username": "用户名",
    "password": "密码", "role": "角色", "name": "令牌用途", "reason": "申诉理由", "comment": "意见",
    "proposed_action": "建议处理措施", "decision": "判定", "outcome": "终审结果", "owner": "负责人",
    "text": "违规原话", "explanation": "说明", "start": "开始", "end": "结束", "severity": "严重程度",
    "version": "模型版本", "next": "下一步", "call_id": "通话", "violation_id": "违规",
    "session_id": "登录会话", "token_id": "API 令牌",
}  # fmt: skip


def status_of(exc: DomainError) -> int:
    return next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_page(request: Request, status: int, reason: str) -> Response:
    context = {"status": status, "title": TITLES.get(status, "出错了"), "reason": reason, "user": None}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def shown_reason(request: Request, reason: str) -> str:
    """The reason as the requester may read it: a refusal may quote what was said on a call (a hit's
    words), so numbers in it are masked unless the signed-in user's role sees them; masked too when
    nobody is signed in."""
    user = getattr(request.state, "user", None)
    role = user.role if user is not None else ""
    return masker_for(role, request.app.state.ws.settings.unmasked_roles).text(reason) or ""


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status, reason = status_of(exc), shown_reason(request, exc.reason)
    if is_api(request):
        return JSONResponse({"detail": reason}, status_code=status)
    ref = request.path_params.get("call_id")
    if request.method == "POST" and ref and status in (409, 422):
        from callqa.web.pages import render_call  # the page module imports this one's callers

        return render_call(request, ref, review_error=reason, status_code=status)
    return error_page(request, status, reason)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail
    if detail == HTTPStatus(exc.status_code).phrase:  # the framework's own English phrase
        detail = REASONS.get(exc.status_code, TITLES.get(exc.status_code, "出错了"))
    if is_api(request):
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)
    return error_page(request, exc.status_code, str(detail))


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if is_api(request):
        return JSONResponse({"detail": jsonable_errors(exc)}, status_code=422)
    names = {str(e["loc"][-1]) for e in exc.errors() if e.get("loc")}
    fields = "、".join(sorted(FIELD_NAMES.get(n, n) for n in names))
    return error_page(request, 422, f"参数不正确：{fields}" if fields else "参数不正确")


def jsonable_errors(exc: RequestValidationError) -> list[dict[str, object]]:
    """Pydantic's error list without the raw input (which may be huge or not JSON-able)."""
    return [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]


async def _login_required(request: Request, _exc: Exception) -> Response:
    if is_api(request):
        return JSONResponse({"detail": "请先登录"}, status_code=401)
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(LoginRequired, _login_required)
