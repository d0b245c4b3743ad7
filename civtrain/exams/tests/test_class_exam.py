"""A class's completion exam (ZZ-M1; issue #14 item 5): the class's trainees are its
candidates, and releasing the results records each one's score, as a percentage, as their
exam score through enrolment's results service — which makes the class result."""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.classes.api import ClassStatus, SessionInput, class_transition, session_create
from civtrain.core import clock
from civtrain.enrolment.api import nominations_create
from civtrain.exams import services
from civtrain.exams.models import Paper, Question
from civtrain.exams.tests.builders import answers_right, bank_of_every_type

pytestmark = pytest.mark.django_db


def test_completion_exam_score_becomes_the_trainees_exam_score(
    tree: Any, actors: dict[str, Any]
) -> None:
    city, hr, staff = actors["city"], actors["unit_hr"], actors["institution"]
    institution = testing.make_institution(tree["C1"])
    tc = testing.make_class(
        city, tree["C1"], institution.id,
        weight_exam=Decimal(1), weight_conduct=Decimal(0), weight_peer=Decimal(0),
    )  # fmt: skip
    session_create(
        actor=staff,
        class_id=tc.id,
        data=SessionInput(
            date=dt.date(2026, 3, 2), start_time=dt.time(9), end_time=dt.time(17),
            topic="第1天", hours=Decimal(8),
        ),
    )  # fmt: skip
    class_transition(actor=city, class_id=tc.id, to=ClassStatus.OPEN)
    good, poor = (
        testing.make_person(tree["U1"], name="优"),
        testing.make_person(tree["U1"], name="差"),
    )
    enrolled = nominations_create(actor=hr, class_id=tc.id, person_ids=[good.id, poor.id])
    good_enrolment = next(o.enrolment_id for o in enrolled if o.person_id == good.id)
    class_transition(actor=staff, class_id=tc.id, to=ClassStatus.RUNNING)
    clock.freeze(dt.datetime(2026, 3, 6, 14, 0, tzinfo=clock.TZ))

    bank = bank_of_every_type(staff, tree["C1"])
    objective = Question.objects.filter(bank=bank).exclude(kind="short").order_by("id")
    paper = services.paper_create(
        actor=staff, title="结业考试", org_id=tree["C1"].id, pass_mark=Decimal(6),
        questions=[(q.pk, Decimal(2)) for q in objective], class_id=tc.id,
    )  # fmt: skip
    for person, right in ((good, True), (poor, False)):
        user = User.objects.get(pk=person.user_id)
        attempt = services.attempt_start(actor=user, paper_id=paper.pk)
        answers = answers_right(attempt)
        for qid in list(answers)[: 5 if right else 1]:
            services.answer_save(
                actor=user, attempt_id=attempt.pk, question_id=qid, response=answers[qid]
            )
        services.attempt_submit(actor=user, attempt_id=attempt.pk)
    assert services.paper_release_results(actor=staff, paper_id=paper.pk) == 2

    client = Client()
    client.force_login(staff)
    page = client.get(f"/enrolment/classes/{tc.id}/results/").content.decode()
    # 10 of 10 points → 100.0; one question of five right → 20.0 (exam weight 1: the total)
    rows = {name: re.search(rf"{name}.*?</tr>", page, re.S).group(0) for name in ("优", "差")}  # type: ignore[union-attr]
    assert (
        f'name="exam_score_{good_enrolment}" value="100.0"' in rows["优"]
        and 'bg-green-lt">合格' in rows["优"]
    )
    assert 'value="20.0"' in rows["差"] and 'bg-red-lt">不合格' in rows["差"]


def test_an_organiser_sets_a_classs_completion_exam_from_the_paper_page(
    tree: Any, actors: dict[str, Any]
) -> None:
    """ZZ-M1 (#14 item 5): the paper form lists the classes its organiser runs; the paper made
    with one chosen is that class's completion exam. An organiser who does not run the class
    is not offered it, and posting it anyway is refused with nothing made."""
    city, staff, district = actors["city"], actors["institution"], actors["district"]
    clock.freeze(dt.datetime(2026, 3, 1, 10, 0, tzinfo=clock.TZ))
    institution = testing.make_institution(tree["C1"])
    tc = testing.make_class(city, tree["C1"], institution.id, title="2026年法治专题培训班")
    bank = bank_of_every_type(staff, tree["C1"])
    ids = list(Question.objects.filter(bank=bank).order_by("id").values_list("pk", flat=True))
    form = {
        "title": "法治专题培训班结业考试", "org_id": tree["C1"].id, "kind": "fixed",
        "q": ids[:2], f"points_{ids[0]}": "5", f"points_{ids[1]}": "5", "pass_mark": "6",
        "class_id": tc.id,
    }  # fmt: skip

    client = Client()
    client.force_login(staff)
    page = client.get("/exams/papers/new/").content.decode()
    assert 'name="class_id"' in page and "2026年法治专题培训班（2026-03-02）" in page
    done = client.post("/exams/papers/new/", form)
    paper = Paper.objects.get(title="法治专题培训班结业考试")
    assert done.status_code == 302 and done["Location"] == f"/exams/papers/{paper.pk}/"
    assert paper.training_class_id == tc.id

    other = Client()
    other.force_login(district)
    assert "2026年法治专题培训班" not in other.get("/exams/papers/new/").content.decode()
    theirs = {**form, "title": "区级测验", "org_id": tree["D1"].id}
    refused = other.post("/exams/papers/new/", theirs)
    assert refused.status_code == 422 and not Paper.objects.filter(title="区级测验").exists()
    # the same form without the class is theirs to make: the class was the refusal
    made = other.post("/exams/papers/new/", {**theirs, "class_id": ""})
    assert made.status_code == 302
    assert Paper.objects.get(title="区级测验").training_class_id is None
