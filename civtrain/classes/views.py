"""Pages of training classes: list, detail with sessions and status, create and edit."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civtrain.accounts.api import Role, actor_scope
from civtrain.catalogue.api import subject_names
from civtrain.catalogue.data import DELIVERY_MODE_LABELS, TRAINING_TYPE_LABELS
from civtrain.classes import selectors, services
from civtrain.classes.data import (
    CLASS_STATUS_LABELS,
    EXAM_FORM_LABELS,
    TRANSITIONS,
    ClassInput,
    ClassStatus,
    ExamForm,
    SessionInput,
)
from civtrain.classes.models import TrainingClass
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.errors import ApplicationError, NotFound, PermissionDenied
from civtrain.faculty.api import TeacherPickerField, teacher_for_user
from civtrain.institutions.api import institution_choices
from civtrain.organisations.api import OrgPickerField, org_label, org_labels

ORGANISERS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.UNIT_HR)
ACTION_LABELS = {
    ClassStatus.OPEN: gettext_lazy("开放报名"),
    ClassStatus.RUNNING: gettext_lazy("开班"),
    ClassStatus.PLANNED: gettext_lazy("退回计划"),
    ClassStatus.ARCHIVED: gettext_lazy("归档"),
}


# An <input type="date"> takes and gives ISO dates whatever the page's language; without
# `format` Django renders the value in the locale's input format (zh-Hans: 2026/12/02),
# which the browser discards, and the edit form loses its dates (#11 item 4).
ISO_DATE = forms.DateInput({"type": "date"}, format="%Y-%m-%d")


def _choices(labels: dict[Any, str]) -> list[tuple[str, str]]:
    return [(k.value, _(v)) for k, v in labels.items()]


class ClassForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("班次编号"), max_length=32)
    title = forms.CharField(label=gettext_lazy("班名"), max_length=200)
    training_type = forms.ChoiceField(label=gettext_lazy("培训类型"))
    mode = forms.ChoiceField(label=gettext_lazy("培训形式"))
    organiser_id = OrgPickerField(label=gettext_lazy("主办单位"), purpose="organiser")
    institution_id = forms.TypedChoiceField(label=gettext_lazy("施教机构"), coerce=int)
    start_date = forms.DateField(label=gettext_lazy("开班日期"), widget=ISO_DATE)
    end_date = forms.DateField(label=gettext_lazy("结业日期"), widget=ISO_DATE)
    days = forms.DecimalField(
        label=gettext_lazy("天数"), min_value=Decimal("0.5"), decimal_places=1
    )
    total_hours = forms.DecimalField(
        label=gettext_lazy("总学时"), min_value=Decimal("0.5"), decimal_places=1
    )
    capacity = forms.IntegerField(label=gettext_lazy("计划人数"), min_value=1)
    pass_mark = forms.DecimalField(label=gettext_lazy("合格分数线"), initial=60, decimal_places=1)
    exam_form = forms.ChoiceField(label=gettext_lazy("考核方式"))
    weight_exam = forms.DecimalField(
        label=gettext_lazy("考试权重"), initial=Decimal("0.60"), decimal_places=2
    )
    weight_conduct = forms.DecimalField(
        label=gettext_lazy("写实记录权重"), initial=Decimal("0.20"), decimal_places=2
    )
    weight_peer = forms.DecimalField(
        label=gettext_lazy("民主评议权重"), initial=Decimal("0.20"), decimal_places=2
    )
    audience = forms.CharField(label=gettext_lazy("培训对象"), required=False, max_length=300)
    external = forms.BooleanField(label=gettext_lazy("对口/外地培训"), required=False)
    self_registration = forms.BooleanField(label=gettext_lazy("允许个人报名"), required=False)

    def __init__(
        self, *args: Any, actor: Actor, capacity_locked: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if capacity_locked:  # once nominations open, places change on the roster page
            self.fields["capacity"].disabled = True
            self.fields["capacity"].help_text = _("报名开始后，计划人数请在学员名单页调整")
        self.fields["training_type"].choices = _choices(TRAINING_TYPE_LABELS)  # type: ignore[attr-defined]
        self.fields["mode"].choices = _choices(DELIVERY_MODE_LABELS)  # type: ignore[attr-defined]
        self.fields["exam_form"].choices = _choices(EXAM_FORM_LABELS)  # type: ignore[attr-defined]
        self.fields["organiser_id"].actor = actor  # type: ignore[attr-defined]
        self.fields["institution_id"].choices = [  # type: ignore[attr-defined]
            (i.id, i.name) for i in institution_choices(actor=actor)
        ]
        self.subjects = subject_names()
        for code, name in self.subjects.items():
            self.fields[f"subj_{code}"] = forms.DecimalField(
                label=name, required=False, min_value=Decimal(0), decimal_places=1
            )
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field, forms.BooleanField) else "form-control"
            if isinstance(field, forms.ChoiceField):
                css = "form-select"
            field.widget.attrs.setdefault("class", css)

    def subject_fields(self) -> list[Any]:
        return [self[f"subj_{c}"] for c in self.subjects]

    def main_fields(self) -> list[Any]:
        return [self[n] for n in self.fields if not n.startswith("subj_")]

    def to_input(self) -> ClassInput:
        d = self.cleaned_data
        hours = {c: d[f"subj_{c}"] for c in self.subjects if d.get(f"subj_{c}")}
        base = {k: v for k, v in d.items() if not k.startswith("subj_")}
        base["exam_form"] = ExamForm(base["exam_form"])
        base["organiser_id"] = base["organiser_id"].id
        return ClassInput(**base, subject_hours=hours)


def _initial(tc: TrainingClass) -> dict[str, Any]:
    initial = {n: getattr(tc, n) for n in ClassForm.base_fields}
    hours = selectors.class_subject_hours(training_class=tc)
    initial.update({f"subj_{code}": h for code, h in hours.items()})
    return initial


@login_required
def class_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.ClassFilters(
        search=request.GET.get("q", ""),
        status=request.GET.get("status", ""),
        training_type=request.GET.get("training_type", ""),
    )
    qs = selectors.class_list(actor=request.user, filters=filters)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    classes = list(page.object_list)
    # Organisers by the label people recognise, one read for the page (#11 item 3).
    labels = org_labels({tc.organiser_id for tc in classes})
    scope = actor_scope(request.user)
    context = {
        "page": page,
        "rows": [(tc, labels.get(tc.organiser_id, "")) for tc in classes],
        "filters": filters,
        "statuses": _choices(CLASS_STATUS_LABELS),
        "types": _choices(TRAINING_TYPE_LABELS),
        "can_create": scope.has(*ORGANISERS, Role.INSTITUTION),
    }
    template = "classes/list.html#results" if request.htmx else "classes/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _form_page(request: HttpRequest, form: ClassForm, tc: TrainingClass | None) -> HttpResponse:
    return render(request, "classes/form.html", {"form": form, "tc": tc})


@login_required
def class_create(request: HttpRequest) -> HttpResponse:
    form = ClassForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            tc = services.class_create(actor=request.user, data=form.to_input())
        except ApplicationError as exc:
            form.add_error(None, _(exc.message))
        else:
            messages.success(request, _("培训班已创建"))
            return redirect("classes:detail", tc.pk)
    return _form_page(request, form, None)


@login_required
def class_edit(request: HttpRequest, class_id: int) -> HttpResponse:
    tc = selectors.access_class_by_id(request.user, class_id, manage=True)
    form = ClassForm(
        request.POST or None,
        actor=request.user,
        initial=_initial(tc),
        capacity_locked=tc.status != ClassStatus.PLANNED,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.class_update(actor=request.user, training_class=tc, data=form.to_input())
        except ApplicationError as exc:
            form.add_error(None, _(exc.message))
        else:
            messages.success(request, _("培训班已保存"))
            return redirect("classes:detail", tc.pk)
    return _form_page(request, form, tc)


class SessionForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("日期"), widget=ISO_DATE)
    start_time = forms.TimeField(
        label=gettext_lazy("开始"), widget=forms.TimeInput({"type": "time"})
    )
    end_time = forms.TimeField(label=gettext_lazy("结束"), widget=forms.TimeInput({"type": "time"}))
    topic = forms.CharField(label=gettext_lazy("专题"), max_length=200)
    subject = forms.ChoiceField(label=gettext_lazy("科目"), required=False)
    hours = forms.DecimalField(
        label=gettext_lazy("学时"), min_value=Decimal("0.5"), decimal_places=1
    )
    place = forms.CharField(label=gettext_lazy("地点"), required=False, max_length=200)
    teacher_id = TeacherPickerField(label=gettext_lazy("教师"), required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teacher_id"].actor = actor  # type: ignore[attr-defined]
        self.fields["subject"].choices = [("", "—"), *subject_names().items()]  # type: ignore[attr-defined]
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            )


@login_required
def class_detail(request: HttpRequest, class_id: int) -> HttpResponse:
    tc = selectors.access_class_by_id(request.user, class_id)
    try:
        selectors.access_class_by_id(request.user, class_id, manage=True)
        can_manage = True
    except NotFound:
        can_manage = False
    try:
        selectors.access_class_by_id(request.user, class_id, run=True)
        runs = True
    except NotFound:
        runs = False
    scope = actor_scope(request.user)
    status = ClassStatus(tc.status)
    actions = (
        [(s.value, ACTION_LABELS[s]) for s in TRANSITIONS[status] if s in ACTION_LABELS]
        if can_manage
        else []
    )
    names = subject_names(include_inactive=True)
    context = {
        "tc": tc,
        "organiser_label": org_label(tc.organiser_id),
        "status_label": _(CLASS_STATUS_LABELS[status]),
        "subject_hours": [
            (names.get(code, code), h)
            for code, h in selectors.class_subject_hours(training_class=tc).items()
        ],
        "sessions": selectors.session_list(training_class=tc),
        "subject_labels": names,
        "can_manage": can_manage,
        "runs": runs,
        "can_nominate": scope.has(*ORGANISERS) and status == ClassStatus.OPEN,
        "actions": actions,
        "editable": can_manage and status in (ClassStatus.PLANNED, ClassStatus.OPEN),
        "session_form": SessionForm(actor=request.user)
        if can_manage and status not in (ClassStatus.RESULTS_FINAL, ClassStatus.ARCHIVED)
        else None,
        "running": status == ClassStatus.RUNNING,
    }
    return render(request, "classes/detail.html", context)


@login_required
@require_POST
def class_transition(request: HttpRequest, class_id: int) -> HttpResponse:
    tc = selectors.access_class_by_id(request.user, class_id, manage=True)
    services.class_transition(
        actor=request.user, training_class=tc, to=ClassStatus(request.POST.get("to", ""))
    )
    messages.success(request, _("培训班状态已更新"))
    return redirect("classes:detail", class_id)


@login_required
@require_POST
def session_add(request: HttpRequest, class_id: int) -> HttpResponse:
    tc = selectors.access_class_by_id(request.user, class_id, manage=True)
    form = SessionForm(request.POST, actor=request.user)
    if not form.is_valid():
        messages.error(
            request,
            _("课次信息不完整：")
            + "；".join(
                f"{form.fields[k].label}: {' '.join(str(m) for m in v)}"
                for k, v in form.errors.items()
            ),
        )
        return redirect("classes:detail", class_id)
    services.session_create(
        actor=request.user, training_class=tc, data=SessionInput(**form.cleaned_data)
    )
    messages.success(request, _("课次已添加"))
    return redirect("classes:detail", class_id)


# --- a teacher's own schedule (CQ-B2) ---------------------------------------------------------


def _month(value: str) -> dt.date | None:
    """ "2026-03" → 2026-03-01; anything else → None (no month filter)."""
    year, _sep, month = value.strip().partition("-")
    try:
        return dt.date(int(year), int(month), 1)
    except ValueError:
        return None


def _teacher_only(request: HttpRequest) -> None:
    if not actor_scope(request.user).has(Role.TEACHER):
        raise PermissionDenied(_("只有教师可以查看授课安排"))


@login_required
def teaching(request: HttpRequest) -> HttpResponse:
    """我的授课: the teacher's sessions, upcoming first then past, filtered by month; the
    QR check-in link on sessions of running classes from today on, the attendance sheet
    where the teacher also runs the class (implements CQ-B2)."""
    _teacher_only(request)
    month = _month(request.GET.get("month", ""))
    schedule = selectors.teaching_schedule(actor=request.user, month=month)
    runs = selectors.class_ids_run_by(actor=request.user)
    names = subject_names(include_inactive=True)

    def row(s: Any, upcoming: bool) -> dict[str, Any]:
        status = ClassStatus(s.training_class.status)
        return {
            "s": s,
            "subject": names.get(s.subject, s.subject),
            "status": _(CLASS_STATUS_LABELS[status]),
            "qr": upcoming and status == ClassStatus.RUNNING,
            "sheet": s.training_class_id in runs,
        }

    context = {
        "upcoming": [row(s, True) for s in schedule.upcoming],
        "past": [row(s, False) for s in schedule.past],
        "month": f"{month:%Y-%m}" if month else "",
        "linked": teacher_for_user(int(request.user.pk or 0)) is not None,
        "upcoming_hours": sum((s.hours for s in schedule.upcoming), Decimal(0)),
        "past_hours": sum((s.hours for s in schedule.past), Decimal(0)),
    }
    return render(request, "classes/teaching.html", context)


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _ics_fold(line: str) -> str:
    """RFC 5545 §3.1: lines of at most 75 octets, continued with CRLF and a space."""
    out: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def _ics_utc(day: dt.date, time: dt.time) -> str:
    local = dt.datetime.combine(day, time, tzinfo=clock.TZ)
    return local.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


@login_required
def teaching_ics(request: HttpRequest) -> HttpResponse:
    """The teacher's upcoming sessions as an iCalendar file (RFC 5545), times in UTC."""
    _teacher_only(request)
    schedule = selectors.teaching_schedule(actor=request.user)
    names = subject_names(include_inactive=True)
    stamp = clock.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    host = request.get_host().split(":")[0] or "civtrain"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//civtrain//teaching schedule//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_ics_text(_('我的授课'))}",
    ]
    for s in schedule.upcoming:
        tc = s.training_class
        subject = names.get(s.subject, s.subject)
        details = [
            f"{_('培训班')}：{tc.title}（{tc.code}）",
            f"{_('科目')}：{subject or '—'}",
            f"{_('学时')}：{s.hours.normalize():f}",
        ]
        lines += [
            "BEGIN:VEVENT",
            f"UID:session-{s.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_ics_utc(s.date, s.start_time)}",
            f"DTEND:{_ics_utc(s.date, s.end_time)}",
            f"SUMMARY:{_ics_text(f'{s.topic} · {tc.title}')}",
            f"LOCATION:{_ics_text(s.place)}",
            f"DESCRIPTION:{_ics_text(chr(10).join(details))}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    body = "".join(_ics_fold(line) + "\r\n" for line in lines)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="teaching.ics"'
    return response
