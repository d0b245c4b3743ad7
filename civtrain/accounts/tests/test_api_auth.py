"""API authentication: sessions with CSRF, bearer tokens, the 401 answer, create-token."""

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from civtrain import testing
from civtrain.accounts.api import SYSTEM, Role, api_token_create
from civtrain.core.models import AuditEvent

UNAUTHENTICATED = {
    "error": {
        "code": "authentication_required",
        "message": "请先登录或提供有效的 API 令牌",
        "details": {},
    }
}


def _org_body(tree: Any, code: str = "U9") -> str:
    return json.dumps({"code": code, "name": "新单位", "kind": "unit", "parent_id": tree["D1"].id})


@pytest.mark.parametrize(
    "url", ["/api/v1/orgs", "/api/v1/people", "/api/v1/orgs/1", "/api/v1/people/1/events"]
)
def test_anonymous_gets_structured_401(db: Any, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_bearer_token_acts_with_its_users_roles(tree: Any) -> None:
    user = testing.make_user(Role.DISTRICT_BUREAU, tree["D1"])
    key = api_token_create(actor=SYSTEM, user=user, name="人事系统")
    response = Client().get("/api/v1/orgs", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert [o["code"] for o in response.json()["items"]] == ["D1", "U1", "U1-1"]


def test_unknown_or_malformed_token_is_401(tree: Any) -> None:
    for header in ("Bearer ct_not-a-real-token", "Token abc", "Bearer"):
        response = Client().get("/api/v1/orgs", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header
        assert response.json() == UNAUTHENTICATED


def test_session_write_needs_csrf_token(tree: Any, actors: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(actors["city"])
    response = client.post("/api/v1/orgs", _org_body(tree), content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert not AuditEvent.objects.filter(action="org.create", object_label__contains="U9").exists()

    client.get("/api/v1/orgs")  # reads need no token
    client.cookies["csrftoken"] = "a" * 32
    response = client.post(
        "/api/v1/orgs", _org_body(tree), content_type="application/json", HTTP_X_CSRFTOKEN="a" * 32
    )
    assert response.status_code == 201
    assert response.json()["code"] == "U9"


def test_token_write_needs_no_csrf_token(tree: Any) -> None:
    user = testing.make_user(Role.CITY_BUREAU, tree["C1"])
    key = api_token_create(actor=SYSTEM, user=user, name="同步")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/orgs",
        _org_body(tree, "U8"),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 201
    event = AuditEvent.objects.get(action="org.create", object_id=str(response.json()["id"]))
    assert event.actor_id == user.pk


def test_revoked_token_is_refused(tree: Any) -> None:
    user = testing.make_user(Role.CITY_BUREAU, tree["C1"])
    key = api_token_create(actor=SYSTEM, user=user, name="旧系统")
    user.api_tokens.update(revoked=True)
    response = Client().get("/api/v1/orgs", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401


def test_create_token_command_prints_a_working_token(tree: Any) -> None:
    user = testing.make_user(Role.UNIT_HR, tree["U1"], username="hr-u1")
    out = io.StringIO()
    call_command("create_token", "hr-u1", "考勤系统", stdout=out)
    key = out.getvalue().strip()
    assert key.startswith("ct_")
    assert user.api_tokens.get().name == "考勤系统"
    response = Client().get("/api/v1/orgs", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert [o["code"] for o in response.json()["items"]] == ["U1", "U1-1"]
    assert AuditEvent.objects.filter(action="token.create", object_id=str(user.pk)).count() == 1


def test_create_token_command_refuses_unknown_user(db: Any) -> None:
    with pytest.raises(CommandError, match="不存在"):
        call_command("create_token", "nobody", "x", stdout=io.StringIO())


def test_docs_page_loads_swagger_from_our_static_files(db: Any) -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/people/{person_id}/reveal-id" in schema["paths"]


def test_wrong_method_and_unknown_path_answer_in_json(tree: Any, actors: dict[str, Any]) -> None:
    client = Client()
    client.force_login(actors["city"])
    response = client.delete("/api/v1/orgs")
    assert response.status_code == 405
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}
    assert response.json()["error"]["code"] == "method_not_allowed"
    for url in ("/api/v1/orgs/abc", "/api/v1/orgs/-1", "/api/v1/nothing-here"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found"


def test_nul_characters_are_refused_before_the_database(tree: Any, actors: dict[str, Any]) -> None:
    # PostgreSQL text cannot store NUL; the API must say so, not fail with a 500.
    client = Client()
    client.force_login(actors["city"])
    response = client.get("/api/v1/orgs", {"q": "a\x00b"})
    assert (response.status_code, response.json()["error"]["code"]) == (422, "validation_error")
    body = json.dumps({"code": "N\x00", "name": "x", "kind": "unit", "parent_id": tree["D1"].id})
    response = client.post("/api/v1/orgs", body, content_type="application/json")
    assert response.status_code == 422
    assert client.get("/api/v1/orgs").json()["count"] == 6


def test_me_shows_the_callers_roles_for_session_and_token(tree: Any) -> None:
    user = testing.make_user(Role.DISTRICT_BUREAU, tree["D1"], username="d1-officer")
    expected = {
        "id": user.pk,
        "username": "d1-officer",
        "display_name": "区县公务员主管部门D1",
        "roles": [
            {
                "role": "district_bureau",
                "role_label": "区县公务员主管部门",
                "org_id": tree["D1"].id,
                "org_code": "D1",
                "org_name": "渝中区",
            }
        ],
    }
    client = Client()
    client.force_login(user)
    assert client.get("/api/v1/me").json() == expected
    key = api_token_create(actor=SYSTEM, user=user, name="自检")
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").json() == expected
    assert Client().get("/api/v1/me").status_code == 401
