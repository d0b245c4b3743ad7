"""The teacher pool page (师资库, CQ-B2)."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civtrain.accounts.api import Role, actor_scope
from civtrain.catalogue.api import subject_names
from civtrain.core.errors import ApplicationError, ValidationFailed
from civtrain.faculty import imports, selectors, services
from civtrain.faculty.data import TEACHER_CATEGORY_LABELS, TeacherCategory
from civtrain.faculty.pickers import teacher_choices
from civtrain.organisations.api import OrgPickForm

PAGE_SIZE = 50
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MANAGERS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.INSTITUTION)


def _org_form(request: HttpRequest, data: Any = None) -> OrgPickForm:
    """Where a new teacher is kept, picked by name (#11 item 3), not from every node."""
    return OrgPickForm(
        data, actor=request.user, purpose="faculty", label=gettext_lazy("所属"), auto_id="t-%s"
    )


@login_required
def teacher_list(request: HttpRequest) -> HttpResponse:
    scope = actor_scope(request.user)
    if request.method == "POST":
        try:
            org = _org_form(request, request.POST).chosen_org()
            services.teacher_create(
                actor=request.user,
                org_id=org.id,
                name=request.POST.get("name", ""),
                internal=request.POST.get("internal") == "1",
                category=request.POST.get("category") or TeacherCategory.EXPERT,
                full_time=request.POST.get("full_time") == "1",
                title=request.POST.get("title", ""),
                subjects=request.POST.getlist("subjects"),
                phone=request.POST.get("phone", ""),
            )
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        else:
            messages.success(request, _("教师已加入师资库"))
        return redirect("faculty:list")
    names = subject_names(include_inactive=True)
    teachers = selectors.teacher_list(
        actor=request.user,
        search=request.GET.get("q", ""),
        subject=request.GET.get("subject", ""),
        category=request.GET.get("category", ""),
    )
    # A city's pool runs to hundreds: a page of 50 with the count (#11 item 2).
    page = Paginator(teachers, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": urlencode(
            {k: request.GET[k] for k in ("q", "subject", "category") if request.GET.get(k)}
        ),
        "rows": [(t, "、".join(names.get(s, s) for s in t.subjects or [])) for t in page],
        "subjects": names,
        "can_edit": scope.has(*MANAGERS),
        "org_form": _org_form(request),
        "q": request.GET.get("q", ""),
        "subject": request.GET.get("subject", ""),
        "category": request.GET.get("category", ""),
        "categories": _categories(),
    }
    return render(request, "faculty/list.html", context)


@login_required
def teacher_pick(request: HttpRequest) -> JsonResponse:
    """The teacher picker's type-ahead (#11 item 3): up to 20 teachers of the pools the actor
    schedules from whose name or title contains `q`; nothing for a learner."""
    found = teacher_choices(actor=request.user, query=request.GET.get("q", "")[:50])
    return JsonResponse({"results": found})


def _categories() -> dict[str, str]:
    return {k.value: _(v) for k, v in TEACHER_CATEGORY_LABELS.items()}


@login_required
def detail(request: HttpRequest, teacher_id: int) -> HttpResponse:
    """A teacher's record: category, subjects, what they taught and how it was rated (CQ-B2;
    the history and ratings come from classes and evaluation through the site shell's tags)."""
    teacher = selectors.access_teacher_by_id(request.user, teacher_id)
    names = subject_names(include_inactive=True)
    context = {
        "teacher": teacher,
        "subjects": "、".join(names.get(s, s) for s in teacher.subjects or []),
        "categories": _categories(),
    }
    return render(request, "faculty/detail.html", context)


@login_required
def teacher_import(request: HttpRequest) -> HttpResponse:
    """Teachers from an Excel file: every row checked, nothing written unless all are good."""
    scope = actor_scope(request.user)
    if not scope.has(*MANAGERS):
        return redirect("faculty:list")
    result = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationFailed(_("请选择要导入的文件"))
            if upload.size and upload.size > MAX_UPLOAD_BYTES:
                raise ValidationFailed(_("文件过大（上限 5 MB）"))
            org = _org_form(request, request.POST).chosen_org()
            result = imports.teacher_import(
                actor=request.user,
                org_id=org.id,
                data=upload.read(),
                filename=upload.name or "",
            )
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        else:
            if result.created:
                messages.success(request, _("已导入 %(n)s 名教师") % {"n": result.created})
                return redirect("faculty:list")
    context = {
        "result": result,
        "org_form": _org_form(request),
        "headers": imports.TEMPLATE_HEADERS,
    }
    return render(request, "faculty/import.html", context)


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(imports.teacher_template(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''teacher-template.xlsx"
    return response
