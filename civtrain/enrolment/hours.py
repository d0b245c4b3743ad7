"""Credited hours of one trainee in one class: the hours actually attended.

# implements NAT-6 and CQ-M3 with REQUIREMENTS §4 (ZZ-M1 "credits per class", ZZ-M3 "an
# append-only training record") and §8 "Hours and days" (an entry's hours are the 学时 it
# records): approved leave under the 1/7 cap keeps the trainee in the class (NAT-6), but
# the hours on leave were not studied, and an absence without reason (CQ-M3) is not
# either, so the ledger entry records only what the trainee attended.

How the missed hours are counted (one reading, used for the ledger entry and shown on the
results page):
- a session marked absent (unmarked sessions count as absent at finalisation, CQ-M3)
  misses all its hours;
- approved leave tied to a session misses the leave's hours, at most the session's; a
  session marked as leave with no approved request for it misses all its hours;
- approved leave for no particular session misses its hours.
Credited hours = the class's hours − the missed hours (never below 0). A subject loses the
hours missed in sessions of that subject (at most its own hours). Hours missed outside any
subject come off the part of the class outside the subject breakdown; only when they
exceed it are the subjects scaled down in proportion, so the subjects never add up to
more than the credited hours. Days shrink in proportion to hours (REQUIREMENTS §8).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from civtrain.classes.api import ClassData, SessionData
from civtrain.enrolment.data import AttendanceStatus

CENT = Decimal("0.01")
ZERO = Decimal(0)


@dataclass(frozen=True)
class CreditedHours:
    hours: Decimal
    days: Decimal
    subject_hours: dict[str, Decimal] = field(default_factory=dict)
    leave_hours: Decimal = ZERO  # approved leave that took hours off (NAT-6)
    absent_hours: Decimal = ZERO  # absence without reason (CQ-M3)

    @property
    def missed_hours(self) -> Decimal:
        return self.leave_hours + self.absent_hours


def credited_hours(
    tc: ClassData,
    sessions: Iterable[SessionData],
    marks: Mapping[int, str],
    leave: Iterable[tuple[int | None, Decimal]],
) -> CreditedHours:
    """`marks`: session id → attendance status; `leave`: approved (session id or None, hours)."""
    tied: dict[int, Decimal] = defaultdict(Decimal)
    untied = ZERO
    for session_id, hours in leave:
        if session_id is None:
            untied += hours
        else:
            tied[session_id] += hours
    leave_hours, absent_hours = untied, ZERO
    missed_in: dict[str, Decimal] = defaultdict(Decimal)  # subject → hours missed in its sessions
    known = {s.id for s in sessions}
    for s in sessions:
        status = marks.get(s.id, AttendanceStatus.ABSENT)
        if status == AttendanceStatus.ABSENT:
            missed = s.hours
            absent_hours += missed
        else:
            on_leave = status == AttendanceStatus.LEAVE and not tied.get(s.id)
            missed = s.hours if on_leave else min(s.hours, tied.get(s.id, ZERO))
            leave_hours += missed
        if s.subject:
            missed_in[s.subject] += missed
    # Leave tied to a session that is no longer in the class counts like untied leave.
    leave_hours += sum((h for sid, h in tied.items() if sid not in known), ZERO)

    total = tc.total_hours
    hours = max(ZERO, total - leave_hours - absent_hours)
    subjects = {code: h - min(h, missed_in.get(code, ZERO)) for code, h in tc.subject_hours.items()}
    subject_total = sum(subjects.values(), ZERO)
    if subject_total > hours:
        subjects = {
            code: (h * hours / subject_total).quantize(CENT, rounding=ROUND_DOWN)
            for code, h in subjects.items()
        }
    days = tc.days if hours == total else (tc.days * hours / total).quantize(CENT, ROUND_HALF_UP)
    return CreditedHours(
        hours=hours,
        days=days,
        subject_hours={code: h for code, h in subjects.items() if h > 0},
        leave_hours=min(leave_hours, total),
        absent_hours=absent_hours,
    )


@dataclass(frozen=True)
class LeaveVerdict:
    """NAT-6 for one trainee: the hours on leave against 1/7 of the class's hours."""

    taken: Decimal
    total: Decimal

    @property
    def cap(self) -> Decimal:
        return (self.total / 7).quantize(CENT)

    @property
    def over(self) -> bool:
        return self.taken * 7 > self.total

    @property
    def reason(self) -> str:
        """Why the trainee is withdrawn (shown before the confirmation and kept after)."""
        return (
            f"累计请假 {fmt_hours(self.taken)} 学时，超过总学时 {fmt_hours(self.total)} 的"
            f"七分之一（{fmt_hours(self.cap)} 学时），按规定退学"
        )


def fmt_hours(value: Decimal) -> str:
    """8.0 → "8", 3.43 → "3.43": hours as people write them."""
    return f"{value.normalize():f}"


def leave_verdict(
    tc: ClassData,
    sessions: Iterable[SessionData],
    marks: Mapping[int, str],
    leave: Iterable[tuple[int | None, Decimal]],
) -> LeaveVerdict:
    """# implements NAT-6: one check for leave however it was recorded (#11 item 5).

    A session marked as leave on the attendance sheet and an approved leave request count
    the same hours (the reading in this module's doc): a request tied to a session counts
    its hours, at most the session's; a leave mark with no request for it counts the
    session's hours; a request for no session counts its hours. So approving a 3-hour
    request for a 3-hour session and marking that session as leave give the same verdict."""
    return LeaveVerdict(
        taken=credited_hours(tc, sessions, marks, leave).leave_hours, total=tc.total_hours
    )
