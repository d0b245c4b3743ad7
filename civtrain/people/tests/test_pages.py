"""People pages: list with search, filters, sorting and pagination at a constant query
count; person detail with career history and audit trail; create / edit / career-event
forms through the services (issue 2 items 4 and 9)."""

import datetime as dt
import re
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civtrain import testing
from civtrain.accounts.api import User
from civtrain.core.models import AuditEvent
from civtrain.people.api import person_data, person_id_by_id_number
from civtrain.people.data import Category


def _names(body: str) -> list[str]:
    table = body[body.index('id="people-table"') : body.index("</table>")]
    return re.findall(r'<a href="/people/\d+/">([^<]+)</a>', table)


def test_list_query_count_does_not_grow_with_rows(client: Client, tree: Any, actors: Any) -> None:
    # One of them in a department from the start: a department's label names its unit, read
    # in one query for the page whatever the number of rows (organisations.pickers.labels).
    for i in range(3):
        testing.make_person(tree["U1-1" if i == 0 else "U1"], name=f"甲{i}")
    client.force_login(actors["city"])
    client.get("/people/")
    with CaptureQueriesContext(connection) as few:
        body = client.get("/people/").content.decode()
    assert len(_names(body)) == 3
    for i in range(40):
        testing.make_person(tree["U1-1" if i % 2 else "U2"], name=f"乙{i:02d}")
    with CaptureQueriesContext(connection) as many:
        body = client.get("/people/").content.decode()
    assert len(_names(body)) == 43
    assert len(many.captured_queries) == len(few.captured_queries)


def test_list_is_paginated_by_fifty(client: Client, tree: Any, actors: Any) -> None:
    for i in range(51):
        testing.make_person(tree["U1"], name=f"员{i:02d}")
    client.force_login(actors["unit_hr"])
    first = client.get("/people/", {"sort": "name"}).content.decode()
    assert len(_names(first)) == 50 and "第 1–50 条，共 51 条" in first
    second = client.get("/people/", {"sort": "name", "page": 2}).content.decode()
    assert _names(second) == ["员50"]


def test_search_by_name_and_by_full_id_number(client: Client, tree: Any, actors: Any) -> None:
    number = testing.make_id_number(dt.date(1980, 1, 1), serial=11)
    testing.make_person(tree["U1"], name="张伟", id_number=number)
    testing.make_person(tree["U1"], name="李伟")
    testing.make_person(tree["U1"], name="王芳")
    client.force_login(actors["unit_hr"])
    assert sorted(_names(client.get("/people/", {"q": "伟"}).content.decode())) == ["张伟", "李伟"]
    # Issue 8 item 7: the search form POSTs; an ID number is answered in place, no URL.
    response = client.post("/people/", {"q": number.lower(), "sort": "name"})
    assert response.status_code == 200
    body = response.content.decode()
    assert _names(body) == ["张伟"]
    assert number not in body and number.lower() not in body.split('id="people-table"')[1]
    # The export form (a POST) carries the search in its body, never in a link.
    assert f"?q={number}" not in body and f"q={number.lower()}" not in body
    # A name is sent on to the GET URL, which keeps it.
    named = client.post("/people/", {"q": "伟", "sort": "name"})
    assert (named.status_code, named["Location"]) == (302, "/people/?q=%E4%BC%9F&sort=name")


def test_an_id_number_never_reaches_a_url(client: Client, tree: Any, actors: Any) -> None:
    number = testing.make_id_number(dt.date(1980, 1, 1), serial=12)
    testing.make_person(tree["U1"], name="张伟", id_number=number)
    client.force_login(actors["unit_hr"])
    # htmx (live search): the URL pushed keeps the filters but not the number.
    live = client.post(
        "/people/",
        {"q": number, "unit": tree["U1"].id},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="people-results",
    )
    assert _names(live.content.decode()) == ["张伟"]
    assert live["HX-Push-Url"] == f"/people/?unit={tree['U1'].id}"
    # A GET with the number (an old bookmark, a hand-made link) is sent back without it.
    response = client.get(f"/people/?q={number}&unit={tree['U1'].id}")
    assert response.status_code == 302
    assert response["Location"] == f"/people/?unit={tree['U1'].id}"
    followed = client.get(f"/people/?q={number}", follow=True).content.decode()
    assert "身份证号不能放在网址中" in followed


def test_filters_by_unit_subtree_category_rank_level_and_flags(
    client: Client, tree: Any, actors: Any
) -> None:
    testing.make_person(tree["U1"], name="甲", rank="一级科员", grassroots=True)
    testing.make_person(
        tree["U1-1"], name="乙", category=Category.LAW_ENFORCEMENT, law_enforcement=True
    )
    testing.make_person(tree["U2"], name="丙", rank="一级科员", leadership_level="section_chief")
    client.force_login(actors["city"])

    def names(**params: Any) -> list[str]:
        return sorted(_names(client.get("/people/", params).content.decode()))

    assert names(unit=tree["U1"].id) == ["乙", "甲"]
    assert names(unit=tree["D2"].id) == ["丙"]
    assert names(category="enforcement") == ["乙"]
    assert names(rank="一级科员") == ["丙", "甲"]
    assert names(leadership_level="section_chief") == ["丙"]
    assert names(grassroots="1") == ["甲"]
    assert names(grassroots="0") == ["丙", "乙"]
    assert names(law_enforcement="1", unit=tree["U1"].id) == ["乙"]


def test_a_unit_outside_scope_filters_to_nothing(client: Client, tree: Any, actors: Any) -> None:
    testing.make_person(tree["U2"], name="丙")
    client.force_login(actors["unit_hr"])
    body = client.get("/people/", {"unit": tree["U2"].id}).content.decode()
    assert _names(body) == [] and "丙" not in body


def test_sorting(client: Client, tree: Any, actors: Any) -> None:
    testing.make_person(tree["U1"], name="A", birth_date=dt.date(1990, 1, 1))
    testing.make_person(tree["U1"], name="B", birth_date=dt.date(1980, 1, 1))
    testing.make_person(tree["U1"], name="C", birth_date=dt.date(1985, 1, 1))
    client.force_login(actors["unit_hr"])
    assert _names(client.get("/people/", {"sort": "-name"}).content.decode()) == ["C", "B", "A"]
    body = client.get("/people/", {"sort": "birth_date"}).content.decode()
    assert _names(body) == ["B", "C", "A"]


def test_htmx_request_updates_only_the_table(client: Client, tree: Any, actors: Any) -> None:
    testing.make_person(tree["U1"], name="甲")
    client.force_login(actors["unit_hr"])
    response = client.get(
        "/people/", {"q": "甲"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="people-results"
    )
    body = response.content.decode()
    assert "<html" not in body and _names(body) == ["甲"]


def test_detail_shows_profile_history_and_audit_trail(
    client: Client, tree: Any, actors: Any
) -> None:
    person = testing.make_person(tree["U1"], name="周七", rank="一级科员", phone="13912345678")
    client.force_login(actors["unit_hr"])
    client.post(
        f"/people/{person.id}/events/",
        {"kind": "promoted", "date": "2024-06-01", "leadership_level": "section_deputy"},
    )
    body = client.get(f"/people/{person.id}/").content.decode()
    assert person.id_number_masked in body and "139******78" in body
    timeline = body[body.index('id="career-events"') :]
    assert "2024-06-01" in timeline and "晋升" in timeline and "乡科级副职" in timeline
    audit = body[body.index('id="person-audit"') :]
    assert "person.create" in audit and "career_event.record" in audit
    assert "显示完整身份证号" in body
    assert f'href="/credits/record/{person.id}/"' in body  # the person's training record


def test_learner_sees_own_record_without_audit_trail_or_reveal(client: Client, tree: Any) -> None:
    person = testing.make_person(tree["U1"], name="吴八")
    client.force_login(User.objects.get(pk=person.user_id))
    body = client.get(f"/people/{person.id}/").content.decode()
    assert "吴八" in body
    assert 'id="person-audit"' not in body and "显示完整身份证号" not in body
    assert f"/people/{person.id}/edit/" not in body


def test_reveal_shows_the_number_once_and_audits_it(client: Client, tree: Any, actors: Any) -> None:
    number = testing.make_id_number(dt.date(1979, 9, 9), serial=909)
    person = testing.make_person(tree["U1"], name="郑九", id_number=number)
    client.force_login(actors["district"])
    assert number not in client.get(f"/people/{person.id}/").content.decode()
    page = client.get(f"/people/{person.id}/").content.decode()
    assert 'name="purpose"' in page and "核对人员身份" in page and 'name="reason"' in page
    # Without a purpose from the list and a note the reveal is refused and audits nothing
    # (#8 item 13, #17 item 4).
    for purpose, reason, message in (
        ("", "核对档案", "请选择导出或查看完整身份证号、手机号的用途"),
        ("curiosity", "核对档案", "请选择导出或查看完整身份证号、手机号的用途"),
        ("identity_check", "", "请填写用途说明"),
        ("identity_check", "  ", "请填写用途说明"),
        ("identity_check", "x", "请填写用途说明"),
    ):
        refused = client.post(
            f"/people/{person.id}/reveal-id/",
            {"purpose": purpose, "reason": reason},
            HTTP_HX_REQUEST="true",
        )
        assert refused.status_code == 422 and number not in refused.content.decode()
        assert message in refused.content.decode()
    assert not AuditEvent.objects.filter(action="person.reveal_id").exists()
    response = client.post(
        f"/people/{person.id}/reveal-id/",
        {"purpose": "report_superior", "reason": "报送区委组织部"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and number in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="person.reveal_id")
    assert (event.actor_id, event.object_id) == (actors["district"].pk, str(person.id))
    assert event.changes["reason"] == "向上级主管部门报送：报送区委组织部"
    assert client.get(f"/people/{person.id}/reveal-id/").status_code == 405
    # Without htmx the number comes on a page of its own, inside the layout.
    page = client.post(
        f"/people/{person.id}/reveal-id/", {"purpose": "other", "reason": "核对档案"}
    ).content.decode()
    assert number in page and "<html" in page and "返回人员详情" in page
    assert AuditEvent.objects.filter(action="person.reveal_id").count() == 2


def test_create_person_through_the_form(client: Client, tree: Any, actors: Any) -> None:
    number = testing.make_id_number(dt.date(1995, 5, 5), serial=55)
    client.force_login(actors["unit_hr"])
    response = client.post(
        "/people/new/",
        {
            "name": "新人",
            "id_number": number,
            "gender": "F",
            "unit": tree["U1-1"].id,
            "category": "general",
            "rank": "二级科员",
            "grassroots": "on",
            "reporting_date": "2025-09-01",
        },
    )
    assert response.status_code == 302
    person_id = int(response["Location"].strip("/").split("/")[-1])
    created = person_data(person_id)
    assert (created.name, created.unit_id, created.rank, created.grassroots) == (
        "新人",
        tree["U1-1"].id,
        "二级科员",
        True,
    )
    assert created.reporting_date == dt.date(2025, 9, 1)


def test_create_refuses_bad_id_number_and_units_outside_scope(
    client: Client, tree: Any, actors: Any
) -> None:
    client.force_login(actors["unit_hr"])
    bad = testing.make_id_number(serial=56)
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")
    body = client.post(
        "/people/new/",
        {
            "name": "错号",
            "id_number": bad,
            "gender": "M",
            "unit": tree["U1"].id,
            "category": "general",
        },
    ).content.decode()
    assert "身份证号校验位错误" in body
    body = client.post(
        "/people/new/",
        {
            "name": "越权",
            "id_number": testing.make_id_number(serial=57),
            "gender": "M",
            "unit": tree["U2"].id,
            "category": "general",
        },
    ).content.decode()
    assert "该单位不存在或不在您的管辖范围内" in body  # U2 is outside the officer's units
    assert person_id_by_id_number(testing.make_id_number(serial=57)) is None


def test_edit_keeps_the_id_number_when_left_blank(client: Client, tree: Any, actors: Any) -> None:
    number = testing.make_id_number(dt.date(1970, 7, 7), serial=77)
    person = testing.make_person(
        tree["U1"], name="钱十", id_number=number, birth_date=dt.date(1970, 7, 7)
    )
    client.force_login(actors["unit_hr"])
    form = client.get(f"/people/{person.id}/edit/").content.decode()
    assert number not in form and person.id_number_masked in form
    # The birth date is the ID number's and only its year is ever shown (issue 8 item 3).
    assert "1970-07-07" not in form
    response = client.post(
        f"/people/{person.id}/edit/",
        {
            "name": "钱十",
            "id_number": "",
            "gender": "M",
            "unit": tree["U1"].id,
            "category": "general",
            "rank": "一级主任科员",
        },
    )
    assert response.status_code == 302
    after = person_data(person.id)
    assert after.rank == "一级主任科员" and after.id_number_masked == person.id_number_masked
    event = AuditEvent.objects.filter(action="person.update").latest("id")
    assert event.changes["rank"] == ["", "一级主任科员"]


def test_career_event_errors_are_shown(client: Client, tree: Any, actors: Any) -> None:
    person = testing.make_person(tree["U1"], name="孙一")
    client.force_login(actors["unit_hr"])
    response = client.post(
        f"/people/{person.id}/events/", {"kind": "promoted", "date": "2024-01-01"}, follow=True
    )
    assert "晋升事件必须注明职务层次" in response.content.decode()
