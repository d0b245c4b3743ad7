"""Reads of needs surveys, scoped by the actor: surveys of the actor's subtrees, the
actor's own questionnaires to answer, and the results — per question, by subject and need
level, by audience, and demand against the hours delivered (CQ-M1)."""

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Q, QuerySet, Sum

from civtrain.accounts.api import Role, actor_scope
from civtrain.catalogue.api import subject_names
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.credits.api import subject_rows
from civtrain.organisations.api import subtree_q
from civtrain.people.api import person_for_user
from civtrain.people.data import CATEGORY_LABELS
from civtrain.surveys.data import (
    NEED_LEVEL_LABELS,
    RANK_TOP,
    QuestionKind,
    SubjectDemand,
    SurveyChoice,
    SurveyFindings,
    SurveyStatus,
)
from civtrain.surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
)

__all__ = ["Survey", "SurveyInvitation", "SurveyQuestion", "SurveyTemplate"]

RUNNERS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.UNIT_HR)


def survey_scope_q(actor: Actor) -> Q:
    return subtree_q(actor_scope(actor).paths_for(*RUNNERS), "org__path")


def survey_list(*, actor: Actor, year: int | None = None) -> QuerySet[Survey]:
    qs = Survey.objects.filter(survey_scope_q(actor)).select_related("org")
    return qs.filter(year=year) if year else qs


def survey_page(
    *, actor: Actor, year: int | None, offset: int, limit: int
) -> tuple[int, list[Survey]]:
    """How many surveys the actor runs (of `year`, if given), and one page of them, newest
    window first."""
    qs = survey_list(actor=actor, year=year).order_by("-opens_on", "-id")
    return qs.count(), list(qs[offset : offset + limit])


def access_survey_by_id(actor: Actor, survey_id: int) -> Survey:
    """A survey the actor runs (its node lies in one of the actor's subtrees)."""
    found = survey_list(actor=actor).filter(pk=survey_id).first()
    if found is None:
        raise NotFound("需求调查不存在或无权访问")
    return found


def templates_for(actor: Actor) -> list[SurveyTemplate]:
    """The shared templates and those of the nodes above or at the actor's own."""
    paths = actor_scope(actor).paths_for(*RUNNERS)
    mine = [t for t in SurveyTemplate.objects.all() if not t.org_path or _above(t.org_path, paths)]
    return mine


def _above(path: str, paths: tuple[str, ...]) -> bool:
    return any(p.startswith(path) or path.startswith(p) for p in paths)


def questions(survey: Survey) -> list[SurveyQuestion]:
    return list(SurveyQuestion.objects.filter(survey=survey))


def is_open(survey: Survey, today: dt.date | None = None) -> bool:
    today = today or clock.today()
    return survey.status == SurveyStatus.OPEN and survey.opens_on <= today <= survey.closes_on


def my_invitations(*, actor: Actor) -> QuerySet[SurveyInvitation]:
    """Questionnaires the actor answers: as a civil servant, and for each unit whose HR
    office they are — of surveys sent out (not drafts), unanswered first."""
    person = person_for_user(actor.pk) if actor.pk else None
    q = Q(person_id=person.id) if person else Q(pk__in=[])
    hr_paths = actor_scope(actor).paths_for(Role.UNIT_HR)
    if hr_paths:
        q |= Q(unit__isnull=False) & subtree_q(hr_paths, "unit__path")
    return (
        SurveyInvitation.objects.filter(q)
        .exclude(survey__status=SurveyStatus.DRAFT)
        .select_related("survey", "unit")
        .order_by("answered", "-survey__opens_on", "-survey_id")
    )


def access_invitation(actor: Actor, invitation_id: int) -> SurveyInvitation:
    found = my_invitations(actor=actor).filter(pk=invitation_id).first()
    if found is None:
        raise NotFound("调查问卷不存在或无权访问")
    return found


def unanswered(survey: Survey) -> QuerySet[SurveyInvitation]:
    return SurveyInvitation.objects.filter(survey=survey, answered=False).select_related("unit")


# --- results ------------------------------------------------------------------------------


def _responses(survey: Survey, under_path: str = "") -> QuerySet[SurveyResponse]:
    qs = SurveyResponse.objects.filter(survey=survey)
    return qs.filter(unit_path__startswith=under_path) if under_path else qs


def _answers(survey: Survey, under_path: str = "") -> list[tuple[Any, ...]]:
    qs = SurveyAnswer.objects.filter(response__survey=survey)
    if under_path:
        qs = qs.filter(response__unit_path__startswith=under_path)
    return list(
        qs.values_list("response_id", "question_id", "choices", "text", "response__category")
    )


def question_results(survey: Survey, under_path: str = "") -> list[dict[str, Any]]:
    """Per question: for a choice, how many chose each option (and share of respondents);
    for a ranking also its Borda points (first choice 3, second 2, third 1); for text, the
    answers. Options listed most chosen first."""
    qs = questions(survey)
    answers = _answers(survey, under_path)
    total = _responses(survey, under_path).count()
    by_question: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in answers:
        by_question[row[1]].append(row)
    out = []
    for q in qs:
        rows = by_question.get(q.pk, [])
        if q.kind == QuestionKind.TEXT:
            texts = sorted((r[3] for r in rows if r[3].strip()), key=str)
            out.append({"question": q, "answered": len(rows), "texts": texts, "options": []})
            continue
        chosen: Counter[int] = Counter()
        points: Counter[int] = Counter()
        for r in rows:
            for place, index in enumerate(r[2] or []):
                chosen[index] += 1
                points[index] += RANK_TOP - place
        options = [
            {
                "label": o["label"],
                "subject": o.get("subject", ""),
                "count": chosen[i],
                "share": round(100 * chosen[i] / total, 1) if total else 0.0,
                "points": points[i],
            }
            for i, o in enumerate(q.options)
        ]
        key = "points" if q.kind == QuestionKind.RANKING else "count"
        options.sort(key=lambda o: (-o[key], o["label"]))
        out.append({"question": q, "answered": len(rows), "texts": [], "options": options})
    return out


def _subjects_chosen(survey: Survey, under_path: str = "") -> tuple[int, list[tuple[Any, ...]]]:
    """(respondents, [(response id, subject code, need level, category)]) for every option
    tied to a subject that a respondent chose, once per response, subject and level."""
    qs = {q.pk: q for q in questions(survey)}
    seen = set()
    for response_id, question_id, choices, _text, category in _answers(survey, under_path):
        q = qs[question_id]
        for index in choices or []:
            if 0 <= index < len(q.options) and q.options[index].get("subject"):
                seen.add((response_id, q.options[index]["subject"], q.level, category))
    return _responses(survey, under_path).count(), sorted(seen, key=str)


def hours_delivered(path: str, year: int) -> dict[str, float]:
    """Credit hours recorded per subject for the people of the subtree in the year."""
    rows = (
        subject_rows()
        .filter(year=year, person__unit__path__startswith=path)
        .values("subject")
        .annotate(h=Sum("hours"))
    )
    return {r["subject"]: float(r["h"] or 0) for r in rows}


def subject_demand(survey: Survey, under_path: str = "") -> list[SubjectDemand]:
    """Each subject respondents asked for (in any question): how many asked, their share,
    and the hours delivered in it in the survey's scope during the year it ran — demand
    against supply, the plan's starting point (CQ-M1)."""
    total, chosen = _subjects_chosen(survey, under_path)
    asked: dict[str, set[Any]] = defaultdict(set)
    for response_id, subject, _level, _category in chosen:
        asked[subject].add(response_id)
    delivered = hours_delivered(under_path or survey.org.path, survey.opens_on.year)
    all_hours = sum(delivered.values())
    names = subject_names(include_inactive=True)
    out = [
        SubjectDemand(
            subject=code,
            name=names.get(code, code),
            respondents=len(asked.get(code, ())),
            share=round(100 * len(asked.get(code, ())) / total, 1) if total else 0.0,
            hours_delivered=delivered.get(code, 0.0),
            hours_share=round(100 * delivered.get(code, 0.0) / all_hours, 1) if all_hours else 0.0,
        )
        for code in names
        if code in asked or code in delivered
    ]
    out.sort(key=lambda d: (-d.respondents, -d.hours_delivered, d.subject))
    return out


def demand_by_audience(survey: Survey, under_path: str = "") -> dict[str, Any]:
    """Respondents asking for each subject by need level (organisation, post, individual)
    and, for a survey of people, by category (综合管理类, …)."""
    _total, chosen = _subjects_chosen(survey, under_path)
    names = subject_names(include_inactive=True)
    by_level: dict[str, Counter[str]] = defaultdict(Counter)
    by_category: dict[str, set[tuple[Any, str]]] = defaultdict(set)
    for response_id, subject, level, category in chosen:
        by_level[subject][level] += 1
        if category:
            by_category[subject].add((response_id, category))
    present = {category for *_, category in chosen}
    categories = [c for c in CATEGORY_LABELS if c in present]
    rows = []
    for code in sorted(by_level, key=lambda s: (-sum(by_level[s].values()), s)):
        per_category = Counter(cat for _, cat in by_category.get(code, set()))
        rows.append(
            {
                "subject": names.get(code, code),
                "levels": [by_level[code].get(level, 0) for level in NEED_LEVEL_LABELS],
                "categories": [per_category.get(c, 0) for c in categories],
            }
        )
    return {
        "levels": list(NEED_LEVEL_LABELS.values()),
        "categories": [CATEGORY_LABELS[c] for c in categories],
        "rows": rows,
    }


# --- for plans (surveys.api) ----------------------------------------------------------------


def surveys_covering(path: str) -> list[SurveyChoice]:
    """Surveys sent out whose population includes the node at `path` (run by that node or
    one above it), newest first: the ones a plan of that node may attach."""
    ancestors = [path[: i + 1] for i, c in enumerate(path) if c == "/"]
    qs = Survey.objects.filter(org__path__in=ancestors).exclude(status=SurveyStatus.DRAFT)
    return [SurveyChoice(s.pk, s.title, s.year, s.status) for s in qs]


def findings(survey_id: int, under_path: str = "") -> SurveyFindings | None:
    survey = Survey.objects.select_related("org").filter(pk=survey_id).first()
    if survey is None:
        return None
    under = under_path if under_path.startswith(survey.org.path) else ""
    return SurveyFindings(
        survey_id=survey.pk,
        title=survey.title,
        org_path=survey.org.path,
        year=survey.year,
        status=survey.status,
        invited=survey.invited,
        responses=survey.responses,
        counted=_responses(survey, under).count(),
        demand=tuple(subject_demand(survey, under)),
    )
