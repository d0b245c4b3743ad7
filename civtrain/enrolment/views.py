"""Pages of enrolment: nomination, roster, attendance sheet and QR check-in, leave, results,
the unit's results inbox, and a learner's own classes."""

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civtrain.accounts.api import PERSONNEL_ROLES, actor_scope
from civtrain.catalogue.api import subject_names
from civtrain.classes.api import (
    ClassStatus,
    access_class,
    access_session,
    classes_open_for_self_registration,
    sessions_of,
)
from civtrain.core import exports
from civtrain.core.actors import Actor
from civtrain.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from civtrain.core.middleware import client_ip
from civtrain.core.tabular import Column, TabularError, read_table, refuse_rejected
from civtrain.enrolment import qr, selectors, services
from civtrain.enrolment.data import (
    ATTENDANCE_LABELS,
    ENROLMENT_STATUS_LABELS,
    INSTITUTION_REASONS,
    LEAVE_STATUS_LABELS,
    UNIT_REASONS,
    WITHDRAWAL_REASON_LABELS,
    AttendanceStatus,
    EnrolmentStatus,
    ImportProblem,
    NominationFilter,
    ResultInput,
)
from civtrain.enrolment.errors import EnrolmentErrorCode
from civtrain.organisations.api import UnitPickForm, org_labels
from civtrain.people.api import person_list_data
from civtrain.people.data import CATEGORY_LABELS, RANKS

SCORE_COLUMNS = [
    ("exam_score", "考试成绩"),
    ("conduct_attitude", "学习态度"),
    ("conduct_participation", "课堂参与"),
    ("conduct_interaction", "交流研讨"),
    ("conduct_discipline", "遵守纪律"),
    ("peer_score", "民主评议"),
]
ATTENDANCE_CYCLE = {
    "": AttendanceStatus.PRESENT,
    AttendanceStatus.PRESENT: AttendanceStatus.ABSENT,
    AttendanceStatus.ABSENT: AttendanceStatus.LEAVE,
    AttendanceStatus.LEAVE: AttendanceStatus.PRESENT,
}


def _uploaded(request: HttpRequest, columns: list[Column]) -> list[dict[str, Any]]:
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationFailed(_("请选择要上传的文件"))
    table = read_table(upload.read(), filename=upload.name or "", columns=columns)
    refuse_rejected(table)  # control characters: the whole sheet is refused, rows named
    return [{**row.values, "_row": row.number} for row in table.rows]


def _problems_message(problems: list[ImportProblem]) -> str:
    shown = "；".join(
        (_("第 %(row)s 行：") % {"row": p.row} if p.row else "") + p.message for p in problems[:10]
    )
    more = _("（共 %(n)s 处问题）") % {"n": len(problems)} if len(problems) > 10 else ""
    return _("未导入任何数据。") + shown + more


# --- nomination and roster ------------------------------------------------------------------


def _filter_from(data: Any, actor: Actor) -> NominationFilter:
    """The batch-nomination filters from a query string or a form (#11 item 4); the unit
    picked by name (#11 item 3), ValidationFailed when it is not one the actor manages."""
    unit = UnitPickForm({"unit": data.get("unit", "")}, actor=actor).chosen_unit()
    return NominationFilter(
        unit_id=unit.id if unit else None,
        category=str(data.get("category", "")),
        rank=str(data.get("rank", "")),
        law_enforcement=True if data.get("law_enforcement") else None,
        grassroots=True if data.get("grassroots") else None,
        basic_post=True if data.get("basic_post") else None,
    )


@login_required
def nominate(request: HttpRequest, class_id: int) -> HttpResponse:
    """Unit HR filters their own people, ticks them and nominates; or nominates everyone a
    filter matches after a preview of the count (#11 item 4); or uploads ID numbers."""
    tc = access_class(request.user, class_id)
    scope = actor_scope(request.user)
    if not scope.has(*PERSONNEL_ROLES):
        raise PermissionDenied(_("只有组织人事部门可以推荐学员"))
    if request.method == "POST":
        try:
            if request.FILES.get("file"):
                rows = _uploaded(request, [Column("id_number", "身份证号", required=True)])
                outcomes, problems = services.nominations_from_id_numbers(
                    actor=request.user,
                    class_id=class_id,
                    id_numbers=[(r["_row"], str(r.get("id_number") or "")) for r in rows],
                )
                if problems:
                    raise ValidationFailed(_problems_message(problems))
            elif request.POST.get("batch"):
                expected = request.POST.get("expected", "")
                outcomes = services.nominations_by_filter(
                    actor=request.user,
                    class_id=class_id,
                    filters=_filter_from(request.POST, request.user),
                    expected=int(expected) if expected.isdigit() else -1,
                )
            else:
                ids = [int(x) for x in request.POST.getlist("person") if x.isdigit()]
                outcomes = services.nominations_create(
                    actor=request.user, class_id=class_id, person_ids=ids
                )
        except (ApplicationError, TabularError) as exc:
            messages.error(request, _(exc.message))
        else:
            enrolled = sum(1 for o in outcomes if o.status == EnrolmentStatus.ENROLLED)
            waiting = sum(1 for o in outcomes if o.status == EnrolmentStatus.WAITLISTED)
            messages.success(
                request,
                _("已推荐 %(n)s 人：录取 %(e)s 人，候补 %(w)s 人")
                % {"n": len(outcomes), "e": enrolled, "w": waiting},
            )
        return redirect("enrolment:nominate", class_id)
    search = request.GET.get("q", "").strip()
    people = person_list_data(actor=request.user, search=search, limit=300)
    mine = {e.person_id: e for e in selectors.enrolment_list(actor=request.user, class_id=class_id)}
    preview = None
    try:
        batch = _filter_from(request.GET, request.user)
    except ValidationFailed as exc:
        messages.error(request, _(exc.message))
        batch = NominationFilter()
    else:
        if request.GET.get("preview"):
            preview = services.nomination_preview(
                actor=request.user, class_id=class_id, filters=batch
            )
    units = org_labels({p.unit_id for p in people})  # labels people recognise (#11 item 3)
    context = {
        "tc": tc,
        "rows": [(p, mine.get(p.id), units.get(p.unit_id, "")) for p in people],
        "search": search,
        "enrolments": list(mine.values()),
        "status_labels": {k.value: _(v) for k, v in ENROLMENT_STATUS_LABELS.items()},
        "is_open": tc.status == ClassStatus.OPEN,
        "batch": batch,
        "preview": preview,
        "unit_form": UnitPickForm(
            initial={"unit": batch.unit_id}, actor=request.user, auto_id="batch-%s"
        ),
        "categories": [(k.value, _(v)) for k, v in CATEGORY_LABELS.items()],
        "ranks": list(RANKS),
    }
    return render(request, "enrolment/nominate.html", context)


def _reason_choices(request: HttpRequest, tc: Any, runs: bool) -> list[tuple[str, str]]:
    """The withdrawal reasons the actor may give on the roster (#11 item 4)."""
    reasons: tuple[Any, ...] = ()
    if tc.status != ClassStatus.RUNNING and actor_scope(request.user).has(*PERSONNEL_ROLES):
        reasons += UNIT_REASONS[::-1]
    if runs:
        reasons += INSTITUTION_REASONS
    return [(r.value, _(WITHDRAWAL_REASON_LABELS[r])) for r in reasons]


@login_required
def roster(request: HttpRequest, class_id: int) -> HttpResponse:
    tc = access_class(request.user, class_id)
    enrolments = list(selectors.enrolment_list(actor=request.user, class_id=class_id))
    runs = services.runs_class(request.user, tc.id)
    manages = services.manages_class(request.user, tc.id)
    counts = selectors.class_counts(tc.id)
    not_final = tc.status in (ClassStatus.PLANNED, ClassStatus.OPEN, ClassStatus.RUNNING)
    units = org_labels({e.unit_id for e in enrolments})  # one read for the roster (#11 item 3)
    context = {
        "tc": tc,
        "rows": [(e, units.get(e.unit_id, "")) for e in enrolments],
        "enrolments": enrolments,
        "status_labels": {k.value: _(v) for k, v in ENROLMENT_STATUS_LABELS.items()},
        "reason_labels": {k.value: _(v) for k, v in WITHDRAWAL_REASON_LABELS.items()},
        "withdrawn_by": selectors.user_names({e.withdrawn_by_id for e in enrolments}),
        "can_withdraw": not_final,
        # Taking an enrolled trainee off a running class is 退学, the institution's decision.
        "can_drop": tc.status == ClassStatus.RUNNING and runs,
        "running": tc.status == ClassStatus.RUNNING,
        "reasons": _reason_choices(request, tc, runs),
        "counts": counts,
        "full": counts["enrolled"] >= tc.capacity,
        "can_admit": manages and not_final,
        "can_set_capacity": manages and tc.status in (ClassStatus.PLANNED, ClassStatus.OPEN),
    }
    return render(request, "enrolment/roster.html", context)


@login_required
@require_POST
def roster_export(request: HttpRequest, class_id: int) -> HttpResponse:
    """The roster as .xlsx, the trainees the user sees on the page (issue #11 item 2): at
    once up to 2,000 rows, else a background job with its progress page."""
    result = exports.table_export_start(
        actor=request.user,
        source="civtrain.enrolment.exports:roster_table",
        params={"class_id": class_id},
        ip=client_ip(request),
    )
    return exports.export_response(result)


@login_required
@require_POST
def withdraw(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    e = services.enrolment_withdraw(
        actor=request.user,
        enrolment_id=enrolment_id,
        reason=request.POST.get("reason", ""),
        why=request.POST.get("why", ""),
    )
    dropped = e.status == EnrolmentStatus.DROPPED
    messages.success(request, _("已作退学处理") if dropped else _("已退出"))
    return redirect("enrolment:roster", e.training_class_id)


@login_required
@require_POST
def admit(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    """Admit one waitlisted trainee by hand (#11 item 4)."""
    e = services.waitlist_admit(actor=request.user, enrolment_id=enrolment_id)
    messages.success(request, _("已从候补名单录取 %(name)s") % {"name": e.person.name})
    return redirect("enrolment:roster", e.training_class_id)


@login_required
@require_POST
def capacity(request: HttpRequest, class_id: int) -> HttpResponse:
    """Change the number of places; new places go to the waitlist in order (#11 item 4)."""
    value = request.POST.get("capacity", "").strip()
    if not value.isdigit():
        raise ValidationFailed(_("计划人数应为正整数"))
    admitted = services.class_capacity_set(
        actor=request.user, class_id=class_id, capacity=int(value)
    )
    text = _("计划人数已改为 %(n)s") % {"n": int(value)}
    if admitted:
        text += _("，按候补顺序录取：%(names)s") % {
            "names": "、".join(e.person.name for e in admitted)
        }
    messages.success(request, text)
    return redirect("enrolment:roster", class_id)


# --- attendance -------------------------------------------------------------------------


def _sheet_context(request: HttpRequest, class_id: int) -> dict[str, Any]:
    tc = access_class(request.user, class_id, run=True)
    sessions = sessions_of(class_id)
    enrolments = list(
        selectors.enrolment_list(
            actor=request.user, class_id=class_id, statuses=(EnrolmentStatus.ENROLLED,)
        )
    )
    marks = selectors.attendance_map(class_id=class_id)
    held = {s.id for s in sessions if services.session_started(s)}
    grid = [
        (e, [(s, marks.get((e.pk, s.id), ""), s.id in held) for s in sessions]) for e in enrolments
    ]
    return {
        "tc": tc,
        "sessions": sessions,
        "held": held,
        "grid": grid,
        "labels": {k.value: _(v) for k, v in ATTENDANCE_LABELS.items()},
        "running": tc.status == ClassStatus.RUNNING,
    }


@login_required
def attendance(request: HttpRequest, class_id: int) -> HttpResponse:
    """The register: trainees × sessions, each cell toggles with htmx (item 5b); sessions
    not yet begun cannot be marked (#11 item 5)."""
    return render(request, "enrolment/attendance.html", _sheet_context(request, class_id))


def _over_limit(exc: ApplicationError) -> bool:
    return exc.code == EnrolmentErrorCode.LEAVE_OVER_LIMIT


@login_required
@require_POST
def attendance_toggle(request: HttpRequest, session_id: int, enrolment_id: int) -> HttpResponse:
    """One cell of the register. A leave mark that takes the trainee above 1/7 of the class's
    hours asks first (NAT-6, #11 item 5): the page shows why and a button that sends the
    mark again with the confirmation, as the leave page does for a request."""
    chosen = request.POST.get("status", "")
    if chosen in set(AttendanceStatus):
        status = AttendanceStatus(chosen)
    else:
        status = ATTENDANCE_CYCLE.get(request.POST.get("current", ""), AttendanceStatus.PRESENT)
    confirm = request.POST.get("confirm_drop") == "1"
    try:
        mark = services.attendance_record(
            actor=request.user,
            session_id=session_id,
            enrolment_id=enrolment_id,
            status=status,
            confirm_drop=confirm,
        )
    except ApplicationError as exc:
        if not _over_limit(exc):
            raise
        class_id = access_session(request.user, session_id).class_id
        context: dict[str, Any] = {
            "message": _(exc.message),
            "action": reverse("enrolment:attendance_toggle", args=[session_id, enrolment_id]),
            "fields": {"status": status.value, "confirm_drop": "1"},
            "cancel": reverse("enrolment:attendance", args=[class_id]),
        }
        response = render(request, "enrolment/_drop_confirm.html", context)
        response["HX-Retarget"] = "#drop-confirm"
        response["HX-Reswap"] = "innerHTML"
        return response
    if not getattr(request, "htmx", False):  # the confirmation's own form
        e = selectors.enrolment_get(actor=request.user, enrolment_id=enrolment_id)
        if e.status == EnrolmentStatus.DROPPED:
            messages.warning(request, f"{e.person.name}：{e.status_reason}")
        return redirect("enrolment:attendance", e.training_class_id)
    cell = {
        "e_id": enrolment_id,
        "s_id": session_id,
        "mark": mark.status,
        "labels": {k.value: _(v) for k, v in ATTENDANCE_LABELS.items()},
        "running": True,
        "held": True,
    }
    return render(request, "enrolment/_mark.html", cell)


@login_required
@require_POST
def attendance_upload(request: HttpRequest, class_id: int) -> HttpResponse:
    """CSV/Excel with 身份证号 or 登录名, 课次, 状态 (item 5c)."""
    columns = [
        Column("身份证号", "身份证号"),
        Column("登录名", "登录名"),
        Column("课次", "课次", required=True),
        Column("状态", "状态", required=True),
    ]
    try:
        rows = _uploaded(request, columns)
        written, problems = services.attendance_import(
            actor=request.user, class_id=class_id, rows=rows
        )
    except (ApplicationError, TabularError) as exc:
        messages.error(request, _(exc.message))
    else:
        if problems:
            messages.error(request, _problems_message(problems))
        else:
            messages.success(request, _("已导入 %(n)s 条考勤") % {"n": written})
    return redirect("enrolment:attendance", class_id)


def _qr_context(request: HttpRequest, session_id: int) -> dict[str, Any]:
    # The institution's staff, or the session's own teacher (CQ-B2), show the code.
    session = access_session(request.user, session_id, run=True, teach=True)
    token = qr.qr_token(session.id)
    url = request.build_absolute_uri(reverse("enrolment:checkin", args=[session.id, token]))
    svg = segno.make(url, error="m").svg_inline(scale=8, border=2)
    return {"session": session, "svg": svg, "url": url, "seconds": qr.seconds_left()}


@login_required
def qr_page(request: HttpRequest, session_id: int) -> HttpResponse:
    """Shown on the classroom screen; the code re-renders every few seconds (item 5a)."""
    context = _qr_context(request, session_id)
    context["tc"] = access_class(request.user, context["session"].class_id)
    try:
        access_class(request.user, context["session"].class_id, run=True)
        context["runs"] = True
    except NotFound:  # the session's teacher: no attendance sheet
        context["runs"] = False
    return render(request, "enrolment/qr.html", context)


@login_required
def qr_code(request: HttpRequest, session_id: int) -> HttpResponse:
    return render(request, "enrolment/_qr_code.html", _qr_context(request, session_id))


@login_required
def checkin(request: HttpRequest, session_id: int, token: str) -> HttpResponse:
    """Where the learner's phone lands after scanning; one tap records presence."""
    done = None
    error = None
    if request.method == "POST":
        try:
            done = services.attendance_checkin(
                actor=request.user, session_id=session_id, token=token
            )
        except ApplicationError as exc:
            error = _(exc.message)
    return render(
        request,
        "enrolment/checkin.html",
        {"done": done, "error": error, "session_id": session_id, "token": token},
    )


# --- leave ----------------------------------------------------------------------------------


def _leave_page(
    request: HttpRequest, class_id: int, confirm: dict[str, Any] | None = None
) -> HttpResponse:
    tc = access_class(request.user, class_id, run=True)
    context = {
        "tc": tc,
        "requests": selectors.leave_list(actor=request.user, class_id=class_id),
        "status_labels": {k.value: _(v) for k, v in LEAVE_STATUS_LABELS.items()},
        "cap": (tc.total_hours / 7).quantize(Decimal("0.01")),
        "confirm": confirm,
    }
    return render(request, "enrolment/leave.html", context)


@login_required
def leave(request: HttpRequest, class_id: int) -> HttpResponse:
    return _leave_page(request, class_id)


@login_required
@require_POST
def leave_decide(request: HttpRequest, leave_id: int) -> HttpResponse:
    """Approve or refuse; approval that takes the trainee above 1/7 asks first and says why
    (NAT-6: the same check and outcome as a leave mark on the register, #11 item 5)."""
    approve = request.POST.get("approve") == "1"
    try:
        leave_request = services.leave_request_decide(
            actor=request.user,
            leave_id=leave_id,
            approve=approve,
            confirm_drop=request.POST.get("confirm_drop") == "1",
        )
    except ApplicationError as exc:
        if not _over_limit(exc):
            raise
        pending = selectors.leave_get(actor=request.user, leave_id=leave_id)
        confirm = {
            "message": _(exc.message),
            "action": reverse("enrolment:leave_decide", args=[leave_id]),
            "fields": {"approve": "1", "confirm_drop": "1"},
            "cancel": reverse("enrolment:leave", args=[pending.enrolment.training_class_id]),
        }
        return _leave_page(request, pending.enrolment.training_class_id, confirm)
    e = selectors.enrolment_get(actor=request.user, enrolment_id=leave_request.enrolment_id)
    if approve and e.status == EnrolmentStatus.DROPPED:
        messages.warning(request, f"{e.person.name}：{e.status_reason}")
    else:
        messages.success(request, _("已处理请假申请"))
    return redirect("enrolment:leave", e.training_class_id)


@login_required
@require_POST
def leave_request(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    try:
        hours = Decimal(request.POST.get("hours", ""))
    except InvalidOperation:
        messages.error(request, _("请假学时应为数字"))
        return redirect("enrolment:mine")
    session = request.POST.get("session", "")
    services.leave_request_create(
        actor=request.user,
        enrolment_id=enrolment_id,
        hours=hours,
        reason=request.POST.get("reason", ""),
        session_id=int(session) if session.isdigit() else None,
    )
    messages.success(request, _("请假申请已提交，等待施教机构审批"))
    return redirect("enrolment:mine")


# --- results --------------------------------------------------------------------------------


def _score(value: Any) -> Decimal | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationFailed(_("分数“%(v)s”不是数字") % {"v": text}) from None


@login_required
def results(request: HttpRequest, class_id: int) -> HttpResponse:
    """Scores table with inputs (exam, four conduct items, peer evaluation), CSV import,
    and the button that makes results final (CQ-O4, ZZ-M1, ZZ-M2)."""
    tc = access_class(request.user, class_id, run=True)
    if request.method == "POST":
        try:
            rows = [
                ResultInput(
                    enrolment_id=e.pk,
                    **{f: _score(request.POST.get(f"{f}_{e.pk}")) for f, _label in SCORE_COLUMNS},
                )
                for e in selectors.enrolment_list(
                    actor=request.user, class_id=class_id, statuses=(EnrolmentStatus.ENROLLED,)
                )
            ]
            services.results_record(actor=request.user, class_id=class_id, rows=rows)
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        else:
            messages.success(request, _("成绩已保存"))
        return redirect("enrolment:results", class_id)
    enrolments = selectors.enrolment_list(
        actor=request.user,
        class_id=class_id,
        statuses=(EnrolmentStatus.ENROLLED, EnrolmentStatus.DROPPED),
    )
    # implements NAT-6, CQ-M3: the hours each trainee's ledger entry credits (attended only).
    credited = selectors.credited_hours_by_enrolment(
        tc=tc, enrolment_ids=[e.pk for e in enrolments if e.status == EnrolmentStatus.ENROLLED]
    )
    names = subject_names(include_inactive=True)
    table = [
        (
            e,
            [(f, getattr(e, f)) for f, _label in SCORE_COLUMNS],
            credited.get(e.pk) if e.passed is not False else None,
            "、".join(
                f"{names.get(code, code)} {services.fmt_hours(h)}"
                for code, h in (credited[e.pk].subject_hours.items() if e.pk in credited else ())
            ),
        )
        for e in enrolments
    ]
    last = services.last_session(class_id)
    context = {
        "tc": tc,
        "table": table,
        "early": last is not None and not services.session_started(last),
        "last": last,
        "columns": [(f, _(label)) for f, label in SCORE_COLUMNS],
        "running": tc.status == ClassStatus.RUNNING,
        "status_labels": {k.value: _(v) for k, v in ENROLMENT_STATUS_LABELS.items()},
    }
    return render(request, "enrolment/results.html", context)


@login_required
@require_POST
def results_upload(request: HttpRequest, class_id: int) -> HttpResponse:
    """Scores from a sheet: 身份证号 plus any of the score columns."""
    columns = [Column("id_number", "身份证号", required=True)] + [
        Column(f, label) for f, label in SCORE_COLUMNS
    ]
    try:
        rows = _uploaded(request, columns)
        by_person = {
            e.person_id: e.pk
            for e in selectors.enrolment_list(
                actor=request.user, class_id=class_id, statuses=(EnrolmentStatus.ENROLLED,)
            )
        }
        from civtrain.people.api import person_id_by_id_number

        inputs, problems = [], []
        for r in rows:
            pid = person_id_by_id_number(str(r.get("id_number") or "").strip().upper())
            if pid not in by_person:
                problems.append(ImportProblem(r["_row"], _("该人员不在本班在读学员中")))
                continue
            inputs.append(
                ResultInput(
                    enrolment_id=by_person[pid],
                    **{f: _score(r.get(f)) for f, _label in SCORE_COLUMNS},
                )
            )
        if problems:
            raise ValidationFailed(_problems_message(problems))
        services.results_record(actor=request.user, class_id=class_id, rows=inputs)
    except (ApplicationError, TabularError) as exc:
        messages.error(request, _(exc.message))
    else:
        messages.success(request, _("已导入 %(n)s 名学员的成绩") % {"n": len(inputs)})
    return redirect("enrolment:results", class_id)


@login_required
@require_POST
def results_finalise(request: HttpRequest, class_id: int) -> HttpResponse:
    try:
        notices = services.results_finalise(
            actor=request.user,
            class_id=class_id,
            early_reason=request.POST.get("early_reason", ""),
        )
    except ApplicationError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, _(exc.message))
        return redirect("enrolment:results", class_id)
    messages.success(
        request, _("成绩已确认，已向学员所在单位发送 %(n)s 条结果通知") % {"n": len(notices)}
    )
    return redirect("classes:detail", class_id)


# --- the unit's inbox and the learner's classes -------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The unit's inbox: training notices and admissions from the waitlist (#11 item 4),
    then trainees' results (ZZ-M2); each acknowledged by the unit's HR."""
    if not actor_scope(request.user).has(*PERSONNEL_ROLES):
        raise PermissionDenied(_("只有组织人事部门可以查看培训结果通知"))
    only_new = request.GET.get("new") == "1"
    notices = selectors.notice_list(actor=request.user, unacknowledged=only_new)
    unit_messages = selectors.message_list(actor=request.user, unacknowledged=only_new)
    context = {"notices": notices, "unit_messages": unit_messages, "only_new": only_new}
    return render(request, "enrolment/inbox.html", context)


@login_required
@require_POST
def acknowledge(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = services.notice_acknowledge(actor=request.user, notice_id=notice_id)
    if getattr(request, "htmx", False):
        return render(
            request,
            "enrolment/_notice.html",
            {"n": selectors.access_notice_by_id(request.user, notice.pk)},
        )
    messages.success(request, _("已确认收到"))
    return redirect("enrolment:inbox")


@login_required
@require_POST
def message_acknowledge(request: HttpRequest, message_id: int) -> HttpResponse:
    message = services.message_acknowledge(actor=request.user, message_id=message_id)
    if getattr(request, "htmx", False):
        return render(
            request,
            "enrolment/_message.html",
            {"m": selectors.access_message_by_id(request.user, message.pk)},
        )
    messages.success(request, _("已确认收到"))
    return redirect("enrolment:inbox")


# --- a class's training notices (调训通知, #11 item 4) ----------------------------------------


@login_required
def notices(request: HttpRequest, class_id: int) -> HttpResponse:
    """The organiser writes a class's 调训通知 (text and an optional file) and sends it to the
    units of the people nominated; the page shows how many units acknowledged it."""
    tc = access_class(request.user, class_id)
    if not services.manages_class(request.user, class_id):
        raise NotFound(_("培训班不存在或无权访问"))
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if request.POST.get("resend"):
                sent = services.training_notice_resend(
                    actor=request.user, notice_id=int(request.POST.get("resend", "0") or 0)
                )
            else:
                _notice, sent = services.training_notice_send(
                    actor=request.user,
                    class_id=class_id,
                    title=request.POST.get("title", ""),
                    body=request.POST.get("body", ""),
                    file_name=upload.name or "" if upload else "",
                    file_data=upload.read() if upload else None,
                )
        except ApplicationError as exc:
            if isinstance(exc, NotFound):
                raise
            messages.error(request, _(exc.message))
        else:
            messages.success(request, _("调训通知已发送到 %(n)s 个单位") % {"n": sent})
        return redirect("enrolment:notices", class_id)
    context = {
        "tc": tc,
        "notices": selectors.training_notices_of(class_id=class_id),
        "counts": selectors.class_counts(class_id),
    }
    return render(request, "enrolment/notices.html", context)


@login_required
def notice_file(request: HttpRequest, notice_id: int) -> HttpResponse:
    """A training notice's attachment, for the class's managers and the units it reached."""
    class_id = selectors.training_notice_class_id(notice_id)
    manages = class_id is not None and services.manages_class(request.user, class_id)
    name, data = selectors.training_notice_file(
        actor=request.user, notice_id=notice_id, manages=manages
    )
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """我的培训班: the learner's classes, leave requests, and classes open to register."""
    enrolments = list(selectors.my_enrolments(actor=request.user))
    sessions = {e.training_class_id: sessions_of(e.training_class_id) for e in enrolments}
    enrolled_ids = {e.training_class_id for e in enrolments}
    open_classes = [
        c for c in classes_open_for_self_registration(request.user) if c.id not in enrolled_ids
    ]
    context = {
        "rows": [(e, sessions[e.training_class_id]) for e in enrolments],
        "open_classes": open_classes,
        "status_labels": {k.value: _(v) for k, v in ENROLMENT_STATUS_LABELS.items()},
    }
    return render(request, "enrolment/mine.html", context)


@login_required
@require_POST
def self_register(request: HttpRequest, class_id: int) -> HttpResponse:
    outcome = services.enrolment_self_register(actor=request.user, class_id=class_id)
    if outcome.status == EnrolmentStatus.WAITLISTED:
        messages.info(request, _("名额已满，您已进入候补名单"))
    else:
        messages.success(request, _("报名成功"))
    return redirect("enrolment:mine")
