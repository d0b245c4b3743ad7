"""What a document says, as a plain dict: the content that is signed, embedded in the PDF and
shown by the verify page (ADR 0020). Read only through the other apps' api and data modules
(the ledger through credits.api: coordination contract); numbers are strings as printed.

Every kind has `kind`, `title`, `person` (name, masked ID number, unit) and `lines` (one dict
per row of its table); some add `year`, `class`, `summary`, `text` (the extract to paste).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from civtrain.catalogue.data import DELIVERY_MODE_LABELS, TRAINING_TYPE_LABELS, DeliveryMode
from civtrain.classes import api as classes_api
from civtrain.compliance import api as compliance_api
from civtrain.compliance.data import STATUS_LABELS, fmt_number
from civtrain.core.errors import ValidationFailed
from civtrain.credits.api import entry_rows
from civtrain.credits.data import RESULT_LABELS, SOURCE_LABELS, SourceType, converted, recorded
from civtrain.documents.data import KIND_LABELS, DocumentKind, DocumentRequest
from civtrain.enrolment import api as enrolment_api
from civtrain.organisations.api import org_labels
from civtrain.people.api import person_data
from civtrain.people.data import GENDER_LABELS, PersonData

_ENTRY_FIELDS = (
    "id", "title", "start_date", "date", "hours", "days", "derived", "training_type", "mode",
    "result", "source_type", "source_ref", "evidence",
)  # fmt: skip


def build(req: DocumentRequest) -> dict[str, Any]:
    """The content of the requested document (without serial and issue time)."""
    person = person_data(req.person_id)
    content: dict[str, Any] = {
        "kind": req.kind.value,
        "title": KIND_LABELS[req.kind],
        "person": _person(person),
    }
    content.update(_BUILDERS[req.kind](req, person))
    return content


def _person(p: PersonData) -> dict[str, str]:
    return {
        "name": p.name,
        "id_number_masked": p.id_number_masked,
        "gender": GENDER_LABELS.get(p.gender, ""),
        "unit": org_labels([p.unit_id]).get(p.unit_id, ""),
    }


def _num(value: Decimal | float | None) -> str:
    return "" if value is None else fmt_number(float(value))


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


# -- ledger lines (ZZ-M3: type, name, dates, days, 学时, credits, result, organiser) ----------
def _entries(person_id: int, **filters: Any) -> list[dict[str, Any]]:
    # Reversed entries and reversals are left out: a corrected record reads as never written
    # (CQ-M3), the correction entry as the record.
    qs = (
        entry_rows()
        .filter(person_id=person_id, reversed_by__isnull=True, **filters)
        .exclude(source_type=SourceType.REVERSAL)
        .order_by("date", "id")
    )
    return list(qs.values(*_ENTRY_FIELDS))


def _organisers(entries: Iterable[dict[str, Any]]) -> Callable[[dict[str, Any]], str]:
    """Who held each training: a class's organising unit; else how it was recorded."""
    class_ids = {
        int(e["source_ref"].split(":")[1])
        for e in entries
        if e["source_type"] == SourceType.CLASS and e["source_ref"].startswith("class:")
    }
    organiser_of = {cid: classes_api.class_data(cid).organiser_id for cid in class_ids}
    labels = org_labels(set(organiser_of.values()))

    def organiser(e: dict[str, Any]) -> str:
        if e["source_type"] == SourceType.CLASS and e["source_ref"].startswith("class:"):
            return labels.get(organiser_of[int(e["source_ref"].split(":")[1])], "")
        return e["evidence"] or SOURCE_LABELS.get(SourceType(e["source_type"]), "")

    return organiser


def _amounts(person_id: int, e: dict[str, Any]) -> tuple[Decimal | None, Decimal | None, str]:
    """(hours, days, note): what the entry recorded; a missing one converted with the 学时-per-day
    of the set governing its date, noted 折算 (REQUIREMENTS §8, PR-2)."""
    hours, days = recorded(e["hours"], e["days"], e["derived"])
    if hours is not None and days is not None:
        return hours, days, ""
    per_day = compliance_api.hours_per_day_for(person_id, e["date"])
    conv_hours, conv_days = converted(hours, days, per_day)
    if conv_hours is None and conv_days is None:
        return hours, days, ""
    return (
        hours if hours is not None else conv_hours,
        days if days is not None else conv_days,
        "折算",
    )


def _lines(person_id: int, entries: list[dict[str, Any]]) -> list[dict[str, str]]:
    organiser = _organisers(entries)
    lines = []
    for e in entries:
        hours, days, note = _amounts(person_id, e)
        credits = compliance_api.entry_study_credits(
            person_id,
            e["date"],
            training_type=e["training_type"],
            mode=e["mode"],
            result=e["result"],
            hours=float(hours or 0),
            days=float(days or 0),
        )
        lines.append(
            {
                "type": TRAINING_TYPE_LABELS.get(e["training_type"], e["training_type"]),
                "mode": DELIVERY_MODE_LABELS.get(e["mode"], e["mode"]),
                "name": e["title"],
                "start": _day(e["start_date"]),
                "end": _day(e["date"]),
                "days": _num(days),
                "hours": _num(hours),
                "note": note,
                "credits": _num(credits),
                "result": RESULT_LABELS.get(e["result"], e["result"]),
                "organiser": organiser(e),
            }
        )
    return lines


def _totals(lines: list[dict[str, str]]) -> dict[str, str]:
    def total(field: str) -> str:
        return fmt_number(sum(float(line[field]) for line in lines if line[field]))

    return {"count": str(len(lines)), "hours": total("hours"), "days": total("days")}


def _booklet(req: DocumentRequest, person: PersonData) -> dict[str, Any]:
    lines = _lines(person.id, _entries(person.id))
    return {"lines": lines, "totals": _totals(lines)}


# -- transcript: a year's lines and the governing set's verdict ----------------------------
def _transcript(req: DocumentRequest, person: PersonData) -> dict[str, Any]:
    year = _year(req)
    lines = _lines(person.id, _entries(person.id, year=year))
    result = compliance_api.person_evaluate(person.id, year=year)
    summary = [
        {
            "title": o.title,
            "clause": o.clause,
            "required": f"{fmt_number(o.required)} {o.unit}",
            "achieved": f"{fmt_number(o.achieved)} {o.unit}",
            "status": STATUS_LABELS.get(o.status, o.status),  # type: ignore[call-overload]
        }
        for o in result.outcomes
    ]
    return {
        "year": year,
        "lines": lines,
        "totals": _totals(lines),
        "ruleset": result.ruleset,
        "summary": summary,
        "credits": fmt_number(result.credits.earned) if result.credits else "",
        "consequences": list(result.linkage.reasons) if result.linkage.reasons else [],
    }


def _year(req: DocumentRequest) -> int:
    if req.year is None:
        raise ValidationFailed("此类文件需要指定年度")
    return req.year


# -- a class: completion form and certificate ------------------------------------------------
def _class(req: DocumentRequest, person: PersonData) -> tuple[dict[str, str], Any]:
    if req.class_id is None:
        raise ValidationFailed("此类文件需要指定培训班")
    tc = classes_api.class_data(req.class_id)
    found = enrolment_api.trainee_results(class_id=tc.id, person_id=person.id)
    if not found:
        raise ValidationFailed(f"{person.name} 未参加培训班 {tc.code}")
    info = {
        "code": tc.code,
        "name": tc.title,
        "type": TRAINING_TYPE_LABELS.get(tc.training_type, tc.training_type),  # type: ignore[call-overload]
        "start": _day(tc.start_date),
        "end": _day(tc.end_date),
        "days": _num(tc.days),
        "hours": _num(tc.total_hours),
        "organiser": org_labels([tc.organiser_id]).get(tc.organiser_id, ""),
    }
    return info, found[0]


def _completion_form(req: DocumentRequest, person: PersonData) -> dict[str, Any]:
    info, r = _class(req, person)
    rows = [
        ("应到课次", str(r.sessions)),
        ("出勤", str(r.present)),
        ("请假", str(r.leave)),
        ("缺勤", str(r.absent)),
        ("考试成绩", _num(r.exam_score)),
        ("学习态度", _num(r.conduct_attitude)),
        ("课堂参与", _num(r.conduct_participation)),
        ("交流研讨", _num(r.conduct_interaction)),
        ("遵守纪律", _num(r.conduct_discipline)),
        ("民主评议", _num(r.peer_score)),
        ("综合成绩", _num(r.total_score)),
    ]
    verdict = {True: "合格", False: "不合格", None: "未评定"}[r.passed]
    if r.status == enrolment_api.EnrolmentStatus.DROPPED:
        verdict = f"退学（{r.status_reason}）" if r.status_reason else "退学"
    return {
        "class": info,
        "lines": [{"item": k, "value": v} for k, v in rows],
        "verdict": verdict,
    }


def _class_certificate(req: DocumentRequest, person: PersonData) -> dict[str, Any]:
    info, r = _class(req, person)
    if r.passed is not True:
        raise ValidationFailed(
            f"{person.name} 未通过培训班 {info['code']} 的结业考核，不能出具结业证书"
        )
    return {"class": info, "lines": [], "verdict": "合格"}


# -- the extracts for the assessment and appointment forms (CQ-M3) --------------------------
def _period(line: dict[str, str]) -> str:
    start = line["start"].replace("-", ".")
    return f"{start}—{line['end'].replace('-', '.')}" if start else line["end"].replace("-", ".")


def _off_the_job(person_id: int, **filters: Any) -> list[dict[str, str]]:
    return _lines(person_id, _entries(person_id, mode=DeliveryMode.OFF_THE_JOB, **filters))


def _assessment_extract(req: DocumentRequest, person: PersonData) -> dict[str, Any]:
    year = _year(req)
    lines = _off_the_job(person.id, year=year)
    parts = [
        f"{_period(line)}参加{line['name']}（{line['type']}，{line['days'] or '—'}天，"
        f"{line['hours'] or '—'}学时，{line['result'] or '无考核'}）"
        for line in lines
    ]
    text = (
        f"{year}年度参加脱产培训{len(lines)}次：" + "；".join(parts) + "。"
        if lines
        else f"{year}年度未参加脱产培训。"
    )
    return {"year": year, "lines": lines, "totals": _totals(lines), "text": text}


def _appointment_extract(req: DocumentRequest, person: PersonData) -> dict[str, Any]:
    lines = [
        line
        for line in _off_the_job(person.id)
        if compliance_api.over_two_months(
            dt.date.fromisoformat(line["start"]) if line["start"] else None,
            dt.date.fromisoformat(line["end"]),
            float(line["days"]) if line["days"] else None,
        )
    ]
    parts = [f"{_period(line)} {line['organiser']} {line['name']}学习" for line in lines]
    text = "；".join(parts) + "。" if lines else "无两个月以上脱产培训经历。"
    return {"lines": lines, "totals": _totals(lines), "text": text}


# -- the half-year notice of online learning (ZZ-N2, issue #12 item 5) ---------------------
def half_year_notice(notice: Any) -> dict[str, Any]:
    """The signed content of a learning.api.supervision_notice: its figures for the node, a
    row per node below it, or for a unit a row per person (names only, laggards first)."""

    def node(n: Any) -> dict[str, str]:
        return {
            "name": n.org.name,
            "people": str(n.people),
            "online_hours": _num(n.online_hours),
            "courses_finished": str(n.courses_finished),
            "missing_people": str(n.missing_people),
            "laggards": str(n.laggards),
            "laggard_percent": f"{n.laggard_percent}%",
        }

    people = [
        {
            "name": f.person.name,
            "unit": f.unit_name,
            "online_hours": _num(f.online_hours),
            "year_hours": _num(f.year_hours),
            "courses_finished": str(f.courses_finished),
            "required": str(f.required),
            "missing": "、".join(f.missing),
            "laggard": "是" if f.laggard else "",
        }
        for f in notice.people
    ]
    return {
        "kind": DocumentKind.HALF_YEAR_NOTICE.value,
        "title": KIND_LABELS[DocumentKind.HALF_YEAR_NOTICE],
        "org": {"name": notice.org.name, "path": notice.org.path},
        "year": notice.half.year,
        "half": notice.half.half,
        "period": notice.half.label,
        "start": _day(notice.half.start),
        "end": _day(notice.half.end),
        "total": node(notice.total),
        "children": [node(c) for c in notice.children],
        "lines": people,
    }


_BUILDERS: dict[DocumentKind, Callable[[DocumentRequest, PersonData], dict[str, Any]]] = {
    DocumentKind.BOOKLET: _booklet,
    DocumentKind.TRANSCRIPT: _transcript,
    DocumentKind.COMPLETION_FORM: _completion_form,
    DocumentKind.CLASS_CERTIFICATE: _class_certificate,
    DocumentKind.ASSESSMENT_EXTRACT: _assessment_extract,
    DocumentKind.APPOINTMENT_EXTRACT: _appointment_extract,
}
