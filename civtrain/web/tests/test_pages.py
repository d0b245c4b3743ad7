"""Site shell pages: login in Chinese and English, lockout, home per role, audit log,
error pages and the htmx error partial (issue 2 items 1, 6, 7, 9)."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import Role, User
from civtrain.core import clock
from civtrain.core.audit import audit_record
from civtrain.people.data import Category


def test_login_page_is_chinese_by_default(client: Client, db: Any) -> None:
    body = client.get("/login/").content.decode()
    assert '<html lang="zh-hans">' in body
    assert "<title>登录 · 公务员培训管理平台</title>" in body
    assert "登录名（不是身份证号）" in body


def test_an_english_browser_still_gets_chinese_until_the_user_switches(
    client: Client, db: Any
) -> None:
    body = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in body


def test_login_page_switches_to_english(client: Client, db: Any) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    body = client.get("/login/").content.decode()
    assert '<html lang="en">' in body
    assert "<title>Log in · Civil Servant Training Platform</title>" in body
    assert "登录" not in body


def test_login_then_home_and_logout(client: Client, actors: Any) -> None:
    user = actors["unit_hr"]
    # The password, then the second factor (#17 item 1): here its first enrolment.
    response = testing.login_through_pages(client, user.username, testing.TEST_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/")["Location"] == "/login/?next=/"


def test_wrong_password_shows_the_error_in_chinese(client: Client, actors: Any) -> None:
    body = client.post("/login/", {"username": actors["city"].username, "password": "x"}).content
    assert "用户名或密码不正确" in body.decode()


def test_five_failures_lock_the_account_even_for_the_right_password(
    client: Client, actors: Any
) -> None:
    username = actors["city"].username
    for _ in range(4):
        response = client.post("/login/", {"username": username, "password": "wrong-one"})
        assert response.status_code == 200
        assert "账号已锁定" not in response.content.decode()
    fifth = client.post("/login/", {"username": username, "password": "wrong-one"})
    assert "账号已锁定" in fifth.content.decode()
    right = client.post("/login/", {"username": username, "password": testing.TEST_PASSWORD})
    assert "账号已锁定" in right.content.decode()
    assert client.get("/").status_code == 302  # still not logged in


def _stat(body: str, css: str, code: str) -> str:
    section = body[body.index(f'data-org="{code}"') :]
    start = section.index(css) + len(css) + 2
    return section[start : section.index("<", start)]


def test_city_home_counts_districts_units_and_people(
    client: Client, tree: Any, actors: Any
) -> None:
    testing.make_person(tree["U1"], name="甲", category=Category.GENERAL)
    testing.make_person(tree["U1-1"], name="乙", category=Category.LAW_ENFORCEMENT)
    testing.make_person(tree["U2"], name="丙", category=Category.GENERAL)
    testing.make_person(tree["U3"], name="丁")  # the other city
    client.force_login(actors["city"])
    body = client.get("/").content.decode()
    assert _stat(body, "stat-districts", "C1") == "2"
    assert _stat(body, "stat-units", "C1") == "2"
    assert _stat(body, "stat-people", "C1") == "3"
    assert "市公务员局" in body and "审计日志" in body


def test_district_and_unit_home_count_their_own_subtree(
    client: Client, tree: Any, actors: Any
) -> None:
    testing.make_person(tree["U1"], name="甲", grassroots=True, law_enforcement=True)
    testing.make_person(tree["U1-1"], name="乙", basic_post=True)
    testing.make_person(tree["U2"], name="丙", grassroots=True)
    client.force_login(actors["district"])
    body = client.get("/").content.decode()
    assert _stat(body, "stat-units", "D1") == "1"
    assert _stat(body, "stat-people", "D1") == "2"
    client.force_login(actors["unit_hr"])
    body = client.get("/").content.decode()
    assert _stat(body, "stat-people", "U1") == "2"
    assert _stat(body, "stat-grassroots", "U1") == "1"
    assert _stat(body, "stat-basic-post", "U1") == "1"
    assert _stat(body, "stat-law", "U1") == "1"


def test_learner_home_shows_own_masked_profile_and_progress_placeholder(
    client: Client, tree: Any, monkeypatch: Any
) -> None:
    # Without the compliance app's template the home page keeps a placeholder.
    monkeypatch.setattr("civtrain.web.views.LEARNER_PROGRESS_TEMPLATE", "nowhere/_none.html")
    number = testing.make_id_number(dt.date(1991, 2, 3), serial=321)
    person = testing.make_person(tree["U1"], name="王五", id_number=number, rank="一级科员")
    client.force_login(User.objects.get(pk=person.user_id))
    body = client.get("/").content.decode()
    assert 'id="learner-profile"' in body
    assert "王五" in body and person.id_number_masked in body and number not in body
    assert "渝中区人力社保局" in body and "一级科员" in body
    assert 'id="learner-progress-placeholder"' in body


def test_learner_home_includes_the_progress_template_when_it_exists(
    client: Client, tree: Any, monkeypatch: Any
) -> None:
    # Any existing template stands in for compliance/_learner_progress.html here.
    monkeypatch.setattr("civtrain.web.views.LEARNER_PROGRESS_TEMPLATE", "people/_revealed_id.html")
    person = testing.make_person(tree["U1"], name="王五")
    client.force_login(User.objects.get(pk=person.user_id))
    body = client.get("/").content.decode()
    assert 'id="revealed-id"' in body and 'id="learner-progress-placeholder"' not in body


@pytest.mark.parametrize(
    ("role", "marker"),
    [
        (Role.INSTITUTION, "home-institution"),
        (Role.TEACHER, "home-teacher"),
        (Role.EVALUATOR, "home-evaluator"),
    ],
)
def test_other_roles_get_a_page_of_what_is_coming(
    client: Client, tree: Any, role: Role, marker: str
) -> None:
    client.force_login(testing.make_user(role, tree["C1"]))
    body = client.get("/").content.decode()
    assert f'id="{marker}"' in body
    assert "stat-people" not in body


def test_menu_follows_the_role(client: Client, actors: Any) -> None:
    client.force_login(actors["city"])
    body = client.get("/").content.decode()
    assert 'href="/audit/"' in body and 'href="/orgs/"' in body
    client.force_login(actors["unit_hr"])
    body = client.get("/").content.decode()
    assert 'href="/audit/"' not in body and 'href="/people/"' in body
    client.force_login(actors["teacher"])
    body = client.get("/").content.decode()
    assert 'href="/people/"' not in body and 'href="/orgs/"' not in body


def _audit_rows(body: str) -> int:
    table = body[body.index('id="audit-table"') : body.index("</table>")]
    return table.count("<tr>") - 1  # minus the header row


def test_audit_page_shows_only_the_city_s_events_and_filters(
    client: Client, tree: Any, actors: Any
) -> None:
    clock.freeze(dt.datetime(2026, 3, 1, 10, 0, tzinfo=clock.TZ))
    audit_record(
        actor=actors["city"],
        action="test.alpha",
        object_type="thing",
        object_label="一号",
        org_path=tree["U1"].path,
    )
    clock.freeze(dt.datetime(2026, 3, 5, 10, 0, tzinfo=clock.TZ))
    audit_record(
        actor=actors["district"],
        action="test.beta",
        object_type="thing",
        object_label="二号",
        org_path=tree["D1"].path,
    )
    audit_record(
        actor=actors["other_city"],
        action="test.alpha",
        object_type="thing",
        object_label="郑州的",
        org_path=tree["U3"].path,
    )
    clock.freeze(None)
    client.force_login(actors["city"])

    body = client.get("/audit/", {"object_type": "thing"}).content.decode()
    assert _audit_rows(body) == 2 and "郑州的" not in body

    body = client.get("/audit/", {"object_type": "thing", "action": "test.alpha"}).content.decode()
    assert _audit_rows(body) == 1 and "一号" in body

    body = client.get(
        "/audit/", {"object_type": "thing", "date_from": "2026-03-02", "date_to": "2026-03-05"}
    ).content.decode()
    assert _audit_rows(body) == 1 and "二号" in body

    actor_name = str(actors["district"])
    body = client.get("/audit/", {"object_type": "thing", "actor": actor_name}).content.decode()
    assert _audit_rows(body) == 1 and "二号" in body

    client.force_login(actors["other_city"])
    body = client.get("/audit/", {"object_type": "thing"}).content.decode()
    assert _audit_rows(body) == 1 and "郑州的" in body


def test_audit_page_is_read_only(client: Client, actors: Any) -> None:
    client.force_login(actors["city"])
    assert client.post("/audit/").status_code == 405
    body = client.get("/audit/").content.decode()
    assert "<form" in body and 'method="post"' not in body.split('id="audit-results"')[1]


def test_htmx_audit_request_returns_only_the_table(client: Client, actors: Any) -> None:
    client.force_login(actors["city"])
    body = client.get("/audit/", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="audit-table"' in body and "<html" not in body


def test_unknown_page_is_a_chinese_404(client: Client, actors: Any) -> None:
    client.force_login(actors["city"])
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_htmx_error_partial_renders_the_application_error(client: Client, tree: Any) -> None:
    person = testing.make_person(tree["U1"], name="赵六")
    client.force_login(User.objects.get(pk=person.user_id))
    response = client.post(f"/people/{person.id}/reveal-id/", HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert response["HX-Retarget"] == "#app-errors"
    body = response.content.decode()
    assert 'data-error-code="permission_denied"' in body and "您无权查看完整身份证号" in body
    assert "<html" not in body


def test_server_error_page_is_chinese_and_keeps_the_layout(rf: Any, actors: Any) -> None:
    from civtrain.web.views import error_500

    request = rf.get("/boom/")
    request.user = actors["city"]
    response = error_500(request)
    body = response.content.decode()
    assert response.status_code == 500
    assert "服务器出现错误，已记录，请稍后重试。" in body and '<html lang="zh-hans">' in body


def test_permission_denied_page_is_chinese(client: Client, actors: Any) -> None:
    client.force_login(actors["teacher"])
    response = client.get("/people/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "没有访问权限" in body and "只有人事管理部门可以查看人员名册" in body


def test_an_api_path_no_route_matches_answers_json_not_a_page(client: Client, db: Any) -> None:
    # A newline in a path segment slips past the API's catch-all route (found by fuzzing).
    response = client.get("/api/v1/classes/%0A")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
