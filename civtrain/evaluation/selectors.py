"""Reads of class evaluation, scoped by the actor. Scores read only the anonymous tables
and only forms with at least MIN_RESPONSES answers (ADR 0021)."""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Sum,
    Value,
)

from civtrain.accounts.api import Role, actor_scope
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.errors import NotFound
from civtrain.evaluation.data import (
    DIMENSION_LABELS,
    MIN_RESPONSES,
    Dimension,
    InstitutionYear,
    RatingPoint,
    ScoreRow,
    TaughtSession,
    percent,
)
from civtrain.evaluation.models import (
    Answer,
    ClassEvaluation,
    EvaluationItem,
    EvaluationReport,
    EvaluationTemplate,
    EvaluatorAssignment,
    Invitation,
    Response,
)
from civtrain.institutions.api import institution_scope_q
from civtrain.organisations.api import subtree_q
from civtrain.people.api import person_for_user

# Pages and endpoints name the rows these selectors return as selectors.ClassEvaluation …:
# they never import the models (pyproject.toml).
__all__ = [
    "Answer",
    "ClassEvaluation",
    "EvaluationItem",
    "EvaluationReport",
    "EvaluationTemplate",
    "EvaluatorAssignment",
    "Invitation",
    "Response",
]

ORGANISERS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU, Role.UNIT_HR)
BUREAUS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU)
# Each answer as a figure out of 100, whatever the form's scale (data.percent).
ANSWER_PERCENT = ExpressionWrapper(
    F("score") * Value(100.0) / F("item__evaluation__scale"), output_field=FloatField()
)


def evaluation_scope_q(actor: Actor, *, manage: bool = False) -> Q:
    """Forms the actor may read: organisers of the class's node (and bureaus above it),
    staff of its institution, evaluators assigned to it; with manage, organisers only."""
    scope = actor_scope(actor)
    q = subtree_q(scope.paths_for(*ORGANISERS), "org_path")
    if manage:
        return q
    q |= institution_scope_q(actor, "institution", staff_only=True)
    if scope.has(Role.EVALUATOR):
        q |= Q(assignments__user_id=actor.pk)
    return q


def evaluation_list(*, actor: Actor, year: int | None = None) -> QuerySet[ClassEvaluation]:
    """The forms the actor may read, the latest classes first."""
    qs = (
        ClassEvaluation.objects.filter(
            pk__in=ClassEvaluation.objects.filter(evaluation_scope_q(actor)).values("pk")
        )
        .select_related("training_class", "institution")
        .order_by("-training_class__end_date", "-id")
    )
    return qs.filter(year=year) if year else qs


def access_evaluation_by_id(
    actor: Actor, evaluation_id: int, *, manage: bool = False
) -> ClassEvaluation:
    found = (
        ClassEvaluation.objects.filter(evaluation_scope_q(actor, manage=manage), pk=evaluation_id)
        .select_related("training_class", "institution")
        .first()
    )
    if found is None:
        raise NotFound("评估表不存在或无权访问")
    return found


def my_invitations(*, actor: Actor) -> QuerySet[Invitation]:
    """The actor's own forms (as a trainee), open ones first."""
    person = person_for_user(actor.pk) if actor.pk else None
    return (
        Invitation.objects.filter(person_id=person.id if person else 0)
        .select_related("evaluation__training_class")
        .order_by("answered", "-evaluation__opened_on", "-evaluation_id")
    )


def my_invitation(*, actor: Actor, evaluation_id: int) -> Invitation:
    found = my_invitations(actor=actor).filter(evaluation_id=evaluation_id).first()
    if found is None:
        raise NotFound("评估表不存在或无权访问")
    return found


def form_items(evaluation_id: int) -> list[EvaluationItem]:
    return list(EvaluationItem.objects.filter(evaluation_id=evaluation_id))


def is_open(evaluation: ClassEvaluation) -> bool:
    return not evaluation.closed and clock.today() <= evaluation.closes_on


def class_figures(evaluation: ClassEvaluation) -> dict[str, Any]:
    """A form's figures: per question and per dimension the mean (on its scale and out of
    100) and the free-text comments — none while fewer than MIN_RESPONSES have answered."""
    shown = evaluation.responses >= MIN_RESPONSES
    items = form_items(evaluation.pk)
    means = (
        dict(
            Answer.objects.filter(item__evaluation=evaluation)
            .values("item_id")
            .annotate(m=Avg("score"))
            .values_list("item_id", "m")
        )
        if shown
        else {}
    )
    questions = [
        {
            "item": i,
            "mean": _dec(means.get(i.pk)),
            "percent": percent(means.get(i.pk), evaluation.scale),
        }
        for i in items
    ]
    by_dimension: dict[str, list[float]] = defaultdict(list)
    for i in items:
        if i.pk in means:
            by_dimension[i.dimension].append(means[i.pk])
    dimensions = [
        {
            "code": d.value,
            "label": DIMENSION_LABELS[d],
            "mean": _dec(sum(v) / len(v)),
            "percent": percent(sum(v) / len(v), evaluation.scale),
        }
        for d in Dimension
        if (v := by_dimension.get(d.value))
    ]
    comments = (
        list(
            Response.objects.filter(evaluation=evaluation)
            .exclude(comment="")
            .order_by("id")  # random ids: no order of answering
            .values_list("comment", flat=True)
        )
        if shown
        else []
    )
    return {
        "shown": shown,
        "questions": questions,
        "dimensions": dimensions,
        "comments": comments,
        "overall": _mean_percent(Answer.objects.filter(item__evaluation=evaluation))
        if shown
        else None,
    }


def _dec(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _mean_percent(answers: QuerySet[Answer]) -> Decimal | None:
    value = answers.aggregate(m=Avg(ANSWER_PERCENT))["m"]
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))


def counted_answers(*, actor: Actor | None = None, year: int | None = None) -> QuerySet[Answer]:
    """The answers scores count: of forms with MIN_RESPONSES answers or more, in the
    actor's forms (None: every form, for the bureau's CLI run as the platform)."""
    qs = Answer.objects.filter(item__evaluation__responses__gte=MIN_RESPONSES)
    if actor is not None:
        qs = qs.filter(
            item__evaluation__in=ClassEvaluation.objects.filter(evaluation_scope_q(actor)).values(
                "pk"
            )
        )
    return qs.filter(item__evaluation__year=year) if year else qs


def _score_rows(answers: QuerySet[Answer], key: str) -> list[tuple[Any, Decimal, int, int]]:
    rows = (
        answers.values(key)
        .annotate(
            m=Avg(ANSWER_PERCENT), n=Count("score"), forms=Count("item__evaluation", distinct=True)
        )
        .order_by(key)
        .values_list(key, "m", "n", "forms")
    )
    return [(k, Decimal(str(m)).quantize(Decimal("0.1")), n, f) for k, m, n, f in rows]


def teacher_scores(answers: QuerySet[Answer], names: dict[int, str]) -> list[ScoreRow]:
    """Per teacher: the mean of the questions about their sessions."""
    rows = _score_rows(answers.filter(item__teacher__isnull=False), "item__teacher_id")
    return [ScoreRow(k, names.get(k, str(k)), m, n, f) for k, m, n, f in rows]


def institution_scores(answers: QuerySet[Answer], names: dict[int, str]) -> list[ScoreRow]:
    """Per institution: the mean of every question of its classes' forms."""
    rows = _score_rows(answers, "item__evaluation__institution_id")
    return [ScoreRow(k, names.get(k, str(k)), m, n, f) for k, m, n, f in rows]


def subject_scores(answers: QuerySet[Answer], names: dict[str, str]) -> list[ScoreRow]:
    """Per subject: the mean of the questions about sessions of that subject."""
    rows = _score_rows(
        answers.filter(item__teacher__isnull=False).exclude(item__subject=""), "item__subject"
    )
    return [ScoreRow(k, names.get(k, k), m, n, f) for k, m, n, f in rows]


def history(answers: QuerySet[Answer]) -> list[RatingPoint]:
    """Year by year (the trend of a teacher's rating or an institution's score)."""
    return [
        RatingPoint(year, m, n) for year, m, n, _ in _score_rows(answers, "item__evaluation__year")
    ]


def teacher_sessions(teacher_id: int, limit: int = 200) -> list[TaughtSession]:
    """The sessions a teacher taught in evaluated classes, latest first, each with the mean
    of the answers about it (shown only from MIN_RESPONSES answers on, like every figure)."""
    items = list(
        EvaluationItem.objects.filter(teacher_id=teacher_id)
        .select_related("session", "evaluation__training_class")
        .order_by("-session__date", "-id")[:limit]
    )
    rows = (
        counted_answers()
        .filter(item__in=[i.pk for i in items])
        .values("item_id")
        .annotate(m=Avg(ANSWER_PERCENT), n=Count("score"))
        .values_list("item_id", "m", "n")
    )
    means = {k: (Decimal(str(m)).quantize(Decimal("0.1")), n) for k, m, n in rows}
    return [
        TaughtSession(
            date=i.session.date if i.session else i.evaluation.opened_on,
            class_id=i.evaluation.training_class_id,
            class_title=i.evaluation.training_class.title,
            label=i.label,
            subject=i.subject,
            mean=means.get(i.pk, (None, 0))[0],
            answers=means.get(i.pk, (None, 0))[1],
        )
        for i in items
    ]


def institution_years(institution_id: int) -> list[InstitutionYear]:
    """Year by year: the institution's classes held and evaluated (every held class gets a
    form, CQ-M4), their trainees, and its score from the counted answers (CQ-B1)."""
    forms = (
        ClassEvaluation.objects.filter(institution_id=institution_id)
        .values("year")
        .annotate(classes=Count("id"), trainees=Sum("invited"))
        .order_by("year")
        .values_list("year", "classes", "trainees")
    )
    scores = {p.year: p for p in history(institution_answers(institution_id))}
    return [
        InstitutionYear(
            year,
            classes,
            int(trainees or 0),
            scores[year].mean if year in scores else None,
            scores[year].answers if year in scores else 0,
        )
        for year, classes, trainees in forms
    ]


def teacher_answers(teacher_id: int) -> QuerySet[Answer]:
    return counted_answers().filter(item__teacher_id=teacher_id)


def institution_answers(institution_id: int) -> QuerySet[Answer]:
    return counted_answers().filter(item__evaluation__institution_id=institution_id)


def form_means(forms: QuerySet[ClassEvaluation]) -> dict[int, Decimal]:
    """Mean out of 100 of each form that has MIN_RESPONSES answers or more."""
    rows = (
        Answer.objects.filter(
            item__evaluation__in=forms.values("pk"), item__evaluation__responses__gte=MIN_RESPONSES
        )
        .values("item__evaluation_id")
        .annotate(m=Avg(ANSWER_PERCENT))
        .values_list("item__evaluation_id", "m")
    )
    return {k: Decimal(str(m)).quantize(Decimal("0.1")) for k, m in rows}


def form_means_of(evaluation_ids: list[int]) -> dict[int, Decimal]:
    return form_means(ClassEvaluation.objects.filter(pk__in=evaluation_ids))


def forms_below(
    *, actor: Actor, year: int, threshold: Decimal
) -> list[tuple[ClassEvaluation, Decimal]]:
    """The year's forms the actor organises whose mean (out of 100) is below `threshold`,
    lowest first (the bureau's alert list)."""
    means = form_means(
        ClassEvaluation.objects.filter(evaluation_scope_q(actor, manage=True), year=year)
    )
    low = {k: m for k, m in means.items() if m < threshold}
    forms = ClassEvaluation.objects.filter(pk__in=low).select_related(
        "training_class", "institution"
    )
    return sorted(((f, low[f.pk]) for f in forms), key=lambda fm: fm[1])


def dimension_means(forms: QuerySet[ClassEvaluation]) -> dict[int, dict[str, Decimal]]:
    """Per form, the mean (on its scale) of each dimension — for the summary command."""
    rows = (
        Answer.objects.filter(
            item__evaluation__in=forms.values("pk"), item__evaluation__responses__gte=MIN_RESPONSES
        )
        .values("item__evaluation_id", "item__dimension")
        .annotate(m=Avg("score"))
        .values_list("item__evaluation_id", "item__dimension", "m")
    )
    out: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for form, dimension, m in rows:
        out[form][dimension] = Decimal(str(m)).quantize(Decimal("0.01"))
    return dict(out)


def assignments_of(evaluation: ClassEvaluation) -> list[EvaluatorAssignment]:
    return list(evaluation.assignments.select_related("user"))


def reports_of(evaluation: ClassEvaluation) -> list[EvaluationReport]:
    return list(evaluation.reports.select_related("author").order_by("updated_at"))


def template_list() -> QuerySet[EvaluationTemplate]:
    return EvaluationTemplate.objects.all()
