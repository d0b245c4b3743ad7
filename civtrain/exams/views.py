"""Exam pages (issue #14 item 7): banks with import (preview, then import) and export; papers
with their attempts, grading queue, release and item analysis; campaigns with rates per unit
and drill-down; and the candidate's sheet, phone first."""

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civtrain.accounts.api import actor_scope, sign_in_limits
from civtrain.classes.api import classes_run_by
from civtrain.core import clock
from civtrain.core.errors import ApplicationError, NotFound, ValidationFailed
from civtrain.exams import analysis, forms, rates, selectors, services
from civtrain.exams.data import QUESTION_KIND_LABELS, AttemptStatus, QuestionKind
from civtrain.exams.formats import FORMATS, MAX_FILE_BYTES, parse_file
from civtrain.organisations.api import OrgKind, OrgPickForm
from civtrain.people.api import person_for_user
from civtrain.people.data import CATEGORY_LABELS, RANKS

FORMAT_LABELS = {
    "gift": "GIFT",
    "moodle-xml": "Moodle XML",
    "aiken": "Aiken",
    "xlsx": gettext_lazy("Excel 模板"),
}
PREVIEW_ROWS = 20
QUESTIONS_SHOWN = 200  # per bank, when ticking a fixed paper's questions
ORGANISER_KINDS = (OrgKind.CITY, OrgKind.DISTRICT, OrgKind.UNIT)
DEFAULT_POINTS = "2"
ORGANISER_LABEL = gettext_lazy("组织者")
CANDIDATES_LABEL = gettext_lazy("单位及其下级的全部在职人员")
CAMPAIGN_SCOPE_LABEL = gettext_lazy("范围（单位及其下级）")


def _kind_label(kind: str) -> str:
    return _(QUESTION_KIND_LABELS.get(kind, kind))  # type: ignore[call-overload]


def _bank_org_form(request: HttpRequest, data: Any = None) -> OrgPickForm:
    """Where a new question bank is kept, picked by name (#11 item 3), not from a flat list
    of every node in the author's scope."""
    return OrgPickForm(
        data, actor=request.user, purpose="question_bank", label=gettext_lazy("所属"),
        auto_id="b-%s", start_with_own=True,
    )  # fmt: skip


def _exam_org_form(
    request: HttpRequest, data: Any = None, *, label: Any, prefix: str
) -> OrgPickForm:
    """The unit an exam is organised for or its candidates are drawn from, picked by name
    among the organiser's cities, districts and units (#11 item 3), not a flat list of them."""
    return OrgPickForm(
        data, actor=request.user, purpose="exam", label=label, kinds=ORGANISER_KINDS,
        auto_id=f"{prefix}-%s", start_with_own=True,
    )  # fmt: skip


@login_required
def index(request: HttpRequest) -> HttpResponse:
    scope = actor_scope(request.user)
    context: dict[str, Any] = {"is_author": scope.has(*selectors.AUTHORS)}
    if request.method == "POST" and context["is_author"]:
        try:
            org = _bank_org_form(request, request.POST).chosen_org()
            bank = services.bank_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                org_id=org.id,
                subject=request.POST.get("subject", ""),
            )
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
            return redirect("exams:index")
        messages.success(request, _("题库已建立"))
        return redirect("exams:bank", bank_id=bank.pk)
    if context["is_author"]:
        context["banks"] = selectors.bank_list(actor=request.user)
        context["org_form"] = _bank_org_form(request)
    if scope.has(*selectors.ORGANISERS):
        context["is_organiser"] = True
        context["papers"] = selectors.paper_list(actor=request.user)[:100]
    context["campaigns"] = selectors.campaign_list(actor=request.user)[:50]
    person = person_for_user(request.user.pk) if request.user.pk is not None else None
    if person is not None:
        context["mine"] = selectors.papers_for_person(person.id)
    return render(request, "exams/index.html", context)


# --- banks ---------------------------------------------------------------------------------


def _upload_name(request: HttpRequest) -> str:
    return f"imports/uploads/questions-{request.user.pk}-{uuid.uuid4().hex}"


def _preview(request: HttpRequest, bank: Any) -> HttpResponse:
    upload = request.FILES.get("file")
    fmt = request.POST.get("format", "")
    if upload is None or fmt not in FORMATS:
        raise ValidationFailed(_("请选择文件和格式"))
    if upload.size and upload.size > MAX_FILE_BYTES:
        raise ValidationFailed(_("文件超过 20 MB，请拆分后导入"))
    data = upload.read()
    parsed = parse_file(data, fmt)
    token = ""
    if not parsed.problems:
        token = default_storage.save(_upload_name(request), ContentFile(data))
    context = {
        "bank": bank,
        "parsed": parsed,
        "counts": [(_kind_label(k), n) for k, n in parsed.counts().items() if n],
        "rows": [(q, _kind_label(q.kind)) for q in parsed.questions[:PREVIEW_ROWS]],
        "more": max(0, len(parsed.questions) - PREVIEW_ROWS),
        "token": token,
        "format": fmt,
        "filename": upload.name,
    }
    return render(request, "exams/import_preview.html", context)


def _confirm(request: HttpRequest, bank: Any) -> None:
    token = request.POST.get("token", "")
    fmt = request.POST.get("format", "")
    prefix = f"imports/uploads/questions-{request.user.pk}-"
    if not token.startswith(prefix) or "/" in token[len(prefix) :] or fmt not in FORMATS:
        raise NotFound(_("预览已失效，请重新上传"))
    if not default_storage.exists(token):
        raise NotFound(_("预览已失效，请重新上传"))
    with default_storage.open(token) as fh:
        parsed = parse_file(fh.read(), fmt)
    default_storage.delete(token)
    counts = services.questions_import(
        actor=request.user,
        bank_id=bank.pk,
        parsed=parsed,
        filename=request.POST.get("filename", ""),
    )
    line = "，".join(f"{_kind_label(k)} {n}" for k, n in counts.items() if n)
    messages.success(request, _("已导入：") + line)


@login_required
def bank_detail(request: HttpRequest, bank_id: int) -> HttpResponse:
    bank = selectors.access_bank_by_id(request.user, bank_id)
    can_manage = actor_scope(request.user).covers(bank.org.path, *selectors.AUTHORS)
    if request.method == "POST" and can_manage:
        try:
            if request.POST.get("step") == "confirm":
                _confirm(request, bank)
                return redirect("exams:bank", bank_id=bank.pk)
            return _preview(request, bank)
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
            for problem in exc.extra.get("problems", []):
                messages.error(request, problem)
            return redirect("exams:bank", bank_id=bank.pk)
    questions, total = selectors.question_page(actor=request.user, bank_id=bank.pk, limit=200)
    context = {
        "bank": bank,
        "can_manage": can_manage,
        "questions": [(q, _kind_label(q.kind)) for q in questions],
        "total": total,
        "formats": list(FORMAT_LABELS.items()),
    }
    return render(request, "exams/bank.html", context)


@login_required
def bank_export(request: HttpRequest, bank_id: int) -> HttpResponse:
    fmt = request.GET.get("format", "")
    if fmt not in FORMATS:
        raise NotFound()
    bank, data, skipped = services.bank_export(actor=request.user, bank_id=bank_id, fmt=fmt)
    response = HttpResponse(data, content_type=FORMATS[fmt][3])
    response["Content-Disposition"] = f'attachment; filename="bank-{bank.pk}.{FORMATS[fmt][2]}"'
    response["X-Questions-Left-Out"] = str(skipped)
    return response


# --- papers --------------------------------------------------------------------------------


@login_required
def paper_detail(request: HttpRequest, paper_id: int) -> HttpResponse:
    paper = selectors.access_paper_by_id(request.user, paper_id)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "release":
                settled = services.paper_release_results(actor=request.user, paper_id=paper.pk)
                messages.success(request, _("成绩已发布（处理 %(n)s 人）") % {"n": settled})
            elif request.POST.get("action") == "candidates":
                org = _exam_org_form(
                    request, request.POST, label=CANDIDATES_LABEL, prefix="c"
                ).chosen_org()
                added = services.candidates_add_under(
                    actor=request.user, paper_id=paper.pk, org_id=org.id
                )
                messages.success(request, _("已添加考生 %(n)s 人") % {"n": added})
            elif request.POST.get("action") == "makeup":
                services.candidate_grant_makeup(
                    actor=request.user,
                    paper_id=paper.pk,
                    person_id=int(request.POST.get("person_id") or 0),
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("已准予补考一次"))
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        return redirect("exams:paper", paper_id=paper.pk)
    attempts = list(selectors.paper_attempts(actor=request.user, paper_id=paper.pk)[:500])
    events = selectors.events_count_by_attempt([a.pk for a in attempts])
    context = {
        "paper": paper,
        "attempts": [(a, events.get(a.pk, 0)) for a in attempts],
        "counts": services.grade_counts(paper.pk),
        "waiting": selectors.grading_waiting(paper.pk),
        "candidates": selectors.candidate_count(paper.pk),
        "org_form": _exam_org_form(request, label=CANDIDATES_LABEL, prefix="c"),
        "rows": selectors.paper_rows(paper),
    }
    return render(request, "exams/paper.html", context)


# --- new papers and campaigns (forms.py reads them) ---------------------------------------


def _org_resolved(request: HttpRequest, label: Any) -> QueryDict:
    """The form's data with `org_id` the id of the node its picker names (the box submits a
    code, or a name typed without JavaScript); ValidationFailed when none is found."""
    org = _exam_org_form(request, request.POST, label=label, prefix="f").chosen_org()
    post = request.POST.copy()
    post["org_id"] = str(org.id)
    return post


def _paper_form_context(
    request: HttpRequest, values: dict[str, Any], *, org_label: Any = None
) -> dict[str, Any]:
    """Banks for the blueprint rows, and the questions of the banks asked for (the form's
    显示题目 buttons post `show_bank`; those shown stay shown) for a fixed paper; the
    organiser picked by name (#11 item 3), keeping what was typed when the form comes back."""
    banks = list(selectors.bank_list(actor=request.user))
    asked = [*request.POST.getlist("shown_bank"), request.POST.get("show_bank", "")]
    wanted = {int(b) for b in asked if b.isdigit()}
    shown_banks = []
    for bank in banks:
        if bank.pk in wanted:
            questions, total = selectors.question_page(
                actor=request.user, bank_id=bank.pk, limit=QUESTIONS_SHOWN
            )
            rows = [
                (q, _kind_label(q.kind), str(q.pk) in values["picked"],
                 values["points"].get(str(q.pk), DEFAULT_POINTS))
                for q in questions
            ]  # fmt: skip
            shown_banks.append({"bank": bank, "questions": rows, "total": total})
    return {
        "values": values,
        "banks": banks,
        "shown_banks": shown_banks,
        "org_form": _exam_org_form(
            request,
            request.POST if request.method == "POST" else None,
            label=org_label or ORGANISER_LABEL,
            prefix="f",
        ),
        "kinds": [(k.value, _kind_label(k)) for k in QuestionKind],
        "difficulties": range(1, 6),
        # A completion exam is set for a class the organiser runs (ZZ-M1, #14).
        "classes": classes_run_by(request.user),
    }


@login_required
def paper_new(request: HttpRequest) -> HttpResponse:
    """组卷: a fixed paper (questions ticked, points each) or a blueprint drawn per candidate;
    shuffling, open or closed book, pass mark, attempts, window (issue #14 item 2)."""
    if not actor_scope(request.user).has(*selectors.ORGANISERS):
        raise NotFound()
    defaults = {"kind": "fixed", "time_limit_minutes": 60, "max_attempts": 1,
                "shuffle_questions": True, "shuffle_options": True,
                "class_id": request.GET.get("class", "")}  # fmt: skip
    if request.method == "POST" and "show_bank" in request.POST:  # a bank's questions shown
        context = _paper_form_context(request, forms.shown(request.POST, defaults, fixed=True))
        return render(request, "exams/paper_new.html", context)
    if request.method == "POST":
        try:
            fields = forms.paper_fields(_org_resolved(request, ORGANISER_LABEL))
            fields.update(forms.paper_window(request.POST, required=False))
            fields.update(forms.paper_class(request.POST))
            paper = services.paper_create(actor=request.user, **fields)
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
            context = _paper_form_context(request, forms.shown(request.POST, defaults))
            return render(request, "exams/paper_new.html", context, status=422)
        messages.success(request, _("试卷已建立"))
        return redirect("exams:paper", paper_id=paper.pk)
    context = _paper_form_context(request, forms.shown(None, defaults))
    return render(request, "exams/paper_new.html", context)


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    """The year-end online test (ZZ-N3): its population (a subtree, categories, ranks), its
    window, its paper, the attempts each candidate has (retakes), hours credited on a pass."""
    if not actor_scope(request.user).has(*selectors.ORGANISERS):
        raise NotFound()
    year = clock.today().year
    title = _("%(y)s年度公务员网上学习测试") % {"y": year}
    defaults = {"kind": "blueprint", "year": year, "title": title,
                "time_limit_minutes": 60, "max_attempts": 2, "hours": "1",
                "shuffle_questions": True, "shuffle_options": True,
                "categories": [], "ranks": []}  # fmt: skip
    if request.method == "POST" and "show_bank" in request.POST:
        values = forms.shown(request.POST, defaults, fixed=True)
        context = _campaign_form_context(request, values)
        return render(request, "exams/campaign_new.html", context)
    if request.method == "POST":
        try:
            post = _org_resolved(request, CAMPAIGN_SCOPE_LABEL)
            campaign, _paper, added = services.campaign_create(
                actor=request.user, **forms.campaign_fields(post)
            )
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
            values = forms.shown(request.POST, defaults)
            context = _campaign_form_context(request, values)
            return render(request, "exams/campaign_new.html", context, status=422)
        messages.success(request, _("测试活动已建立，考生 %(n)s 人") % {"n": added})
        return redirect("exams:campaign", campaign_id=campaign.pk)
    context = _campaign_form_context(request, forms.shown(None, defaults))
    return render(request, "exams/campaign_new.html", context)


def _campaign_form_context(request: HttpRequest, values: dict[str, Any]) -> dict[str, Any]:
    context = _paper_form_context(request, values, org_label=CAMPAIGN_SCOPE_LABEL)
    context["categories"] = [(c.value, _(label)) for c, label in CATEGORY_LABELS.items()]
    context["ranks"] = [
        (_(CATEGORY_LABELS[c]), [n for n, r in RANKS.items() if r.category == c])
        for c in CATEGORY_LABELS
    ]
    return context


@login_required
def grading(request: HttpRequest, paper_id: int) -> HttpResponse:
    paper = selectors.access_paper_by_id(request.user, paper_id)
    if request.method == "POST":
        try:
            points = Decimal(request.POST.get("points", ""))
        except InvalidOperation:
            messages.error(request, _("得分应为数字"))
            return redirect("exams:grading", paper_id=paper.pk)
        try:
            services.answer_grade(
                actor=request.user,
                answer_id=int(request.POST.get("answer_id") or 0),
                points=points,
                comment=request.POST.get("comment", ""),
            )
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        return redirect("exams:grading", paper_id=paper.pk)
    queue = list(selectors.grading_queue(actor=request.user, paper_id=paper.pk)[:50])
    questions = selectors.questions_by_id([a.question_id for a in queue])
    rows = []
    for answer in queue:
        entry = next(e for e in answer.attempt.layout if e["q"] == answer.question_id)
        rows.append((answer, questions[answer.question_id], entry["p"]))
    return render(request, "exams/grading.html", {"paper": paper, "rows": rows})


@login_required
def item_analysis(request: HttpRequest, paper_id: int) -> HttpResponse:
    paper = selectors.access_paper_by_id(request.user, paper_id)
    items = analysis.item_analysis(paper)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            analysis.export_xlsx(items),
            content_type=FORMATS["xlsx"][3],
        )
        response["Content-Disposition"] = f'attachment; filename="item-analysis-{paper.pk}.xlsx"'
        return response
    rows = [(i, _kind_label(i.kind)) for i in items]
    return render(request, "exams/analysis.html", {"paper": paper, "rows": rows})


@login_required
def attempt_review(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.access_attempt_as_organiser(request.user, attempt_id)
    context = {
        "attempt": attempt,
        "events": selectors.attempt_events(attempt.pk),
        "sheet": selectors.attempt_sheet(attempt),
    }
    return render(request, "exams/attempt_review.html", context)


# --- campaigns -----------------------------------------------------------------------------


@login_required
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = selectors.access_campaign_by_id(request.user, campaign_id)
    if request.method == "POST":
        try:
            sent = services.campaign_remind(actor=request.user, campaign_id=campaign.pk)
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        else:
            messages.success(request, _("已提醒 %(n)s 人") % {"n": sent})
        return redirect("exams:campaign", campaign_id=campaign.pk)
    under = request.GET.get("under", "")
    rows = rates.campaign_rates(actor=request.user, campaign_id=campaign.pk, under=under)
    total = [sum(r.candidates for r in rows), sum(r.sat for r in rows), sum(r.passed for r in rows)]
    context = {
        "campaign": campaign,
        "rows": rows,
        "under": under,
        "total": total,
        "paper": selectors.campaign_paper(campaign.pk),
        "is_organiser": actor_scope(request.user).covers(campaign.org.path, *selectors.ORGANISERS),
    }
    return render(request, "exams/campaign.html", context)


# --- the candidate -------------------------------------------------------------------------


@login_required
def take(request: HttpRequest, paper_id: int) -> HttpResponse:
    """The candidate's sheet: starts the attempt or resumes the open one; after submission,
    the result (once released)."""
    person = person_for_user(request.user.pk) if request.user.pk is not None else None
    if person is None:
        raise NotFound(_("试卷不存在或您不是本场考试的考生"))
    attempts = selectors.attempts_of(paper_id, person.id)
    candidate = selectors.candidate_of(paper_id, person.id)
    if candidate is None:
        raise NotFound(_("试卷不存在或您不是本场考试的考生"))
    paper = candidate.paper
    open_attempt = next((a for a in attempts if a.status == AttemptStatus.OPEN), None)
    if request.method == "POST" or (open_attempt is not None):
        try:
            attempt = services.attempt_start(actor=request.user, paper_id=paper_id)
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
            return redirect("exams:index")
        if attempt.status == AttemptStatus.OPEN:
            remaining = max(0, int((attempt.deadline - clock.now()).total_seconds()))
            token = services.attempt_token_issue(
                actor=request.user,
                attempt_id=attempt.pk,
                sign_in=sign_in_limits(request.session),
            )
            context = {
                "paper": paper,
                "attempt": attempt,
                "remaining": remaining,
                "token": token,
                "sheet": selectors.attempt_sheet(attempt),
            }
            return render(request, "exams/take.html", context)
        attempts = selectors.attempts_of(paper_id, person.id)
    left = paper.max_attempts + candidate.extra_attempts - len(attempts)
    context = {"paper": paper, "attempts": attempts, "left": left}
    return render(request, "exams/take_start.html", context)


@login_required
@require_POST
def take_submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    try:
        attempt = services.attempt_submit(actor=request.user, attempt_id=attempt_id)
    except ApplicationError as exc:
        messages.error(request, _(exc.message))
        return redirect("exams:index")
    messages.success(request, _("已交卷"))
    return redirect("exams:take", paper_id=attempt.paper_id)
