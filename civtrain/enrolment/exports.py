"""The class roster as Excel (issue #11 item 2): what a class manager needs of each trainee,
through core.exports like the compliance list (at once up to 2,000 rows, else a background
job with progress; audited; every cell formula-safe; ID numbers masked)."""

from collections import Counter
from collections.abc import Iterable
from typing import Any

from civtrain.classes.api import access_class
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.exports import Table
from civtrain.enrolment import selectors
from civtrain.enrolment.data import (
    ENROLMENT_STATUS_LABELS,
    WITHDRAWAL_REASON_LABELS,
    AttendanceStatus,
)
from civtrain.enrolment.hours import fmt_hours
from civtrain.organisations.api import org_labels

ROSTER_HEADERS = [
    "姓名",
    "身份证号（脱敏）",
    "单位",
    "登录名",
    "状态",
    "出勤（次）",
    "请假（次）",
    "无故缺勤（次）",
    "请假学时",
    "综合成绩",
    "结果",
    "退出/退学原因",
    "退出/退学经办",
]


def roster_table(actor: Actor, params: dict[str, Any]) -> Table:
    """core.exports table source of a class's roster: the trainees the actor sees on the
    roster page (the institution all of them, a unit its own people, ARCHITECTURE §7); a
    class the actor may not see is NotFound, as on the page."""
    tc = access_class(actor, int(params["class_id"]))
    enrolments = list(selectors.enrolment_list(actor=actor, class_id=tc.id))
    ids = [e.pk for e in enrolments]
    marks = Counter(
        (e, status) for (e, _s), status in selectors.attendance_map(class_id=tc.id).items()
    )
    hours = selectors.credited_hours_by_enrolment(tc=tc, enrolment_ids=ids)
    units = org_labels({e.unit_id for e in enrolments})
    logins = selectors.user_logins(e.person.user_id for e in enrolments)
    by_whom = selectors.user_names(e.withdrawn_by_id for e in enrolments)

    def lines() -> Iterable[list[Any]]:
        for e in enrolments:
            reason = WITHDRAWAL_REASON_LABELS.get(e.withdrawal_reason, "")  # type: ignore[call-overload]
            yield [
                e.person.name,
                e.person.id_number_masked,
                units.get(e.unit_id, ""),
                logins.get(e.person.user_id or 0, ""),
                ENROLMENT_STATUS_LABELS.get(e.status, e.status),  # type: ignore[call-overload]
                marks[(e.pk, AttendanceStatus.PRESENT)],
                marks[(e.pk, AttendanceStatus.LEAVE)],
                marks[(e.pk, AttendanceStatus.ABSENT)],
                fmt_hours(hours[e.pk].leave_hours),
                e.total_score if e.total_score is not None else "",
                "" if e.passed is None else "合格" if e.passed else "不合格",
                "：".join(t for t in (reason, e.status_reason) if t),
                " ".join(
                    t
                    for t in (
                        by_whom.get(e.withdrawn_by_id or 0, ""),
                        f"{e.withdrawn_at.astimezone(clock.TZ):%Y-%m-%d %H:%M}"
                        if e.withdrawn_at
                        else "",
                    )
                    if t
                ),
            ]

    return Table(
        title=f"{tc.title}学员名单",
        headers=ROSTER_HEADERS,
        rows=lines(),
        count=len(enrolments),
        org_path=tc.organiser_path,
        personal_data=True,
    )
