"""Class evaluation (凡训必评, CQ-M4): forms open when a class ends, anonymous answers,
response rates, scores per teacher and institution, evaluator reports, the alert list."""

import datetime as dt
import json
import uuid
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from civtrain.core import clock
from civtrain.core.audit import AuditEvent
from civtrain.core.errors import NotFound
from civtrain.evaluation import selectors, services
from civtrain.evaluation.data import Dimension
from civtrain.evaluation.errors import EvaluationError
from civtrain.evaluation.models import Answer, ClassEvaluation, Invitation, Response
from civtrain.evaluation.tests.builders import LAST_DAY, EndedClass, ended_class

pytestmark = pytest.mark.django_db


def _open(ended: EndedClass) -> ClassEvaluation:
    clock.freeze(LAST_DAY)
    assert services.evaluations_open_due() == 1
    return ClassEvaluation.objects.get(training_class_id=ended.class_id)


def _answer(user: Any, form: ClassEvaluation, mark: int, comment: str = "") -> None:
    items = selectors.form_items(form.pk)
    services.evaluation_answer(
        actor=user, evaluation_id=form.pk, scores={i.pk: mark for i in items}, comment=comment
    )


def test_forms_open_for_every_trainee_on_the_last_day_and_only_once(
    tree: dict, actors: dict[str, Any]
) -> None:
    ended = ended_class(tree, actors)
    clock.freeze(LAST_DAY - dt.timedelta(days=1))
    assert services.evaluations_open_due() == 0  # the class has not ended
    form = _open(ended)
    assert services.evaluations_open_due() == 0  # already open
    assert form.invited == 4
    assert sorted(
        Invitation.objects.filter(evaluation=form).values_list("person_id", flat=True)
    ) == sorted(ended.people)
    items = selectors.form_items(form.pk)
    assert [i.dimension for i in items] == [
        Dimension.PLAN,
        Dimension.CONTENT,
        Dimension.TEACHER,
        Dimension.TEACHER,
        Dimension.ORGANISATION,
        Dimension.LOGISTICS,
        Dimension.OVERALL,
    ]
    # One question per session and its teacher.
    assert [i.teacher_id for i in items if i.teacher_id] == ended.teachers
    assert items[2].label.startswith("周教授：专题2")


def test_stored_answers_cannot_be_linked_to_their_authors(
    tree: dict, actors: dict[str, Any]
) -> None:
    """The must-show of issue #16: inspect the tables, not the pages (ADR 0021)."""
    ended = ended_class(tree, actors)
    form = _open(ended)
    for user, mark in zip(ended.learners[:3], (5, 4, 2), strict=True):
        _answer(user, form, mark, comment=f"意见{mark}")

    # What was answered: no column that names a person, a user or a time, and no row id
    # that counts up (a random UUID; answers have no id of their own).
    def columns(model: Any) -> dict[str, str]:
        with connection.cursor() as cursor:
            described = connection.introspection.get_table_description(cursor, model._meta.db_table)
        return {c.name: c.type_code for c in described}

    assert set(columns(Response)) == {"id", "evaluation_id", "comment"}
    assert set(columns(Answer)) == {"response_id", "item_id", "score"}
    for model in (Response, Answer):
        targets = {f.related_model for f in model._meta.concrete_fields if f.is_relation}
        assert {t._meta.app_label for t in targets} == {"evaluation"}, model
        assert not any(
            f.get_internal_type() in ("DateField", "DateTimeField", "TimeField")
            for f in model._meta.concrete_fields
        )
    ids = list(Response.objects.values_list("id", flat=True))
    assert all(isinstance(i, uuid.UUID) and i.version == 4 for i in ids)
    # Who answered: the invitation holds a flag, no reference to a response, no time.
    assert set(columns(Invitation)) == {"id", "evaluation_id", "person_id", "answered"}
    # The audit trail says who answered which form — never which response is theirs.
    answered = AuditEvent.objects.filter(action="evaluation.answer")
    assert answered.count() == 3
    text = json.dumps(list(answered.values("object_id", "object_label", "changes")))
    assert not any(str(i) in text or i.hex in text for i in ids)

    # The response rate is exact …
    form.refresh_from_db()
    assert (form.responses, form.invited) == (3, 4)
    assert Invitation.objects.filter(evaluation=form, answered=True).count() == 3
    assert Response.objects.filter(evaluation=form).count() == 3
    # … and one trainee cannot answer twice.
    with pytest.raises(EvaluationError) as err:
        _answer(ended.learners[0], form, 1)
    assert err.value.code == "evaluation_already_answered"
    assert Response.objects.count() == 3
    form.refresh_from_db()
    assert form.responses == 3


def test_figures_appear_from_three_answers_and_move_the_ratings(
    tree: dict, actors: dict[str, Any]
) -> None:
    ended = ended_class(tree, actors)
    form = _open(ended)
    _answer(ended.learners[0], form, 5)
    _answer(ended.learners[1], form, 4)
    assert selectors.class_figures(form)["shown"] is False
    assert selectors.teacher_scores(selectors.counted_answers(), {}) == []
    _answer(ended.learners[2], form, 3)
    form.refresh_from_db()
    figures = selectors.class_figures(form)
    assert figures["shown"] is True
    assert figures["overall"] == pytest.approx(80)  # (5 + 4 + 3) / 3 = 4 of 5
    teachers = selectors.teacher_scores(selectors.counted_answers(), {})
    assert [(r.key, float(r.mean or 0), r.answers) for r in teachers] == [
        (ended.teachers[0], 80.0, 3),
        (ended.teachers[1], 80.0, 3),
    ]
    institutions = selectors.institution_scores(selectors.counted_answers(), {})
    assert [(r.key, r.answers, r.forms) for r in institutions] == [(ended.institution_id, 21, 1)]
    from civtrain.evaluation.api import teacher_rating_history

    assert [(p.year, float(p.mean or 0)) for p in teacher_rating_history(ended.teachers[0])] == [
        (2026, 80.0)
    ]


def test_answers_are_refused_when_incomplete_closed_or_not_invited(
    tree: dict, actors: dict[str, Any]
) -> None:
    ended = ended_class(tree, actors)
    form = _open(ended)
    first = selectors.form_items(form.pk)[0]
    with pytest.raises(EvaluationError) as err:
        services.evaluation_answer(
            actor=ended.learners[0], evaluation_id=form.pk, scores={first.pk: 5}
        )
    assert err.value.code == "evaluation_incomplete"
    with pytest.raises(EvaluationError):
        _answer(ended.learners[0], form, 6)  # out of the 1–5 scale
    with pytest.raises(NotFound):
        _answer(actors["city"], form, 5)  # not a trainee of the class
    services.evaluation_close(actor=actors["city"], evaluation_id=form.pk)
    with pytest.raises(EvaluationError) as err:
        _answer(ended.learners[0], form, 5)
    assert err.value.code == "evaluation_closed"
    assert Response.objects.count() == 0


def test_forms_are_scoped_like_their_classes(tree: dict, actors: dict[str, Any]) -> None:
    ended = ended_class(tree, actors)
    form = _open(ended)
    for who in ("city", "institution"):
        assert selectors.access_evaluation_by_id(actors[who], form.pk).pk == form.pk
    for who in ("other_city", "teacher", "evaluator"):
        with pytest.raises(NotFound):
            selectors.access_evaluation_by_id(actors[who], form.pk)
    with pytest.raises(NotFound):
        services.evaluation_close(actor=actors["other_city"], evaluation_id=form.pk)


def test_the_commissioned_evaluator_reads_the_figures_and_writes_the_report(
    tree: dict, actors: dict[str, Any]
) -> None:
    ended = ended_class(tree, actors)
    form = _open(ended)
    for user in ended.learners[:3]:
        _answer(user, form, 4)
    evaluator = actors["evaluator"]
    with pytest.raises(NotFound):
        services.report_save(actor=evaluator, evaluation_id=form.pk, body="报告")
    services.evaluator_assign(actor=actors["city"], evaluation_id=form.pk, user_id=evaluator.pk)
    with pytest.raises(EvaluationError):  # the unit HR user is no evaluator
        services.evaluator_assign(
            actor=actors["city"], evaluation_id=form.pk, user_id=actors["unit_hr"].pk
        )
    form = selectors.access_evaluation_by_id(evaluator, form.pk)
    from civtrain.evaluation.reports import draft

    text = draft(form, selectors.class_figures(form))
    assert "应评 4 人，实评 3 人，参评率 75%" in text
    assert "综合得分（百分制）：80.0" in text
    report = services.report_save(
        actor=evaluator, evaluation_id=form.pk, body=text + "\n结论：良好"
    )
    assert selectors.reports_of(form) == [report]


def test_the_alert_list_names_classes_and_teachers_below_the_threshold(
    tree: dict, actors: dict[str, Any], client: Any
) -> None:
    ended = ended_class(tree, actors)
    form = _open(ended)
    for user in ended.learners[:3]:
        _answer(user, form, 2)  # 40 out of 100
    low = selectors.forms_below(actor=actors["city"], year=2026, threshold=70)
    assert [(f.pk, float(m)) for f, m in low] == [(form.pk, 40.0)]
    assert selectors.forms_below(actor=actors["other_city"], year=2026, threshold=70) == []
    client.force_login(actors["city"])
    page = client.get("/evaluation/alerts/?year=2026").content.decode()
    assert "周教授" in page and "40.0" in page


def test_summary_command_gives_rates_dimensions_teachers_and_institutions(
    tree: dict, actors: dict[str, Any]
) -> None:
    ended = ended_class(tree, actors)
    form = _open(ended)
    for user, mark in zip(ended.learners[:3], (5, 5, 2), strict=True):
        _answer(user, form, mark)
    out = StringIO()
    call_command(
        "evaluations", "summary", "--year", "2026", "--org", "C1", "--format", "json", stdout=out
    )
    result = json.loads(out.getvalue())
    (row,) = result["classes"]
    assert (row["invited"], row["responses"], row["response_rate"]) == (4, 3, 0.75)
    assert row["dimensions"]["overall"] == 4.0
    assert [(t["name"], t["mean"], t["count"]) for t in result["teachers"]] == [
        ("周教授", 80.0, 3),
        ("吴讲师", 80.0, 3),
    ]
    assert result["institutions"][0]["count"] == 21
    out = StringIO()
    call_command(
        "evaluations", "summary", "--year", "2026", "--org", "C2", "--format", "json", stdout=out
    )
    assert json.loads(out.getvalue())["classes"] == []


def test_pages_answer_on_a_phone_and_show_the_rate_to_the_organiser(
    tree: dict, actors: dict[str, Any], client: Any
) -> None:
    ended = ended_class(tree, actors)
    form = _open(ended)
    learner = ended.learners[0]
    client.force_login(learner)
    assert "去评估" in client.get("/evaluation/mine/").content.decode()
    items = selectors.form_items(form.pk)
    response = client.post(
        f"/evaluation/{form.pk}/answer/", {f"item-{i.pk}": "4" for i in items} | {"comment": "好"}
    )
    assert response.status_code == 302
    assert "已评估" in client.get("/evaluation/mine/").content.decode()
    client.force_login(actors["city"])
    page = client.get(f"/evaluation/{form.pk}/").content.decode()
    assert "1 / 4" in page and "参评人数不足" in page
    for url in ("/evaluation/", "/evaluation/scores/", "/evaluation/templates/"):
        assert client.get(url).status_code == 200, url
    client.force_login(actors["other_city"])
    assert client.get(f"/evaluation/{form.pk}/").status_code == 404


def test_trainees_are_asked_then_reminded_once_a_day_until_they_answer(
    tree: dict, actors: dict[str, Any]
) -> None:
    from civtrain.inbox.api import messages_for

    ended = ended_class(tree, actors)
    form = _open(ended)
    first, *others = ended.learners
    (asked,) = messages_for(first.pk, kind="evaluation")
    assert asked.url == f"/evaluation/{form.pk}/answer/"
    _answer(first, form, 4)
    services.reminders_send()
    services.reminders_send()  # the same day: nobody gets a second reminder
    assert len(messages_for(first.pk, kind="evaluation")) == 1
    assert all(len(messages_for(u.pk, kind="evaluation")) == 2 for u in others)
    clock.freeze(LAST_DAY + dt.timedelta(days=1))
    services.reminders_send()
    assert all(len(messages_for(u.pk, kind="evaluation")) == 3 for u in others)
