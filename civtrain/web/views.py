"""Site shell pages: home per role, audit log, error pages, health check."""

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_POST, require_safe

from civtrain.accounts.api import Role, actor_scope
from civtrain.classes.api import classes_open_for_self_registration, classes_to_finalise
from civtrain.compliance.api import people_behind
from civtrain.core import clock, exports
from civtrain.core.actors import Actor
from civtrain.core.errors import ValidationFailed
from civtrain.core.middleware import client_ip
from civtrain.enrolment.api import (
    leave_pending_by_class,
    messages_unacknowledged_count,
    notices_unacknowledged_count,
)
from civtrain.organisations.api import (
    OrgKind,
    OrgNodeData,
    org_count_by_kind,
    org_data,
    org_data_many,
    org_label,
    org_labels,
)
from civtrain.people.api import person_counts, person_for_user
from civtrain.people.data import (
    CATEGORY_LABELS,
    GENDER_LABELS,
    LEVEL_LABELS,
    STATUS_LABELS,
    remask_changes,
    remask_legacy,
)
from civtrain.web.audit_export import audit_csv
from civtrain.web.audit_sentences import org_ids_in, sentences
from civtrain.web.middleware import render_error_page
from civtrain.web.saved_filters import (
    clean_query,
    list_path,
    saved_filter_delete,
    saved_filter_save,
)
from civtrain.web.selectors import (
    AuditFilters,
    audit_choices,
    audit_event_list,
    database_vendor,
    event_failed,
)

PAGE_SIZE = 50
# Readable names of the audit actions the foundation records; others show their code.
ACTION_LABELS = {
    "person.create": gettext_noop("登记人员"),
    "person.update": gettext_noop("修改人员信息"),
    "person.reveal_id": gettext_noop("查看完整身份证号"),
    "person.read": gettext_noop("查看人员信息"),
    "request.refused": gettext_noop("访问被拒绝"),
    "inbox.send": gettext_noop("发送站内消息"),
    "person.import": gettext_noop("导入花名册"),
    "person.export": gettext_noop("导出花名册"),
    "person.export_download": gettext_noop("下载导出的花名册"),
    "person.import_errors_download": gettext_noop("下载名册导入的错误行"),
    "person.anonymise": gettext_noop("超过保留期限，匿名化人员信息"),
    "account.disable": gettext_noop("停用账号"),
    "career_event.record": gettext_noop("记录履历事件"),
    "org.create": gettext_noop("新建机构"),
    "org.update": gettext_noop("修改机构"),
    "org.move": gettext_noop("移动机构"),
    "user.create": gettext_noop("新建账号"),
    "role.assign": gettext_noop("分配角色"),
    "token.create": gettext_noop("创建 API 令牌"),
    "token.revoke": gettext_noop("吊销 API 令牌"),
    "user.password_set": gettext_noop("设置密码"),
    "user.password_issue": gettext_noop("发放初始密码"),
    "user.password_reset": gettext_noop("重置密码"),
    "user.password_change": gettext_noop("本人修改密码"),
    "auth.login": gettext_noop("登录"),
    "auth.login_failed": gettext_noop("登录失败"),
    "auth.lockout": gettext_noop("登录锁定"),
    "org.import": gettext_noop("导入机构设置"),
    "credit.entries_bulk_record": gettext_noop("批量登记培训记录"),
    "table.export": gettext_noop("导出列表"),
    "table.export_download": gettext_noop("下载导出的列表"),
}

# Extension point for the compliance app (issue 4): when this template exists, the
# learner's home includes it with `person` (people.data.PersonData) in the context.
# Without the app the home page simply leaves the area out.
LEARNER_PROGRESS_TEMPLATE = "compliance/_learner_progress.html"


def _template_available(name: str) -> bool:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


def _node_id(path: str) -> int:
    return int(path.strip("/").split("/")[-1])


@dataclass(frozen=True)
class Task:
    """One thing a role has to do next, on its home page (issue #11 item 7)."""

    text: str
    url: str
    urgent: bool = False


def _personnel_tasks(actor: Actor, node: OrgNodeData, path: str) -> list[Task]:
    """Behind, by this year's stored results; notices to acknowledge; leave to decide."""
    year = clock.today().year
    tasks = []
    behind = people_behind(actor=actor, year=year, root_path=path)
    people = f"{reverse('compliance:people')}?unit={node.code}&year={year}"
    if behind["missed"]:
        text = _("%(n)s 人有培训要求逾期未完成") % {"n": behind["missed"]}
        tasks.append(Task(text, f"{people}&risk=missed", urgent=True))
    if behind["not_yet"]:
        text = _("%(n)s 人本年度还有培训要求未完成") % {"n": behind["not_yet"]}
        tasks.append(Task(text, f"{people}&risk=not_yet"))
    return tasks


def _unit_tasks(actor: Actor) -> list[Task]:
    tasks = []
    notices = notices_unacknowledged_count(actor=actor)
    if notices:
        text = _("%(n)s 条培训结果通知待确认") % {"n": notices}
        tasks.append(Task(text, reverse("enrolment:inbox"), urgent=True))
    unit_messages = messages_unacknowledged_count(actor=actor)
    if unit_messages:
        text = _("%(n)s 条调训通知或候补录取通知待确认") % {"n": unit_messages}
        tasks.append(Task(text, reverse("enrolment:inbox") + "?new=1", urgent=True))
    return tasks + _leave_tasks(actor)


def _leave_tasks(actor: Actor) -> list[Task]:
    return [
        Task(
            _("“%(title)s”有 %(n)s 条请假申请待审批") % {"title": title, "n": n},
            reverse("enrolment:leave", args=[class_id]),
        )
        for class_id, title, n in leave_pending_by_class(actor=actor)
    ]


def _institution_tasks(actor: Actor) -> list[Task]:
    finalise = [
        Task(
            _("“%(title)s”已于 %(end)s 结束，成绩待确认") % {"title": c.title, "end": c.end_date},
            reverse("enrolment:results", args=[c.id]),
            urgent=True,
        )
        for c in classes_to_finalise(actor)
    ]
    return finalise + _leave_tasks(actor)


def _jurisdiction_panels(actor: Actor, paths: tuple[str, ...]) -> list[dict[str, Any]]:
    """Counts for each subtree the actor holds, nodes per kind and active people, and what to
    do next there."""
    nodes = org_data_many(_node_id(p) for p in paths)
    panels = []
    for path in paths:
        kinds = org_count_by_kind([path])
        people = person_counts(actor, [path])
        panels.append(
            {
                "node": nodes[_node_id(path)],
                "districts": kinds.get(OrgKind.DISTRICT.value, 0),
                "units": kinds.get(OrgKind.UNIT.value, 0),
                "departments": kinds.get(OrgKind.DEPARTMENT.value, 0),
                "people": people,
                "categories": [(label, people[c.value]) for c, label in CATEGORY_LABELS.items()],
                "tasks": _personnel_tasks(actor, nodes[_node_id(path)], path),
            }
        )
    return panels


def _learner_card(user_id: int) -> dict[str, Any] | None:
    person = person_for_user(user_id)
    if person is None:
        return None
    return {
        "person": person,
        "unit": org_data(person.unit_id),
        "unit_label": org_label(person.unit_id),
        "gender": GENDER_LABELS.get(person.gender, ""),
        "category": CATEGORY_LABELS[person.category],
        "level": LEVEL_LABELS[person.leadership_level] if person.leadership_level else "",
        "status": STATUS_LABELS[person.status],
    }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One page per role held (issue 2 item 9); a user with several roles sees each part."""
    scope = actor_scope(request.user)
    context: dict[str, Any] = {
        "roles": sorted(scope.roles),
        "city_panels": _jurisdiction_panels(request.user, scope.paths_for(Role.CITY_BUREAU)),
        "district_panels": _jurisdiction_panels(
            request.user, scope.paths_for(Role.DISTRICT_BUREAU)
        ),
        "unit_panels": _jurisdiction_panels(request.user, scope.paths_for(Role.UNIT_HR)),
        "institution_tasks": (
            _institution_tasks(request.user) if scope.has(Role.INSTITUTION) else []
        ),
        "open_classes": (
            classes_open_for_self_registration(request.user) if scope.has(Role.LEARNER) else []
        ),
        "is_institution": scope.has(Role.INSTITUTION),
        "is_teacher": scope.has(Role.TEACHER),
        "is_evaluator": scope.has(Role.EVALUATOR),
        "learner": _learner_card(scope.user_id)
        if scope.has(Role.LEARNER) and scope.user_id
        else None,
        "has_role": bool(scope.roles),
    }
    if context["unit_panels"]:  # notices and leave are the actor's, whichever of their units
        context["unit_panels"][0]["tasks"] += _unit_tasks(request.user)
    context["learner_progress_template"] = (
        LEARNER_PROGRESS_TEMPLATE
        if context["learner"] and _template_available(LEARNER_PROGRESS_TEMPLATE)
        else None
    )
    return render(request, "web/home.html", context)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("操作"), required=False, widget=forms.Select({"class": "form-select"})
    )
    object_type = forms.ChoiceField(
        label=gettext_lazy("对象类型"),
        required=False,
        widget=forms.Select({"class": "form-select"}),
    )
    actor = forms.CharField(
        label=gettext_lazy("操作人"),
        required=False,
        max_length=150,
        widget=forms.TextInput({"class": "form-control"}),
    )
    date_from = forms.DateField(
        label=gettext_lazy("起始日期"),
        required=False,
        widget=forms.DateInput({"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=gettext_lazy("截止日期"),
        required=False,
        widget=forms.DateInput({"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )

    ip_address = forms.GenericIPAddressField(
        label=gettext_lazy("地址"),
        required=False,
        widget=forms.TextInput({"class": "form-control"}),
    )
    object = forms.CharField(
        label=gettext_lazy("对象"),
        required=False,
        max_length=200,
        widget=forms.TextInput({"class": "form-control"}),
    )
    result = forms.ChoiceField(
        label=gettext_lazy("结果"),
        required=False,
        choices=[
            ("", gettext_lazy("全部")),
            ("ok", gettext_lazy("成功")),
            ("failed", gettext_lazy("失败或被拒绝")),
        ],
        widget=forms.Select({"class": "form-select"}),
    )

    def __init__(self, *args: Any, choices: dict[str, list[str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("全部"))]
        self.fields["action"].choices = everything + [  # type: ignore[attr-defined]
            (a, f"{_(ACTION_LABELS[a])}（{a}）" if a in ACTION_LABELS else a)
            for a in choices["actions"]
        ]
        self.fields["object_type"].choices = everything + [  # type: ignore[attr-defined]
            (t, t) for t in choices["object_types"]
        ]

    def filters(self) -> AuditFilters:
        if not self.is_valid():
            return AuditFilters()
        data = self.cleaned_data
        return AuditFilters(
            action=data["action"] or "",
            object_type=data["object_type"] or "",
            actor=data["actor"] or "",
            date_from=data["date_from"],
            date_to=data["date_to"],
            ip_address=data["ip_address"] or "",
            object=data["object"] or "",
            result=data["result"] or "",
        )


@login_required
@require_safe
def audit(request: HttpRequest) -> HttpResponse:
    """The audit log, read-only, for the city bureau (issue 2 item 7)."""
    choices = audit_choices(actor=request.user)  # raises PermissionDenied for other roles
    form = AuditFilterForm(request.GET or None, choices=choices)
    events = audit_event_list(actor=request.user, filters=form.filters())
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for event in rows:
        event.changes = remask_changes(event.changes)
    orgs = org_labels({i for event in rows for i in org_ids_in(event.changes)})
    for event in rows:
        label = ACTION_LABELS.get(event.action)
        event.action_label = _(label) if label else ""  # type: ignore[attr-defined]
        # Rows written before issue 8 item 3 hold the old, reversible masks: shown re-masked.
        event.object_label = remask_legacy(event.object_label)
        event.failed = event_failed(event.action)  # type: ignore[attr-defined]
        event.sentences = list(sentences(event.changes, event.object_type, orgs))  # type: ignore[attr-defined]
    page.object_list = rows
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
    }
    template = "web/audit.html#results" if getattr(request, "htmx", False) else "web/audit.html"
    return render(request, template, context)


@login_required
@require_POST
def audit_export(request: HttpRequest) -> HttpResponse:
    """The audit search's rows as .xlsx (the export job above 2,000 rows) or as CSV, with
    formula neutralisation (core.tabular), for the audit administrator (#17 item 2); audited."""
    choices = audit_choices(actor=request.user)  # raises PermissionDenied for other roles
    form = AuditFilterForm(request.POST, choices=choices)
    params = dataclasses.asdict(form.filters())
    params = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in params.items()}
    if request.POST.get("format") == "csv":
        content, filename = audit_csv(actor=request.user, params=params)
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        return response
    result = exports.table_export_start(
        actor=request.user,
        source="civtrain.web.audit_export:audit_table",
        params=params,
        ip=client_ip(request),
    )
    return exports.export_response(result)


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok", "database": database_vendor()})


# Error pages (config/urls.py handler404 …): Chinese, inside the site layout.
def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error_page(request, 404, _("您要找的页面或对象不存在，或不在您的管辖范围内。"))


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error_page(request, 403, _("您没有访问此页面的权限。"))


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error_page(request, 400, _("请求无法处理，请返回后重试。"))


def error_500(request: HttpRequest) -> HttpResponse:
    message = _("服务器出现错误，已记录，请稍后重试。")
    try:
        return render_error_page(request, 500, message)
    except Exception:  # the layout needs the database, which may be what failed
        return HttpResponse(f"<h1>500</h1><p>{message}</p>", status=500)


# Saved filters of the long lists (issue #11 item 2) ---------------------------------------
@login_required
@require_POST
def saved_filter_save_view(request: HttpRequest) -> HttpResponse:
    path = list_path(request.POST.get("path", ""))  # anything else: a 400 page
    query = request.POST.get("query", "")
    try:
        saved = saved_filter_save(
            user_id=int(request.user.pk or 0),
            path=path,
            name=request.POST.get("name", ""),
            query=query,
        )
    except ValidationFailed as error:
        messages.error(request, error.message)
        return redirect(f"{path}?{clean_query(query)}")
    messages.success(request, _("已保存筛选条件“%(name)s”") % {"name": saved.name})
    return redirect(f"{saved.path}?{saved.query}")


@login_required
@require_POST
def saved_filter_delete_view(request: HttpRequest, filter_id: int) -> HttpResponse:
    path = saved_filter_delete(user_id=int(request.user.pk or 0), filter_id=filter_id)
    messages.success(request, _("已删除筛选条件"))
    return redirect(path)


# Jobs whose result is one file: the lists' exports (core.exports, issue #11 item 2), the
# roster export, the documents' zips (issue #15) — one page, one fragment, one download --------
def _export_job_context(request: HttpRequest, job_id: int) -> dict[str, Any]:
    job, spec = exports.file_job_get(actor=request.user, job_id=job_id)
    return {
        "progress_url": reverse("web:export_progress", args=[job.pk]),
        "download_url": reverse("web:export_download", args=[job.pk]),
        "job": job,
        "heading": spec.heading,
        "counts": spec.counts,
        "personal_data": spec.personal_data,
        "back_url": reverse(spec.back_url) if spec.back_url else "",
        "available": exports.available(job),
        "expires_at": exports.expires_at(job),
        "immediate_max": exports.IMMEDIATE_MAX,
    }


@login_required
@require_safe
def export_job(request: HttpRequest, job_id: int) -> HttpResponse:
    return render(request, "web/export_job.html", _export_job_context(request, job_id))


@login_required
@require_safe
def export_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The htmx-polled fragment: a bar while running, the download link once done."""
    return render(
        request, "web/partials/export_progress.html", _export_job_context(request, job_id)
    )


@login_required
@require_safe
def export_download(request: HttpRequest, job_id: int) -> FileResponse:
    """The finished file, for the user who asked for it only; its kind audits each download."""
    found = exports.file_job_open(actor=request.user, job_id=job_id)
    assert found.path is not None  # noqa: S101 - file_job_open answers a file or NotFound
    return FileResponse(
        found.path.open("rb"),
        as_attachment=True,
        filename=found.filename,
        content_type=found.content_type,
    )
