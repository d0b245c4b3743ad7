"""A class that ran and ended, with trainees and two taught sessions, for evaluation tests."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.classes.api import ClassStatus, SessionInput, class_transition, session_create
from civtrain.core import clock
from civtrain.enrolment.api import nominations_create
from civtrain.faculty.api import teacher_create

# The class runs 2026-03-02 … 06; its forms open from the last day on.
LAST_DAY = dt.datetime(2026, 3, 6, 17, 0, tzinfo=clock.TZ)


@dataclass
class EndedClass:
    class_id: int
    institution_id: int
    teachers: list[int]
    learners: list[Any]  # the trainees' user accounts
    people: list[int]


def ended_class(
    tree: dict, actors: dict[str, Any], *, trainees: int = 4, institution_id: int | None = None
) -> EndedClass:
    city, staff, hr = actors["city"], actors["institution"], actors["unit_hr"]
    if institution_id is None:
        institution_id = testing.make_institution(tree["C1"]).id
    tc = testing.make_class(city, tree["C1"], institution_id)
    teachers = [
        teacher_create(actor=city, org_id=tree["C1"].id, name=n, subjects=["law"]).pk
        for n in ("周教授", "吴讲师")
    ]
    for day, teacher in ((2, teachers[0]), (3, teachers[1])):
        session_create(
            actor=staff,
            class_id=tc.id,
            data=SessionInput(
                date=dt.date(2026, 3, day),
                start_time=dt.time(9),
                end_time=dt.time(12),
                topic=f"专题{day}",
                hours=Decimal(3),
                subject="law",
                teacher_id=teacher,
            ),
        )
    class_transition(actor=city, class_id=tc.id, to=ClassStatus.OPEN)
    people = [testing.make_person(tree["U1"], name=f"学员{i}").id for i in range(trainees)]
    nominations_create(actor=hr, class_id=tc.id, person_ids=people)
    class_transition(actor=staff, class_id=tc.id, to=ClassStatus.RUNNING)
    learners = [User.objects.get(person__pk=p) for p in people]
    return EndedClass(tc.id, institution_id, teachers, learners, people)
