"""Retention of people who left (#17 item 4, PIPL): past their city's retention period a
person's personal data is erased and their record pseudonymised by `civtrain retention`
(listed by --dry-run, done by --apply), audited and idempotent; their ledger still
verifies and their pages no longer show their data."""

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import (
    SYSTEM,
    Role,
    User,
    security_policy_get,
    security_policy_set,
)
from civtrain.core import clock
from civtrain.core.models import AuditEvent
from civtrain.credits.api import credit_entry_record
from civtrain.people.api import person_id_by_id_number
from civtrain.people.data import EventKind
from civtrain.people.models import Person
from civtrain.people.services import career_event_record, person_crypto_migrate

NOON = dt.datetime(2031, 7, 1, 12, 0, tzinfo=clock.TZ)
PHONE = "13912345678"


@pytest.fixture
def left(tree: Any) -> dict[str, Any]:
    """In 重庆 (C1, retention 5 years): 退休 on 2025-06-30, 调出 on 2027-03-01, one who left
    with no dated event, one still in post; in 郑州 (C2, no retention set): one retired."""
    clock.freeze(dt.datetime(2024, 1, 2, 9, 0, tzinfo=clock.TZ))
    security = testing.make_user(Role.SECURITY_ADMIN, tree["C1"])
    security_policy_set(actor=security, values={"retention_years": 5})
    ids = {k: testing.make_id_number(serial=s) for k, s in (("退", 811), ("调", 812))}
    people = {
        "退": testing.make_person(tree["U1"], name="钱退休", id_number=ids["退"], phone=PHONE),
        "调": testing.make_person(tree["U1"], name="孙调出", id_number=ids["调"]),
        "无": testing.make_person(tree["U1"], name="李无期"),
        "在": testing.make_person(tree["U1"], name="周在职"),
        "郑": testing.make_person(tree["U3"], name="吴郑州"),
    }
    for key in people:
        credit_entry_record(
            actor=SYSTEM,
            person_id=people[key].id,
            title="公文写作培训",
            date=dt.date(2023, 5, 10),
            hours=Decimal("8"),
            days=None,
            training_type="in_service",
            mode="off_the_job",
            subject_hours={},
            source_type="manual",
            source_ref=f"retention:{key}",
            result="",
            start_date=None,
        )
    row = {k: Person.objects.get(pk=p.id) for k, p in people.items()}
    career_event_record(
        actor=SYSTEM,
        person=row["退"],
        kind=EventKind.RETIREMENT,
        date=dt.date(2025, 6, 30),
        note="因病提前退休",
    )
    Person.objects.filter(pk=row["无"].pk).update(status="transferred_out")
    career_event_record(
        actor=SYSTEM,
        person=row["调"],
        kind=EventKind.TRANSFER,
        date=dt.date(2027, 3, 1),
        unit_id=tree["U2"].id,
    )
    Person.objects.filter(pk=row["调"].pk).update(status="transferred_out")
    career_event_record(
        actor=SYSTEM, person=row["郑"], kind=EventKind.RETIREMENT, date=dt.date(2020, 1, 1)
    )
    return {"people": people, "ids": ids}


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("retention", *args, stdout=out)
    return out.getvalue()


def test_dry_run_lists_those_due_and_changes_nothing(left: dict[str, Any]) -> None:
    p = left["people"]
    before = list(Person.objects.order_by("pk").values())
    audit_before = AuditEvent.objects.count()
    out = _run("--dry-run", "--as-of", "2030-06-30")
    # Due on 2030-06-30 (five years after 2025-06-30): the retired one only. No names.
    assert f"{p['退'].id}\tU1\t退休\t离开 2025-06-30\t保留 5 年\t到期 2030-06-30" in out
    assert f"{p['调'].id}\t" not in out and "钱退休" not in out
    assert "其中到期 1 人" in out
    assert "1 人所在城市未设置保留年限" in out  # 郑州 keeps its people
    assert "1 人没有退休或调出事件" in out  # left with no dated event: never guessed
    assert "未做任何修改" in out
    assert list(Person.objects.order_by("pk").values()) == before
    assert AuditEvent.objects.count() == audit_before
    assert "其中到期 0 人" in _run("--dry-run", "--as-of", "2030-06-29")
    with pytest.raises(CommandError):
        call_command("retention", stdout=io.StringIO())  # --dry-run or --apply, never silent


def test_apply_pseudonymises_erases_and_disables_audited_and_idempotent(
    left: dict[str, Any], tree: Any, actors: Any
) -> None:
    clock.freeze(NOON)
    p, ids = left["people"], left["ids"]
    retired = Person.objects.get(pk=p["退"].id)
    user_id = retired.user_id
    assert user_id is not None
    out = _run("--apply", "--as-of", "2031-07-01")
    assert "已匿名化 1 人" in out

    retired.refresh_from_db()
    assert retired.name == f"已匿名人员 #{retired.pk}"
    assert (retired.id_number_masked, retired.phone_masked, retired.birth_date) == ("", "", None)
    assert bytes(retired.id_number_enc) == b"" and retired.phone_enc is None
    assert retired.anonymised_at == NOON
    # What statistics need stays: gender, category, unit, status.
    assert (retired.gender, retired.unit_id, retired.status) == ("M", tree["U1"].id, "retired")
    assert person_id_by_id_number(ids["退"]) is None  # no lookup finds them any more
    assert list(retired.career_events.values_list("note", flat=True)) == [""]
    account = User.objects.get(pk=user_id)
    assert not account.is_active and not account.has_usable_password()
    assert account.display_name == ""
    # The one transferred out on 2027-03-01 is kept until 2032-03-01; 郑州 keeps its own.
    assert Person.objects.get(pk=p["调"].id).name == "孙调出"
    assert Person.objects.get(pk=p["郑"].id).name == "吴郑州"

    event = AuditEvent.objects.get(action="person.anonymise")
    assert (event.object_id, event.object_label) == (str(retired.pk), retired.name)
    assert event.changes["left_on"] == "2025-06-30" and event.changes["retention_years"] == 5
    assert event.changes["as_of"] == "2031-07-01" and event.changes["account_disabled"] is True
    assert event.actor_label == "system（命令行）"
    assert "钱退休" not in str(event.changes) and ids["退"] not in str(event.changes)

    # Idempotent: a second run finds nobody and writes nothing.
    assert "已匿名化 0 人" in _run("--apply", "--as-of", "2031-07-01")
    assert AuditEvent.objects.filter(action="person.anonymise").count() == 1


def test_the_ledger_still_verifies_afterwards(left: dict[str, Any]) -> None:
    clock.freeze(NOON)
    call_command("ledger_checkpoint", stdout=io.StringIO())
    _run("--apply", "--as-of", "2035-01-01")  # the retired and the transferred out
    assert Person.objects.exclude(anonymised_at=None).count() == 2
    call_command("verify_ledger", stdout=io.StringIO())  # CommandError on a broken chain
    # A later re-encryption under another suite passes over the erased numbers.
    assert person_crypto_migrate(actor=SYSTEM) >= 0


def test_their_pages_no_longer_show_their_data(
    left: dict[str, Any], tree: Any, actors: Any
) -> None:
    clock.freeze(NOON)
    p, ids = left["people"], left["ids"]
    client = Client()
    client.force_login(actors["unit_hr"])
    url = f"/people/{p['退'].id}/"
    before = client.get(url).content.decode()
    assert "钱退休" in before and "显示完整身份证号" in before
    _run("--apply", "--as-of", "2031-07-01")
    page = client.get(url).content.decode()
    assert f"已匿名人员 #{p['退'].id}" in page
    edit = f"/people/{p['退'].id}/edit/"
    for gone in ("钱退休", ids["退"][:2] + "*" * 16, "139******78", "显示完整身份证号", edit):
        assert gone not in page, gone
    record = client.get(f"/credits/record/{p['退'].id}/").content.decode()
    assert "钱退休" not in record
    listing = client.get("/people/", {"status": "all"}).content.decode()
    assert "钱退休" not in listing and f"已匿名人员 #{p['退'].id}" in listing
    # Nothing of theirs can be revealed or changed any more.
    reveal = client.post(
        f"/people/{p['退'].id}/reveal-id/", {"purpose": "other", "reason": "核对档案"}
    )
    assert reveal.status_code == 409 and "已匿名化" in reveal.content.decode()
    assert not AuditEvent.objects.filter(action="person.reveal_id").exists()
    # The export of the whole roster carries the pseudonym and no number.
    export = client.post(
        "/people/export/",
        {
            "format": "csv",
            "status": "all",
            "numbers": "clear",
            "purpose": "other",
            "reason": "年度核对",
        },
    ).content.decode("utf-8-sig")
    assert f"已匿名人员 #{p['退'].id},," in export and "钱退休" not in export


def test_the_security_administrator_sets_the_retention_years(tree: Any) -> None:
    admin = testing.make_user(Role.SECURITY_ADMIN, tree["C1"])
    client = Client()
    client.force_login(admin)
    page = client.get("/account/policy/").content.decode()
    assert 'name="retention_years"' in page and 'name="dormant_days"' in page
    form = {
        "min_length": 10,
        "min_classes": 3,
        "history": 5,
        "expiry_days": 90,
        "idle_minutes": 30,
        "absolute_hours": 12,
        "dormant_days": 120,
        "retention_years": 8,
    }
    assert client.post("/account/policy/", form).status_code == 302
    policy = security_policy_get(tree["C1"].id)
    assert (policy.retention_years, policy.dormant_days) == (8, 120)
    event = AuditEvent.objects.get(action="security.policy_set")
    assert event.changes["retention_years"] == [0, 8]
