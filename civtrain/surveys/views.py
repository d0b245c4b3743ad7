"""Needs-survey pages (CQ-M1): bureaus and units build a survey from a template and send it;
units and civil servants answer it (on a phone too); results by question, by subject and
audience, and demand against the hours delivered."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civtrain.accounts.api import actor_scope
from civtrain.core import clock
from civtrain.core.errors import ApplicationError
from civtrain.core.pages import act_then_redirect
from civtrain.organisations.api import OrgPickForm
from civtrain.people.data import CATEGORY_LABELS, RANKS
from civtrain.surveys import selectors, services
from civtrain.surveys.data import (
    NEED_LEVEL_LABELS,
    QUESTION_KIND_LABELS,
    RANK_TOP,
    RESPONDENT_LABELS,
    SURVEY_STATUS_LABELS,
    QuestionKind,
    SurveyStatus,
)

RUNNERS = selectors.RUNNERS


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year") or clock.today().year + 1)
    except ValueError:
        return clock.today().year + 1


def _labels() -> dict[str, Any]:
    return {
        "status_labels": {k.value: _(v) for k, v in SURVEY_STATUS_LABELS.items()},
        "respondent_labels": {k.value: _(v) for k, v in RESPONDENT_LABELS.items()},
        "level_labels": {k.value: _(v) for k, v in NEED_LEVEL_LABELS.items()},
        "kind_labels": {k.value: _(v) for k, v in QUESTION_KIND_LABELS.items()},
    }


def _org_form(request: HttpRequest, data: Any = None) -> OrgPickForm:
    """The survey's scope, picked by name among the personnel roles' subtrees (#11 item 3);
    it starts with the runner's own node, as the list it replaced did."""
    return OrgPickForm(
        data,
        actor=request.user,
        purpose="personnel",
        label=gettext_lazy("调查范围"),
        auto_id="sv-%s",
        start_with_own=True,
    )


@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    """The surveys the actor runs, for a plan year (next year's by default)."""
    scope = actor_scope(request.user)
    if not scope.has(*RUNNERS):
        return redirect("surveys:mine")
    year = _year(request)
    surveys = list(selectors.survey_list(actor=request.user, year=year))
    today = clock.today()
    context = {
        "year": year,
        "surveys": surveys,
        "org_form": _org_form(request),
        "templates": selectors.templates_for(request.user),
        "categories": [(k.value, _(v)) for k, v in CATEGORY_LABELS.items()],
        "ranks": list(RANKS),
        "opens_on": today,
        "closes_on": today + dt.timedelta(days=14),
        **_labels(),
    }
    return render(request, "surveys/list.html", context)


@login_required
@require_POST
def survey_new(request: HttpRequest) -> HttpResponse:
    post = request.POST
    try:
        org = _org_form(request, post).chosen_org()
        survey = services.survey_create(
            actor=request.user,
            org_id=org.id,
            title=post.get("title", ""),
            year=int(post.get("year") or 0),
            respondent=post.get("respondent", ""),
            opens_on=dt.date.fromisoformat(post.get("opens_on", "")),
            closes_on=dt.date.fromisoformat(post.get("closes_on", "")),
            template_id=int(post["template_id"]) if post.get("template_id", "").isdigit() else None,
            categories=post.getlist("categories"),
            ranks=post.getlist("ranks"),
        )
    except ValueError:
        messages.error(request, _("日期格式应为 年-月-日"))
        return redirect("surveys:list")
    except ApplicationError as exc:
        messages.error(request, _(exc.message))
        return redirect("surveys:list")
    messages.success(request, _("调查已创建，请检查题目后发布"))
    return redirect("surveys:detail", survey.pk)


@login_required
def detail(request: HttpRequest, survey_id: int) -> HttpResponse:
    """The survey's questions (edited while a draft), its window, population and response
    rate, and the actions of its stage."""
    survey = selectors.access_survey_by_id(request.user, survey_id)
    rate = round(100 * survey.responses / survey.invited) if survey.invited else 0
    context = {
        "survey": survey,
        "questions": selectors.questions(survey),
        "draft": survey.status == SurveyStatus.DRAFT,
        "is_open": selectors.is_open(survey),
        "rate": rate,
        "category_names": [
            _(CATEGORY_LABELS[c]) for c in survey.categories if c in CATEGORY_LABELS
        ],
        "kinds": [(k.value, _(v)) for k, v in QUESTION_KIND_LABELS.items()],
        "levels": [(k.value, _(v)) for k, v in NEED_LEVEL_LABELS.items()],
        **_labels(),
    }
    return render(request, "surveys/detail.html", context)


def _act(
    request: HttpRequest, survey_id: int, done: str, call: Callable[[], object]
) -> HttpResponse:
    return act_then_redirect(request, done, call, reverse("surveys:detail", args=[survey_id]))


@login_required
@require_POST
def question_add(request: HttpRequest, survey_id: int) -> HttpResponse:
    post = request.POST
    return _act(
        request,
        survey_id,
        _("题目已添加"),
        lambda: services.question_add(
            actor=request.user,
            survey_id=survey_id,
            kind=post.get("kind", ""),
            level=post.get("level", ""),
            text=post.get("text", ""),
            options=post.get("options", "").splitlines(),
            subject_options=post.get("subject_options") == "on",
        ),
    )


@login_required
@require_POST
def question_remove(request: HttpRequest, survey_id: int, question_id: int) -> HttpResponse:
    return _act(
        request,
        survey_id,
        _("题目已删除"),
        lambda: services.question_remove(
            actor=request.user, survey_id=survey_id, question_id=question_id
        ),
    )


@login_required
@require_POST
def open_(request: HttpRequest, survey_id: int) -> HttpResponse:
    return _act(
        request,
        survey_id,
        _("调查已发布，已通知填报对象"),
        lambda: services.survey_open(actor=request.user, survey_id=survey_id),
    )


@login_required
@require_POST
def close(request: HttpRequest, survey_id: int) -> HttpResponse:
    return _act(
        request,
        survey_id,
        _("调查已结束"),
        lambda: services.survey_close(actor=request.user, survey_id=survey_id),
    )


@login_required
@require_POST
def remind(request: HttpRequest, survey_id: int) -> HttpResponse:
    try:
        n = services.survey_remind(actor=request.user, survey_id=survey_id)
    except ApplicationError as exc:
        messages.error(request, _(exc.message))
    else:
        messages.success(request, _("已提醒 %(n)s 人") % {"n": n})
    return redirect("surveys:detail", survey_id)


@login_required
@require_POST
def template_save(request: HttpRequest, survey_id: int) -> HttpResponse:
    return _act(
        request,
        survey_id,
        _("已保存为调查模板"),
        lambda: services.template_save(
            actor=request.user, survey_id=survey_id, name=request.POST.get("name", "")
        ),
    )


@login_required
def results(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = selectors.access_survey_by_id(request.user, survey_id)
    demand = selectors.subject_demand(survey)
    chart = {
        "subjects": [d.name for d in demand],
        "demand": [d.share for d in demand],
        "hours": [d.hours_share for d in demand],
        "demand_label": _("提出需求的比例（%）"),
        "hours_label": _("%(year)s年已完成学时占比（%%）") % {"year": survey.opens_on.year},
    }
    context = {
        "survey": survey,
        "results": selectors.question_results(survey),
        "demand": demand,
        "audience": selectors.demand_by_audience(survey),
        "chart": chart,
        "delivered_year": survey.opens_on.year,
        **_labels(),
    }
    return render(request, "surveys/results.html", context)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """Questionnaires to fill in: the actor's own, and their units' (as its HR office)."""
    invitations = list(selectors.my_invitations(actor=request.user)[:100])
    rows = [(i, selectors.is_open(i.survey)) for i in invitations]
    return render(request, "surveys/mine.html", {"rows": rows})


def _posted_answers(request: HttpRequest, questions: list[Any]) -> dict[int, object]:
    post = request.POST
    answers: dict[int, object] = {}
    for q in questions:
        name = f"q-{q.pk}"
        if q.kind == QuestionKind.MULTIPLE:
            answers[q.pk] = post.getlist(name)
        elif q.kind == QuestionKind.RANKING:
            answers[q.pk] = [
                v for i in range(1, RANK_TOP + 1) if (v := post.get(f"{name}-{i}", ""))
            ]
        else:
            answers[q.pk] = post.get(name, "")
    return answers


def _form_question(q: Any, given: object) -> dict[str, Any]:
    """A question as the form shows it, with what the respondent gave kept after an error."""
    values = [str(v) for v in given] if isinstance(given, list) else [str(given or "")]
    options = [(str(i), o["label"], str(i) in values) for i, o in enumerate(q.options)]
    places = [
        (place, values[place - 1] if place <= len(values) else "")
        for place in range(1, RANK_TOP + 1)
    ]
    text = values[0] if q.kind == QuestionKind.TEXT else ""
    return {"q": q, "options": options, "places": places, "text": text}


@login_required
def answer(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = selectors.access_invitation(request.user, invitation_id)
    survey = invitation.survey
    questions = selectors.questions(survey)
    given: dict[int, object] = {}
    if request.method == "POST":
        given = _posted_answers(request, questions)
        try:
            services.survey_answer(actor=request.user, invitation_id=invitation.pk, answers=given)
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        else:
            messages.success(request, _("调查问卷已提交，谢谢"))
            return redirect("surveys:mine")
    context = {
        "invitation": invitation,
        "survey": survey,
        "questions": [_form_question(q, given.get(q.pk)) for q in questions],
        "open": selectors.is_open(survey),
        "rank_top": RANK_TOP,
        **_labels(),
    }
    return render(request, "surveys/answer.html", context)
