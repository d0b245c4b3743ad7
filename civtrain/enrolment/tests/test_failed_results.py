"""Failed and withdrawn (退学) trainees get a ledger entry with that result (issue 10 item 1).

REQUIREMENTS §8 "Failed training": the result is recorded in the ledger because the
consequences read it — ZZ-M4 (a failed completion exam or assessment → not excellent, grade
deferred) and CQ-M3 (failed off-the-job training → not excellent). The ledger keeps what was
recorded: the hours attended, result failed; whether those hours count is the governing
rule set's parameter (ADR 0011). Every figure below is computed by hand.
"""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.classes.api import (
    ClassStatus,
    SessionInput,
    class_data,
    class_transition,
    session_create,
    sessions_of,
)
from civtrain.credits import api as credits_api
from civtrain.credits.data import BulkItemResult, BulkResult, ItemStatus
from civtrain.enrolment import ledger, selectors, services
from civtrain.enrolment.data import AttendanceStatus, EnrolmentStatus, ResultInput
from civtrain.enrolment.errors import EnrolmentError, EnrolmentErrorCode
from civtrain.enrolment.models import Enrolment, UnitNotice

D = Decimal
FOUR = {f"conduct_{k}": D(90) for k in ("attitude", "participation", "interaction", "discipline")}
PASS = ResultInput(enrolment_id=0, exam_score=D(80), peer_score=D(80), **FOUR)  # 48+18+16 = 82
FAIL = ResultInput(enrolment_id=0, exam_score=D(40), peer_score=D(60), **FOUR)  # 24+18+12 = 54
LEAVE_CAP_REASON = "累计请假 8 学时，超过总学时 24 的七分之一（3.43 学时），按规定退学"

# The class: 24 h over three 8-hour sessions, 5 days (testing.make_class), off the job.
# name → (ledger result, hours, days, reason, score, unit notice passed, notice says)
CASES = {
    # ZZ-M1: score ≥ pass mark; all three sessions attended.
    "合格": ("passed", D("24.00"), D("5.00"), "", D("82.00"), True, "记入学时 24（按实际出勤）"),
    # ZZ-M4 "培训结业考试、考核不合格", CQ-M3 "脱产培训考核不合格": all attended, failed.
    "不合格": (
        "failed",
        D("24.00"),
        D("5.00"),
        "结业考核不合格",
        D("54.00"),
        False,
        "结果：不合格，综合成绩 54.0",
    ),
    # NAT-6: 8 h of leave > 24 / 7 → 退学. Attended session 1 only (session 3 unmarked after
    # the drop counts as missed): 8 h, 5 × 8/24 = 1.67 days.
    "超假": (
        "failed",
        D("8.00"),
        D("1.67"),
        f"退学：{LEAVE_CAP_REASON}",
        None,
        False,
        f"结果：退学。{LEAVE_CAP_REASON}",
    ),
    # Withdrawn by the institution after session 1: 8 h attended.
    "机构退学": (
        "failed",
        D("8.00"),
        D("1.67"),
        "退学：严重违反学习纪律",
        None,
        False,
        "结果：退学。严重违反学习纪律",
    ),
    # Withdrawn by the institution before attending anything: the result is still recorded,
    # with 0 hours (§8: the consequences read the result).
    "未到退学": (
        "failed",
        D("0.00"),
        D("0.00"),
        "退学：施教机构作退学处理",
        None,
        False,
        "结果：退学。施教机构作退学处理",
    ),
}


def _run_class(tree: dict, actors: dict[str, Any]) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """A running class with the five trainees of CASES, attendance, leave and withdrawals done,
    results recorded, not yet final."""
    city, hr, staff = actors["city"], actors["unit_hr"], actors["institution"]
    institution = testing.make_institution(tree["C1"])
    tc = testing.make_class(city, tree["C1"], institution.id)
    for day in range(2, 5):
        session_create(
            actor=staff,
            class_id=tc.id,
            data=SessionInput(
                date=dt.date(2026, 3, day),
                start_time=dt.time(9),
                end_time=dt.time(17),
                topic=f"第{day - 1}天",
                hours=D(8),
                subject="law" if day == 2 else "",
            ),
        )
    class_transition(actor=city, class_id=tc.id, to=ClassStatus.OPEN)
    people = {n: testing.make_person(tree["U1"], name=n) for n in CASES}
    services.nominations_create(
        actor=hr, class_id=tc.id, person_ids=[p.id for p in people.values()]
    )
    class_transition(actor=staff, class_id=tc.id, to=ClassStatus.RUNNING)
    s1, s2, s3 = sessions_of(tc.id)
    enrol = {e.person.name: e for e in Enrolment.objects.select_related("person")}

    def mark(name: str, *sessions: Any) -> None:
        for s in sessions:
            services.attendance_record(
                actor=staff,
                session_id=s.id,
                enrolment_id=enrol[name].pk,
                status=AttendanceStatus.PRESENT,
            )

    mark("合格", s1, s2, s3)
    mark("不合格", s1, s2, s3)
    mark("超假", s1)
    leave = services.leave_request_create(
        actor=hr, enrolment_id=enrol["超假"].pk, hours=D(8), reason="家中急事", session_id=s2.id
    )
    services.leave_request_decide(actor=staff, leave_id=leave.pk, approve=True, confirm_drop=True)
    mark("机构退学", s1)
    services.enrolment_withdraw(
        actor=staff, enrolment_id=enrol["机构退学"].pk, reason="严重违反学习纪律"
    )
    services.enrolment_withdraw(actor=staff, enrolment_id=enrol["未到退学"].pk)
    services.results_record(
        actor=staff,
        class_id=tc.id,
        rows=[
            ResultInput(**{**PASS.__dict__, "enrolment_id": enrol["合格"].pk}),
            ResultInput(**{**FAIL.__dict__, "enrolment_id": enrol["不合格"].pk}),
        ],
    )
    return tc, people, enrol


@pytest.mark.django_db
def test_every_trainee_result_reaches_the_ledger_and_the_unit(
    tree: dict, actors: dict[str, Any]
) -> None:
    # implements ZZ-M4, CQ-M3, ZZ-M2 with REQUIREMENTS §8 "Failed training"
    staff = actors["institution"]
    tc, people, enrol = _run_class(tree, actors)
    assert {n: Enrolment.objects.get(pk=e.pk).status for n, e in enrol.items()} == {
        "合格": EnrolmentStatus.ENROLLED,
        "不合格": EnrolmentStatus.ENROLLED,
        "超假": EnrolmentStatus.DROPPED,
        "机构退学": EnrolmentStatus.DROPPED,
        "未到退学": EnrolmentStatus.DROPPED,
    }

    services.results_finalise(actor=staff, class_id=tc.id)

    name_of = {p.id: n for n, p in people.items()}
    rows = credits_api.entry_rows().values(
        "person_id", "result", "hours", "days", "reason", "score", "mode", "source_ref"
    )
    got = {name_of[r["person_id"]]: r for r in rows}
    assert sorted(got) == sorted(CASES)
    notices = {n.enrolment.person.name: n for n in UnitNotice.objects.select_related("enrolment")}
    for name, (result, hours, days, reason, score, passed, says) in CASES.items():
        row = got[name]
        assert (row["result"], row["hours"], row["days"], row["reason"], row["score"]) == (
            result,
            hours,
            days,
            reason,
            score,
        ), name
        assert row["mode"] == "off_the_job"  # what CQ-M3's "脱产培训考核不合格" reads
        assert row["source_ref"] == f"class:{tc.id}:enrolment:{enrol[name].pk}"
        # ZZ-M2: the unit's inbox shows the failure.
        assert notices[name].passed is passed, name
        assert says in notices[name].body, name
    assert "培训档案记录“不合格”，实际出勤 8 学时" in notices["机构退学"].body


@pytest.mark.django_db
def test_finalisation_writes_each_result_once(tree: dict, actors: dict[str, Any]) -> None:
    # implements §8 "Failed training" (idempotent source: class:<id>:enrolment:<id>)
    staff = actors["institution"]
    tc, _people, _enrol = _run_class(tree, actors)
    services.results_finalise(actor=staff, class_id=tc.id)
    before = list(credits_api.entry_rows().order_by("id").values_list("id", "hash"))
    assert len(before) == 5

    # A re-run of the finalisation is refused and writes nothing …
    with pytest.raises(EnrolmentError) as exc:
        services.results_finalise(actor=staff, class_id=tc.id)
    assert exc.value.code == EnrolmentErrorCode.CLASS_NOT_RUNNING
    # … and a retried ledger write (e.g. after a lost reply) finds every source written.
    trainees = list(Enrolment.objects.select_related("person").filter(training_class_id=tc.id))
    credited = selectors.credited_hours_by_enrolment(
        tc=class_data(tc.id), enrolment_ids=[e.pk for e in trainees]
    )
    assert (
        ledger.record_class_results(
            actor=staff, tc=class_data(tc.id), enrolments=trainees, credited=credited
        )
        == 0
    )
    assert list(credits_api.entry_rows().order_by("id").values_list("id", "hash")) == before
    assert UnitNotice.objects.count() == 5


@pytest.mark.django_db
def test_a_refused_failed_entry_rolls_the_finalisation_back(
    tree: dict, actors: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The results, the notices and the ledger entries are one transaction (ADR 0011).
    staff = actors["institution"]
    tc, _people, _enrol = _run_class(tree, actors)
    real = credits_api.credit_entries_bulk_record

    def refuse_the_second(*, actor: Any, entries: Any, **kw: Any) -> BulkResult:
        real(actor=actor, entries=entries[:1], **kw)
        item = BulkItemResult(1, ItemStatus.ERROR, error_code="x", error_message="测试拒绝")
        return BulkResult(1, 0, 1, (item,))

    monkeypatch.setattr(ledger.credits_api, "credit_entries_bulk_record", refuse_the_second)
    with pytest.raises(EnrolmentError) as exc:
        services.results_finalise(actor=staff, class_id=tc.id)
    assert exc.value.code == EnrolmentErrorCode.LEDGER_REFUSED
    assert exc.value.message == "培训结果记入档案失败（不合格）：测试拒绝"
    assert class_data(tc.id).status == ClassStatus.RUNNING
    assert not UnitNotice.objects.exists()
    assert not credits_api.entry_rows().exists()


@pytest.mark.django_db
def test_only_the_institution_takes_a_trainee_off_a_running_class(
    tree: dict, actors: dict[str, Any]
) -> None:
    # Withdrawing before the results would keep a failure out of the record (ZZ-M4, CQ-M3):
    # once the class runs, leaving it is 退学, decided by the institution.
    city, hr, staff = actors["city"], actors["unit_hr"], actors["institution"]
    institution = testing.make_institution(tree["C1"])
    tc = testing.make_class(city, tree["C1"], institution.id)
    class_transition(actor=city, class_id=tc.id, to=ClassStatus.OPEN)
    person = testing.make_person(tree["U1"], name="想退")
    (outcome,) = services.nominations_create(actor=hr, class_id=tc.id, person_ids=[person.id])
    class_transition(actor=staff, class_id=tc.id, to=ClassStatus.RUNNING)
    learner = User.objects.get(pk=person.user_id)
    for actor in (hr, learner):
        with pytest.raises(EnrolmentError) as exc:
            services.enrolment_withdraw(actor=actor, enrolment_id=outcome.enrolment_id)
        assert exc.value.code == EnrolmentErrorCode.DROP_BY_INSTITUTION
        assert exc.value.message == (
            "培训班已开班，中途退出须由施教机构作退学处理；如需离开，请提交请假申请"
        )
    assert Enrolment.objects.get(pk=outcome.enrolment_id).status == EnrolmentStatus.ENROLLED
    services.enrolment_withdraw(actor=staff, enrolment_id=outcome.enrolment_id, reason="旷课")
    e = Enrolment.objects.get(pk=outcome.enrolment_id)
    assert (e.status, e.status_reason) == (EnrolmentStatus.DROPPED, "旷课")


@pytest.mark.django_db
def test_the_learners_record_page_shows_the_failed_entry(
    tree: dict, actors: dict[str, Any]
) -> None:
    # implements ZZ-M3 (the training record) with §8 "Failed training"
    staff = actors["institution"]
    tc, people, _enrol = _run_class(tree, actors)
    services.results_finalise(actor=staff, class_id=tc.id)
    client = Client()
    for name, says in (("不合格", "结业考核不合格"), ("机构退学", "退学：严重违反学习纪律")):
        client.force_login(User.objects.get(pk=people[name].user_id))
        page = client.get("/credits/record/")
        assert page.status_code == 200
        html = re.sub(r"\s+", " ", page.content.decode())
        row = re.search(r'<tr [^>]*data-entry="\d+">(.*?)</tr>', html)
        assert row is not None, name
        cells = [
            " ".join(re.sub(r"<[^>]+>", " ", c).split())
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
        ]
        assert cells[1] == f"{tc.title} {says}", name
        assert "不合格" in cells[8], name
