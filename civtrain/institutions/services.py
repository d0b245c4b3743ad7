"""Writes to the institution registry: bureaus register and recognise institutions (CQ-B1)."""

import datetime as dt

from django.db import transaction

from civtrain.accounts.api import Role, actor_scope
from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import NotFound, ValidationFailed
from civtrain.core.writes import save_audited
from civtrain.institutions.data import ApplicationStatus, InstitutionKind
from civtrain.institutions.models import Institution, RecognitionApplication
from civtrain.institutions.selectors import access_institution_by_id
from civtrain.organisations.api import org_in_scope

BUREAUS = (Role.CITY_BUREAU, Role.DISTRICT_BUREAU)


def _check_period(start: dt.date | None, end: dt.date | None) -> None:
    if (start is None) != (end is None):
        raise ValidationFailed("认定期限的起始和截止日期须同时填写")
    if start and end and end < start:
        raise ValidationFailed("认定截止日期不能早于起始日期")


@transaction.atomic
def institution_create(
    *,
    actor: Actor,
    name: str,
    org_id: int,
    kind: InstitutionKind = InstitutionKind.PARTY_SCHOOL,
    recognised_from: dt.date | None = None,
    recognised_to: dt.date | None = None,
    address: str = "",
) -> Institution:
    """Register an institution under a node the actor's bureau holds; a period recognises it."""
    org = org_in_scope(actor, org_id, BUREAUS)
    name = name.strip()
    if not name:
        raise ValidationFailed("机构名称不能为空")
    if Institution.objects.filter(name=name).exists():
        raise ValidationFailed(f"施教机构“{name}”已登记")
    _check_period(recognised_from, recognised_to)
    inst = Institution(
        name=name,
        kind=kind,
        org_id=org.id,
        recognised_from=recognised_from,
        recognised_to=recognised_to,
        recognised_by_id=actor.pk if recognised_from else None,
        address=address.strip(),
    )
    save_audited(
        inst,
        actor=actor,
        action="institution.create",
        object_type="institution",
        label=name,
        org_path=org.path,
        changes={
            "kind": kind.value,
            "recognised_from": str(recognised_from or ""),
            "recognised_to": str(recognised_to or ""),
        },
    )
    return inst


@transaction.atomic
def institution_recognise(
    *, actor: Actor, institution: Institution, recognised_from: dt.date, recognised_to: dt.date
) -> Institution:
    """Record a (new) recognition period, decided by a bureau holding the institution's node."""
    if not actor_scope(actor).covers(institution.org.path, *BUREAUS):
        raise NotFound("施教机构不存在或无权访问")
    _check_period(recognised_from, recognised_to)
    before = [str(institution.recognised_from or ""), str(institution.recognised_to or "")]
    institution.recognised_from = recognised_from
    institution.recognised_to = recognised_to
    institution.recognised_by_id = actor.pk
    institution.save(update_fields=["recognised_from", "recognised_to", "recognised_by"])
    audit_record(
        actor=actor,
        action="institution.recognise",
        object_type="institution",
        object_id=institution.pk,
        object_label=institution.name,
        org_path=institution.org.path,
        changes={"period": [before, [str(recognised_from), str(recognised_to)]]},
    )
    return institution


@transaction.atomic
def recognition_apply(
    *,
    actor: Actor,
    institution_id: int,
    requested_from: dt.date,
    requested_to: dt.date,
    note: str = "",
) -> RecognitionApplication:
    """The institution's staff apply for a recognition period (CQ-B1 资格认定)."""
    inst = access_institution_by_id(actor, institution_id, staff_only=True)
    _check_period(requested_from, requested_to)
    if inst.applications.filter(status=ApplicationStatus.PENDING).exists():
        raise ValidationFailed("已有待审核的认定申请")
    application = RecognitionApplication.objects.create(
        institution=inst,
        requested_from=requested_from,
        requested_to=requested_to,
        note=note.strip(),
        applied_by_id=actor.pk,
        applied_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action="institution.recognition_apply",
        object_type="institution",
        object_id=inst.pk,
        object_label=inst.name,
        org_path=inst.org.path,
        changes={"period": [str(requested_from), str(requested_to)]},
    )
    return application


@transaction.atomic
def recognition_decide(
    *,
    actor: Actor,
    application_id: int,
    grant: bool,
    recognised_from: dt.date | None = None,
    recognised_to: dt.date | None = None,
    reason: str = "",
) -> RecognitionApplication:
    """A bureau holding the institution's node grants a period (the one applied for unless
    it sets another) or refuses with a reason."""
    application = (
        RecognitionApplication.objects.select_for_update()
        .select_related("institution__org")
        .filter(pk=application_id)
        .first()
    )
    if application is None or not actor_scope(actor).covers(
        application.institution.org.path, *BUREAUS
    ):
        raise NotFound("认定申请不存在或无权访问")
    if application.status != ApplicationStatus.PENDING:
        raise ValidationFailed("该申请已审核")
    reason = reason.strip()
    if grant:
        start = recognised_from or application.requested_from
        end = recognised_to or application.requested_to
        institution_recognise(
            actor=actor,
            institution=application.institution,
            recognised_from=start,
            recognised_to=end,
        )
        application.status = ApplicationStatus.GRANTED
    else:
        if not reason:
            raise ValidationFailed("不予认定须写明原因")
        application.status = ApplicationStatus.REFUSED
        audit_record(
            actor=actor,
            action="institution.recognition_refuse",
            object_type="institution",
            object_id=application.institution_id,
            object_label=application.institution.name,
            org_path=application.institution.org.path,
            changes={"reason": reason},
        )
    application.reason = reason
    application.decided_by_id = actor.pk
    application.decided_at = clock.now()
    application.save(update_fields=["status", "reason", "decided_by_id", "decided_at"])
    return application
