"""External study claims (ZZ-T2(3)) and the ledger pages: record, reversal, claims, status."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civtrain import testing
from civtrain.accounts.api import Role, User
from civtrain.core import clock
from civtrain.core.errors import ApplicationError, NotFound, PermissionDenied
from civtrain.credits import api as credits
from civtrain.credits import services
from civtrain.credits.data import ClaimInput
from civtrain.credits.models import ExternalClaim, LedgerEntry


@pytest.fixture(autouse=True)
def _today() -> None:
    clock.freeze(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))


def learner_of(person: Any) -> Any:
    return User.objects.get(pk=person.user_id)


def claim_input(person: Any, **kw: Any) -> ClaimInput:
    data: dict[str, Any] = {
        "person_id": person.id,
        "title": "在职研究生（公共管理硕士）课程",
        "training_type": "in_service",
        "mode": "self_study",
        "date": dt.date(2026, 7, 1),
        "hours": Decimal(40),
        "subject_hours": {"law": Decimal(4)},
        "degree_study": True,
    }
    data.update(kw)
    return ClaimInput(**data)


def test_learner_claims_unit_hr_approves_and_the_ledger_is_credited(people: dict, hr: Any) -> None:
    p = people["zhang"]
    pdf = SimpleUploadedFile("毕业证明.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    claim = services.claim_submit(actor=learner_of(p), data=claim_input(p), evidence=pdf)
    assert (claim.status, claim.subject_hours, claim.evidence.name.endswith(".pdf")) == (
        "pending",
        {"law": "4.00"},
        True,
    )
    assert LedgerEntry.objects.count() == 0
    decided = services.claim_decide(actor=hr, claim_id=claim.pk, approve=True, comment="材料齐全")
    entry = credits.entry_data(decided.entry_id)
    assert (entry.source_type, entry.source_ref, entry.hours, entry.subject_hours) == (
        "external_claim",
        f"claim:{claim.pk}",
        Decimal("40.00"),
        {"law": Decimal("4.00")},
    )
    assert entry.reason == "学历学位教育申报"
    with pytest.raises(ApplicationError) as exc:
        services.claim_decide(actor=hr, claim_id=claim.pk, approve=True)
    assert exc.value.code == "claim_not_pending"
    assert LedgerEntry.objects.count() == 1


def test_rejection_needs_a_comment_and_writes_nothing(people: dict, hr: Any) -> None:
    claim = services.claim_submit(actor=hr, data=claim_input(people["li"]))
    with pytest.raises(ApplicationError, match="驳回申报必须填写意见"):
        services.claim_decide(actor=hr, claim_id=claim.pk, approve=False)
    services.claim_decide(actor=hr, claim_id=claim.pk, approve=False, comment="缺少证明")
    assert ExternalClaim.objects.get().status == "rejected"
    assert LedgerEntry.objects.count() == 0


def test_claim_rules(people: dict, tree: Any, hr: Any) -> None:
    p = people["zhang"]
    learner = learner_of(p)
    with pytest.raises(ApplicationError, match="结束日期不能晚于今天"):
        services.claim_submit(actor=learner, data=claim_input(p, date=dt.date(2027, 1, 1)))
    with pytest.raises(ApplicationError, match="证明材料应为"):
        services.claim_submit(
            actor=learner, data=claim_input(p), evidence=SimpleUploadedFile("x.exe", b"MZ")
        )
    with pytest.raises(NotFound):  # a learner claims only for themselves
        services.claim_submit(actor=learner, data=claim_input(people["li"]))
    claim = services.claim_submit(actor=learner, data=claim_input(p))
    with pytest.raises(PermissionDenied):  # a learner cannot approve
        services.claim_decide(actor=learner, claim_id=claim.pk, approve=True)
    other_hr = testing.make_user(Role.UNIT_HR, tree["U2"])
    with pytest.raises(NotFound):
        services.claim_decide(actor=other_hr, claim_id=claim.pk, approve=True)
    assert ExternalClaim.objects.get().status == "pending"


def _entry(hr: Any, person: Any, ref: str = "m1") -> credits.EntryData:
    return credits.credit_entry_record(
        actor=hr,
        person_id=person.id,
        title="初任培训班",
        date=dt.date(2026, 5, 20),
        days=Decimal(12),
        subject_hours={"law": Decimal(4)},
        training_type="initial",
        mode="off_the_job",
        source_type="manual",
        source_ref=ref,
    )


def _bind_national() -> None:
    """national-2023 (7.5 学时 a day) governs 重庆 (C1) from 2023."""
    from civtrain.compliance.api import conversions_cache_clear, rulesets_install

    rulesets_install(actor=None, bindings=[("national-2023", "C1", dt.date(2023, 1, 1), None)])
    conversions_cache_clear()


def test_record_page_shows_corrections_and_year_totals(people: dict, hr: Any) -> None:
    _bind_national()
    p = people["zhang"]
    e = _entry(hr, p)
    c = Client()
    c.force_login(hr)
    r = c.post(f"/credits/entries/{e.id}/reverse/", {"reason": "天数登记错误", "days": "10"})
    assert r.status_code == 302
    page = c.get(f"/credits/record/{p.id}/").content.decode()
    assert "<del>初任培训班</del>" in page
    assert "冲正原因：天数登记错误" in page
    # Days recorded only: the page converts with the governing set's 7.5 学时 a day
    # (REQUIREMENTS §8, issue #10 item 6) — 10 days × 7.5 after the correction.
    assert "2026 年" in page and "75 学时" in page
    assert "≈ 75" in page and "按适用规则集每天 7.5 学时折算" in page
    assert "法治 4" in page
    mine = Client()
    mine.force_login(learner_of(p))
    own = mine.get("/credits/record/").content.decode()
    assert "<del>初任培训班</del>" in own and "确认冲正" not in own
    assert mine.get(f"/credits/record/{people['li'].id}/").status_code == 404


def test_reverse_page_requires_a_reason_and_scope(people: dict, hr: Any, tree: Any) -> None:
    e = _entry(hr, people["zhang"])
    c = Client()
    c.force_login(hr)
    r = c.post(f"/credits/entries/{e.id}/reverse/", {"reason": ""})
    assert r.status_code == 200 and "这个字段是必填项" in r.content.decode()
    other = Client()
    other.force_login(testing.make_user(Role.UNIT_HR, tree["U2"]))
    assert other.get(f"/credits/entries/{e.id}/reverse/").status_code == 404
    assert LedgerEntry.objects.count() == 1


def test_claim_pages_submit_and_approve(people: dict, hr: Any) -> None:
    p = people["zhang"]
    learner = Client()
    learner.force_login(learner_of(p))
    r = learner.post(
        "/credits/claims/new/",
        {
            "title": "党校函授本科",
            "training_type": "in_service",
            "mode": "self_study",
            "date": "2026-06-30",
            "hours": "30",
            "subjects": "法治：2；政治理论:10",
            "degree_study": "on",
            "evidence": SimpleUploadedFile("证书.jpg", b"\xff\xd8jpeg"),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    claim = ExternalClaim.objects.get()
    assert claim.subject_hours == {"law": "2.00", "theory": "10.00"}
    c = Client()
    c.force_login(hr)
    queue = c.get("/credits/claims/").content.decode()
    assert "党校函授本科" in queue and "批准" in queue
    assert c.get(f"/credits/claims/{claim.pk}/evidence").status_code == 200
    r = c.post(f"/credits/claims/{claim.pk}/decide/", {"decision": "approve"})
    assert r.status_code == 302
    assert LedgerEntry.objects.get().hours == Decimal("30.00")
    assert "已批准" in learner.get("/credits/claims/").content.decode()


def test_status_page_is_for_the_city_bureau(actors: dict, people: dict) -> None:
    from django.core.management import call_command

    call_command("ledger_checkpoint", stdout=None)
    call_command("verify_ledger", stdout=None)
    c = Client()
    c.force_login(actors["city"])
    page = c.get("/credits/status/").content.decode()
    assert "账本完整：0 条记录，0 条链，签名有效" in page
    hr = Client()
    hr.force_login(actors["unit_hr"])
    assert hr.get("/credits/status/").status_code == 404


def test_claims_queue_pages_fifty_with_a_count_and_reads_people_once_per_page(
    people: dict, hr: Any
) -> None:
    """#11: the claims list holds a city's claims a page at a time, each claimant named with
    their unit, and its reads do not grow with the rows of a page."""
    for i in range(53):
        who = people["zhang"] if i % 2 else people["li"]
        services.claim_submit(actor=hr, data=claim_input(who, title=f"在职学习第{i}期"))
    c = Client()
    c.force_login(hr)
    with CaptureQueriesContext(connection) as full:
        first = c.get("/credits/claims/").content.decode()
    assert first.count("data-claim=") == 50
    assert "共 53 条" in first and "1 / 2" in first
    assert "渝中区人力社保局" in first  # the claimant's unit, by name
    with CaptureQueriesContext(connection) as short:
        second = c.get("/credits/claims/?status=pending&page=2").content.decode()
    assert second.count("data-claim=") == 3 and "2 / 2" in second
    assert len(full) == len(short)  # 50 rows read as few times as 3
