"""External study claims (ZZ-T2(3)): a learner or personnel staff claims training or degree
study done elsewhere, with evidence; the unit approves it — writing the ledger entry — or
rejects it."""

from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from civtrain.core import clock
from civtrain.core.actors import Actor
from civtrain.core.audit import audit_record
from civtrain.core.errors import NotFound, PermissionDenied
from civtrain.credits.data import ClaimInput, ClaimStatus, EntryInput, SourceType
from civtrain.credits.errors import CreditsErrorCode
from civtrain.credits.models import ExternalClaim
from civtrain.credits.services.entries import EntryRejected, prepare
from civtrain.credits.services.recording import credit_entry_record_input
from civtrain.credits.services.scope import require_ledger_writer
from civtrain.people import api as people_api

EVIDENCE_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".ofd")
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _claim_entry_input(claim: ExternalClaim) -> EntryInput:
    kind = "学历学位教育" if claim.degree_study else "外部培训"
    return EntryInput(
        person_id=claim.person_id,
        title=claim.title,
        date=claim.date,
        start_date=claim.start_date,
        training_type=claim.training_type,
        mode=claim.mode,
        hours=claim.hours,
        days=claim.days,
        subject_hours={k: Decimal(v) for k, v in (claim.subject_hours or {}).items()},
        source_type=SourceType.EXTERNAL_CLAIM,
        source_ref=f"claim:{claim.pk}",
        evidence=(claim.evidence.name or "") if claim.evidence else "",
        reason=f"{kind}申报",
    )


def claim_submit(
    *, actor: Actor, data: ClaimInput, evidence: UploadedFile | None = None
) -> ExternalClaim:
    """A learner (for themselves) or personnel staff (for someone in scope) claims external
    training or degree study with evidence; the unit approves it later."""
    person = people_api.access_person(actor, data.person_id)  # NotFound when out of scope
    # Validate now as the entry would be, so approval cannot fail on the amounts.
    probe = EntryInput(
        person_id=person.id,
        title=data.title,
        date=data.date,
        start_date=data.start_date,
        training_type=data.training_type,
        mode=data.mode,
        hours=data.hours,
        days=data.days,
        subject_hours=data.subject_hours,
        source_type=SourceType.EXTERNAL_CLAIM,
        source_ref="claim:new",
    )
    prepared = prepare(probe)
    if data.date > clock.today():
        raise EntryRejected(
            CreditsErrorCode.INVALID_ENTRY, "结束日期不能晚于今天：只能申报已完成的学习"
        )
    if evidence is not None:
        name = (evidence.name or "").lower()
        if not name.endswith(EVIDENCE_SUFFIXES):
            raise EntryRejected(
                CreditsErrorCode.EVIDENCE_INVALID,
                "证明材料应为 PDF、图片（JPG/PNG）、Word 或 OFD 文件",
            )
        if (evidence.size or 0) > EVIDENCE_MAX_BYTES:
            raise EntryRejected(CreditsErrorCode.EVIDENCE_INVALID, "证明材料不能超过 10 MB")
    with transaction.atomic():
        claim = ExternalClaim(
            person_id=person.id,
            title=prepared.title,
            training_type=prepared.training_type,
            mode=prepared.mode,
            start_date=prepared.start_date,
            date=prepared.date,
            hours=prepared.hours,
            days=prepared.days,
            subject_hours={code: str(h) for code, h in prepared.subjects},
            degree_study=data.degree_study,
            description=(data.description or "").strip()[:2000],
            status=ClaimStatus.PENDING,
            submitted_by_id=getattr(actor, "pk", None),
            submitted_at=clock.now(),
        )
        if evidence is not None:
            claim.evidence.save(evidence.name or "evidence", evidence, save=False)
        claim.save()
        audit_record(
            actor=actor,
            action="credit.claim_submit",
            object_type="credits.ExternalClaim",
            object_id=claim.pk,
            object_label=f"{person.name} {claim.title}",
            org_path=person.unit_path,
            changes={
                "hours": _text(prepared.hours),
                "days": _text(prepared.days),
                "degree_study": data.degree_study,
            },
        )
    return claim


def claim_decide(*, actor: Actor, claim_id: int, approve: bool, comment: str = "") -> ExternalClaim:
    """Unit HR (or a bureau above it) approves — writing the ledger entry — or rejects."""
    require_ledger_writer(actor)
    comment = (comment or "").strip()
    if not approve and not comment:
        raise EntryRejected(CreditsErrorCode.REASON_REQUIRED, "驳回申报必须填写意见")
    with transaction.atomic():
        claim = (
            ExternalClaim.objects.select_for_update()
            .filter(pk=claim_id, person_id__in=people_api.person_ids_in_scope(actor))
            .first()
        )
        if claim is None:
            raise NotFound("申报不存在或不在您的管辖范围内")
        person = people_api.person_data(claim.person_id)
        if person.user_id is not None and person.user_id == getattr(actor, "pk", None):
            raise PermissionDenied("不能审核本人的申报")
        if claim.status != ClaimStatus.PENDING:
            raise EntryRejected(CreditsErrorCode.CLAIM_NOT_PENDING, "该申报已审核，不能重复审核")
        if approve:
            entry = credit_entry_record_input(actor=actor, entry=_claim_entry_input(claim))
            claim.entry_id = entry.id
        claim.status = ClaimStatus.APPROVED if approve else ClaimStatus.REJECTED
        claim.decided_by_id = getattr(actor, "pk", None)
        claim.decided_at = clock.now()
        claim.comment = comment[:300]
        claim.save(update_fields=["status", "decided_by_id", "decided_at", "comment", "entry"])
        audit_record(
            actor=actor,
            action="credit.claim_approve" if approve else "credit.claim_reject",
            object_type="credits.ExternalClaim",
            object_id=claim.pk,
            object_label=f"{person.name} {claim.title}",
            org_path=person.unit_path,
            changes={"status": claim.status, "comment": comment, "entry_id": claim.entry_id},
        )
    return claim
