"""Writes of class evaluation (CQ-M4): templates, opening forms when classes end, answers,
closing, evaluator assignments and reports. Answers are stored anonymously (ADR 0021)."""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from django.db import transaction
from django.db.models import F

from civtrain.accounts.api import SYSTEM, Role, actor_scope, users_with_role
from civtrain.classes.api import ClassData, classes_ended, sessions_of
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import NotFound, ValidationFailed
from civtrain.core.writes import checked
from civtrain.enrolment.api import enrolled_person_ids
from civtrain.evaluation import notify
from civtrain.evaluation.data import (
    ANSWER_DAYS,
    DEFAULT_TEMPLATE_NAME,
    DIMENSION_LABELS,
    SCALES,
    Dimension,
)
from civtrain.evaluation.errors import EvaluationError, EvaluationErrorCode
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
from civtrain.evaluation.selectors import access_evaluation_by_id
from civtrain.faculty.api import teacher_names
from civtrain.people.api import person_for_user

BUREAUS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU)
# How far back the schedule looks for ended classes without a form (a server down for a
# while still opens them).
LOOKBACK_DAYS = 60


def template_create(
    *,
    actor: Actor,
    name: str,
    scale: int,
    dimensions: Sequence[str],
    free_text: bool = True,
    org_path: str = "",
) -> EvaluationTemplate:
    """A form template for the classes organised under `org_path` (a bureau's node)."""
    scope = actor_scope(actor)
    if not scope.covers(org_path, *BUREAUS) if org_path else not scope.has(Role.CITY_BUREAU):
        raise NotFound("所属组织不存在或不在您的管辖范围内")
    unknown = [d for d in dimensions if d not in DIMENSION_LABELS]
    if unknown or not dimensions:
        raise EvaluationError(
            EvaluationErrorCode.INVALID_TEMPLATE, "请至少选择一个评估维度", {"unknown": unknown}
        )
    if scale not in SCALES:
        raise EvaluationError(EvaluationErrorCode.INVALID_TEMPLATE, "分制只能是 5 分制或 10 分制")
    name = name.strip()
    if not name or EvaluationTemplate.objects.filter(name=name).exists():
        raise EvaluationError(
            EvaluationErrorCode.INVALID_TEMPLATE, f"评估表名称“{name}”为空或已被使用"
        )
    with transaction.atomic():
        template = EvaluationTemplate(
            name=name,
            scale=scale,
            dimensions=[d for d in DIMENSION_LABELS if d in set(dimensions)],
            free_text=free_text,
            org_path=org_path,
        )
        checked(template)
        template.save()
        audit_record(
            actor=actor,
            action="evaluation_template.create",
            object_type="evaluation_template",
            object_id=template.pk,
            object_label=name,
            org_path=org_path,
            changes={"scale": scale, "dimensions": template.dimensions},
        )
    return template


def _template_for(organiser_path: str) -> EvaluationTemplate:
    """The newest template of the organiser's node or a node above it, else the standard one."""
    ancestors = [organiser_path[: i + 1] for i, c in enumerate(organiser_path) if c == "/"]
    found = EvaluationTemplate.objects.filter(org_path__in=ancestors).first()
    if found is not None:
        return found
    template, _ = EvaluationTemplate.objects.get_or_create(
        name=DEFAULT_TEMPLATE_NAME,
        defaults={"scale": 5, "dimensions": [d.value for d in Dimension], "free_text": True},
    )
    return template


def _items(evaluation: ClassEvaluation, dimensions: Iterable[str]) -> list[EvaluationItem]:
    """The form's questions in the template's order; the teacher dimension becomes one
    question per session with a teacher ("each teacher for each session they taught")."""
    items: list[EvaluationItem] = []
    for dimension in dimensions:
        if dimension != Dimension.TEACHER:
            label = DIMENSION_LABELS[Dimension(dimension)]
            items.append(EvaluationItem(dimension=dimension, label=label))
            continue
        sessions = [s for s in sessions_of(evaluation.training_class_id) if s.teacher_id]
        names = teacher_names(s.teacher_id for s in sessions if s.teacher_id)
        items += [
            EvaluationItem(
                dimension=dimension,
                session_id=s.id,
                teacher_id=s.teacher_id,
                subject=s.subject,
                label=f"{names.get(s.teacher_id or 0, '')}：{s.topic}（{s.date:%m-%d}）",
            )
            for s in sessions
        ]
    for position, item in enumerate(items, start=1):
        item.evaluation, item.position = evaluation, position
    return items


@transaction.atomic
def evaluation_open(*, actor: Actor, training_class: ClassData) -> ClassEvaluation | None:
    """Open the class's form for every trainee on it (CQ-M4 凡训必评) and tell them through
    the inbox; None when it is already open."""
    if ClassEvaluation.objects.filter(training_class_id=training_class.id).exists():
        return None
    template = _template_for(training_class.organiser_path)
    today = clock.today()
    people = sorted(enrolled_person_ids(training_class.id))
    evaluation = ClassEvaluation.objects.create(
        training_class_id=training_class.id,
        template=template,
        scale=template.scale,
        free_text=template.free_text,
        org_path=training_class.organiser_path,
        institution_id=training_class.institution_id,
        year=training_class.end_date.year,
        opened_on=today,
        closes_on=max(today, training_class.end_date) + dt.timedelta(days=ANSWER_DAYS),
        invited=len(people),
    )
    EvaluationItem.objects.bulk_create(_items(evaluation, template.dimensions))
    Invitation.objects.bulk_create([Invitation(evaluation=evaluation, person_id=p) for p in people])
    audit_record(
        actor=actor,
        action="evaluation.open",
        object_type="class_evaluation",
        object_id=evaluation.pk,
        object_label=training_class.title,
        org_path=training_class.organiser_path,
        changes={"invited": len(people), "closes_on": str(evaluation.closes_on)},
    )
    notify.evaluation_opened(evaluation.pk, training_class.title, people)
    return evaluation


def evaluations_open_due(*, as_of: dt.date | None = None) -> int:
    """Open a form for every class that has ended without one (the schedule's pull, ADR
    0021: the class's own status and dates are the durable fact, so nothing is missed when
    the process dies). Returns how many opened."""
    as_of = as_of or clock.today()
    ended = classes_ended(since=as_of - dt.timedelta(days=LOOKBACK_DAYS), as_of=as_of)
    have = set(
        ClassEvaluation.objects.filter(training_class_id__in=[c.id for c in ended]).values_list(
            "training_class_id", flat=True
        )
    )
    opened = 0
    for training_class in ended:
        if training_class.id not in have:
            opened += evaluation_open(actor=SYSTEM, training_class=training_class) is not None
    return opened


def evaluation_answer(
    *, actor: Actor, evaluation_id: int, scores: Mapping[int, int], comment: str = ""
) -> None:
    """A trainee's answers (CQ-M4). Who answered is marked on the invitation; what was
    answered goes, with no key to the person and no time, into Response/Answer (ADR 0021).
    One answer per trainee: the invitation flips once, race-safely."""
    person = person_for_user(actor.pk) if actor.pk else None
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_related("evaluation")
            .filter(evaluation_id=evaluation_id, person_id=person.id if person else 0)
            .first()
        )
        if invitation is None:
            raise NotFound("评估表不存在或无权访问")
        evaluation = invitation.evaluation
        if evaluation.closed or clock.today() > evaluation.closes_on:
            raise EvaluationError(EvaluationErrorCode.CLOSED, "该培训班的评估已结束")
        items = list(EvaluationItem.objects.filter(evaluation=evaluation))
        missing = [i.label for i in items if i.pk not in scores]
        bad = [i.label for i in items if not 1 <= scores.get(i.pk, 1) <= evaluation.scale]
        if missing or bad:
            raise EvaluationError(
                EvaluationErrorCode.INCOMPLETE,
                f"请为每一项打 1 至 {evaluation.scale} 分：{'、'.join((missing + bad)[:5])}",
                {"missing": missing, "out_of_range": bad},
            )
        # The flip is the guard: a second answer (or a race) updates nothing.
        if not Invitation.objects.filter(pk=invitation.pk, answered=False).update(answered=True):
            raise EvaluationError(EvaluationErrorCode.ALREADY_ANSWERED, "您已提交过该培训班的评估")
        response = Response.objects.create(
            evaluation=evaluation, comment=comment.strip()[:2000] if evaluation.free_text else ""
        )
        Answer.objects.bulk_create(
            [Answer(response=response, item=i, score=scores[i.pk]) for i in items]
        )
        ClassEvaluation.objects.filter(pk=evaluation.pk).update(responses=F("responses") + 1)
        # The audit row says that this person answered this form — as the invitation does —
        # and never which response is theirs.
        audit_record(
            actor=actor,
            action="evaluation.answer",
            object_type="class_evaluation",
            object_id=evaluation.pk,
            object_label=str(evaluation.training_class_id),
            org_path=evaluation.org_path,
        )


@transaction.atomic
def evaluation_close(*, actor: Actor, evaluation_id: int) -> ClassEvaluation:
    """The organiser ends answering before the window does."""
    evaluation = access_evaluation_by_id(actor, evaluation_id, manage=True)
    if not evaluation.closed:
        evaluation.closed = True
        evaluation.save(update_fields=["closed"])
        audit_record(
            actor=actor,
            action="evaluation.close",
            object_type="class_evaluation",
            object_id=evaluation.pk,
            org_path=evaluation.org_path,
            changes={"responses": evaluation.responses, "invited": evaluation.invited},
        )
    return evaluation


def reminders_send(*, as_of: dt.date | None = None) -> int:
    """Remind every trainee who has not answered an open form (daily; the inbox sends each
    day's reminder once). Returns how many people were reminded."""
    today = as_of or clock.today()
    open_forms = ClassEvaluation.objects.filter(closed=False, closes_on__gte=today)
    pending: dict[int, list[int]] = {}
    for evaluation_id, person_id in Invitation.objects.filter(
        evaluation__in=open_forms, answered=False
    ).values_list("evaluation_id", "person_id"):
        pending.setdefault(evaluation_id, []).append(person_id)
    for evaluation_id, people in pending.items():
        notify.evaluation_reminder(evaluation_id, people, today)
    return sum(len(p) for p in pending.values())


@transaction.atomic
def evaluator_assign(*, actor: Actor, evaluation_id: int, user_id: int) -> EvaluatorAssignment:
    """A bureau commissions a third-party evaluator (a user holding the evaluator role)."""
    evaluation = access_evaluation_by_id(actor, evaluation_id, manage=True)
    if not actor_scope(actor).covers(evaluation.org_path, *BUREAUS):
        raise NotFound("评估表不存在或无权访问")
    root = evaluation.org_path.split("/")[0] + "/"
    if user_id not in {u for u, _, _ in users_with_role(Role.EVALUATOR, [root])}:
        raise EvaluationError(EvaluationErrorCode.NOT_EVALUATOR, "所选用户不是第三方评估人员")
    assignment, created = EvaluatorAssignment.objects.get_or_create(
        evaluation=evaluation, user_id=user_id
    )
    if created:
        audit_record(
            actor=actor,
            action="evaluation.assign",
            object_type="class_evaluation",
            object_id=evaluation.pk,
            org_path=evaluation.org_path,
            changes={"evaluator": user_id},
        )
    return assignment


@transaction.atomic
def report_save(*, actor: Actor, evaluation_id: int, body: str) -> EvaluationReport:
    """The assigned evaluator writes (or rewrites) their report on the class."""
    evaluation = access_evaluation_by_id(actor, evaluation_id)
    if not EvaluatorAssignment.objects.filter(evaluation=evaluation, user_id=actor.pk).exists():
        raise NotFound("评估表不存在或无权访问")
    body = body.strip()
    if not body:
        raise ValidationFailed("评估报告不能为空")
    report, created = EvaluationReport.objects.update_or_create(
        evaluation=evaluation, author_id=actor.pk, defaults={"body": body}
    )
    audit_record(
        actor=actor,
        action="evaluation.report_create" if created else "evaluation.report_update",
        object_type="class_evaluation",
        object_id=evaluation.pk,
        org_path=evaluation.org_path,
        changes={"length": len(body)},
    )
    return report
