"""Classes as organisers run them (#11 item 4): the waitlist admitted in order when places
grow or someone leaves, or by hand; who withdrew a trainee and why; batch nomination by
filter after a preview; a class's training notice (调训通知) in the units' inboxes."""

from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import Role, User
from civtrain.classes.api import ClassStatus, access_class, class_transition, class_update
from civtrain.classes.data import ClassInput
from civtrain.core.errors import ApplicationError, NotFound
from civtrain.core.models import AuditEvent
from civtrain.enrolment import services
from civtrain.enrolment.data import NominationFilter
from civtrain.enrolment.errors import EnrolmentError
from civtrain.enrolment.models import Enrolment, UnitMessage

pytestmark = pytest.mark.django_db


def _open_class(tree: dict, actors: dict[str, Any], **fields: Any) -> Any:
    tc = testing.make_class(
        actors["city"], tree["C1"], testing.make_institution(tree["C1"]).id, **fields
    )
    class_transition(actor=actors["city"], class_id=tc.id, to=ClassStatus.OPEN)
    return tc


def _statuses(class_id: int) -> dict[str, str]:
    return dict(
        Enrolment.objects.filter(training_class_id=class_id).values_list("person__name", "status")
    )


def test_places_added_go_to_the_waitlist_in_order(tree: dict, actors: dict[str, Any]) -> None:
    tc = _open_class(tree, actors, capacity=1)
    hr = actors["unit_hr"]
    people = [testing.make_person(tree["U1"], name=n) for n in ("甲", "乙", "丙", "丁")]
    for p in people:  # one at a time: the waitlist's order is the order of nomination
        services.nominations_create(actor=hr, class_id=tc.id, person_ids=[p.id])
    assert _statuses(tc.id) == {
        "甲": "enrolled",
        "乙": "waitlisted",
        "丙": "waitlisted",
        "丁": "waitlisted",
    }

    admitted = services.class_capacity_set(actor=actors["city"], class_id=tc.id, capacity=3)
    assert [e.person.name for e in admitted] == ["乙", "丙"]
    assert _statuses(tc.id) == {
        "甲": "enrolled",
        "乙": "enrolled",
        "丙": "enrolled",
        "丁": "waitlisted",
    }
    assert access_class(actors["city"], tc.id).capacity == 3
    # Audited: the capacity change and each admission, with why.
    assert AuditEvent.objects.get(action="class.capacity").changes == {"capacity": [1, 3]}
    admissions = AuditEvent.objects.filter(action="enrolment.admit").order_by("id")
    assert [a.object_label.split()[-1] for a in admissions] == ["乙", "丙"]
    assert {a.changes["reason"] for a in admissions} == {"计划人数增加，按候补顺序递补"}
    # The unit's inbox says so, to be acknowledged by its HR.
    message = UnitMessage.objects.get(enrolment__person__name="乙")
    assert (message.kind, message.unit_id, message.title) == (
        "admitted",
        tree["U1"].id,
        f"乙 · {tc.title} 候补录取",
    )
    home = Client()
    home.force_login(hr)
    assert "2 条调训通知或候补录取通知待确认" in home.get("/").content.decode()
    with pytest.raises(NotFound):
        services.message_acknowledge(
            actor=testing.make_user(Role.UNIT_HR, tree["U2"]), message_id=message.pk
        )
    services.message_acknowledge(actor=hr, message_id=message.pk)
    assert "1 条调训通知或候补录取通知待确认" in home.get("/").content.decode()
    assert UnitMessage.objects.get(pk=message.pk).acknowledged_at is not None

    # Someone leaves: the next on the waitlist takes the place.
    yi = Enrolment.objects.get(person__name="乙")
    services.enrolment_withdraw(actor=hr, enrolment_id=yi.pk)
    assert _statuses(tc.id)["丁"] == "enrolled"
    # Fewer places than trainees admitted: refused.
    with pytest.raises(Exception, match="计划人数不能少于已录取人数（3 人）"):
        services.class_capacity_set(actor=actors["city"], class_id=tc.id, capacity=2)


def test_the_class_form_leaves_places_to_the_roster_once_open(
    tree: dict, actors: dict[str, Any]
) -> None:
    tc = _open_class(tree, actors, capacity=1)
    fields = {k: getattr(tc, k) for k in ClassInput.__dataclass_fields__ if hasattr(tc, k)}
    with pytest.raises(ApplicationError) as err:
        class_update(
            actor=actors["city"], class_id=tc.id, data=ClassInput(**{**fields, "capacity": 5})
        )
    assert err.value.code == "capacity_on_roster"


def test_admit_by_hand_in_any_order(tree: dict, actors: dict[str, Any]) -> None:
    tc = _open_class(tree, actors, capacity=1)
    hr, city = actors["unit_hr"], actors["city"]
    a, b, c = (testing.make_person(tree["U1"], name=n) for n in ("甲", "乙", "丙"))
    for p in (a, b, c):
        services.nominations_create(actor=hr, class_id=tc.id, person_ids=[p.id])
    third = Enrolment.objects.get(person_id=c.id)
    # The unit may not admit; the organiser may, even the last on the list, and a full
    # class gets one more place for it.
    with pytest.raises(NotFound):
        services.waitlist_admit(actor=hr, enrolment_id=third.pk)
    services.waitlist_admit(actor=city, enrolment_id=third.pk)
    assert _statuses(tc.id) == {"甲": "enrolled", "乙": "waitlisted", "丙": "enrolled"}
    assert access_class(city, tc.id).capacity == 2
    assert Enrolment.objects.get(pk=third.pk).status_reason == "主办方从候补名单录取"
    with pytest.raises(EnrolmentError, match="该学员不在候补名单中"):
        services.waitlist_admit(actor=city, enrolment_id=third.pk)


# (who, class running?, reason asked, → status, category, note) — #11 item 4: the
# trainee's own withdrawal, the unit's recall and the institution's 退学 are told apart.
WITHDRAWALS = [
    ("learner", False, "", "withdrawn", "self", "本人申请退出"),
    ("unit_hr", False, "", "withdrawn", "unit", "所在单位撤回推荐"),
    ("unit_hr", False, "self", "withdrawn", "self", "本人申请退出"),
    ("institution", False, "", "withdrawn", "institution", "施教机构作退学处理"),
    ("institution", True, "", "dropped", "institution", "施教机构作退学处理"),
    ("institution", True, "absence", "dropped", "absence", "无故缺勤"),
    ("institution", True, "discipline", "dropped", "discipline", "违反培训纪律"),
]
REFUSED = [
    ("learner", False, "unit", "bad_withdrawal_reason"),
    ("unit_hr", False, "discipline", "bad_withdrawal_reason"),
    ("institution", True, "leave_over_limit", "bad_withdrawal_reason"),
    ("institution", True, "self", "bad_withdrawal_reason"),
    ("unit_hr", True, "", "drop_by_institution"),
]


def _one_trainee(tree: dict, actors: dict[str, Any], running: bool) -> tuple[Any, Enrolment, Any]:
    tc = _open_class(tree, actors)
    person = testing.make_person(tree["U1"], name="学员")
    services.nominations_create(actor=actors["unit_hr"], class_id=tc.id, person_ids=[person.id])
    if running:
        class_transition(actor=actors["institution"], class_id=tc.id, to=ClassStatus.RUNNING)
    actors = {**actors, "learner": User.objects.get(pk=person.user_id)}
    return tc, Enrolment.objects.get(person_id=person.id), actors


@pytest.mark.parametrize(("who", "running", "why", "status", "category", "note"), WITHDRAWALS)
def test_who_withdrew_and_why(
    tree: dict,
    actors: dict[str, Any],
    who: str,
    running: bool,
    why: str,
    status: str,
    category: str,
    note: str,
) -> None:
    _tc, e, actors = _one_trainee(tree, actors, running)
    services.enrolment_withdraw(actor=actors[who], enrolment_id=e.pk, why=why)
    e.refresh_from_db()
    assert (e.status, e.withdrawal_reason, e.status_reason) == (status, category, note)
    assert e.withdrawn_by_id == actors[who].pk and e.withdrawn_at is not None
    event = AuditEvent.objects.get(
        object_type="enrolment",
        action__startswith="enrolment.",
        changes__withdrawal_reason=category,
    )
    assert event.actor_id == actors[who].pk


@pytest.mark.parametrize(("who", "running", "why", "code"), REFUSED)
def test_withdrawal_reasons_not_the_actors_own_are_refused(
    tree: dict, actors: dict[str, Any], who: str, running: bool, why: str, code: str
) -> None:
    _tc, e, actors = _one_trainee(tree, actors, running)
    with pytest.raises(EnrolmentError) as err:
        services.enrolment_withdraw(actor=actors[who], enrolment_id=e.pk, why=why)
    assert err.value.code == code
    e.refresh_from_db()
    assert (e.status, e.withdrawal_reason) == ("enrolled", "")


def test_batch_nomination_previews_then_nominates(tree: dict, actors: dict[str, Any]) -> None:
    tc = _open_class(tree, actors, capacity=2)
    hr = actors["unit_hr"]
    for name, law in (("执法甲", True), ("执法乙", True), ("执法丙", True), ("综合丁", False)):
        testing.make_person(tree["U1"], name=name, law_enforcement=law)
    testing.make_person(tree["U1-1"], name="科室执法", law_enforcement=True)
    testing.make_person(tree["U2"], name="外单位执法", law_enforcement=True)
    everyone = NominationFilter(unit_id=tree["U1"].id, law_enforcement=True)
    preview = services.nomination_preview(actor=hr, class_id=tc.id, filters=everyone)
    # The unit's subtree (its department too), law-enforcement staff only, never U2's.
    assert preview == {"matching": 4, "already": 0, "new": 4, "enrolled": 2, "waitlisted": 2}
    # The list changed since the preview: refused, nothing written.
    with pytest.raises(EnrolmentError) as err:
        services.nominations_by_filter(actor=hr, class_id=tc.id, filters=everyone, expected=3)
    assert err.value.code == "nomination_preview_stale"
    assert not Enrolment.objects.exists()
    services.nominations_by_filter(actor=hr, class_id=tc.id, filters=everyone, expected=4)
    assert sorted(_statuses(tc.id).values()) == ["enrolled", "enrolled", "waitlisted", "waitlisted"]
    again = services.nomination_preview(actor=hr, class_id=tc.id, filters=everyone)
    assert again == {"matching": 4, "already": 4, "new": 0, "enrolled": 0, "waitlisted": 0}


def test_training_notice_reaches_the_nominees_units(tree: dict, actors: dict[str, Any]) -> None:
    tc = _open_class(tree, actors, capacity=1)
    u1_hr, city = actors["unit_hr"], actors["city"]
    u2_hr = testing.make_user(Role.UNIT_HR, tree["U2"])
    a = testing.make_person(tree["U1"], name="甲")
    b = testing.make_person(tree["U1"], name="乙")
    services.nominations_create(actor=u1_hr, class_id=tc.id, person_ids=[a.id, b.id])
    with pytest.raises(NotFound):  # a unit does not issue the class's notice
        services.training_notice_send(actor=u1_hr, class_id=tc.id, title="调训", body="正文")
    notice, units = services.training_notice_send(
        actor=city,
        class_id=tc.id,
        title="关于参加初任培训的通知",
        body="请于3月2日8:30到市委党校报到。",
        file_name="通知.pdf",
        file_data=b"%PDF-1.4 notice",
    )
    assert units == 1
    message = UnitMessage.objects.get(notice=notice)
    assert message.unit_id == tree["U1"].id
    assert message.body.endswith("本单位参训人员：甲、乙（候补）")
    # Later nominees' units get it when it is sent again; no unit gets it twice.
    c = testing.make_person(tree["U2"], name="丙")
    services.nominations_create(actor=u2_hr, class_id=tc.id, person_ids=[c.id])
    assert services.training_notice_resend(actor=city, notice_id=notice.pk) == 1
    assert services.training_notice_resend(actor=city, notice_id=notice.pk) == 0
    # The file: to the organiser and the units reached, nobody else.
    for user, status in (
        (city, 200),
        (u1_hr, 200),
        (testing.make_user(Role.UNIT_HR, tree["U3"]), 404),
    ):
        client = Client()
        client.force_login(user)
        response = client.get(f"/enrolment/notices/{notice.pk}/file/")
        assert response.status_code == status
    inbox = Client()
    inbox.force_login(u1_hr)
    page = inbox.get("/enrolment/inbox/").content.decode()
    assert "调训通知 · 关于参加初任培训的通知" in page and "通知.pdf" in page
    assert inbox.post(f"/enrolment/inbox/messages/{message.pk}/acknowledge/").status_code == 302
    assert UnitMessage.objects.get(pk=message.pk).acknowledged_by_id == u1_hr.pk
    # Refused: an attachment of a type not accepted.
    with pytest.raises(Exception, match="附件须为"):
        services.training_notice_send(
            actor=city, class_id=tc.id, title="t", body="b", file_name="x.exe", file_data=b"MZ"
        )
