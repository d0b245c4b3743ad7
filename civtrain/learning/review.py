"""The overnight audit of earned time and the reviewers' queue (PR-3, ADR 0016).

The audit only flags; a reviewer (city or district bureau) decides: revoking reverses the
ledger entries of the online courses the learner completed that year through the ledger's
own reversal service, with the reviewer's reason; dismissing closes the finding.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, QuerySet, Sum

from civtrain.accounts.api import actor_scope
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import NotFound, PermissionDenied
from civtrain.credits import api as credits_api
from civtrain.learning.errors import LearningError, LearningErrorCode
from civtrain.learning.models import Anomaly, Completion, Heartbeat, PlaySession
from civtrain.learning.selectors import AUTHORS
from civtrain.organisations.api import subtree_q
from civtrain.people.api import person_data

NIGHT_END_HOUR = 5  # 00:00–05:00 Shanghai
NIGHT_SECONDS = Decimal(2 * 3600)
UNBROKEN_BEATS = 4 * 60 * 3  # three hours of beats at 15 s without a pause or a gap


def _day_bounds(day: dt.date, hour_from: int = 0, hour_to: int = 24) -> tuple[Any, Any]:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=clock.TZ)
    return start + dt.timedelta(hours=hour_from), start + dt.timedelta(hours=hour_to)


def _flag(person_id: int, kind: str, day: dt.date, detail: str, sessions: list[int]) -> bool:
    _, created = Anomaly.objects.get_or_create(
        person_id=person_id,
        kind=kind,
        date=day,
        defaults={"detail": detail[:500], "session_ids": sessions, "found_at": clock.now()},
    )
    return created


def learning_audit(*, day: dt.date) -> int:
    """Flag the anomalies of `day` (Shanghai); returns how many new findings were made."""
    found = 0
    start, night_end = _day_bounds(day, 0, NIGHT_END_HOUR)
    night = (
        Heartbeat.objects.filter(at__gte=start, at__lt=night_end, credited__gt=0)
        .values("session__person_id")
        .annotate(seconds=Sum("credited"))
        .filter(seconds__gt=NIGHT_SECONDS)
    )
    for row in night:
        person = row["session__person_id"]
        sessions = list(
            PlaySession.objects.filter(person_id=person, last_beat_at__gte=start).values_list(
                "pk", flat=True
            )[:50]
        )
        hours = row["seconds"] / 3600
        found += _flag(person, "night_long", day, f"凌晨计时 {hours:.1f} 小时", sessions)
    day_start, day_end = _day_bounds(day)
    for session in PlaySession.objects.filter(started_at__gte=day_start, started_at__lt=day_end):
        run = longest_unbroken(session.pk)
        if run >= UNBROKEN_BEATS:
            detail = f"连续 {run} 次心跳无暂停、无间断（约 {run * 15 / 3600:.1f} 小时）"
            found += _flag(session.person_id, "regular_beats", day, detail, [session.pk])
    shared = (
        PlaySession.objects.filter(started_at__gte=day_start, started_at__lt=day_end)
        .exclude(client_ip=None)
        .values("client_ip")
        .annotate(people=Count("person", distinct=True))
        .filter(people__gte=settings.CIVTRAIN_LEARNING_SHARED_ADDRESS_MIN)
    )
    for addr in shared:
        by_person: dict[int, list[int]] = defaultdict(list)
        for pk, person in PlaySession.objects.filter(
            client_ip=addr["client_ip"], started_at__gte=day_start, started_at__lt=day_end
        ).values_list("pk", "person_id"):
            by_person[person].append(pk)
        detail = f"同一地址 {addr['client_ip']} 当天有 {addr['people']} 个账号学习"
        for person, sessions in by_person.items():
            found += _flag(person, "shared_address", day, detail, sessions[:50])
    return found


def longest_unbroken(session_id: int) -> int:
    """The longest run of beats in a session each of which credited time, without a note."""
    best = run = 0
    for credited, note in (
        Heartbeat.objects.filter(session_id=session_id)
        .order_by("seq")
        .values_list("credited", "note")
    ):
        run = run + 1 if credited > 0 and not note else 0
        best = max(best, run)
    return best


def anomaly_queue(*, actor: Actor, status: str = "open") -> QuerySet[Anomaly]:
    """Findings about people in the reviewer's subtrees."""
    paths = actor_scope(actor).paths_for(*AUTHORS)
    if not paths:
        return Anomaly.objects.none()
    return (
        Anomaly.objects.filter(subtree_q(paths, "person__unit__path"), status=status)
        .select_related("person")
        .order_by("-date", "id")
    )


def _access(actor: Actor, anomaly_id: int) -> Anomaly:
    found = anomaly_queue(actor=actor).filter(pk=anomaly_id).select_for_update(of=("self",)).first()
    if found is None:
        raise NotFound("异常记录不存在、已处理或不在您的管辖范围内")
    return found


@transaction.atomic
def anomaly_revoke(*, actor: Actor, anomaly_id: int, reason: str) -> int:
    """Reverse the ledger entries of the online courses the learner completed in the
    finding's year (CQ-M3: a reversal entry, never an edit); returns how many."""
    reason = reason.strip()
    if not reason:
        raise LearningError(LearningErrorCode.INVALID, "撤销学时必须填写原因")
    if not actor_scope(actor).has(*AUTHORS):
        raise PermissionDenied()
    anomaly = _access(actor, anomaly_id)
    completions = Completion.objects.select_for_update().filter(
        person_id=anomaly.person_id, year=anomaly.date.year, revoked=False
    )
    reversed_ = 0
    for completion in completions:
        if completion.ledger_entry_id:
            credits_api.credit_entry_reverse(
                actor=actor, entry_id=completion.ledger_entry_id, reason=f"网络学时核查：{reason}"
            )
            reversed_ += 1
        completion.revoked = True
        completion.save(update_fields=["revoked"])
    _decide(actor, anomaly, "revoked", reason)
    return reversed_


@transaction.atomic
def anomaly_dismiss(*, actor: Actor, anomaly_id: int, reason: str = "") -> None:
    _decide(actor, _access(actor, anomaly_id), "dismissed", reason.strip())


def _decide(actor: Actor, anomaly: Anomaly, status: str, reason: str) -> None:
    anomaly.status, anomaly.reason = status, reason[:300]
    anomaly.decided_by_id, anomaly.decided_at = getattr(actor, "pk", None), clock.now()
    anomaly.save()
    person = person_data(anomaly.person_id)
    audit_record(
        actor=actor,
        action=f"learning.anomaly_{status}",
        object_type="learning_anomaly",
        object_id=anomaly.pk,
        object_label=f"{person.name} {anomaly.get_kind_display()} {anomaly.date}",
        org_path=person.unit_path,
        changes={"status": ["open", status], "reason": [None, reason]},
    )
