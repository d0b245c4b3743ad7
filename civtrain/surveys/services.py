"""Writes of needs surveys (CQ-M1): a survey made from a template, its questions edited while
a draft, sent to its population (each asked gets an inbox message), answered once per unit
or person, reminded, closed; a survey saved as a template for next year."""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from django.db import transaction
from django.db.models import F
from django.urls import reverse

from civtrain.accounts.api import Role, actor_scope, users_with_role
from civtrain.catalogue.api import subject_names
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import NotFound
from civtrain.core.writes import checked
from civtrain.inbox.api import inbox_send
from civtrain.organisations.api import OrgKind, org_data, org_list_data
from civtrain.organisations.data import OrgNodeData
from civtrain.people.api import person_for_user, person_ids_matching
from civtrain.people.data import CATEGORY_LABELS, RANKS
from civtrain.surveys.data import (
    NEED_LEVEL_LABELS,
    QUESTION_KIND_LABELS,
    RANK_TOP,
    STANDARD_QUESTIONS,
    STANDARD_TEMPLATE_NAME,
    SUBJECT_OPTIONS,
    QuestionKind,
    Respondent,
    SurveyStatus,
)
from civtrain.surveys.errors import SurveyError, SurveysErrorCode
from civtrain.surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
)
from civtrain.surveys.selectors import RUNNERS, access_invitation, access_survey_by_id, is_open

MAX_WINDOW_DAYS = 92
MAX_OPTIONS = 40


def _audit(actor: Actor, survey: Survey, action: str, changes: dict[str, object]) -> None:
    audit_record(
        actor=actor,
        action=f"survey.{action}",
        object_type="survey",
        object_id=survey.pk,
        object_label=survey.title,
        org_path=survey.org.path,
        changes=changes,
    )


def standard_template() -> SurveyTemplate:
    template, _ = SurveyTemplate.objects.get_or_create(
        name=STANDARD_TEMPLATE_NAME, defaults={"questions": STANDARD_QUESTIONS, "org_path": ""}
    )
    return template


def _options(raw: object) -> list[dict[str, str]]:
    """A template's options: the catalogue's active subjects, or labels (each may name a
    subject by its code or its name, so its answers count as demand for it)."""
    names = subject_names()
    if raw == SUBJECT_OPTIONS:
        return [{"label": name, "subject": code} for code, name in names.items()]
    by_name = {n: c for c, n in names.items()}
    out = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict):
            label, subject = str(item.get("label", "")).strip(), str(item.get("subject", ""))
        else:
            label = str(item).strip()
            subject = by_name.get(label, "")
        if label:
            out.append({"label": label[:100], "subject": subject if subject in names else ""})
    return out


def _check_question(kind: str, level: str, text: str, options: list[dict[str, str]]) -> None:
    if kind not in QUESTION_KIND_LABELS or level not in NEED_LEVEL_LABELS:
        raise SurveyError(SurveysErrorCode.INVALID, "题型或需求层面无效")
    if not text.strip():
        raise SurveyError(SurveysErrorCode.INVALID, "题目不能为空")
    if kind != QuestionKind.TEXT and not 2 <= len(options) <= MAX_OPTIONS:
        raise SurveyError(
            SurveysErrorCode.INVALID, f"选择题须有 2 至 {MAX_OPTIONS} 个选项：“{text.strip()}”"
        )
    labels = [o["label"] for o in options]
    if len(set(labels)) != len(labels):
        raise SurveyError(SurveysErrorCode.INVALID, f"选项重复：“{text.strip()}”")


def _runner_of(actor: Actor, org_id: int) -> OrgNodeData:
    try:
        org = org_data(org_id)
    except Exception:
        raise NotFound("组织不存在或不在您的管辖范围内") from None
    if not actor_scope(actor).covers(org.path, *RUNNERS):
        raise NotFound("组织不存在或不在您的管辖范围内")
    return org


@transaction.atomic
def survey_create(
    *,
    actor: Actor,
    org_id: int,
    title: str,
    year: int,
    respondent: str,
    opens_on: dt.date,
    closes_on: dt.date,
    template_id: int | None = None,
    categories: Sequence[str] = (),
    ranks: Sequence[str] = (),
) -> Survey:
    """A draft survey of the node's units or people, its questions copied from a template
    (the standard one when none is named)."""
    org = _runner_of(actor, org_id)
    if respondent not in (Respondent.UNIT, Respondent.PERSON):
        raise SurveyError(SurveysErrorCode.INVALID, "填报方式无效")
    if respondent == Respondent.UNIT and org.kind not in (OrgKind.CITY, OrgKind.DISTRICT):
        raise SurveyError(SurveysErrorCode.INVALID, "由各单位填报的调查须由市或区县发起")
    if not 2000 <= year <= 2100:
        raise SurveyError(SurveysErrorCode.INVALID, "计划年度无效")
    if closes_on < opens_on or (closes_on - opens_on).days > MAX_WINDOW_DAYS:
        raise SurveyError(
            SurveysErrorCode.INVALID,
            f"截止日期须在开始日期之后，且调查期不超过 {MAX_WINDOW_DAYS} 天",
        )
    if closes_on < clock.today():
        raise SurveyError(SurveysErrorCode.INVALID, "截止日期已过")
    bad = [c for c in categories if c not in CATEGORY_LABELS] + [r for r in ranks if r not in RANKS]
    if bad:
        raise SurveyError(SurveysErrorCode.INVALID, f"未知的人员类别或职级：{'、'.join(bad)}")
    if template_id:
        template = SurveyTemplate.objects.filter(pk=template_id).first()
        if template is None:
            raise NotFound("调查模板不存在")
    else:
        template = standard_template()
    survey = Survey(
        org_id=org.id,
        title=title.strip(),
        year=year,
        respondent=respondent,
        categories=list(dict.fromkeys(categories)) if respondent == Respondent.PERSON else [],
        ranks=list(dict.fromkeys(ranks)) if respondent == Respondent.PERSON else [],
        opens_on=opens_on,
        closes_on=closes_on,
    )
    checked(survey)
    survey.save()
    for position, spec in enumerate(template.questions, start=1):
        options = _options(spec.get("options", []))
        kind, level, text = str(spec["kind"]), str(spec["level"]), str(spec["text"])
        _check_question(kind, level, text, options)
        SurveyQuestion.objects.create(
            survey=survey, position=position, kind=kind, level=level, text=text, options=options
        )
    survey = Survey.objects.select_related("org").get(pk=survey.pk)
    _audit(actor, survey, "create", {"template": template.name, "year": year})
    return survey


def _draft(actor: Actor, survey_id: int) -> Survey:
    survey = access_survey_by_id(actor, survey_id)
    if survey.status != SurveyStatus.DRAFT:
        raise SurveyError(SurveysErrorCode.NOT_EDITABLE, "调查已发布，题目不能再修改")
    return survey


@transaction.atomic
def question_add(
    *,
    actor: Actor,
    survey_id: int,
    kind: str,
    level: str,
    text: str,
    options: Iterable[str] = (),
    subject_options: bool = False,
) -> SurveyQuestion:
    """A question added to a draft: options one per line (a line naming a subject counts as
    demand for it), or every active subject."""
    survey = _draft(actor, survey_id)
    opts = _options(SUBJECT_OPTIONS if subject_options else [o for o in options if o.strip()])
    if kind == QuestionKind.TEXT:
        opts = []
    _check_question(kind, level, text, opts)
    last = SurveyQuestion.objects.filter(survey=survey).order_by("-position").first()
    question = SurveyQuestion.objects.create(
        survey=survey,
        position=(last.position if last else 0) + 1,
        kind=kind,
        level=level,
        text=text.strip()[:300],
        options=opts,
    )
    _audit(actor, survey, "question_add", {"text": question.text, "kind": kind})
    return question


@transaction.atomic
def question_remove(*, actor: Actor, survey_id: int, question_id: int) -> None:
    survey = _draft(actor, survey_id)
    question = SurveyQuestion.objects.filter(survey=survey, pk=question_id).first()
    if question is None:
        raise NotFound("题目不存在")
    _audit(actor, survey, "question_remove", {"text": question.text})
    question.delete()


def _population(actor: Actor, survey: Survey) -> tuple[list[int], list[int]]:
    """(unit ids, person ids) asked: the active units under the node, or its active people
    of the categories and ranks chosen (all when none is chosen)."""
    if survey.respondent == Respondent.UNIT:
        units = org_list_data(scope_paths=[survey.org.path], kinds=[OrgKind.UNIT])
        return [u.id for u in units if u.active], []
    people: set[int] = set()
    for category in survey.categories or [""]:
        for rank in survey.ranks or [""]:
            people.update(
                person_ids_matching(
                    actor=actor, unit_id=survey.org_id, category=category, rank=rank
                )
            )
    return [], sorted(people)


def _hr_users(unit_ids: Iterable[int]) -> list[int]:
    paths = [org_data(u).path for u in unit_ids]
    return [uid for uid, _, path in users_with_role(Role.UNIT_HR, paths) if path in set(paths)]


@transaction.atomic
def survey_open(*, actor: Actor, survey_id: int) -> Survey:
    """Draft → open: an invitation for every unit or person of the population and a message
    in the inbox of each (the units' HR officers)."""
    survey = _draft(actor, survey_id)
    if not SurveyQuestion.objects.filter(survey=survey).exists():
        raise SurveyError(SurveysErrorCode.INVALID, "调查还没有题目")
    if survey.closes_on < clock.today():
        raise SurveyError(SurveysErrorCode.CLOSED, "截止日期已过，请修改后再发布")
    units, people = _population(actor, survey)
    if not units and not people:
        raise SurveyError(SurveysErrorCode.NOBODY, "调查范围内没有符合条件的单位或人员")
    SurveyInvitation.objects.bulk_create(
        [SurveyInvitation(survey=survey, unit_id=u) for u in units]
        + [SurveyInvitation(survey=survey, person_id=p) for p in people],
        batch_size=1000,
    )
    survey.status, survey.invited = SurveyStatus.OPEN, len(units) + len(people)
    survey.save(update_fields=["status", "invited"])
    url = reverse("surveys:mine")
    inbox_send(
        actor=actor,
        kind="survey",
        subject=f"请填写培训需求调查：{survey.title}",
        body=f"填报截止 {survey.closes_on:%Y-%m-%d}。",
        url=url,
        user_ids=_hr_users(units),
        person_ids=people,
    )
    _audit(actor, survey, "open", {"invited": survey.invited})
    return survey


@transaction.atomic
def survey_close(*, actor: Actor, survey_id: int) -> Survey:
    survey = access_survey_by_id(actor, survey_id)
    if survey.status != SurveyStatus.OPEN:
        raise SurveyError(SurveysErrorCode.BAD_TRANSITION, "只有调查中的问卷可以结束")
    survey.status = SurveyStatus.CLOSED
    survey.save(update_fields=["status"])
    _audit(actor, survey, "close", {"responses": survey.responses, "invited": survey.invited})
    return survey


def survey_remind(*, actor: Actor, survey_id: int) -> int:
    """Remind those who have not answered (once a day each)."""
    survey = access_survey_by_id(actor, survey_id)
    return _remind(actor, survey)


def _remind(actor: Actor, survey: Survey) -> int:
    if not is_open(survey):
        return 0
    pending = list(
        SurveyInvitation.objects.filter(survey=survey, answered=False).values_list(
            "unit_id", "person_id"
        )
    )
    units = [u for u, _ in pending if u]
    people = [p for _, p in pending if p]
    return inbox_send(
        actor=actor,
        kind="survey",
        subject=f"提醒：请在 {survey.closes_on:%m月%d日} 前填写培训需求调查“{survey.title}”",
        url=reverse("surveys:mine"),
        user_ids=_hr_users(units),
        person_ids=people,
        dedupe_key=f"survey-remind-{survey.pk}-{clock.today():%Y%m%d}",
    )


def reminders_send() -> int:
    """The daily reminder of every open survey (the schedule; acts as the platform)."""
    from civtrain.accounts.api import SYSTEM

    today = clock.today()
    surveys = Survey.objects.select_related("org").filter(
        status=SurveyStatus.OPEN, opens_on__lte=today, closes_on__gte=today
    )
    return sum(_remind(SYSTEM, s) for s in surveys)


def _clean_answers(
    questions: list[SurveyQuestion], given: Mapping[int, object]
) -> list[tuple[SurveyQuestion, list[int], str]]:
    out: list[tuple[SurveyQuestion, list[int], str]] = []
    missing = []
    for q in questions:
        value = given.get(q.pk)
        if q.kind == QuestionKind.TEXT:
            text = str(value or "").strip()[:2000]
            out.append((q, [], text))
            continue
        raw = value if isinstance(value, list | tuple) else ([] if value in (None, "") else [value])
        try:
            choices = [int(str(v)) for v in raw]
        except ValueError:
            raise SurveyError(SurveysErrorCode.INVALID, f"答案无效：“{q.text}”") from None
        if any(not 0 <= c < len(q.options) for c in choices) or len(set(choices)) != len(choices):
            raise SurveyError(SurveysErrorCode.INVALID, f"答案无效：“{q.text}”")
        if not choices:
            missing.append(q.text)
            continue
        if q.kind == QuestionKind.SINGLE and len(choices) != 1:
            raise SurveyError(SurveysErrorCode.INVALID, f"单选题只能选一项：“{q.text}”")
        if q.kind == QuestionKind.RANKING and len(choices) > RANK_TOP:
            raise SurveyError(SurveysErrorCode.INVALID, f"排序题最多选 {RANK_TOP} 项：“{q.text}”")
        out.append((q, choices, ""))
    if missing:
        raise SurveyError(
            SurveysErrorCode.INCOMPLETE, f"请回答：{'；'.join(missing)}", {"missing": missing}
        )
    return out


@transaction.atomic
def survey_answer(*, actor: Actor, invitation_id: int, answers: Mapping[int, object]) -> None:
    """One answer per unit or person: the invitation flips with a conditional UPDATE (a
    second answer or a race updates nothing and is refused); the response keeps the
    respondent's unit, category and rank, not the person."""
    invitation = access_invitation(actor, invitation_id)
    survey = Survey.objects.select_related("org").get(pk=invitation.survey_id)
    if not is_open(survey):
        raise SurveyError(SurveysErrorCode.CLOSED, "调查未开始或已结束")
    cleaned = _clean_answers(list(SurveyQuestion.objects.filter(survey=survey)), answers)
    flipped = SurveyInvitation.objects.filter(pk=invitation.pk, answered=False).update(
        answered=True
    )
    if not flipped:
        raise SurveyError(SurveysErrorCode.ALREADY_ANSWERED, "已经填写过该调查")
    if invitation.unit_id:
        unit_path, category, rank = invitation.unit.path, "", ""  # type: ignore[union-attr]
    else:
        person = person_for_user(actor.pk)
        if person is None:  # the invitation was found through the actor's person
            raise NotFound("调查问卷不存在或无权访问")
        unit_path, category, rank = person.unit_path, str(person.category), person.rank
    response = SurveyResponse.objects.create(
        survey=survey, unit_path=unit_path, category=category, rank=rank
    )
    SurveyAnswer.objects.bulk_create(
        [SurveyAnswer(response=response, question=q, choices=c, text=t) for q, c, t in cleaned]
    )
    Survey.objects.filter(pk=survey.pk).update(responses=F("responses") + 1)
    _audit(actor, survey, "answer", {"unit_id": invitation.unit_id})


@transaction.atomic
def template_save(*, actor: Actor, survey_id: int, name: str) -> SurveyTemplate:
    """A survey's questions kept as a template of its node, for next year's survey."""
    survey = access_survey_by_id(actor, survey_id)
    name = name.strip()
    if not name or SurveyTemplate.objects.filter(name=name).exists():
        raise SurveyError(SurveysErrorCode.INVALID, f"模板名称“{name}”为空或已被使用")
    template = SurveyTemplate.objects.create(
        name=name[:100],
        org_path=survey.org.path,
        questions=[
            {"kind": q.kind, "level": q.level, "text": q.text, "options": q.options}
            for q in SurveyQuestion.objects.filter(survey=survey)
        ],
    )
    audit_record(
        actor=actor,
        action="survey_template.create",
        object_type="survey_template",
        object_id=template.pk,
        object_label=template.name,
        org_path=survey.org.path,
        changes={"from_survey": survey.pk},
    )
    return template
