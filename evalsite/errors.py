"""Error pages: every refusal is a calm page in the user's language with a 4xx status."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from evalsite.i18n import error_text, translate
from evalsite.sizes import size_text
from surveys.errors import DomainError
from surveys.i18n import N_


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)


def _domain_error(error: DomainError):
    details = [translate(d) for d in error.details]
    return _page(error_text(error), details=details, back=_back()), error.status


def _back() -> str | None:
    """The page the user came from, if it was one of ours."""
    referrer = request.referrer or ""
    root = request.host_url
    return referrer if referrer.startswith(root) else None


def _csrf_error(_error: CSRFError):
    if _is_public():
        return _page(_("页面已过期或来源不明，请重新扫码或输入评议码后再试。"), hide_form=False), 400
    message = _("页面已过期，内容没有提交。请返回上一页，刷新后重试；如已退出，请先重新登录。")
    return _page(message, back=_back()), 400


def _is_public() -> bool:
    """A rater's page: the rating blueprint, or an address under it that matched no route."""
    return request.blueprint == "public" or request.path == "/r" or request.path.startswith(("/r/", "/o/"))


def _page(message: str, hide_form: bool = True, **context):
    """Public pages answer in their own light layout, the API in JSON, the rest in the admin layout."""
    if request.path.startswith("/api/"):
        return jsonify(error=message)
    if _is_public():
        return render_template("public/enter.html", message=message, hide_form=hide_form)
    return render_template("error.html", message=message, **context)


_MESSAGES = {
    400: N_("请求有误。"),
    403: N_("您没有权限访问此页面。"),
    404: N_("页面不存在。"),
    405: N_("不支持此操作方式。"),
    413: N_("上传的文件太大。"),
    429: N_("操作过于频繁，请稍后再试。"),
}


def _http_error(error: HTTPException):
    if error.code is None or error.code >= 500:
        return _page(_("服务器出错了，请稍后再试。")), error.code or 500
    if error.code == 413 and current_app.config.get("MAX_CONTENT_LENGTH"):
        size = size_text(current_app.config["MAX_CONTENT_LENGTH"])
        return _page(_("上传的内容太大：一次提交的所有文件合计不能超过 %(size)s。", size=size)), 413
    message = _MESSAGES.get(error.code)
    return _page(_(message) if message else error.name), error.code
