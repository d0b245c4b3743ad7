"""Class evaluation pages (CQ-M4): the trainee's forms, the organiser's response rates and
figures, scores with trends, the bureau's alert list, evaluator reports, templates."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civtrain.accounts.api import Role, actor_scope, users_with_role
from civtrain.catalogue.api import subject_names
from civtrain.core import clock
from civtrain.core.errors import ApplicationError
from civtrain.evaluation import pdf, reports, selectors, services
from civtrain.evaluation.data import DIMENSION_LABELS, MIN_RESPONSES, SCALES
from civtrain.faculty.api import teacher_names
from civtrain.institutions.api import institution_names

ORGANISERS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.UNIT_HR)
BUREAUS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU)
READERS = (*ORGANISERS, Role.INSTITUTION, Role.EVALUATOR)


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year") or clock.today().year)
    except ValueError:
        return clock.today().year


@login_required
def evaluation_list(request: HttpRequest) -> HttpResponse:
    """The forms the actor may read, with response rates (the organiser's view)."""
    if not actor_scope(request.user).has(*READERS):
        return redirect("evaluation:mine")
    year = _year(request)
    forms = selectors.evaluation_list(actor=request.user, year=year)
    page = Paginator(forms, 50).get_page(request.GET.get("page"))
    means = selectors.form_means_of([f.pk for f in page])
    rows = [(f, means.get(f.pk), selectors.is_open(f)) for f in page]
    context = {"rows": rows, "page": page, "year": year, "min_responses": MIN_RESPONSES}
    return render(request, "evaluation/list.html", context)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The trainee's forms: to answer, then answered."""
    invitations = list(selectors.my_invitations(actor=request.user)[:100])
    rows = [(i, selectors.is_open(i.evaluation)) for i in invitations]
    return render(request, "evaluation/mine.html", {"rows": rows})


@login_required
def answer(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    invitation = selectors.my_invitation(actor=request.user, evaluation_id=evaluation_id)
    evaluation = invitation.evaluation
    items = selectors.form_items(evaluation.pk)
    if request.method == "POST":
        scores = {}
        for item in items:
            value = request.POST.get(f"item-{item.pk}", "")
            if value.isdigit():
                scores[item.pk] = int(value)
        try:
            services.evaluation_answer(
                actor=request.user,
                evaluation_id=evaluation.pk,
                scores=scores,
                comment=request.POST.get("comment", ""),
            )
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        else:
            messages.success(request, _("评估已提交，感谢您的意见"))
            return redirect("evaluation:mine")
    context = {
        "invitation": invitation,
        "evaluation": evaluation,
        "items": items,
        "points": range(1, evaluation.scale + 1),
        "open": selectors.is_open(evaluation),
        "dimension_labels": {k.value: _(v) for k, v in DIMENSION_LABELS.items()},
    }
    return render(request, "evaluation/answer.html", context)


@login_required
def detail(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    evaluation = selectors.access_evaluation_by_id(request.user, evaluation_id)
    scope = actor_scope(request.user)
    can_manage = scope.covers(evaluation.org_path, *ORGANISERS)
    can_assign = scope.covers(evaluation.org_path, *BUREAUS)
    root = evaluation.org_path.split("/")[0] + "/"
    assigned = selectors.assignments_of(evaluation)
    context: dict[str, Any] = {
        "evaluation": evaluation,
        "figures": selectors.class_figures(evaluation),
        "open": selectors.is_open(evaluation),
        "can_manage": can_manage,
        "can_assign": can_assign,
        "evaluators": users_with_role(Role.EVALUATOR, [root]) if can_assign else [],
        "assigned": assigned,
        "is_evaluator": any(a.user_id == request.user.pk for a in assigned),
        "reports": selectors.reports_of(evaluation),
        "min_responses": MIN_RESPONSES,
    }
    return render(request, "evaluation/detail.html", context)


@login_required
@require_POST
def close(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    services.evaluation_close(actor=request.user, evaluation_id=evaluation_id)
    messages.success(request, _("评估已结束"))
    return redirect("evaluation:detail", evaluation_id)


@login_required
@require_POST
def assign(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    try:
        services.evaluator_assign(
            actor=request.user,
            evaluation_id=evaluation_id,
            user_id=int(request.POST.get("user_id") or 0),
        )
    except ApplicationError as exc:
        messages.error(request, _(exc.message))
    else:
        messages.success(request, _("已委托第三方评估"))
    return redirect("evaluation:detail", evaluation_id)


@login_required
def report(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    """The assigned evaluator's report, begun from the template with the class's figures."""
    evaluation = selectors.access_evaluation_by_id(request.user, evaluation_id)
    if request.method == "POST":
        services.report_save(
            actor=request.user, evaluation_id=evaluation.pk, body=request.POST.get("body", "")
        )
        messages.success(request, _("评估报告已保存"))
        return redirect("evaluation:report", evaluation.pk)
    mine = next(
        (r for r in selectors.reports_of(evaluation) if r.author_id == request.user.pk), None
    )
    body = mine.body if mine else reports.draft(evaluation, selectors.class_figures(evaluation))
    context = {"evaluation": evaluation, "body": body, "saved": mine is not None}
    return render(request, "evaluation/report.html", context)


@login_required
def report_print(request: HttpRequest, evaluation_id: int, author_id: int) -> HttpResponse:
    """A saved report as a page to print or save as PDF from the browser."""
    evaluation = selectors.access_evaluation_by_id(request.user, evaluation_id)
    found = next((r for r in selectors.reports_of(evaluation) if r.author_id == author_id), None)
    if found is None:
        return redirect("evaluation:detail", evaluation.pk)
    context = {
        "evaluation": evaluation,
        "report": found,
        "figures": selectors.class_figures(evaluation),
    }
    return render(request, "evaluation/report_print.html", context)


@login_required
def report_pdf(request: HttpRequest, evaluation_id: int, author_id: int) -> HttpResponse:
    """A saved report as a PDF made on the server (the print page's text, A4, CJK font)."""
    evaluation = selectors.access_evaluation_by_id(request.user, evaluation_id)
    found = next((r for r in selectors.reports_of(evaluation) if r.author_id == author_id), None)
    if found is None:
        return redirect("evaluation:detail", evaluation.pk)
    data = pdf.report_pdf(
        title="培训班评估报告",
        subtitle=evaluation.training_class.title,
        body=found.body,
        author=str(found.author),
        date=found.updated_at.astimezone(clock.TZ).date(),
    )
    response = HttpResponse(data, content_type="application/pdf")
    name = f"evaluation-report-{evaluation.pk}-{author_id}.pdf"
    response["Content-Disposition"] = f"attachment; filename={name}"
    return response


@login_required
def scores(request: HttpRequest) -> HttpResponse:
    """Scores per teacher, institution and subject (out of 100) with last years' trend."""
    year = _year(request)
    years = [year - 2, year - 1, year]
    tables: dict[str, dict[Any, dict[str, Any]]] = {"teacher": {}, "institution": {}, "subject": {}}
    subjects = subject_names(include_inactive=True)
    for y in years:
        answers = selectors.counted_answers(actor=request.user, year=y)
        for kind, rows in (
            ("teacher", selectors.teacher_scores(answers, {})),
            ("institution", selectors.institution_scores(answers, {})),
            ("subject", selectors.subject_scores(answers, subjects)),
        ):
            for r in rows:
                entry = tables[kind].setdefault(
                    r.key, {"key": r.key, "label": r.label, "by_year": {}}
                )
                entry["by_year"][y] = r
    t_names = teacher_names(k for k in tables["teacher"] if isinstance(k, int))
    i_names = institution_names(k for k in tables["institution"] if isinstance(k, int))
    for kind, names in (("teacher", t_names), ("institution", i_names)):
        for key, entry in tables[kind].items():
            entry["label"] = names.get(key, entry["label"])

    def ordered(kind: str) -> list[dict[str, Any]]:
        rows = [e for e in tables[kind].values() if year in e["by_year"]]
        for e in rows:
            e["cells"] = [e["by_year"].get(y) for y in years]
        return sorted(rows, key=lambda e: -e["by_year"][year].mean)

    context = {
        "year": year,
        "years": years,
        "teachers": ordered("teacher"),
        "institutions": ordered("institution"),
        "subjects": ordered("subject"),
    }
    return render(request, "evaluation/scores.html", context)


@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    """The bureau's alert list: classes and teachers below the threshold this year."""
    year = _year(request)
    threshold = settings.CIVTRAIN_EVALUATION_ALERT_BELOW
    low_forms = selectors.forms_below(actor=request.user, year=year, threshold=threshold)
    answers = selectors.counted_answers(actor=request.user, year=year)
    low_teachers = [
        r
        for r in selectors.teacher_scores(answers, {})
        if r.mean is not None and r.mean < threshold
    ]
    names = teacher_names(r.key for r in low_teachers if isinstance(r.key, int))
    context = {
        "year": year,
        "threshold": threshold,
        "forms": sorted(low_forms, key=lambda fm: fm[1]),
        "teachers": sorted(
            [(names.get(int(r.key), ""), r) for r in low_teachers], key=lambda nr: nr[1].mean or 0
        ),
    }
    return render(request, "evaluation/alerts.html", context)


@login_required
def templates(request: HttpRequest) -> HttpResponse:
    """Form templates (a bureau builds one for the classes under its node)."""
    scope = actor_scope(request.user)
    if request.method == "POST":
        try:
            services.template_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                scale=int(request.POST.get("scale") or 5),
                dimensions=request.POST.getlist("dimensions"),
                free_text=request.POST.get("free_text") == "1",
                org_path=next(iter(scope.paths_for(*BUREAUS)), ""),
            )
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        else:
            messages.success(request, _("评估表模板已保存"))
        return redirect("evaluation:templates")
    context = {
        "templates": selectors.template_list(),
        "dimensions": [(k.value, _(v)) for k, v in DIMENSION_LABELS.items()],
        "dimension_labels": {k.value: _(v) for k, v in DIMENSION_LABELS.items()},
        "scales": SCALES,
        "can_edit": scope.has(*BUREAUS),
    }
    return render(request, "evaluation/templates.html", context)
