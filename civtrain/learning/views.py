"""Pages of online learning (#12 item 7): my courses, a course, the player, courseware files,
course authoring with resumable uploads."""

import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from civtrain.compliance import api as compliance_api
from civtrain.core import clock, downloads
from civtrain.core.errors import ApplicationError, NotFound
from civtrain.learning import media, review, selectors, services
from civtrain.learning.data import AUDIENCE_FLAGS, ITEM_KIND_LABELS, Audience
from civtrain.learning.errors import LearningError, LearningErrorCode
from civtrain.organisations.api import OrgPickForm
from civtrain.people.data import CATEGORY_LABELS, LEVEL_LABELS

FLAG_LABELS = {
    "grassroots": "基层",
    "basic_post": "基础岗位",
    "law_enforcement": "行政执法",
    "new_hire": "新录用",
}


def _unit(unit: str) -> str:
    """A rule set's unit (学时, 天, 次) in the page's language."""
    labels = {
        "学时": pgettext("unit", "学时"),
        "天": pgettext("unit", "天"),
        "次": pgettext("unit", "次"),
    }
    return labels.get(unit, unit)


@login_required
def my_courses(request: HttpRequest) -> HttpResponse:
    """我的课程: required this year (and what is missing), the catalogue, done this year."""
    person = selectors.learner_of(request.user)
    year = clock.today().year
    q = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    kind = kind if kind in ITEM_KIND_LABELS else ""
    _count, catalogue = selectors.course_page(actor=request.user, limit=100, search=q, kind=kind)
    required = selectors.required_for(person, year) if person else []
    # What the governing rule set still asks of them, and the courses that fill it (#12 item 1),
    # beside their progress bars: one evaluation for both
    gaps: list[selectors.Gap] = []
    gaps_ruleset, learner_progress = "", None
    if person:
        standing = compliance_api.person_evaluate(person.id, year=year)
        gaps_ruleset, gaps = selectors.gaps_for(person, standing)
        learner_progress = compliance_api.learner_progress_context(
            person.id, year=year, result=standing
        )
    gaps = [dataclasses.replace(g, unit=_unit(g.unit)) for g in gaps]
    context = {
        "learner_progress": learner_progress,
        "person": person,
        "year": year,
        "required": required,
        "missing": [r for r in required if not r.completed],
        "gaps": gaps,
        "gaps_ruleset": gaps_ruleset,
        "catalogue": catalogue,
        "completions": list(selectors.completions_of(person.id, year)) if person else [],
        "q": q,
        "kind": kind,
        "kinds": ITEM_KIND_LABELS,
        "can_author": selectors.is_author(request.user),
    }
    return render(request, "learning/my_courses.html", context)


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """The earned-time rules for learners (#12 item 8; docs/earned-time.md), with this
    platform's own settings."""
    low, high = settings.CIVTRAIN_LEARNING_CHECK_MINUTES
    context = {
        "beat": settings.CIVTRAIN_LEARNING_BEAT_SECONDS,
        "speed_cap": f"{settings.CIVTRAIN_LEARNING_SPEED_CAP:g}",
        "daily_cap": f"{settings.CIVTRAIN_LEARNING_DAILY_CAP_HOURS:g}",
        "check_low": low if high else 0,
        "check_high": high,
    }
    return render(request, "learning/rules.html", context)


@login_required
def course_page(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.access_course(request.user, course_id)
    person = selectors.learner_of(request.user)
    context = {
        "course": selectors.course_summary(course),
        "items": selectors.course_items_with_progress(course, person.id if person else None),
        "completed": bool(
            person and selectors.completed_this_year(person.id, course.pk, clock.today().year)
        ),
        "can_author": selectors.is_author(request.user, course),
        # SCORM packages open in their player for a learner (it starts their attempt).
        "is_learner": person is not None,
    }
    return render(request, "learning/course.html", context)


@login_required
def play(request: HttpRequest, item_id: int) -> HttpResponse:
    """The player: video or document, timed by heartbeats (PR-3)."""
    item = selectors.access_item(request.user, item_id)
    if item.kind not in ("video", "pdf"):
        raise NotFound(_("该课件请从课件播放器打开"))
    config = {
        "item": item.pk,
        "kind": item.kind,
        "session_url": f"/api/v1/learning/items/{item.pk}/sessions",
        "heartbeat_url": "/api/v1/learning/heartbeats",
        "file_url": f"/learning/items/{item.pk}/file",
        "duration": item.duration_seconds or 0,
        "pages": item.pages or 0,
        # pdf.js, vendored from npm (package-lock.json) and served by the platform itself
        "pdf_module": static("vendor/pdfjs/pdf.min.mjs"),
        "pdf_worker": static("vendor/pdfjs/pdf.worker.min.mjs"),
        # directories: not in the static manifest, served under their own names
        "pdf_cmaps": f"{settings.STATIC_URL}vendor/pdfjs/cmaps/",
        "pdf_fonts": f"{settings.STATIC_URL}vendor/pdfjs/standard_fonts/",
    }
    context = {"item": item, "course_id": item.course_id, "config": config}
    return render(request, "learning/play.html", context)


@login_required
def item_file(request: HttpRequest, item_id: int) -> HttpResponseBase:
    """The item's video (or PDF) with HTTP range requests. In production the web server sends the
    bytes (X-Accel-Redirect to CIVTRAIN_COURSEWARE_ACCEL, an `internal` location)."""
    item = selectors.access_item(request.user, item_id)
    if item.kind == "pdf":
        return serve_file(request, media.document_path(item), "application/pdf")
    return serve_file(request, media.video_path(item), "video/mp4")


@login_required
def item_poster(request: HttpRequest, item_id: int) -> HttpResponseBase:
    item = selectors.access_item(request.user, item_id)
    return serve_file(request, media.video_path(item, poster=True), "image/jpeg")


def serve_file(request: HttpRequest, path: Path, content_type: str) -> HttpResponseBase:
    # The protected path courseware and teaching materials share (core.downloads).
    return downloads.serve_file(request, path, content_type)


# -- authoring (city and district bureaus) ----------------------------------------------


def _org_form(
    request: HttpRequest, data: Any = None, *, name: str = "org_code", **kwargs: Any
) -> OrgPickForm:
    """The node a course or plan is published for (or a course's audience), picked by name
    among the bureau's subtree (#11 item 3), not from a list or typed as a code."""
    return OrgPickForm(
        data,
        actor=request.user,
        purpose="bureau",
        name=name,
        label=kwargs.pop("label", gettext_lazy("发布单位")),
        start_with_own=name == "org_code",
        **kwargs,
    )


def _org_code(request: HttpRequest, name: str = "org_code") -> str:
    """The code of the node the form's picker names (ValidationFailed when none is found)."""
    return _org_form(request, request.POST, name=name).chosen_org().code


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    if not selectors.is_author(request.user):
        raise NotFound(_("只有市、区县公务员主管部门可以管理网络课程"))
    if request.method == "POST":
        try:
            course = services.course_create(
                actor=request.user,
                title=request.POST.get("title", ""),
                org_code=_org_code(request),
                kind=request.POST.get("kind", "video"),
                hours=request.POST.get("hours") or None,
                description=request.POST.get("description", ""),
                required=request.POST.get("required") == "1",
            )
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        else:
            messages.success(request, _("课程已创建"))
            return redirect("learning:course", course_id=course.pk)
    _count, courses = selectors.course_page(actor=request.user, limit=200)
    context = {
        "courses": courses,
        "org_form": _org_form(request, auto_id="course-%s"),
        "kinds": ITEM_KIND_LABELS,
    }
    return render(request, "learning/manage.html", context)


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise LearningError(LearningErrorCode.INVALID, f"日期格式不正确：{value}") from None


def _int_or_none(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def _audience_form(request: HttpRequest, data: Any = None, initial: Any = None) -> OrgPickForm:
    return _org_form(
        request,
        data,
        name="audience_org_code",
        label=gettext_lazy("面向单位（不填为发布单位全辖区）"),
        required=False,
        initial=initial,
        auto_id="f-%s",
    )


def _audience_code(request: HttpRequest) -> str:
    chosen = _audience_form(request, request.POST).chosen_org_or_none()
    return chosen.code if chosen else ""


def _edit_action(request: HttpRequest, course_id: int) -> str:
    """Apply one form of the course editor; returns the success message."""
    post = request.POST
    action = post.get("action", "")
    if action == "course":
        services.course_update(
            actor=request.user,
            course_id=course_id,
            title=post.get("title", ""),
            description=post.get("description", ""),
            hours=post.get("hours") or None,
            required=post.get("required") == "1",
            published=post.get("published") == "1",
            available_from=_date(post.get("available_from", "")),
            available_until=_date(post.get("available_until", "")),
            audience=Audience(
                categories=tuple(post.getlist("categories")),
                ranks=tuple(r.strip() for r in post.get("ranks", "").split("、") if r.strip()),
                leadership_levels=tuple(post.getlist("leadership_levels")),
                flags=tuple(f for f in post.getlist("flags") if f in AUDIENCE_FLAGS),
            ),
            audience_org_code=_audience_code(request),
        )
        return _("课程信息已保存")
    if action == "chapter_add":
        services.chapter_add(actor=request.user, course_id=course_id, title=post.get("title", ""))
        return _("章节已添加")
    chapter_id = _int_or_none(post.get("chapter", ""))
    item_id = _int_or_none(post.get("item", "")) or 0
    if action == "chapter_update" and chapter_id:
        services.chapter_update(
            actor=request.user, chapter_id=chapter_id, title=post.get("title", "")
        )
        return _("章节已修改")
    if action == "chapter_delete" and chapter_id:
        services.chapter_delete(actor=request.user, chapter_id=chapter_id)
        return _("章节已删除，其中的课件保留在课程中")
    if action == "item_update":
        minutes = _int_or_none(post.get("minutes", ""))
        services.item_update(
            actor=request.user,
            item_id=item_id,
            title=post.get("title", ""),
            chapter_id=chapter_id,
            duration_seconds=minutes * 60 if minutes else None,
        )
        return _("课件已修改")
    if action in ("item_up", "item_down"):
        services.item_move(
            actor=request.user, item_id=item_id, step=-1 if action == "item_up" else 1
        )
        return _("课件顺序已调整")
    if action == "item_delete":
        services.item_delete(actor=request.user, item_id=item_id)
        return _("课件已删除")
    raise LearningError(LearningErrorCode.INVALID, "未知的操作")


@login_required
def course_edit(request: HttpRequest, course_id: int) -> HttpResponse:
    """Edit a course after creation (#12 item 4): its facts, audience and window, chapters
    and items. Every change goes through a service and is audited."""
    course = services.access_course_for_author(request.user, course_id)
    if request.method == "POST":
        try:
            messages.success(request, _edit_action(request, course_id))
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        return redirect("learning:course_edit", course_id=course_id)
    audience = Audience.from_json(course.audience)
    context = {
        "course": course,
        "audience": audience,
        "ranks": "、".join(audience.ranks),
        "chapters": selectors.chapters_of(course),
        "items": list(selectors.items_of(course)),
        "categories": CATEGORY_LABELS,
        "levels": LEVEL_LABELS,
        "flags": {f: FLAG_LABELS[f] for f in AUDIENCE_FLAGS},
        "audience_form": _audience_form(
            request, initial={"audience_org_code": course.audience_org_id}
        ),
    }
    return render(request, "learning/course_edit.html", context)


def _plan_action(request: HttpRequest) -> str:
    post = request.POST
    action = post.get("action", "")
    if action == "plan_create":
        year = _int_or_none(post.get("year", "")) or clock.today().year
        services.plan_create(
            actor=request.user, org_code=_org_code(request), year=year,
            title=post.get("title", ""),
        )  # fmt: skip
        return _("学习计划已创建")
    if action == "column_add":
        services.plan_column_add(
            actor=request.user, plan_id=_int_or_none(post.get("plan", "")) or 0,
            title=post.get("title", ""),
        )  # fmt: skip
        return _("专题已添加")
    if action == "entry_add":
        services.plan_entry_add(
            actor=request.user,
            column_id=_int_or_none(post.get("column", "")) or 0,
            course_id=_int_or_none(post.get("course", "")) or 0,
            required=post.get("required") == "1",
        )
        return _("课程已列入专题")
    raise LearningError(LearningErrorCode.INVALID, "未知的操作")


@login_required
def plans(request: HttpRequest) -> HttpResponse:
    """The annual learning plans (ZZ-N1, #12 item 3): the bureaus publish themed columns
    (专题) and the year's required courses; learners see the plans that bind them."""
    year = _int_or_none(request.GET.get("year", "")) or clock.today().year
    if request.method == "POST":
        try:
            messages.success(request, _plan_action(request))
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        return redirect(f"{request.path}?year={year}")
    person = selectors.learner_of(request.user)
    done = selectors.completed_course_ids(person.id, year) if person else set()
    can_author = selectors.is_author(request.user)
    context = {
        "year": year,
        "years": [year - 1, year, year + 1],
        "plans": [
            {
                "plan": p,
                "can_author": can_author and selectors.is_author_of(request.user, p.org.path),
            }
            for p in selectors.plans_visible(request.user, year)
        ],
        "done": done,
        "can_author": can_author,
        "org_form": _org_form(request, auto_id="plan-%s") if can_author else None,
        "courses": selectors.course_page(actor=request.user, limit=200)[1] if can_author else [],
    }
    return render(request, "learning/plans.html", context)


def _json_error(exc: ApplicationError) -> JsonResponse:
    return JsonResponse({"error": exc.as_dict()}, status=exc.status)


@login_required
@require_POST
def upload_begin(request: HttpRequest, course_id: int) -> JsonResponse:
    """Start a resumable upload (the uploader script; JSON in the API's error shape)."""
    try:
        state = media.upload_begin(
            actor=request.user,
            course_id=course_id,
            filename=request.POST.get("filename", ""),
            size=int(request.POST.get("size") or 0),
        )
    except ApplicationError as exc:
        return _json_error(exc)
    return JsonResponse(state.__dict__, status=201)


@login_required
def upload_chunk(request: HttpRequest, token: str) -> JsonResponse:
    """PUT a chunk with `Content-Range: bytes START-END/TOTAL`; GET says how much arrived."""
    try:
        if request.method == "GET":
            return JsonResponse(media.upload_status(actor=request.user, token=token).__dict__)
        if request.method != "PUT":
            return JsonResponse({"error": {"code": "method_not_allowed"}}, status=405)
        match = re.match(r"^bytes (\d+)-(\d+)/(\d+)$", request.headers.get("Content-Range", ""))
        if not match:
            raise LearningError(
                LearningErrorCode.BAD_UPLOAD, "缺少或无法解析分片范围头（Content-Range）"
            )
        state = media.upload_chunk(
            actor=request.user,
            token=token,
            start=int(match.group(1)),
            total=int(match.group(3)),
            data=request.body,
        )
    except ApplicationError as exc:
        return _json_error(exc)
    return JsonResponse(state.__dict__)


@login_required
@require_POST
def upload_finish(request: HttpRequest, course_id: int, token: str) -> JsonResponse:
    try:
        item = media.video_item_from_upload(
            actor=request.user,
            course_id=course_id,
            token=token,
            title=request.POST.get("title", ""),
        )
    except ApplicationError as exc:
        return _json_error(exc)
    return JsonResponse({"item": item.pk, "duration_seconds": item.duration_seconds}, status=201)


@login_required
@require_POST
def document_upload(request: HttpRequest, course_id: int) -> HttpResponse:
    """Add a PDF document to a course (a form post; documents are small)."""
    upload = request.FILES.get("file")
    minutes = request.POST.get("minutes", "").strip()
    try:
        if upload is None:
            raise LearningError(LearningErrorCode.BAD_UPLOAD, "请选择要上传的 PDF 文档")
        item = media.document_item_from_upload(
            actor=request.user,
            course_id=course_id,
            chunks=upload.chunks(),
            size=upload.size or 0,
            filename=upload.name or "",
            title=request.POST.get("title", ""),
            minutes=int(minutes) if minutes.isdigit() else None,
        )
    except ApplicationError as exc:
        messages.error(request, _(exc.message))
    else:
        messages.success(
            request,
            _("文档已添加：%(title)s，共 %(pages)s 页")
            % {"title": item.title, "pages": item.pages},
        )
    return redirect("learning:course", course_id=course_id)


# -- the reviewers' queue of earned-time anomalies (PR-3) ------------------------------


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    if not selectors.is_author(request.user):
        raise NotFound(_("只有市、区县公务员主管部门可以核查网络学时"))
    if request.method == "POST":
        anomaly_id = int(request.POST.get("anomaly") or 0)
        reason = request.POST.get("reason", "")
        try:
            if request.POST.get("action") == "revoke":
                count = review.anomaly_revoke(
                    actor=request.user, anomaly_id=anomaly_id, reason=reason
                )
                messages.success(request, _("已撤销学时，冲正 %(n)s 条培训记录") % {"n": count})
            else:
                review.anomaly_dismiss(actor=request.user, anomaly_id=anomaly_id, reason=reason)
                messages.success(request, _("已忽略该异常"))
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        return redirect("learning:review")
    findings = list(review.anomaly_queue(actor=request.user)[:200])
    return render(request, "learning/review.html", {"findings": findings})
