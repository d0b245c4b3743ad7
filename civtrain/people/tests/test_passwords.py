"""HR issues and resets login passwords for the people in its scope (#11 item 1): one at a
time from the person's page, in bulk from the list (a selection, or everyone the filters
select), with a slip per person to print or download; out of scope answers as absent."""

import io
import re
from typing import Any

from django.test import Client
from python_calamine import CalamineWorkbook

from civtrain import testing
from civtrain.accounts.api import SYSTEM, Role, User, role_assign
from civtrain.core.models import AuditEvent
from civtrain.people.data import Status
from civtrain.people.models import Person

SLIP = re.compile(
    r'<section class="password-slip" data-person="(?P<id>\d+)">.*?'
    r'class="slip-name">(?P<name>[^<]*)<.*?class="slip-unit">(?P<unit>[^<]*)<.*?'
    r'class="slip-login">(?P<login>[^<]*)<.*?class="slip-password">(?P<password>[^<]*)<',
    re.S,
)


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def slips(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content.decode()[:500]
    assert response["Cache-Control"] == "no-store"
    return [m.groupdict() for m in SLIP.finditer(response.content.decode())]


def logs_in(username: str, password: str) -> bool:
    response = Client().post("/login/", {"username": username, "password": password})
    return response.status_code == 302


def passwords(*names: str) -> list[str]:
    return [User.objects.get(person__name=n).password for n in names]


def test_hr_issues_one_password_from_the_persons_page(tree: Any, actors: dict[str, Any]) -> None:
    person = testing.make_person(tree["U1-1"], "王五")
    hr = login(actors["unit_hr"])
    page = hr.get(f"/people/{person.id}/").content.decode()
    user = User.objects.get(pk=person.user_id)
    assert f'id="person-login-name">{user.username}<' in page
    assert "尚未发放" in page and "发放密码并打印凭条" in page
    [slip] = slips(hr.post(f"/people/{person.id}/password/", {"output": "print"}))
    assert slip == {
        "id": str(person.id),
        "name": "王五",
        "unit": "渝中区人力社保局 · 办公室",
        "login": user.username,
        "password": slip["password"],
    }
    assert logs_in(user.username, slip["password"])
    page = hr.get(f"/people/{person.id}/").content.decode()
    assert "已发放，待本人首次登录后修改" in page and "重置密码并打印凭条" in page
    [event] = AuditEvent.objects.filter(action="user.password_issue")
    assert (event.actor_id, event.object_id, event.org_path) == (
        actors["unit_hr"].pk,
        str(user.pk),
        tree["U1-1"].path,
    )
    # A reset replaces it: the old slip no longer opens the account.
    [again] = slips(hr.post(f"/people/{person.id}/password/", {"output": "print"}))
    assert not logs_in(user.username, slip["password"])
    assert logs_in(user.username, again["password"])
    assert AuditEvent.objects.filter(action="user.password_reset").count() == 1


def test_the_slip_downloads_as_a_spreadsheet(tree: Any, actors: dict[str, Any]) -> None:
    person = testing.make_person(tree["U1"], "王五")
    response = login(actors["district"]).post(f"/people/{person.id}/password/", {"output": "xlsx"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "attachment" in response["Content-Disposition"]
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    header, row = rows.to_python()
    assert header == ["姓名", "单位", "登录名", "初始密码"]
    login_name = User.objects.get(pk=person.user_id).username
    assert row[:3] == ["王五", "渝中区人力社保局", login_name]
    assert logs_in(login_name, row[3])


def _same_answer(a: Any, b: Any) -> None:
    """Two pages that must not be told apart (the CSRF token differs per page, and the
    language switch names the page's own address)."""
    token = re.compile(r"[A-Za-z0-9]{64}")
    pages = [
        token.sub("", r.content.decode()).replace(r.wsgi_request.path, "PATH").splitlines()
        for r in (a, b)
    ]
    assert a.status_code == b.status_code
    assert pages[0] == pages[1]


def test_out_of_scope_answers_exactly_like_absent_and_writes_nothing(
    tree: Any, actors: dict[str, Any]
) -> None:
    mine = testing.make_person(tree["U1"], "王五")
    theirs = testing.make_person(tree["U2"], "李四")  # 江北区: not the U1 officer's
    foreign = testing.make_person(tree["U3"], "钱七")  # another city
    absent = max(Person.objects.values_list("pk", flat=True)) + 100
    before = passwords("王五", "李四", "钱七")
    hr = login(actors["unit_hr"])
    for person_id in (theirs.id, foreign.id):
        _same_answer(
            hr.post(f"/people/{person_id}/password/", {"output": "print"}),
            hr.post(f"/people/{absent}/password/", {"output": "print"}),
        )
        # One foreign person in a selection spoils it all, in the same words.
        _same_answer(
            hr.post("/people/passwords/", {"person": [mine.id, person_id]}),
            hr.post("/people/passwords/", {"person": [mine.id, absent]}),
        )
    response = hr.post(f"/people/{theirs.id}/password/", {"output": "print"})
    assert response.status_code == 404
    assert "人员不存在或不在您的管辖范围内" in response.content.decode()
    assert passwords("王五", "李四", "钱七") == before
    assert not AuditEvent.objects.filter(action__startswith="user.password_").exists()


def test_a_learner_cannot_issue_even_for_themself(tree: Any, actors: dict[str, Any]) -> None:
    person = testing.make_person(tree["U1"], "王五")
    learner = User.objects.get(pk=person.user_id)
    learner.set_password(testing.TEST_PASSWORD)
    learner.save()
    response = login(learner).post(f"/people/{person.id}/password/", {"output": "print"})
    assert response.status_code == 403
    assert User.objects.get(pk=learner.pk).check_password(testing.TEST_PASSWORD)


def test_bulk_issues_for_the_people_ticked(tree: Any, actors: dict[str, Any]) -> None:
    a = testing.make_person(tree["U1"], "王五")
    b = testing.make_person(tree["U1-1"], "李四")
    testing.make_person(tree["U1"], "赵六")
    hr = login(actors["unit_hr"])
    listed = hr.get("/people/").content.decode()
    for p in (a, b):  # the list shows each login name, with a box to tick
        username = User.objects.get(pk=p.user_id).username
        assert f">{username}<" in listed
        assert f'name="person" value="{p.id}" form="people-password-form"' in listed
    got = slips(hr.post("/people/passwords/", {"person": [str(b.id), str(a.id)], "all": ""}))
    assert [s["name"] for s in got] == ["王五", "李四"]  # by unit, then name
    assert all(logs_in(s["login"], s["password"]) for s in got)
    assert AuditEvent.objects.filter(action="user.password_issue").count() == 2
    assert not User.objects.get(person__name="赵六").has_usable_password()


def test_bulk_issues_for_every_active_person_the_filters_select(
    tree: Any, actors: dict[str, Any]
) -> None:
    for name in ("王五", "李四", "孙八"):
        testing.make_person(tree["U1"], name)
    testing.make_person(tree["U1"], "退休者")
    Person.objects.filter(name="退休者").update(status=Status.RETIRED)
    testing.make_person(tree["U2"], "江北人")  # in the district, outside the unit filter
    district = login(actors["district"])
    got = slips(district.post("/people/passwords/", {"all": "1", "unit_id": str(tree["U1"].id)}))
    assert sorted(s["name"] for s in got) == ["孙八", "李四", "王五"]
    assert not User.objects.get(person__name="退休者").has_usable_password()
    assert not User.objects.get(person__name="江北人").has_usable_password()


def test_a_retired_person_or_a_staff_account_gets_no_password(
    tree: Any, actors: dict[str, Any]
) -> None:
    retired = testing.make_person(tree["U1"], "退休者")
    Person.objects.filter(pk=retired.id).update(status=Status.RETIRED)
    staff = testing.make_person(tree["U1"], "人事干部")
    role_assign(
        actor=SYSTEM,
        user=User.objects.get(pk=staff.user_id),
        role=Role.UNIT_HR,
        org_id=tree["U1"].id,
    )
    hr = login(actors["unit_hr"])
    refused = hr.post(f"/people/{retired.id}/password/", {"output": "print"})
    assert (
        refused.status_code == 422 and "只能为在职人员发放密码：退休者" in refused.content.decode()
    )
    refused = hr.post(f"/people/{staff.id}/password/", {"output": "print"})
    assert refused.status_code == 422 and "担任管理角色" in refused.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="user.password_").exists()


def test_nothing_selected_is_a_clear_error(tree: Any, actors: dict[str, Any]) -> None:
    response = login(actors["unit_hr"]).post("/people/passwords/", {"all": ""})
    assert response.status_code == 422
    assert "请先选择要发放密码的人员" in response.content.decode()
