"""SCORM pages: the player (runtime API + the package in a frame), its commit and keep-alive
endpoints, the package's files from our own origin, and the bureaus' upload (ADR 0017)."""

import json
import mimetypes
import posixpath
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from civtrain.core.errors import ApplicationError, NotFound, ValidationFailed
from civtrain.organisations.api import OrgPickForm
from civtrain.scorm import attempts, selectors, services, storage

# Package content runs on our origin (the SCO must reach the API in its parent frame), with
# the inline scripts courseware is made of; it may talk to nothing but this origin and be
# framed only by our player (ADR 0017).
CONTENT_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)
_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".vtt": "text/vtt",
    ".xml": "text/xml",
    ".xsd": "text/xml",
}


@login_required
@require_GET
def player(request: HttpRequest, item_id: int) -> HttpResponse:
    launch = attempts.attempt_launch(
        actor=request.user, item_id=item_id, sco=request.GET.get("sco", "")
    )
    attempt = launch.attempt
    settings = {
        "version": launch.version.value,
        "cmi": launch.cmi,
        # The session key rides in the commit's address: scorm-again's commit at Terminate
        # may be a beacon, which carries no header (see `commit`).
        "commitUrl": reverse("scorm:commit", args=[attempt.pk])
        + "?"
        + urlencode({"session": attempt.session_key}),
        "keepaliveUrl": reverse("scorm:keepalive", args=[attempt.pk]),
        "keepaliveSeconds": attempts.KEEPALIVE_SECONDS,
        "contentUrl": _content_url(launch.package.pk, launch.href),
        "sessionKey": attempt.session_key,
        "csrfToken": get_token(request),
        "lostMessage": _("与平台的连接已中断，学习进度暂未保存"),
    }
    context = {
        "launch": launch,
        "scos": launch.package.scos,
        "settings": settings,
        "earned_minutes": attempt.earned_seconds // 60,
    }
    return render(request, "scorm/player.html", context)


def _content_url(package_id: int, href: str) -> str:
    """The launch file's address; the manifest's query and fragment go after the path."""
    path, query = attempts.split_href(href)
    return reverse("scorm:content", args=[package_id, path]) + query


def _runtime_answer(call: Any) -> JsonResponse:
    """scorm-again reads {"result", "errorCode"}; the platform's error shape rides along."""
    try:
        attempt = call()
    except ApplicationError as exc:
        body = {"result": False, "errorCode": 101, "error": exc.as_dict()}
        return JsonResponse(body, status=exc.status)
    return JsonResponse({"result": True, "errorCode": 0, "earned_seconds": attempt.earned_seconds})


@csrf_exempt
@login_required
@require_POST
def commit(request: HttpRequest, attempt_id: int) -> JsonResponse:
    """scorm-again's commit (JSON, or a beacon's text/plain at Terminate). No CSRF token: a
    beacon cannot send one. The session key in the address stands in for it — 128 random
    bits issued to the player page, changed at every launch, never in a cookie — so another
    site cannot forge a commit (ADR 0017)."""
    try:
        payload = json.loads(request.body or b"null")
    except ValueError:
        payload = None
    return _runtime_answer(
        lambda: attempts.attempt_commit(
            actor=request.user,
            attempt_id=attempt_id,
            session_key=request.GET.get("session", ""),
            payload=payload,
        )
    )


@login_required
@require_POST
def keepalive(request: HttpRequest, attempt_id: int) -> JsonResponse:
    return _runtime_answer(
        lambda: attempts.attempt_keepalive(
            actor=request.user,
            attempt_id=attempt_id,
            session_key=request.headers.get("X-Scorm-Session", ""),
        )
    )


@login_required
@require_GET
@xframe_options_sameorigin
def content(request: HttpRequest, package_id: int, path: str) -> HttpResponseBase:
    """One file of a package, to its authors and to learners who launched it; no listing."""
    package = selectors.access_package_content(request.user, package_id)
    name = posixpath.normpath(path)
    if not path or path.endswith("/") or name.startswith(("..", "/")) or name == ".":
        raise NotFound("文件不存在")
    key = storage.file_key(package.storage_key, name)
    files = storage.scorm_storage()
    if not files.exists(key):
        raise NotFound("文件不存在")
    suffix = posixpath.splitext(name)[1].lower()
    content_type = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(files.open(key), content_type=content_type)
    response["Content-Security-Policy"] = CONTENT_CSP
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """A bureau creates an online course from a SCORM package (as `civtrain import-scorm`)."""
    if not selectors.may_author(request.user):
        raise NotFound()
    # The node the course is published for, picked by name (#11 item 3).
    org_form = OrgPickForm(
        request.POST if request.method == "POST" else None,
        actor=request.user,
        purpose="bureau",
        name="org",
        label=gettext_lazy("发布单位"),
        auto_id="scorm-%s",
        start_with_own=True,
    )
    if request.method == "POST":
        file = request.FILES.get("package")
        try:
            org = org_form.chosen_org()
            if file is None:
                raise ValidationFailed(_("请选择要上传的 SCORM 课件包（.zip）"))
            created = services.course_from_package(
                actor=request.user,
                upload=file,
                size=file.size or 0,
                title=request.POST.get("title", ""),
                org_code=org.code,
                hours=_decimal(request.POST.get("hours", "")),
                subjects=[s for s in request.POST.get("subjects", "").split() if s],
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("已创建课程“%(title)s”（编号 %(id)s，%(version)s）")
                % {"title": created.title, "id": created.course_id, "version": created.label},
            )
            return redirect("scorm:upload")
    context = {"org_form": org_form, "form": request.POST}
    return render(request, "scorm/upload.html", context)


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value) if value.strip() else None
    except InvalidOperation:
        raise ValidationFailed(_("学时必须是数字，例如 2 或 1.5")) from None
