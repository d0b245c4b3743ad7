"""The roster import's audit rows reach the bureaus concerned (#8 item 9): learner accounts
one by one under their units, and the import itself under the scope it wrote."""

from typing import Any

from civtrain import testing
from civtrain.accounts.api import Role
from civtrain.people.imports import roster_import
from civtrain.people.tests.test_import_roster import row, xlsx
from civtrain.web.selectors import AuditFilters, audit_event_list


def seen_by(actor: Any, action: str) -> list[Any]:
    """What the audit page lists to `actor` for `action`."""
    return list(audit_event_list(actor=actor, filters=AuditFilters(action=action)))


def test_learner_accounts_are_audited_one_by_one_and_bulk(
    tree: Any, actors: dict[str, Any]
) -> None:
    person = testing.make_person(tree["U1"], "单个")
    data = xlsx(
        [row("批一", testing.make_id_number()), row("批二", testing.make_id_number(), "U2")]
    )
    report, _ = roster_import(data, actor=actors["city"], filename="r.xlsx")
    assert report.created == 2, report.errors
    created = seen_by(actors["city"], "user.create")
    by_label = {e.object_label: e for e in created}
    assert set(by_label) >= {"单个", "批一", "批二"}
    assert by_label["单个"].object_id == str(person.user_id)
    assert by_label["单个"].org_path == tree["U1"].path
    assert by_label["批二"].org_path == tree["U2"].path
    assert by_label["批二"].changes["role"] == Role.LEARNER.value


def test_the_import_is_filed_under_the_scope_it_wrote(tree: Any, actors: dict[str, Any]) -> None:
    city = actors["city"]
    data = xlsx([row("甲", testing.make_id_number()), row("乙", testing.make_id_number(), "U2")])
    roster_import(data, actor=actors["city"], filename="r.xlsx")
    [event] = seen_by(city, "person.import")
    assert event.org_path == tree["C1"].path  # U1 and U2 meet at the city
    hr_file = xlsx([row("丙", testing.make_id_number())])
    roster_import(hr_file, actor=actors["unit_hr"], filename="hr.xlsx")
    newest = seen_by(city, "person.import")[0]  # the list is newest first
    assert newest.org_path == tree["U1"].path
