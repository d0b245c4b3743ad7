"""Issue 8 item 1: no takeover through the roster import; transfers audited on both sides.

A person registered outside the importer's scope is refused exactly like an unknown row
that cannot be created there (same column, same words, also in a dry run), and a move
between units leaves an audit row under the old and under the new unit's path.
"""

import datetime as dt
from typing import Any

import pytest

from civtrain.accounts.api import Role
from civtrain.core.errors import NotFound
from civtrain.core.models import AuditEvent
from civtrain.people.data import Category, EventKind, Gender, PersonInput
from civtrain.people.imports import ROW_NOT_IN_SCOPE, events_import, roster_import
from civtrain.people.models import CareerEvent, Person
from civtrain.people.services import career_event_record, person_bulk_upsert
from civtrain.people.tests.test_import_events import csv_file
from civtrain.people.tests.test_import_roster import errors_of, row, xlsx
from civtrain.testing import make_id_number, make_person, make_user

FOREIGN_ID = make_id_number(dt.date(1981, 6, 1), serial=801)  # registered in 郑州 (U3)
UNKNOWN_ID = make_id_number(dt.date(1982, 7, 2), serial=802)  # registered nowhere


def _foreigner(tree: Any) -> Any:
    return make_person(
        tree["U3"],
        "郑某",
        id_number=FOREIGN_ID,
        rank="四级调研员",
        category=Category.LAW_ENFORCEMENT,
        law_enforcement=True,
    )


def _state(person_id: int) -> tuple[Any, ...]:
    return tuple(
        Person.objects.filter(pk=person_id)
        .values_list("unit__code", "name", "rank", "category", "law_enforcement")
        .get()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("dry_run", [False, True])
def test_an_out_of_scope_person_is_refused_like_an_unknown_row(
    tree: Any, actors: dict[str, Any], dry_run: bool
) -> None:
    foreigner = _foreigner(tree)
    before = _state(foreigner.id)
    audit_before = AuditEvent.objects.count()
    # The U1 officer puts the 郑州 person's ID number into their own unit …
    takeover, _ = roster_import(
        xlsx([row("郑某", FOREIGN_ID, unit="U1")]),
        actor=actors["unit_hr"],
        filename="r.xlsx",
        dry_run=dry_run,
    )
    # … and, for comparison, an unregistered person into a unit they do not administer.
    unknown, _ = roster_import(
        xlsx([row("路人", UNKNOWN_ID, unit="U3")]),
        actor=actors["unit_hr"],
        filename="r.xlsx",
        dry_run=dry_run,
    )
    assert errors_of(takeover) == errors_of(unknown) == [(2, "单位编码", ROW_NOT_IN_SCOPE)]
    assert "不在您的管辖范围内" in ROW_NOT_IN_SCOPE
    # The dry run answers neither 新增 nor 更新: the same counts and summary as the unknown row.
    assert (takeover.created, takeover.updated, takeover.unchanged, takeover.valid) == (0, 0, 0, 0)
    assert takeover.summary() == unknown.summary()
    assert takeover.written is False
    assert _state(foreigner.id) == before == ("U3", "郑某", "四级调研员", "enforcement", True)
    assert AuditEvent.objects.count() == audit_before


@pytest.mark.django_db
def test_skip_invalid_skips_the_out_of_scope_person_and_imports_the_rest(
    tree: Any, actors: dict[str, Any]
) -> None:
    foreigner = _foreigner(tree)
    report, _ = roster_import(
        xlsx([row("郑某", FOREIGN_ID, unit="U1"), row("新人", UNKNOWN_ID, unit="U1")]),
        actor=actors["unit_hr"],
        filename="r.xlsx",
        skip_invalid=True,
    )
    assert errors_of(report) == [(2, "单位编码", ROW_NOT_IN_SCOPE)]
    assert (report.created, report.updated, report.written) == (1, 0, True)
    assert _state(foreigner.id)[0] == "U3"
    assert Person.objects.get(name="新人").unit.code == "U1"


@pytest.mark.django_db
def test_the_upsert_service_itself_refuses_an_out_of_scope_person(
    tree: Any, actors: dict[str, Any]
) -> None:
    foreigner = _foreigner(tree)
    data = PersonInput(name="郑某", id_number=FOREIGN_ID, gender=Gender.MALE, unit_id=tree["U1"].id)
    with pytest.raises(NotFound):
        person_bulk_upsert(actor=actors["unit_hr"], rows=[data])
    assert _state(foreigner.id)[0] == "U3"


@pytest.mark.django_db
def test_a_move_by_import_is_audited_under_both_units(tree: Any, actors: dict[str, Any]) -> None:
    person = make_person(tree["U1"], "王五", id_number=UNKNOWN_ID)
    report, _ = roster_import(
        xlsx([row("王五", UNKNOWN_ID, unit="U2")]), actor=actors["city"], filename="r.xlsx"
    )
    assert (report.updated, report.written) == (1, True)
    rows = AuditEvent.objects.filter(action="person.update", object_id=str(person.id))
    assert sorted(rows.values_list("org_path", flat=True)) == sorted(
        [tree["U1"].path, tree["U2"].path]
    )
    for event in rows:
        assert event.changes["unit_id"] == [tree["U1"].id, tree["U2"].id]


@pytest.mark.django_db
def test_the_releasing_side_transfers_and_both_sides_see_it(tree: Any) -> None:
    person = make_person(tree["U1"], "王五", id_number=UNKNOWN_ID)
    releasing = make_user(Role.UNIT_HR, tree["U1"])
    career_event_record(
        actor=releasing,
        person=Person.objects.get(pk=person.id),
        kind=EventKind.TRANSFER,
        date=dt.date(2024, 3, 1),
        unit_id=tree["U3"].id,
    )
    assert Person.objects.get(pk=person.id).unit.code == "U3"
    paths = AuditEvent.objects.filter(
        action="career_event.record", object_id=str(person.id)
    ).values_list("org_path", flat=True)
    assert sorted(paths) == sorted([tree["U1"].path, tree["U3"].path])


@pytest.mark.django_db
def test_the_receiving_side_cannot_take_a_person_by_event(tree: Any) -> None:
    person = make_person(tree["U1"], "王五", id_number=UNKNOWN_ID)
    receiving = make_user(Role.UNIT_HR, tree["U3"])
    with pytest.raises(NotFound):
        career_event_record(
            actor=receiving,
            person=Person.objects.get(pk=person.id),
            kind=EventKind.TRANSFER,
            date=dt.date(2024, 3, 1),
            unit_id=tree["U3"].id,
        )
    taken, _ = events_import(
        csv_file(f"{UNKNOWN_ID},调动,2024-03-01,,,U3"), actor=receiving, filename="e.csv"
    )
    missing, _ = events_import(
        csv_file(f"{FOREIGN_ID},调动,2024-03-01,,,U3"), actor=receiving, filename="e.csv"
    )
    assert (
        errors_of(taken)
        == errors_of(missing)
        == [(2, "身份证号", "该身份证号未登记或不在您的管辖范围内")]
    )
    assert Person.objects.get(pk=person.id).unit.code == "U1"
    assert not CareerEvent.objects.filter(person_id=person.id, kind="transfer").exists()


@pytest.mark.django_db
def test_an_events_import_by_the_releasing_side_is_audited_under_both_units(tree: Any) -> None:
    person = make_person(tree["U1"], "王五", id_number=UNKNOWN_ID)
    releasing = make_user(Role.UNIT_HR, tree["U1"])
    report, _ = events_import(
        csv_file(f"{UNKNOWN_ID},调动,2024-03-01,,,U3"), actor=releasing, filename="e.csv"
    )
    assert (report.errors, report.created, report.written) == ([], 1, True)
    assert Person.objects.get(pk=person.id).unit.code == "U3"
    paths = AuditEvent.objects.filter(
        action="career_event.record", object_id=str(person.id)
    ).values_list("org_path", flat=True)
    assert sorted(paths) == sorted([tree["U1"].path, tree["U3"].path])
